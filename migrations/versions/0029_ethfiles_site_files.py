"""the files a lead's signed notice lists for a site on another deployment, and their fetch

Revision ID: 0029_ethfiles_site_files
Revises: 0029_scale1m_statistics_indexes
Create Date: 2026-12-07 02:50:00

On a site's node, one row per approved document and decision letter the lead's decision
notice named by SHA-256 and size: arriving, arrived (in the content-addressed store) or
failed (tried again with the exchange's backoff). Sites received before keep their copy's
names and hashes; no row is made for them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_ethfiles_site_files"
down_revision = "0029_scale1m_statistics_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_site_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("mime_type", sa.String(length=120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["ethics_sites.id"], name="fk_ethics_site_files_site_id_ethics_sites"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ethics_site_files"),
        sa.UniqueConstraint("site_id", "position", name="uq_ethics_site_file"),
    )
    with op.batch_alter_table("ethics_site_files") as batch:
        batch.create_index("ix_ethics_site_files_site_id", ["site_id"])
        batch.create_index("ix_ethics_site_files_due", ["state", "next_attempt_at"])


def downgrade():
    with op.batch_alter_table("ethics_site_files") as batch:
        batch.drop_index("ix_ethics_site_files_due")
        batch.drop_index("ix_ethics_site_files_site_id")
    op.drop_table("ethics_site_files")
