"""SQL shapes that the planners of both supported databases answer from an index."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, any_, func

from app.extensions import db


def id_among(column: ColumnElement, ids: Select) -> ColumnElement[bool]:
    """`column IN (ids)` that stays an index lookup as one arm of an OR.

    PostgreSQL turns an `IN (subquery)` inside an OR into a filter on every row the other
    arms let through, so one such arm (the cases a user leads, the cases a joint
    investigation opens) made it read every case in the region. `= ANY(ARRAY(subquery))`
    runs the subquery once and looks the ids up in the primary key. SQLite plans the plain
    form that way already."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


# Statements executed with this execution option are sent as `EXPLAIN (FORMAT JSON) …`, with
# their parameters bound as usual, and answer the plan instead of rows.
_ESTIMATE = "yrd_estimate_rows"


def estimated_rows(stmt) -> int | None:
    """PostgreSQL's estimate of how many rows `stmt` returns, read from its plan without
    running it (a millisecond whatever the table's size); None on SQLite, which has none.
    For counts past what is worth counting exactly: show them as estimates ("about")."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return int(_plan(stmt)["Plan Rows"])


def _plan(stmt) -> dict:
    """The top node of PostgreSQL's plan of `stmt`, which is not run."""
    _listen_for_estimates(db.session.get_bind())
    result = db.session.execute(stmt.execution_options(**{_ESTIMATE: True}))
    plan = result.cursor.fetchone()[0]
    result.close()
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return plan[0]["Plan"]


def plan_rows(arms: list) -> list[int] | None:
    """PostgreSQL's estimate of how many rows each of `arms` (selects) returns, each planned
    on its own in one EXPLAIN of them side by side; none is run. None if the plan does not
    show one branch an arm."""
    from sqlalchemy import literal_column, select, union_all

    wrapped = [select(literal_column("1")).select_from(arm.subquery()) for arm in arms]
    # OFFSET 0 keeps each arm a branch of its own: a UNION ALL inside is not merged into the top.
    children = _plan(union_all(*(arm.offset(0) for arm in wrapped))).get("Plans", [])
    if len(children) != len(arms):
        return None
    return [int(child["Plan Rows"]) for child in children]


def _explain(_conn, _cursor, statement, parameters, context, _executemany):
    if context is not None and context.execution_options.get(_ESTIMATE):
        statement = "EXPLAIN (FORMAT JSON) " + statement
    return statement, parameters


def _listen_for_estimates(engine) -> None:
    from sqlalchemy import event

    if not event.contains(engine, "before_cursor_execute", _explain):
        event.listen(engine, "before_cursor_execute", _explain, retval=True)
