"""one envelope's peer, record lock and stored versions in one statement (PostgreSQL)

Revision ID: 0031_exchrt_receive_lookup
Revises: 0030_statsum_case_counts
Create Date: 2026-12-07 08:50:00

Receiving one envelope read the sender's peer row while taking the record's lock, then, in a
second round trip, the record and its stored versions: one statement cannot do both, since
its snapshot is taken before the lock is granted and could miss a version another request
committed while this one waited. A VOLATILE PL/pgSQL function takes a fresh snapshot for
each query it runs, so the versions are read after the lock is held. An unknown or inactive
sender gets no row and waits for no lock. `app.exchange.receive` calls it on PostgreSQL for a
single envelope; a batch and SQLite read as before. The lock class is
`app.exchange.receive.LOCK_CLASS`, the bucket worked out by the caller.
"""

from alembic import op

revision = "0031_exchrt_receive_lookup"
down_revision = "0030_statsum_case_counts"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION exchange_receive_lookup(
            sender varchar, lock_class int, lock_bucket int, uid varchar
        ) RETURNS TABLE (
            peer_id int, peer_node varchar, peer_key varchar, record_uid varchar,
            record_id int, origin_node varchar, current_version int, version int,
            envelope_sha256 varchar, envelope json
        )
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            found_peer record;
        BEGIN
            SELECT p.id, p.node_id, p.public_key INTO found_peer
            FROM exchange_peers p WHERE p.node_id = sender AND p.active;
            IF NOT FOUND THEN
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(lock_class, lock_bucket);
            RETURN QUERY
            SELECT found_peer.id, found_peer.node_id, found_peer.public_key, r.record_uid,
                   r.id, r.origin_node, r.current_version, v.version, v.envelope_sha256,
                   v.envelope
            FROM (SELECT 1) AS one
            LEFT JOIN (
                integrity_records r LEFT JOIN record_versions v ON v.record_id = r.id
            ) ON r.record_uid = uid;
        END
        $$
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS exchange_receive_lookup(varchar, int, int, varchar)")
