"""running counts of the case summaries per day, agency and key, which the agency and region
figures add up instead of scanning every summary of the period

Revision ID: 0030_statsum_case_counts
Revises: 0030_reqcost_audit_chain_head
Create Date: 2026-12-07 06:20:00

The summaries gain the state and due date of a case still in preliminary review or
investigation (for "overdue now"), the facets each sanction (start, type and id). The counts are filled here from the summaries and facets
(as app.statistics.counts.rebuild recounts them); from then on each summary's refresh adds
its difference.
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_statsum_case_counts"
down_revision = "0030_reqcost_audit_chain_head"
branch_labels = None
depends_on = None

INSERT = "INSERT INTO case_counts (kind, day, agency_id, key, n) "
STAGE_KEY = (
    "COALESCE(CAST({stage}_days AS VARCHAR), '') || '|' ||"
    " CASE WHEN {stage}_on_time THEN '1' ELSE '0' END"
)
# kind -> (day, key) of the summaries
FROM_SUMMARIES = {
    "received": ("received_date", "source"),
    "concluded": ("concluded_on", None),
    "outcome": ("outcome_on", "outcome_state || '|' || CAST(worst_finding AS VARCHAR)"),
    "preliminary": ("preliminary_left_on", STAGE_KEY.format(stage="preliminary")),
    "investigation": ("investigation_left_on", STAGE_KEY.format(stage="investigation")),
    "open": ("due_date", "open_state"),
}
OPEN_STATES = "'preliminary_review','investigating'"


def fill_open(bind) -> None:
    bind.execute(
        sa.text(
            "UPDATE case_summaries SET open_state = cases.state, due_date = cases.due_date"
            " FROM cases WHERE cases.id = case_summaries.case_id"
            f" AND cases.state IN ({OPEN_STATES}) AND cases.due_date IS NOT NULL"
        )
    )


def fill_sanctions(bind) -> None:
    bind.execute(
        sa.text(
            "INSERT INTO case_facets (case_id, kind, value, agency_id, received_date)"
            " SELECT s.case_id, 'sanction', CAST(s.start_date AS VARCHAR) || '|' ||"
            " s.sanction_type || '|' || CAST(s.id AS VARCHAR), c.agency_id, c.received_date"
            " FROM sanctions s JOIN cases c ON c.id = s.case_id"
        )
    )


def backfill(bind) -> None:
    """The counts, from the summaries (their open states filled) and facets."""
    for kind, (day, key) in FROM_SUMMARIES.items():
        group = f"{day}, agency_id" + (f", {key}" if key else "")
        shown = key or "''"
        bind.execute(
            sa.text(
                f"{INSERT}SELECT '{kind}', {day}, agency_id, {shown}, count(*)"
                f" FROM case_summaries WHERE {day} IS NOT NULL AND {key or day} IS NOT NULL"
                f" GROUP BY {group}"
            )
        )
    for kind in ("type", "institution", "inst_type"):
        bind.execute(
            sa.text(
                f"{INSERT}SELECT kind, received_date, agency_id, value, count(*) FROM case_facets"
                f" WHERE kind = '{kind}' GROUP BY kind, received_date, agency_id, value"
            )
        )
    bind.execute(
        sa.text(
            f"{INSERT}SELECT 'sanction', s.start_date, c.agency_id, s.sanction_type, count(*)"
            " FROM sanctions s JOIN cases c ON c.id = s.case_id"
            " GROUP BY s.start_date, c.agency_id, s.sanction_type"
        )
    )


def upgrade():
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_state", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    fill_open(op.get_bind())
    fill_sanctions(op.get_bind())
    op.create_table(
        "case_counts",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_counts_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("kind", "day", "agency_id", "key", name=op.f("pk_case_counts")),
    )
    with op.batch_alter_table("case_counts", schema=None) as batch_op:
        batch_op.create_index("ix_case_counts_key", ["kind", "key", "day", "agency_id"])
    backfill(op.get_bind())


def downgrade():
    op.drop_table("case_counts")
    op.execute("DELETE FROM case_facets WHERE kind = 'sanction'")
    with op.batch_alter_table("case_summaries", schema=None) as batch_op:
        batch_op.drop_column("due_date")
        batch_op.drop_column("open_state")
