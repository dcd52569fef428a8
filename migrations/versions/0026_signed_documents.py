"""signed documents: every PDF the node signs (dossiers, integrity reports) with its
verification code and SHA-256; integrity reports for a person or an institution

Revision ID: 0026_signed_documents
Revises: 0026_official_documents
Create Date: 2026-12-06 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_signed_documents"
down_revision = "0026_official_documents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signed_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("subject_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "integrity_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_id_masked", sa.String(length=40), nullable=True),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "ix_integrity_reports_agency_as_of", "integrity_reports", ["agency_id", "as_of"]
    )


def downgrade():
    op.drop_index("ix_integrity_reports_agency_as_of", table_name="integrity_reports")
    op.drop_table("integrity_reports")
    op.drop_table("signed_documents")
