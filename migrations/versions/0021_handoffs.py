"""hand-offs: notifications carry their event, parameters, link and to-do state; users
choose how they get mail; cases know since when they are in their state

Revision ID: 0021_handoffs
Revises: 0021_reviews
Create Date: 2026-12-02 00:45:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0021_handoffs"
down_revision = "0021_reviews"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notifications", sa.Column("params", sa.JSON(), nullable=True))
    op.add_column("notifications", sa.Column("link", sa.JSON(), nullable=True))
    op.add_column("notifications", sa.Column("todo_key", sa.String(length=120), nullable=True))
    op.add_column("notifications", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "notifications", sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_notifications_todo", "notifications", ["todo_key", "done_at"])
    op.create_index("ix_notifications_unmailed", "notifications", ["mailed_at", "created_at"])
    # What was there before was never meant for mail.
    op.execute("UPDATE notifications SET mailed_at = created_at")
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "email_mode",
            sa.Enum(
                "immediate", "digest", "off", name="emailmode", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.add_column("cases", sa.Column("state_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE cases SET state_since = COALESCE((SELECT MAX(h.at) FROM case_history h "
        "WHERE h.case_id = cases.id AND h.to_state = cases.state), cases.updated_at)"
    )


def downgrade():
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("state_since")
    op.drop_table("notification_settings")
    op.drop_index("ix_notifications_unmailed", table_name="notifications")
    op.drop_index("ix_notifications_todo", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        for column in ("mailed_at", "done_at", "todo_key", "link", "params"):
            batch.drop_column(column)
