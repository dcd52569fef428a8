"""ethics review records: each rendering of an application's review record (审查记录) as a
signed PDF, with its SHA-256

Revision ID: 0028_ethics_review_records
Revises: 0026_ethics_review
Create Date: 2026-12-06 23:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_ethics_review_records"
down_revision = "0026_ethics_review"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_review_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_review_records_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_review_records_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_review_records")),
        sa.UniqueConstraint("sha256", name=op.f("uq_ethics_review_records_sha256")),
    )
    with op.batch_alter_table("ethics_review_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ethics_review_records_app", ["application_id", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ethics_review_records", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_review_records_app")
    op.drop_table("ethics_review_records")
