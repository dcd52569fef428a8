"""Committee reviews: the review deadline in the deadline policy, and the running review deadline on a case in committee review

Revision ID: 0021_reviews
Revises: 0021_case_summaries
Create Date: 2026-12-02 00:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_reviews"
down_revision = "0021_case_summaries"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadline_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_days", sa.Integer(), server_default="30", nullable=False)
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_due", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("committee_due")
    with op.batch_alter_table("deadline_policies", schema=None) as batch_op:
        batch_op.drop_column("review_days")
