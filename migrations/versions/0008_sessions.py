"""server-side sign-in sessions and failed sign-in counters

Sessions replace users.session_version: ending a session row signs that browser out,
so a version number bumped for all of a user's sessions at once is no longer needed.

Revision ID: 0008_sessions
Revises: 0009_totp
Create Date: 2026-12-01 20:35:19

"""
from alembic import op
import sqlalchemy as sa


revision = "0008_sessions"
down_revision = "0009_totp"
branch_labels = None
depends_on = None

SESSION_END = sa.Enum(
    "logout",
    "ended_by_user",
    "ended_by_admin",
    "password_change",
    "password_reset",
    "role_change",
    "deactivated",
    name="sessionend",
    native_enum=False,
    length=24,
)


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", SESSION_END, nullable=True),
        sa.CheckConstraint(
            "(ended_at IS NULL) = (end_reason IS NULL)",
            name=op.f("ck_user_sessions_ended_with_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    op.create_index("ix_user_sessions_user_live", "user_sessions", ["user_id", "ended_at"])
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop `users`, which the rows of
    # many tables reference, and SQLite refuses that with foreign keys on.
    op.drop_column("users", "session_version")


def downgrade():
    op.add_column(
        "users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
    )
    op.drop_index("ix_user_sessions_user_live", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("login_throttles")
