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
    # Existing cases were registered without a token (NULL): nothing to migrate.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("registration_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_cases_registration_token", ["registration_token"])


def downgrade():
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_registration_token", type_="unique")
        batch.drop_column("registration_token")
