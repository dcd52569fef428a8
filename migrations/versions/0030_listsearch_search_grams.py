"""a one- or two-character search is answered from an index of the cases' short grams (PostgreSQL)

Revision ID: 0030_listsearch_search_grams
Revises: 0029_ethfiles_site_files
Create Date: 2026-12-07 06:10:00

pg_trgm (0027) finds nothing to look up in a term shorter than three characters, so a search
for a surname (`q=王`, one case in seventy) walked the agency's whole (agency_id,
received_date) index testing LIKE on every row: at a million cases its capped count read
73,000 rows and a page past its end all 250,000 of the agency (API p95 77 / 133 ms).
`yrd_search_grams(text)` lists a text's characters and pairs of characters that are not
plain ASCII (Chinese names and words: ASCII pairs such as those of a reference would be in
nearly every case); a GIN index over it, beside the agency (btree_gin), gives the agency's
cases containing such a term exactly. Computing the grams costs 50-200 µs a row, so the
function is marked costly: the planner reads the index rather than compute it on every row it
walks, and the list walks with strpos() instead where that reads fewer rows (app/cases/queries.py,
CasePagination._forms). It is PARALLEL RESTRICTED so that a page read from the index stays in
one process: a parallel worker took longer to start on two cores than the 3,000-row read it
shared (王 past its last page at a million cases: 30 ms with one, 16 ms without). SQLite keeps
the scan.
"""

from alembic import op

revision = "0030_listsearch_search_grams"
down_revision = "0029_ethfiles_site_files"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION yrd_search_grams(t text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL RESTRICTED COST 1000 AS $$
          SELECT array(
            SELECT substr(t, i, n)
            FROM generate_series(1, 2) AS n, generate_series(1, length(t) - n + 1) AS i
            WHERE octet_length(substr(t, i, n)) > n
          )
        $$
        """
    )
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_cases_agency_search_grams ON cases "
        "USING gin (agency_id, yrd_search_grams(search_text))"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_cases_agency_search_grams")
    op.execute("DROP FUNCTION IF EXISTS yrd_search_grams(text)")
