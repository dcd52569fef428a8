"""decisions and their reviews as rows of their own; sanctions name their decision

A review used to overwrite the case's decision text and leave no trace of the decision it
reviewed. From here each 处理决定 and each 复查 decision is a row of `case_decisions`, and a
sanction names the decision that imposed it and the review that revoked or replaced it.

Existing cases are carried over from what they still hold: one decision row per decided
case, one review row per `decide_review` step of its history (with its date, actor, reason
and outcome). Where a review modified the decision, the case holds only the modified text:
it goes to the latest modifying review, and the original decision's text stays empty
(it was overwritten before this revision).

Revision ID: 0012_domain
Revises: 0013_integrity
Create Date: 2026-12-01 20:40:33

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0012_domain"
down_revision = "0013_integrity"
branch_labels = None
depends_on = None

CST = dt.timezone(dt.timedelta(hours=8))


def upgrade():
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("review_outcome", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'decision' AND review_outcome IS NULL) "
            "OR (kind = 'review' AND review_outcome IS NOT NULL)",
            name=op.f("ck_case_decisions_review_has_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_decisions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_case_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_decisions")),
    )
    op.create_index("ix_case_decisions_case", "case_decisions", ["case_id", "id"])
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sanctions_decision_id"), ["decision_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_sanctions_decision_id_case_decisions"),
            "case_decisions",
            ["decision_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sanctions_revoked_by_id_case_decisions"),
            "case_decisions",
            ["revoked_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_sanctions_revoked_by_has_date"),
            "revoked_by_id IS NULL OR revoked_on IS NOT NULL",
        )
    _carry_over(op.get_bind())


def downgrade():
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_sanctions_revoked_by_has_date"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_sanctions_decision_id_case_decisions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_sanctions_revoked_by_id_case_decisions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sanctions_decision_id"))
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("decision_id")
    op.drop_index("ix_case_decisions_case", table_name="case_decisions")
    op.drop_table("case_decisions")


cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("decided_on", sa.Date),
    sa.column("decision_text", sa.Text),
    sa.column("review_requested_on", sa.Date),
)
history = sa.table(
    "case_history",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("reason", sa.Text),
    sa.column("details", sa.JSON),
)
decisions = sa.table(
    "case_decisions",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("review_outcome", sa.String),
    sa.column("text", sa.Text),
    sa.column("decided_on", sa.Date),
    sa.column("requested_on", sa.Date),
    sa.column("reason", sa.Text),
    sa.column("decided_by_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
sanctions = sa.table(
    "sanctions",
    sa.column("case_id", sa.Integer),
    sa.column("decision_id", sa.Integer),
    sa.column("revoked_by_id", sa.Integer),
    sa.column("revoked_on", sa.Date),
)


def _carry_over(conn) -> None:
    now = dt.datetime.now(dt.UTC)
    decided = conn.execute(sa.select(cases).where(cases.c.decided_on.is_not(None))).all()
    for case in decided:
        steps = conn.execute(
            sa.select(history)
            .where(
                history.c.case_id == case.id,
                history.c.action.in_(("issue_decision", "decide_review")),
            )
            .order_by(history.c.id)
        ).all()
        issued = next((s for s in steps if s.action == "issue_decision"), None)
        reviews = [s for s in steps if s.action == "decide_review"]
        outcomes = [(s.details or {}).get("outcome") or "upheld" for s in reviews]
        last_modified = max((i for i, o in enumerate(outcomes) if o == "modified"), default=None)
        decision_id = _insert(
            conn,
            case_id=case.id,
            kind="decision",
            review_outcome=None,
            text=case.decision_text if last_modified is None else None,
            decided_on=case.decided_on,
            requested_on=None,
            reason=issued.reason if issued else None,
            decided_by_id=issued.actor_id if issued else None,
            created_at=now,
        )
        conn.execute(
            sanctions.update().where(sanctions.c.case_id == case.id).values(decision_id=decision_id)
        )
        for index, (step, outcome) in enumerate(zip(reviews, outcomes, strict=True)):
            review_id = _insert(
                conn,
                case_id=case.id,
                kind="review",
                review_outcome=outcome,
                text=case.decision_text if index == last_modified else None,
                decided_on=_local_date(step.at) or case.decided_on,
                requested_on=case.review_requested_on,
                reason=step.reason,
                decided_by_id=step.actor_id,
                created_at=now,
            )
            if outcome == "overturned":
                conn.execute(
                    sanctions.update()
                    .where(
                        sanctions.c.case_id == case.id,
                        sanctions.c.revoked_on.is_not(None),
                        sanctions.c.revoked_by_id.is_(None),
                    )
                    .values(revoked_by_id=review_id)
                )


def _insert(conn, **values) -> int:
    return conn.execute(decisions.insert().values(**values).returning(decisions.c.id)).scalar_one()


def _local_date(at: dt.datetime | None) -> dt.date | None:
    """History times are stored in UTC; the review's date is the day in Beijing."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(CST).date()
