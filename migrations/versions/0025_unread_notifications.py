"""a user's unread notifications are counted from an index

Revision ID: 0025_unread_notifications
Revises: 0025_calendar_years
Create Date: 2026-12-06 17:00:00

The navigation shows every signed-in page the number of unread notifications: one count
over (user_id, read_at), read from the index alone, however many a user has read.
"""

from alembic import op

revision = "0025_unread_notifications"
down_revision = "0025_calendar_years"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_notifications_user_unread", "notifications", ["user_id", "read_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_notifications_user_unread", table_name="notifications")
