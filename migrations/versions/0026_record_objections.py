"""integrity records: public-query period and query limit, the "under objection" mark and
the repair date; objections and credit-repair requests

Existing published records get both dates from their effective date and severity.

Revision ID: 0026_record_objections
Revises: 0026_job_heartbeats
Create Date: 2026-12-06 20:20:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0026_record_objections"
down_revision = "0026_job_heartbeats"
branch_labels = None
depends_on = None

# The defaults of app.records.policy as they stood when this migration was written.
PUBLISH_MONTHS = {"minor": 3, "serious": 12, "severe": 36}
QUERY_LIMIT_MONTHS = 60


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def _backfill() -> None:
    bind = op.get_bind()
    records = sa.table(
        "integrity_records",
        sa.column("id", sa.Integer),
        sa.column("effective_date", sa.Date),
        sa.column("payload", sa.JSON),
        sa.column("publish_until", sa.Date),
        sa.column("query_until", sa.Date),
    )
    rows = bind.execute(
        sa.select(records.c.id, records.c.effective_date, records.c.payload).where(
            records.c.effective_date.is_not(None)
        )
    ).all()
    for pk, effective, payload in rows:
        if isinstance(effective, str):
            effective = dt.date.fromisoformat(effective)
        severity = (payload or {}).get("severity")
        bind.execute(
            records.update()
            .where(records.c.id == pk)
            .values(
                publish_until=_add_months(effective, PUBLISH_MONTHS.get(severity, 36)),
                query_until=_add_months(effective, QUERY_LIMIT_MONTHS),
            )
        )


def upgrade():
    with op.batch_alter_table("integrity_records") as batch:
        batch.add_column(sa.Column("publish_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("query_until", sa.Date(), nullable=True))
        batch.add_column(
            # A literal default: SQLite adds the column in place (an expression would make
            # batch mode copy the table, which the records that reference it forbid).
            sa.Column("under_objection", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("repaired_on", sa.Date(), nullable=True))
    _backfill()
    op.create_table(
        "record_objections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("integrity_records.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column(
            "registered_agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("subject_contact", sa.String(200), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("mark_due", sa.Date(), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=True),
        sa.Column("forward_due", sa.Date(), nullable=True),
        sa.Column("forwarded_on", sa.Date(), nullable=True),
        sa.Column("decide_due", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'forwarded') OR (reasons IS NOT NULL AND decided_on IS NOT NULL)",
            name="ck_record_objections_decided",
        ),
    )
    op.create_index("ix_record_objections_record_id", "record_objections", ["record_id"])
    op.create_index("ix_record_objections_agency_id", "record_objections", ["agency_id"])
    op.create_index(
        "ix_record_objections_open", "record_objections", ["state", "decide_due", "id"]
    )
    op.create_table(
        "record_repairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("integrity_records.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("proof_name", sa.String(255), nullable=False),
        sa.Column("proof_sha256", sa.String(64), nullable=False),
        sa.Column("commitment_name", sa.String(255), nullable=False),
        sa.Column("commitment_sha256", sa.String(64), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("decide_due", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state = 'pending' OR (reasons IS NOT NULL AND decided_on IS NOT NULL)",
            name="ck_record_repairs_decided",
        ),
    )
    op.create_index("ix_record_repairs_record_id", "record_repairs", ["record_id"])
    op.create_index("ix_record_repairs_agency_id", "record_repairs", ["agency_id"])
    op.create_index("ix_record_repairs_open", "record_repairs", ["state", "decide_due", "id"])


def downgrade():
    op.drop_table("record_repairs")
    op.drop_table("record_objections")
    with op.batch_alter_table("integrity_records") as batch:
        batch.drop_column("repaired_on")
        batch.drop_column("under_objection")
        batch.drop_column("query_until")
        batch.drop_column("publish_until")
