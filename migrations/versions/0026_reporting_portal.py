"""online reports from the public portal, their files and messages, the portal's visits

Revision ID: 0026_reporting_portal
Revises: 0026_signed_documents
Create Date: 2026-12-06 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_reporting_portal"
down_revision = "0026_signed_documents"
branch_labels = None
depends_on = None

STATES = ("received", "registered", "attached", "not_accepted")


def upgrade():
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="reportstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome_due", sa.Date(), nullable=False),
        sa.Column("respondents", sa.JSON(), nullable=False),
        sa.Column("misconduct_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("leads", sa.Text(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_name", sa.String(length=600), nullable=True),
        sa.Column("reporter_contact", sa.String(length=800), nullable=True),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column("reporter_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state <> 'not_accepted' OR decision_reason IS NOT NULL",
            name=op.f("ck_reports_not_accepted_reason"),
        ),
        sa.CheckConstraint(
            "state NOT IN ('registered', 'attached') OR case_id IS NOT NULL",
            name=op.f("ck_reports_has_case"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_reports_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_reports_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_reports_code_hash")),
        sa.UniqueConstraint("number", name=op.f("uq_reports_number")),
    )
    op.create_index(
        "ix_reports_agency_state", "reports", ["agency_id", "state", "submitted_at"], unique=False
    )
    op.create_index(op.f("ix_reports_case_id"), "reports", ["case_id"], unique=False)
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(length=120), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["evidence_blobs.sha256"],
            name=op.f("fk_report_files_blob_sha256_evidence_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_item_id"],
            ["evidence_items.id"],
            name=op.f("fk_report_files_evidence_item_id_evidence_items"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_files_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
    )
    op.create_index(op.f("ix_report_files_report_id"), "report_files", ["report_id"], unique=False)
    op.create_table(
        "report_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "author",
            sa.Enum("reporter", "officer", name="author", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_messages_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_messages_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_messages")),
    )
    op.create_index(
        op.f("ix_report_messages_report_id"), "report_messages", ["report_id"], unique=False
    )
    op.create_table(
        "portal_visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_portal_visits_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_portal_visits_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_visits")),
    )
    op.create_index("ix_portal_visits_address_at", "portal_visits", ["address", "at"])
    op.create_index("ix_portal_visits_agency_at", "portal_visits", ["agency_id", "action", "at"])
    op.create_index(op.f("ix_portal_visits_at"), "portal_visits", ["at"])
    op.create_index(op.f("ix_portal_visits_report_id"), "portal_visits", ["report_id"])


def downgrade():
    op.drop_table("portal_visits")
    op.drop_table("report_messages")
    op.drop_table("report_files")
    op.drop_table("reports")
