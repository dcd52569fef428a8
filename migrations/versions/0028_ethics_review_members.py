"""an ethics application's review members are committees' own review members

Revision ID: 0028_ethics_review_members
Revises: 0028_portal_objections
Create Date: 2026-12-06 23:40:00

Ethics review kept its own copy of the committee member's part (declaration, recusal,
attendance, vote) in `ethics_review_members`. Committees' `committee_review_members` now
holds a part in a case's review (`review_id`) or in the review of a registered subject
(`subject`, `subject_id`), with `named` for a simplified procedure's named members. The
ethics rows move there under the subject `ethics_application` (a declared conflict becomes
the kind "other" with its note) and the copy is dropped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_ethics_review_members"
down_revision = "0028_portal_objections"
branch_labels = None
depends_on = None

SUBJECT = "ethics_application"
SHARED = (
    "seat_id",
    "role",
    "category",
    "named",
    "declared_at",
    "conflict_note",
    "recused",
    "recusal_reason",
    "attendance",
    "choice",
    "opinion",
    "voted_at",
)


def _members(*extra):
    columns = [sa.column(name) for name in SHARED]
    return sa.table("committee_review_members", *columns, *extra)


def upgrade():
    with op.batch_alter_table("committee_review_members") as batch:
        batch.add_column(sa.Column("subject", sa.String(40), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("named", sa.Boolean(), nullable=False, server_default="0"))
        batch.alter_column("review_id", existing_type=sa.Integer(), nullable=True)
        batch.create_unique_constraint(
            op.f("uq_committee_review_members_subject_subject_id_seat_id"),
            ["subject", "subject_id", "seat_id"],
        )
        batch.create_check_constraint(
            op.f("ck_committee_review_members_review_member_one_subject"),
            "(review_id IS NOT NULL AND subject IS NULL AND subject_id IS NULL)"
            " OR (review_id IS NULL AND subject IS NOT NULL AND subject_id IS NOT NULL)",
        )
    old = sa.table("ethics_review_members", sa.column("application_id"), *map(sa.column, SHARED))
    target = _members(
        sa.column("subject"),
        sa.column("subject_id"),
        sa.column("conflict"),
        sa.column("vote_changes"),
    )
    rows = sa.select(
        *[old.c[name] for name in SHARED],
        sa.literal(SUBJECT),
        old.c.application_id,
        sa.case((old.c.conflict_note.is_not(None), sa.literal("other")), else_=sa.null()),
        sa.literal(0),
    )
    op.execute(
        target.insert().from_select(
            [*SHARED, "subject", "subject_id", "conflict", "vote_changes"], rows
        )
    )
    with op.batch_alter_table("ethics_review_members") as batch:
        batch.drop_index("ix_ethics_review_members_seat")
    op.drop_table("ethics_review_members")


def downgrade():
    op.create_table(
        "ethics_review_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conflict_note", sa.Text(), nullable=True),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("recusal_reason", sa.Text(), nullable=True),
        sa.Column("attendance", sa.String(16), nullable=True),
        sa.Column("choice", sa.String(16), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "NOT recused OR recusal_reason IS NOT NULL",
            name=op.f("ck_ethics_review_members_ethics_recusal_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_review_members_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["committee_seats.id"],
            name=op.f("fk_ethics_review_members_seat_id_committee_seats"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_review_members")),
        sa.UniqueConstraint(
            "application_id",
            "seat_id",
            name=op.f("uq_ethics_review_members_application_id_seat_id"),
        ),
    )
    with op.batch_alter_table("ethics_review_members") as batch:
        batch.create_index("ix_ethics_review_members_seat", ["seat_id"], unique=False)
    members = _members(sa.column("subject"), sa.column("subject_id"))
    back = sa.table("ethics_review_members", sa.column("application_id"), *map(sa.column, SHARED))
    op.execute(
        back.insert().from_select(
            ["application_id", *SHARED],
            sa.select(members.c.subject_id, *[members.c[name] for name in SHARED]).where(
                members.c.subject == SUBJECT
            ),
        )
    )
    op.execute(members.delete().where(members.c.subject == SUBJECT))
    with op.batch_alter_table("committee_review_members") as batch:
        batch.drop_constraint(
            op.f("ck_committee_review_members_review_member_one_subject"), "check"
        )
        batch.drop_constraint(
            op.f("uq_committee_review_members_subject_subject_id_seat_id"), "unique"
        )
        batch.alter_column("review_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("named")
        batch.drop_column("subject_id")
        batch.drop_column("subject")
