"""an entrustment may leave out activities on the expert re-review list

Revision ID: 0028_ethics_entrustment_scope
Revises: 0028_ethics_review_rounds
Create Date: 2026-12-07 00:05:00

The part of an entrustment's scope the platform checks: an entrusted committee is refused
an application whose activity is on the re-review list when the entrustment leaves those
out. Existing entrustments cover them, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_ethics_entrustment_scope"
down_revision = "0028_ethics_review_rounds"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ethics_entrustments") as batch:
        batch.add_column(
            # A literal default: SQLite adds the column in place.
            sa.Column("excludes_listed", sa.Boolean(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("ethics_entrustments") as batch:
        batch.drop_column("excludes_listed")
