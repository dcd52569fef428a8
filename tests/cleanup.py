"""Clean-up for tests that commit real data: removing their audit entries needs the
append-only guard lifted (PostgreSQL: session_replication_role, as the superuser the tests
connect as; SQLite: the triggers dropped and recreated), inside the clean-up transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db


@contextmanager
def audit_guard_lifted() -> Iterator[None]:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = db.session.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_entries'"
        )
    ).all()
    for name, _sql in triggers:
        db.session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        db.session.execute(text(sql))
