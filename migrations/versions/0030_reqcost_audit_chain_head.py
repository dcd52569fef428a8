"""the audit chain's lock and head in one statement (PostgreSQL)

Revision ID: 0030_reqcost_audit_chain_head
Revises: 0030_listsearch_search_grams
Create Date: 2026-12-07 06:10:00

Every audited request took the chain's advisory lock, then read the newest entry's hash:
two round trips, since one statement cannot do both (its snapshot is taken before the lock
is granted, so it could read a head another writer has already moved on). A PL/pgSQL
function can: a VOLATILE function takes a fresh snapshot for each query it runs, so the
head is read after the lock is held. `app.core.audit` calls it on PostgreSQL; SQLite, whose
write transactions begin IMMEDIATE, reads the head as before. The lock's key is
`app.core.audit._LOCK_KEY`.
"""

from alembic import op

revision = "0030_reqcost_audit_chain_head"
down_revision = "0030_listsearch_search_grams"
branch_labels = None
depends_on = None

LOCK_KEY = 7_240_311  # app.core.audit._LOCK_KEY


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION audit_chain_head() RETURNS varchar
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK_KEY});
            RETURN (SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1);
        END
        $$
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS audit_chain_head()")
