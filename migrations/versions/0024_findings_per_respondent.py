"""findings, pre-decision notices and defence statements per respondent

Each finding names the respondent it is about: an existing finding applied to every
respondent of its case, so it becomes one row per respondent, alike. The notice and the
statement the case held become one notice per respondent, each with the case's dates and
statement, as they applied before.

Revision ID: 0024_findings_per_respondent
Revises: 0024_screen_decisions
Create Date: 2026-12-06 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_findings_per_respondent"
down_revision = "0024_screen_decisions"
branch_labels = None
depends_on = None

FINDING_COLUMNS = "case_id, allegation_id, outcome, severity, aggravating, mitigating"


def upgrade():
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_findings_allegation_id", type_="unique")
    # The first respondent keeps the row; every other respondent gets a copy of it.
    op.execute(
        "UPDATE findings SET party_id = (SELECT min(p.id) FROM parties p"
        " WHERE p.case_id = findings.case_id)"
    )
    op.execute(
        f"INSERT INTO findings ({FINDING_COLUMNS}, party_id)"
        f" SELECT f.case_id, f.allegation_id, f.outcome, f.severity, f.aggravating,"
        f" f.mitigating, p.id FROM findings f JOIN parties p ON p.case_id = f.case_id"
        f" WHERE p.id <> f.party_id ORDER BY f.id, p.id"
    )
    op.execute("DELETE FROM findings WHERE party_id IS NULL")  # a case without respondents
    with op.batch_alter_table("findings") as batch:
        batch.alter_column("party_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(
            "uq_findings_allegation_id_party_id", ["allegation_id", "party_id"]
        )
        batch.create_foreign_key(
            "fk_findings_party_id_parties", "parties", ["party_id"], ["id"]
        )
        batch.create_index("ix_findings_party_id", ["party_id"])

    op.create_table(
        "respondent_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("defence_due", sa.Date(), nullable=False),
        sa.Column("defence_received_on", sa.Date(), nullable=True),
        sa.Column("defence_statement", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "defence_received_on IS NULL OR defence_statement IS NOT NULL",
            name=op.f("ck_respondent_notices_defence_has_statement"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_respondent_notices_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_respondent_notices_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respondent_notices")),
        sa.UniqueConstraint("party_id", name=op.f("uq_respondent_notices_party_id")),
    )
    op.create_index(
        op.f("ix_respondent_notices_case_id"), "respondent_notices", ["case_id"], unique=False
    )
    # A statement recorded without its date (none should be) keeps its text with the date
    # the defence was due, so the check holds.
    op.execute(
        "INSERT INTO respondent_notices (case_id, party_id, served_on, defence_due,"
        " defence_received_on, defence_statement)"
        " SELECT c.id, p.id, c.notice_served_on, c.defence_due,"
        " CASE WHEN c.defence_statement IS NULL THEN NULL"
        " ELSE coalesce(c.defence_received_on, c.defence_due) END,"
        " c.defence_statement FROM cases c JOIN parties p ON p.case_id = c.id"
        " WHERE c.notice_served_on IS NOT NULL AND c.defence_due IS NOT NULL ORDER BY p.id"
    )
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop `cases`, which the rows of
    # many tables reference, and SQLite refuses that with foreign keys on.
    op.drop_column("cases", "defence_statement")


def downgrade():
    op.add_column("cases", sa.Column("defence_statement", sa.Text(), nullable=True))
    op.execute(
        "UPDATE cases SET defence_statement = (SELECT n.defence_statement"
        " FROM respondent_notices n WHERE n.case_id = cases.id"
        " AND n.defence_statement IS NOT NULL ORDER BY n.party_id LIMIT 1)"
    )
    op.drop_index(op.f("ix_respondent_notices_case_id"), table_name="respondent_notices")
    op.drop_table("respondent_notices")
    # One finding per allegation again: the first respondent's.
    op.execute(
        "DELETE FROM findings WHERE party_id <> (SELECT min(p.id) FROM parties p"
        " WHERE p.case_id = findings.case_id)"
    )
    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_party_id")
        batch.drop_constraint("fk_findings_party_id_parties", type_="foreignkey")
        batch.drop_constraint("uq_findings_allegation_id_party_id", type_="unique")
        batch.create_unique_constraint("uq_findings_allegation_id", ["allegation_id"])
        batch.drop_column("party_id")
