"""an institution profile's records are read from the local records' own index

Revision ID: 0029_scale1m_statistics_indexes
Revises: 0029_ethnum_approval_numbers
Create Date: 2026-12-07 03:00:00

The institution profile counts the published local records of the cases concerning the
institution by status. PostgreSQL merged the institution's cases with the whole
`integrity_records.case_id` index, visiting every record's row and filtering out the
received ones (no case): at 100,000 cases and 126,536 records, 3,673 buffers for 1,100
rows. A partial index over the local records holding every column the figure reads makes
it an index-only scan of the local records: 161 buffers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_scale1m_statistics_indexes"
down_revision = "0029_ethnum_approval_numbers"
branch_labels = None
depends_on = None


def upgrade():
    local = sa.text("is_local IS true")
    op.create_index(
        "ix_integrity_records_local_case",
        "integrity_records",
        ["case_id", "status", "agency_id", "term_end"],
        unique=False,
        postgresql_where=local,
        sqlite_where=local,
    )


def downgrade():
    op.drop_index("ix_integrity_records_local_case", table_name="integrity_records")
