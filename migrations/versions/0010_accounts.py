"""platform pseudo-agency for system administrators; API token expiry and its policy

System administrators move out of the case agencies into one agency flagged
`is_platform`, so no agency administrator counts them among their users. Tokens get an
expiry; tokens that exist already expire 90 days after this upgrade, so integrations have
a full default lifetime to rotate them.

Revision ID: 0010_accounts
Revises: 0015_committees
Create Date: 2026-12-01 20:50:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = "0010_accounts"
down_revision = "0015_committees"
branch_labels = None
depends_on = None

agencies = sa.table(
    "agencies",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("is_platform", sa.Boolean),
)
DEFAULT_POLICY = {
    "preliminary_review_days": 15,
    "investigation_months": 6,
    "extension_max_months": 6,
    "defence_days": 10,
    "review_request_days": 15,
    "review_decision_days": 90,
    "due_soon_days": 5,
}
policies = sa.table(
    "deadline_policies",
    sa.column("agency_id", sa.Integer),
    *(sa.column(name, sa.Integer) for name in DEFAULT_POLICY),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("agency_id", sa.Integer))
user_roles = sa.table("user_roles", sa.column("user_id", sa.Integer), sa.column("role", sa.String))
tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))


def upgrade():
    # Plain ADD COLUMN: a batch copy of `agencies` or `deadline_policies` would drop a table
    # that users and cases reference, which SQLite refuses with foreign keys on.
    op.add_column(
        "agencies",
        sa.Column("is_platform", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        "uq_agencies_one_platform",
        "agencies",
        ["is_platform"],
        unique=True,
        sqlite_where=sa.text("is_platform"),
        postgresql_where=sa.text("is_platform"),
    )
    op.add_column(
        "deadline_policies",
        sa.Column("token_max_days", sa.Integer(), server_default="90", nullable=False),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        tokens.update().values(expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=90))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    _move_system_administrators()


def _move_system_administrators():
    """Users whose only role is `sysadmin` move to the platform; anyone holding it together
    with agency roles stays put (an operator decides), and the rules refuse to let an agency
    administrator manage them either way."""
    conn = op.get_bind()
    conn.execute(
        agencies.insert().values(
            code="PLATFORM",
            name_zh="平台运维",
            name_en="Platform operations",
            is_active=True,
            is_platform=True,
        )
    )
    platform_id = conn.execute(
        sa.select(agencies.c.id).where(agencies.c.code == "PLATFORM")
    ).scalar_one()
    conn.execute(policies.insert().values(agency_id=platform_id, **DEFAULT_POLICY))
    holders = sa.select(user_roles.c.user_id).where(user_roles.c.role == "sysadmin")
    others = sa.select(user_roles.c.user_id).where(user_roles.c.role != "sysadmin")
    conn.execute(
        users.update()
        .where(users.c.id.in_(holders), users.c.id.not_in(others))
        .values(agency_id=platform_id)
    )


def downgrade():
    conn = op.get_bind()
    platform_id = conn.execute(
        sa.select(agencies.c.id).where(agencies.c.is_platform.is_(True))
    ).scalar()
    if platform_id is not None:
        fallback = conn.execute(
            sa.select(sa.func.min(agencies.c.id)).where(agencies.c.id != platform_id)
        ).scalar()
        conn.execute(
            users.update().where(users.c.agency_id == platform_id).values(agency_id=fallback)
        )
        conn.execute(policies.delete().where(policies.c.agency_id == platform_id))
        conn.execute(agencies.delete().where(agencies.c.id == platform_id))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_index("uq_agencies_one_platform", table_name="agencies")
    op.drop_column("deadline_policies", "token_max_days")
    op.drop_column("agencies", "is_platform")
