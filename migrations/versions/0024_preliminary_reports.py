"""preliminary review reports (初核报告): the facts checked and a recommendation, one row a save

Revision ID: 0024_preliminary_reports
Revises: 0023_record_queue_order
Create Date: 2026-12-06 14:30:00

"""

import sqlalchemy as sa
from alembic import op


revision = "0024_preliminary_reports"
down_revision = "0023_record_queue_order"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "preliminary_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("facts_checked", sa.Text(), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "open_investigation",
                "not_accept",
                "transfer",
                name="preliminaryrecommendation",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_preliminary_reports_case", "preliminary_reports", ["case_id", "id"])


def downgrade():
    op.drop_index("ix_preliminary_reports_case", table_name="preliminary_reports")
    op.drop_table("preliminary_reports")
