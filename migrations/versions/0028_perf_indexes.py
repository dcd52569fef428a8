"""a state filter's deep pages and a queue's longest-waiting cases each walk one index

Revision ID: 0028_perf_indexes
Revises: 0028_ethics_lookup
Create Date: 2026-12-06 23:55:00

The case list filtered by state, newest first, read the agency's cases in that state from
(agency_id, state) and sorted them, or walked (agency_id, received_date) and skipped the
other states: page 500 of `state=investigating` at a million cases (44,769 such cases in
the agency) took 2.1 s in psql under load ≈20, reading 31,928 table pages. With the state
before the date in one index, the page is the index's 12,476th to 12,500th entries: 1.8 ms.

A supervisor's dashboard lists the 20 cases of the agency that have waited longest for a
step (oldest `coalesce(state_since, updated_at)` first): PostgreSQL read every case of the
agency in the queue's states and sorted them, 1.5 s of the page's 2.5 s at a million cases
under load ≈20. Walking the agency's cases in that order, about one in three waits, so the
20 come after some sixty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_perf_indexes"
down_revision = "0028_ethics_lookup"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_cases_agency_state_received",
        "cases",
        ["agency_id", "state", "received_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_cases_agency_since",
        "cases",
        ["agency_id", sa.text("coalesce(state_since, updated_at)"), "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_cases_agency_since", table_name="cases")
    op.drop_index("ix_cases_agency_state_received", table_name="cases")
