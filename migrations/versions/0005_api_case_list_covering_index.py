"""case list: search text carried in the agency/received index (PostgreSQL)

A search within an agency's cases then reads only the index (an index-only scan), not every
case row of the agency. SQLite has no INCLUDE columns and keeps the plain index.

Revision ID: 0005_api
Revises: 0001_core
Create Date: 2026-11-22 04:55:00

"""
from alembic import op


revision = "0005_api"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_agency_received", table_name="cases")
    op.create_index(
        "ix_cases_agency_received",
        "cases",
        ["agency_id", "received_date", "id"],
        postgresql_include=["search_text"],
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_agency_received", table_name="cases")
    op.create_index("ix_cases_agency_received", "cases", ["agency_id", "received_date", "id"])
