"""ethics committee registry: committees' registrations (versions kept, the authority's
answer), approved listed activities registered, and the committees' annual reports

Revision ID: 0028_ethics_registry
Revises: 0028_ethics_review_records
Create Date: 2026-12-06 23:12:44.140292

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_ethics_registry"
down_revision = "0028_ethics_review_records"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("work", "listed", name="reportkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("computed", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ethics_annual_reports_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_ethics_annual_reports_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_annual_reports_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["ethics_units.id"],
            name=op.f("fk_ethics_annual_reports_unit_id_ethics_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_annual_reports")),
        sa.UniqueConstraint(
            "panel_id", "year", "kind", name=op.f("uq_ethics_annual_reports_panel_id_year_kind")
        ),
    )
    with op.batch_alter_table("ethics_annual_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ethics_annual_reports_agency", ["agency_id", "year"], unique=False
        )

    op.create_table(
        "ethics_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "submitted",
                "accepted",
                "returned",
                name="registrationstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("charter", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state <> 'returned' OR answer_reason IS NOT NULL",
            name=op.f("ck_ethics_registrations_registration_return_reason"),
        ),
        sa.CheckConstraint(
            "state = 'submitted' OR (answered_at IS NOT NULL AND answered_by_id IS NOT NULL)",
            name=op.f("ck_ethics_registrations_registration_answered"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ethics_registrations_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_registrations_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_ethics_registrations_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_registrations_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["ethics_units.id"],
            name=op.f("fk_ethics_registrations_unit_id_ethics_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_registrations")),
        sa.UniqueConstraint(
            "panel_id", "number", name=op.f("uq_ethics_registrations_panel_id_number")
        ),
    )
    with op.batch_alter_table("ethics_registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ethics_registrations_agency", ["agency_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ethics_registrations_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "ethics_listed_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_ethics_listed_registrations_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_listed_registrations_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_listed_registrations_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_listed_registrations_registered_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_listed_registrations")),
        sa.UniqueConstraint(
            "application_id", name=op.f("uq_ethics_listed_registrations_application_id")
        ),
    )
    with op.batch_alter_table("ethics_listed_registrations", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_listed_registrations_panel", ["panel_id"], unique=False)


def downgrade():
    with op.batch_alter_table("ethics_listed_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_listed_registrations_panel")

    op.drop_table("ethics_listed_registrations")
    with op.batch_alter_table("ethics_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ethics_registrations_unit_id"))
        batch_op.drop_index("ix_ethics_registrations_agency")

    op.drop_table("ethics_registrations")
    with op.batch_alter_table("ethics_annual_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_annual_reports_agency")

    op.drop_table("ethics_annual_reports")
