"""ethics approval look-up: the approvals other nodes of the region announced, the latest
statement per node and number

Revision ID: 0028_ethics_lookup
Revises: 0028_ethics_sites
Create Date: 2026-12-06 23:11:10.639999

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_ethics_lookup"
down_revision = "0028_ethics_sites"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_known_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin_node", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("committee", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "valid",
                "suspended",
                "terminated",
                "expired",
                name="approvalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status_since >= decided_on",
            name=op.f("ck_ethics_known_approvals_known_approval_status_since"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= decided_on",
            name=op.f("ck_ethics_known_approvals_known_approval_validity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_known_approvals")),
        sa.UniqueConstraint(
            "origin_node", "number", name=op.f("uq_ethics_known_approvals_origin_node_number")
        ),
    )
    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_known_approvals_number", ["number"], unique=False)


def downgrade():
    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_known_approvals_number")
    op.drop_table("ethics_known_approvals")
