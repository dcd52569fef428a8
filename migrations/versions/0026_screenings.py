"""batch screenings of applicant lists and their rows

Revision ID: 0026_screenings
Revises: 0026_reporting_portal
Create Date: 2026-12-06 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_screenings"
down_revision = "0026_reporting_portal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_bad", sa.Integer(), nullable=False),
        sa.Column("rows_clear", sa.Integer(), nullable=False),
        sa.Column("rows_record", sa.Integer(), nullable=False),
        sa.Column("rows_objection", sa.Integer(), nullable=False),
        sa.Column("excel_path", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_screenings_agency_created", "screenings", ["agency_id", "created_at"], unique=False
    )
    op.create_table(
        "screening_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_type", sa.String(length=32), nullable=False),
        sa.Column("id_masked", sa.String(length=40), nullable=True),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.String(length=40), nullable=True),
        sa.Column("matches", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_screening_rows_screening_line", "screening_rows", ["screening_id", "line"], unique=False
    )
    op.create_index(
        "ix_screening_rows_screening_state",
        "screening_rows",
        ["screening_id", "state", "line"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_screening_rows_screening_state", table_name="screening_rows")
    op.drop_index("ix_screening_rows_screening_line", table_name="screening_rows")
    op.drop_table("screening_rows")
    op.drop_index("ix_screenings_agency_created", table_name="screenings")
    op.drop_table("screenings")
