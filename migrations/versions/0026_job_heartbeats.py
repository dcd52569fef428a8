"""a job run without Redis carries the heartbeat of the process holding it

Revision ID: 0026_job_heartbeats
Revises: 0025_evidence_text_codes
Create Date: 2026-12-06 20:30:00

Without Redis, a web process runs its jobs in a background thread and beats for each job
it holds; a job whose heartbeat stopped is taken up again by another process.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_job_heartbeats"
down_revision = "0025_evidence_text_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("heartbeat_at")
