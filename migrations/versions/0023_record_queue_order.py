"""records waiting for a decision are listed oldest first from an index on their creation

Revision ID: 0023_record_queue_order
Revises: 0022_queue_speed
Create Date: 2026-12-06 07:30:00

"""

from alembic import op


revision = "0023_record_queue_order"
down_revision = "0022_queue_speed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_integrity_records_created", "integrity_records", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_integrity_records_created", table_name="integrity_records")
