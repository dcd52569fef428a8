"""panel material: internal evidence and notes marked for a review panel, and a chair's
lifting of a recusal kept on the review member's record

Revision ID: 0022_panel_material
Revises: 0021_handoffs
Create Date: 2026-12-06 06:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0022_panel_material"
down_revision = "0021_handoffs"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("evidence_items", "case_notes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("panel_marked_at", sa.DateTime(timezone=True), nullable=True)
            )
    with op.batch_alter_table("committee_review_members") as batch:
        batch.add_column(sa.Column("lifted_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("lifted_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_committee_review_members_lifted_by", "users", ["lifted_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("committee_review_members") as batch:
        batch.drop_constraint("fk_committee_review_members_lifted_by", type_="foreignkey")
        batch.drop_column("lifted_at")
        batch.drop_column("lifted_by_id")
        batch.drop_column("lifted_reason")
    for table in ("case_notes", "evidence_items"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("panel_marked_at")
