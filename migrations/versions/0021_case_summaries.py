"""Case summaries and facets: what the statistics count about each case, filled from its
history, allegations and respondents.

Revision ID: 0021_case_summaries
Revises: 0019_joint
Create Date: 2026-12-02 00:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_case_summaries"
down_revision = "0019_joint"
branch_labels = None
depends_on = None

CONCLUDING = "'not_accepted','transferred','terminated','closed','decided'"
OUTCOMES = "'not_accepted','transferred','terminated','decided'"
INDEXES = (
    ("parties", "ix_parties_institution", ["institution"]),
    ("cases", "ix_cases_state_due", ["state", "due_date", "agency_id"]),
    ("cases", "ix_cases_opened_extended", ["investigation_opened_on", "extension_months"]),
)


def upgrade():
    op.create_table(
        "case_summaries",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_state", sa.String(length=32), nullable=True),
        sa.Column("worst_finding", sa.Integer(), nullable=False),
        sa.Column("preliminary_left_on", sa.Date(), nullable=True),
        sa.Column("preliminary_days", sa.Integer(), nullable=True),
        sa.Column("preliminary_on_time", sa.Boolean(), nullable=True),
        sa.Column("investigation_left_on", sa.Date(), nullable=True),
        sa.Column("investigation_days", sa.Integer(), nullable=True),
        sa.Column("investigation_on_time", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_summaries_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_summaries_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_summaries")),
    )
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_summaries_received",
            ["received_date", "agency_id", "source", "case_id"],
            unique=False,
        )
        for name, column in (
            ("concluded", "concluded_on"),
            ("outcome", "outcome_on"),
            ("preliminary", "preliminary_left_on"),
            ("investigation", "investigation_left_on"),
        ):
            batch_op.create_index(f"ix_case_summaries_{name}", [column, "agency_id"], unique=False)
    op.create_table(
        "case_facets",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_facets_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_facets_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "kind", "value", name=op.f("pk_case_facets")),
    )
    with op.batch_alter_table("case_facets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_facets_received",
            ["kind", "received_date", "agency_id", "value"],
            unique=False,
        )
        batch_op.create_index(
            "ix_case_facets_value",
            ["kind", "value", "received_date", "agency_id"],
            unique=False,
        )
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    backfill(op.get_bind())


def backfill(bind) -> None:
    """One row per existing case, by the rules of app/statistics/summaries.py."""
    postgres = bind.dialect.name == "postgresql"
    local = "(h.at AT TIME ZONE 'Asia/Shanghai')::date" if postgres else "date(h.at, '+8 hours')"

    def days(later: str, earlier: str) -> str:
        if postgres:
            return f"{later} - {earlier}"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def first(column: str, where: str) -> str:
        return (
            f"(SELECT {column} FROM case_history h WHERE h.case_id = case_summaries.case_id"
            f" AND {where} ORDER BY h.at, h.id LIMIT 1)"
        )

    bind.execute(
        sa.text(
            "INSERT INTO case_summaries (case_id, agency_id, received_date, source, worst_finding)"
            " SELECT c.id, c.agency_id, c.received_date, c.source, COALESCE((SELECT max(CASE WHEN f.outcome = 'misconduct'"
            " THEN CASE f.severity WHEN 'minor' THEN 1 WHEN 'serious' THEN 2"
            " WHEN 'severe' THEN 3 ELSE 0 END ELSE 0 END)"
            " FROM findings f WHERE f.case_id = c.id), 0) FROM cases c"
        )
    )
    named = "CASE WHEN p.party_type = 'institution' THEN p.name ELSE p.institution END"
    for kind, value, source in (
        ("type", "a.misconduct_type", "allegations a ON a.case_id = c.id"),
        ("institution", named, "parties p ON p.case_id = c.id"),
    ):
        bind.execute(
            sa.text(
                "INSERT INTO case_facets (case_id, kind, value, agency_id, received_date)"
                f" SELECT DISTINCT c.id, '{kind}', {value}, c.agency_id, c.received_date"
                f" FROM cases c JOIN {source} WHERE {value} IS NOT NULL"
            )
        )
    left = "h.from_state = '{0}' AND h.to_state IS NOT NULL AND h.to_state <> '{0}'"
    bind.execute(
        sa.text(
            "UPDATE case_summaries SET"
            f" concluded_on = {first(local, f'h.to_state IN ({CONCLUDING})')},"
            f" outcome_on = {first(local, f'h.to_state IN ({OUTCOMES})')},"
            f" outcome_state = {first('h.to_state', f'h.to_state IN ({OUTCOMES})')},"
            f" preliminary_left_on = {first(local, left.format('preliminary_review'))},"
            f" investigation_left_on = {first(local, left.format('investigating'))}"
        )
    )
    for stage, started, due in (
        ("preliminary", "received_date", "preliminary_due"),
        ("investigation", "investigation_opened_on", "investigation_due"),
    ):
        left_on = f"case_summaries.{stage}_left_on"
        case_row = "FROM cases c WHERE c.id = case_summaries.case_id"
        bind.execute(
            sa.text(
                f"UPDATE case_summaries SET"
                f" {stage}_days = (SELECT {days(left_on, f'c.{started}')} {case_row}),"
                f" {stage}_on_time = (SELECT CASE WHEN c.{due} IS NULL THEN FALSE"
                f" ELSE {left_on} <= c.{due} END {case_row})"
                f" WHERE {left_on} IS NOT NULL"
            )
        )


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("case_facets", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facets_value")
        batch_op.drop_index("ix_case_facets_received")

    op.drop_table("case_facets")
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        for name in ("investigation", "preliminary", "outcome", "concluded", "received"):
            batch_op.drop_index(f"ix_case_summaries_{name}")

    op.drop_table("case_summaries")
