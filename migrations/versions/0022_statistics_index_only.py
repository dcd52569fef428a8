"""Statistics read from their indexes alone: the summary indexes carry every column their
figure aggregates, the institution index carries the case, sanctions and records are indexed
by the date a period counts them by, a case's agency is read from an index, and each case
gets a facet per (institution, type alleged) pair, backfilled from its institution and type
facets.

Revision ID: 0022_stat_rollups
Revises: 0022_panel_material
Create Date: 2026-12-06 06:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_stat_rollups"
down_revision = "0022_panel_material"
branch_labels = None
depends_on = None

# table -> index -> (columns before, columns after)
INDEXES = {
    "case_summaries": {
        "ix_case_summaries_outcome": (
            ["outcome_on", "agency_id"],
            ["outcome_on", "agency_id", "outcome_state", "worst_finding"],
        ),
        "ix_case_summaries_preliminary": (
            ["preliminary_left_on", "agency_id"],
            ["preliminary_left_on", "agency_id", "preliminary_days", "preliminary_on_time"],
        ),
        "ix_case_summaries_investigation": (
            ["investigation_left_on", "agency_id"],
            ["investigation_left_on", "agency_id", "investigation_days", "investigation_on_time"],
        ),
    },
    "case_facets": {
        "ix_case_facets_value": (
            ["kind", "value", "received_date", "agency_id"],
            ["kind", "value", "received_date", "agency_id", "case_id"],
        ),
    },
}
# Indexes the figures read in a period: sanctions started, records taking effect, and a
# case's agency read from the index alone (sanctions are counted by their case's agency).
NEW_INDEXES = (
    ("cases", "ix_cases_id_agency", ["id", "agency_id"]),
    ("sanctions", "ix_sanctions_started", ["start_date", "case_id", "sanction_type"]),
    (
        "integrity_records",
        "ix_integrity_records_effective",
        ["is_local", "effective_date", "status", "agency_id", "deciding_agency"],
    ),
)
PAIR = 31  # the unit separator between institution and type (app/statistics/summaries.py)


def _reindex(after: bool) -> None:
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes.items():
                batch_op.drop_index(name)
                batch_op.create_index(name, columns[1 if after else 0], unique=False)


def upgrade():
    with op.batch_alter_table("case_facets", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.String(length=200), type_=sa.String(length=240)
        )
    _reindex(after=True)
    for table, name, columns in NEW_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    backfill(op.get_bind())


def backfill(bind) -> None:
    """One inst_type facet per institution facet and type facet of the same case."""
    char = "chr" if bind.dialect.name == "postgresql" else "char"
    bind.execute(
        sa.text(
            "INSERT INTO case_facets (case_id, kind, value, agency_id, received_date)"
            f" SELECT i.case_id, 'inst_type', i.value || {char}({PAIR}) || t.value,"
            " i.agency_id, i.received_date"
            " FROM case_facets i JOIN case_facets t ON t.case_id = i.case_id AND t.kind = 'type'"
            " WHERE i.kind = 'institution'"
        )
    )


def downgrade():
    op.execute("DELETE FROM case_facets WHERE kind = 'inst_type'")
    for table, name, _columns in reversed(NEW_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    _reindex(after=False)
    with op.batch_alter_table("case_facets", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.String(length=240), type_=sa.String(length=200)
        )
