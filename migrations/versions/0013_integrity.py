"""signed pull requests already answered, so a replay within the window is refused

Revision ID: 0013_integrity
Revises: 0007_merge
Create Date: 2026-12-01 20:31:06

"""

from alembic import op
import sqlalchemy as sa


revision = "0013_integrity"
down_revision = "0007_merge"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exchange_seen_requests",
        sa.Column("signature_sha256", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature_sha256", name=op.f("pk_exchange_seen_requests")),
    )
    with op.batch_alter_table("exchange_seen_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_seen_requests_expires_at"), ["expires_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("exchange_seen_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_seen_requests_expires_at"))
    op.drop_table("exchange_seen_requests")
