"""collaborative review of multi-site activities: the sites and the lead's updates they
acknowledge, and the exchange's outbox for envelopes of registered guest kinds

Revision ID: 0028_ethics_sites
Revises: 0028_ethics_registry
Create Date: 2026-12-06 23:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_ethics_sites"
down_revision = "0028_ethics_registry"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUS = sa.Enum(
    "pending", "delivered", "failed", name="deliverystatus", native_enum=False, length=32
)


def upgrade():
    op.create_table(
        "exchange_outbox",
        sa.Column("id", BIG, nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("envelope_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_outbox_peer_id_exchange_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("envelope_sha256", name=op.f("uq_exchange_outbox_envelope_sha256")),
    )
    op.create_index("ix_exchange_outbox_status", "exchange_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "ethics_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_uid", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("remote_lead", sa.Boolean(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=True),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("site_agency", sa.String(length=16), nullable=False),
        sa.Column("site_unit", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting",
                "recognised",
                "conditions",
                "declined",
                name="sitestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("confirm_by", sa.Date(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("copy", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "panel_id IS NOT NULL OR peer_id IS NOT NULL",
            name=op.f("ck_ethics_sites_ethics_site_is_somewhere"),
        ),
        sa.CheckConstraint(
            "status = 'awaiting' OR confirmed_at IS NOT NULL",
            name=op.f("ck_ethics_sites_ethics_site_confirmed_at"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('conditions', 'declined') OR reasons IS NOT NULL",
            name=op.f("ck_ethics_sites_ethics_site_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_sites_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_sites_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["exchange_peers.id"], name=op.f("fk_ethics_sites_peer_id_exchange_peers")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_ethics_sites_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_sites")),
        sa.UniqueConstraint("activity_uid", "site_agency", "site_unit", name="uq_ethics_site"),
    )
    op.create_index("ix_ethics_sites_activity_uid", "ethics_sites", ["activity_uid"])
    op.create_index("ix_ethics_sites_panel", "ethics_sites", ["panel_id", "status"])
    op.create_table(
        "ethics_site_updates",
        sa.Column("id", BIG, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "decision",
                "amendment",
                "followup",
                "suspend",
                "terminate",
                name="updatekind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("sent_outbox_id", BIG, nullable=True),
        sa.Column("reply_outbox_id", BIG, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["ethics_sites.id"],
            name=op.f("fk_ethics_site_updates_site_id_ethics_sites"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_site_updates")),
        sa.UniqueConstraint("site_id", "seq", name=op.f("uq_ethics_site_updates_site_id_seq")),
    )


def downgrade():
    op.drop_table("ethics_site_updates")
    op.drop_index("ix_ethics_sites_panel", table_name="ethics_sites")
    op.drop_index("ix_ethics_sites_activity_uid", table_name="ethics_sites")
    op.drop_table("ethics_sites")
    op.drop_index("ix_exchange_outbox_status", table_name="exchange_outbox")
    op.drop_table("exchange_outbox")
