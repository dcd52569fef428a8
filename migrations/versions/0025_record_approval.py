"""record approval both ways: a draft's stage (submitted, returned to its officer, held
until the review window closes), the day a held record is published, the reason for
publishing early, and the approval's steps

Existing drafts are waiting for an administrator (submitted).

Revision ID: 0025_record_approval
Revises: 0024_findings_per_respondent
Create Date: 2026-12-06 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025_record_approval"
down_revision = "0024_findings_per_respondent"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("integrity_records") as batch:
        batch.add_column(sa.Column("draft_stage", sa.String(16), nullable=True))
        batch.add_column(sa.Column("publish_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("early_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("approval_log", sa.JSON(), nullable=True))
    op.execute("UPDATE integrity_records SET draft_stage = 'submitted' WHERE status = 'draft'")


def downgrade():
    with op.batch_alter_table("integrity_records") as batch:
        batch.drop_column("approval_log")
        batch.drop_column("early_reason")
        batch.drop_column("publish_on")
        batch.drop_column("draft_stage")
