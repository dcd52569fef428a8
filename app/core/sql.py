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
