"""a record's subject objects on the public portal: an objection without a registering
officer, found again by the keyed hash of its receipt code, with the subject's files

Revision ID: 0028_portal_objections
Revises: 0028_perf_indexes
Create Date: 2026-12-06 23:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_portal_objections"
down_revision = "0028_perf_indexes"
branch_labels = None
depends_on = None

REGISTERED = "registered_by_id IS NOT NULL OR code_hash IS NOT NULL"


def upgrade():
    with op.batch_alter_table("record_objections") as batch:
        batch.add_column(sa.Column("code_hash", sa.String(64), nullable=True))
        batch.alter_column("registered_by_id", existing_type=sa.Integer(), nullable=True)
        batch.create_check_constraint("ck_record_objections_registered", REGISTERED)
        batch.create_index("ix_record_objections_code_hash", ["code_hash"], unique=True)
    op.create_table(
        "record_objection_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "objection_id", sa.Integer(), sa.ForeignKey("record_objections.id"), nullable=False
        ),
        sa.Column(
            "blob_sha256", sa.String(64), sa.ForeignKey("evidence_blobs.sha256"), nullable=False
        ),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(120), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_record_objection_files_objection_id", "record_objection_files", ["objection_id"]
    )


def downgrade():
    op.drop_table("record_objection_files")
    op.execute("DELETE FROM record_objections WHERE registered_by_id IS NULL")
    with op.batch_alter_table("record_objections") as batch:
        batch.drop_index("ix_record_objections_code_hash")
        batch.drop_constraint("ck_record_objections_registered", type_="check")
        batch.alter_column("registered_by_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("code_hash")
