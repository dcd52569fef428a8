"""a registration form's one-time token is kept on the case it made, so a double submit
registers once

Revision ID: 0024_case_registration_token
Revises: 0024_preliminary_reports
Create Date: 2026-12-06 14:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_case_registration_token"
down_revision = "0024_preliminary_reports"
branch_labels = None
depends_on = None


def upgrade():
    # Existing cases were registered without a token (NULL): nothing to migrate. A plain
    # ADD COLUMN and a unique index: a batch copy would drop `cases`, which other tables'
    # rows reference, and SQLite refuses that with foreign keys on.
    op.add_column("cases", sa.Column("registration_token", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_cases_registration_token", "cases", ["registration_token"], unique=True
    )


def downgrade():
    op.drop_index("ix_cases_registration_token", table_name="cases")
    op.drop_column("cases", "registration_token")  # plain DROP COLUMN (SQLite 3.35+)
