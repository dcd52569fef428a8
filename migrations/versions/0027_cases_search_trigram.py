"""the case list's text search is answered from a trigram index (PostgreSQL)

Revision ID: 0027_cases_search_trigram
Revises: 0026_cases_created_by
Create Date: 2026-12-06 21:05:00

A search for a rare name (`q=韦俊杰`) walked the agency's whole (agency_id, received_date)
index looking for matches: 163 ms for the page and 219 ms for its count at 398,000 cases.
pg_trgm's GIN index answers `search_text LIKE '%…%'` with three characters or more, Chinese
too (the database's ctype is UTF-8): 0.8 ms and 0.3 ms. A one- or two-character term has no
trigram; a common one still finds its page by walking the ordered index (0.3 ms for 王).
pg_trgm is a trusted extension (PostgreSQL 13+), so the database's owner may create it.
SQLite keeps the scan.
"""

from alembic import op

revision = "0027_cases_search_trigram"
down_revision = "0026_cases_created_by"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_cases_search_trgm ON cases "
        "USING gin (search_text gin_trgm_ops)"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_cases_search_trgm")
