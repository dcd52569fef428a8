"""an upheld appeal reopens an ethics review: closed rounds are kept, one letter a decision

Revision ID: 0028_ethics_review_rounds
Revises: 0028_ethics_review_members
Create Date: 2026-12-06 23:50:00

`ethics_review_rounds` keeps each closed round (decision, reasons, count, minutes, letter
number, the members' part) when an upheld appeal reopens the review; a decision letter is
one per decision, so an application may have several (the unique key on its application
becomes an index).
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_ethics_review_rounds"
down_revision = "0028_ethics_review_members"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_review_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(16), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(24), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tally", sa.JSON(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("letter_number", sa.String(60), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("reopened_by_id", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_review_rounds_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["ethics_appeals.id"],
            name=op.f("fk_ethics_review_rounds_appeal_id_ethics_appeals"),
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_review_rounds_reopened_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_review_rounds")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_ethics_review_rounds_application_id_number")
        ),
    )
    with op.batch_alter_table("ethics_letters") as batch:
        batch.drop_constraint(op.f("uq_ethics_letters_application_id"), "unique")
        batch.create_index(op.f("ix_ethics_letters_application_id"), ["application_id"])


def downgrade():
    with op.batch_alter_table("ethics_letters") as batch:
        batch.drop_index(op.f("ix_ethics_letters_application_id"))
        batch.create_unique_constraint(op.f("uq_ethics_letters_application_id"), ["application_id"])
    op.drop_table("ethics_review_rounds")
