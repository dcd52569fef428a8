"""official documents (文书): agency templates and designations, the per-agency yearly
number counter, drafts and issued documents, and their service (送达)

Revision ID: 0026_official_documents
Revises: 0026_record_objections
Create Date: 2026-12-06 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_official_documents"
down_revision = "0026_record_objections"
branch_labels = None
depends_on = None

KINDS = sa.Enum(
    "acceptance_notice",
    "non_acceptance_notice",
    "investigation_notice",
    "pre_decision_notice",
    "decision",
    "review_decision",
    name="documentkind",
    native_enum=False,
    length=32,
)


def _tz():
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("kind", KINDS, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("agency_id", "kind", name="uq_document_templates_kind"),
    )
    op.create_table(
        "document_designations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False, unique=True
        ),
        sa.Column("designation", sa.String(20), nullable=False),
    )
    op.create_table(
        "document_counters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.UniqueConstraint("agency_id", "year", name="uq_document_counters_year"),
        sa.CheckConstraint("last_number >= 0", name="counter_not_negative"),
    )
    op.create_table(
        "official_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("kind", KINDS, nullable=False),
        sa.Column(
            "state",
            sa.Enum("draft", "issued", name="documentstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("parties.id"), nullable=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("number", sa.String(60), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("issued_at", _tz(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("pdf_path", sa.String(300), nullable=True),
        sa.Column("pdf_size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("agency_id", "year", "sequence", name="uq_official_documents_number"),
        sa.CheckConstraint(
            "state = 'draft' OR (number IS NOT NULL AND sequence IS NOT NULL "
            "AND year IS NOT NULL AND issued_at IS NOT NULL AND issued_by_id IS NOT NULL)",
            name="issued_has_number",
        ),
    )
    op.create_index("ix_official_documents_case", "official_documents", ["case_id", "created_at"])
    op.create_table(
        "document_services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("official_documents.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "method",
            sa.Enum(
                "in_person",
                "post",
                "electronic",
                name="servicemethod",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("tracking_number", sa.String(60), nullable=True),
        sa.Column("consent", sa.String(300), nullable=True),
        sa.Column("proof_sha256", sa.String(64), nullable=False),
        sa.Column("proof_name", sa.String(200), nullable=False),
        sa.Column("proof_type", sa.String(100), nullable=False),
        sa.Column("proof_size", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", _tz(), nullable=False),
        sa.CheckConstraint(
            "method <> 'post' OR tracking_number IS NOT NULL", name="post_has_tracking"
        ),
        sa.CheckConstraint(
            "method <> 'electronic' OR consent IS NOT NULL", name="electronic_has_consent"
        ),
    )


def downgrade():
    op.drop_table("document_services")
    op.drop_index("ix_official_documents_case", table_name="official_documents")
    op.drop_table("official_documents")
    op.drop_table("document_counters")
    op.drop_table("document_designations")
    op.drop_table("document_templates")
