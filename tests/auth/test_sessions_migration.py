"""The sessions migration on a database with users in it: SQLite refuses to rebuild a table
that other rows reference, so the old column is dropped in place, both ways."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import base_config


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(db.session.connection()).get_columns(table)}


def test_existing_users_survive_the_sessions_migration_and_its_downgrade(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        upgrade(revision="0010_accounts")
        conn = db.session.connection()
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, code, name_zh, name_en, is_active, is_platform)"
                " VALUES (10, 'SH', '上海', 'Shanghai', 1, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, display_name, password_hash, agency_id,"
                " active, created_at, session_version)"
                " VALUES (1, 'officer', '专员', 'x', 10, 1, '2026-01-01 00:00:00', 3)"
            )
        )
        conn.execute(sa.text("INSERT INTO user_roles VALUES (1, 'officer')"))
        db.session.commit()
        upgrade(revision="0008_sessions")
        assert "session_version" not in _columns("users")
        assert {"user_sessions", "login_throttles"} <= set(
            sa.inspect(db.session.connection()).get_table_names()
        )
        assert db.session.execute(sa.text("SELECT username FROM users")).scalars().all() == [
            "officer"
        ]
        db.session.commit()
        downgrade(revision="0010_accounts")
        assert db.session.execute(sa.text("SELECT session_version FROM users")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
