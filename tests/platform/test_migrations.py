"""The migration history stays a single line of heads: `flask db upgrade` with no argument
works only while there is exactly one head."""

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_migrations_have_one_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads, add a merge revision: {sorted(heads)}"


def test_database_is_at_the_head(app, db):
    from alembic.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    conn = db.session.connection()
    assert MigrationContext.configure(conn).get_current_heads() == (head,)
