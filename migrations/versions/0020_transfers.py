"""case transfers (移送) with acceptance: the offer, its answer and the sender's record

Revision ID: 0020_transfers
Revises: 0016_statistics
Create Date: 2026-12-01 21:29:17.804543

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_transfers"
down_revision = "0016_statistics"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=False),
        sa.Column("sender_reference", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("identity_travels", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "accepted",
                "refused",
                "withdrawn",
                name="transferstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.Column("receiver_reference", sa.String(length=24), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("kept_complainant_name", sa.String(length=600), nullable=True),
        sa.Column("kept_complainant_contact", sa.String(length=800), nullable=True),
        sa.Column("kept_complainant_id_number", sa.String(length=400), nullable=True),
        sa.Column("kept_complainant_id_type", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "state <> 'refused' OR answer_reason IS NOT NULL",
            name=op.f("ck_case_transfers_refusal_has_reason"),
        ),
        sa.CheckConstraint(
            "state = 'pending' OR (answered_at IS NOT NULL)",
            name=op.f("ck_case_transfers_transfer_answer_has_time"),
        ),
        sa.CheckConstraint(
            "from_agency_id <> to_agency_id",
            name=op.f("ck_case_transfers_transfer_to_another_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_case_transfers_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transfers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"],
            ["agencies.id"],
            name=op.f("fk_case_transfers_from_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["users.id"], name=op.f("fk_case_transfers_sent_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"], ["agencies.id"], name=op.f("fk_case_transfers_to_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfers")),
    )
    with op.batch_alter_table("case_transfers", schema=None) as batch_op:
        batch_op.create_index("ix_case_transfers_case", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_case_transfers_from", ["from_agency_id", "id"], unique=False)
        batch_op.create_index("ix_case_transfers_to_state", ["to_agency_id", "state"], unique=False)
        batch_op.create_index(
            "uq_case_transfers_open",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("case_transfers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_case_transfers_open",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.drop_index("ix_case_transfers_to_state")
        batch_op.drop_index("ix_case_transfers_from")
        batch_op.drop_index("ix_case_transfers_case")

    op.drop_table("case_transfers")
