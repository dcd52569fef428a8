"""Clean-up for tests that commit real data: removing their audit entries needs the
append-only guard lifted (PostgreSQL: session_replication_role, as the superuser the tests
connect as; SQLite: the triggers dropped and recreated), inside the clean-up transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db
from app.statistics.counts import forget


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


def committed_user(code: str, username: str, display_name: str, role) -> object:
    """A user for a test that commits (threads racing need committed rows)."""
    from sqlalchemy import select

    from app.auth.models import Agency, User
    from tests.conftest import password_hash

    user = User(
        username=username,
        display_name=display_name,
        agency=db.session.scalar(select(Agency).where(Agency.code == code)),
        password_hash=password_hash(),
    )
    user.set_roles([role])
    db.session.add(user)
    db.session.flush()
    return user


# Every table holding a case's rows, children first. With the guard lifted on PostgreSQL the
# session is a replica one until the transaction ends, and a replica session runs no
# cascades: each table is emptied by hand.
CASE_TABLES = (
    "case_transfers",
    "case_history",
    "case_summaries",
    "case_facets",
    "complainants",
    "allegations",
    "parties",
    "case_members",
)


def forget_cases_after(last_case_id: int) -> None:
    """Takes the cases newer than `last_case_id` out of the statistics' running counts, for a
    clean-up that then deletes them by id (their summaries must still be there)."""
    from sqlalchemy import select

    from app.cases.models import Case

    forget(list(db.session.scalars(select(Case.id).where(Case.id > last_case_id))))


def remove_committed(case_ids: list[int], user_ids: list[int]) -> None:
    """Test clean-up only: the cases and users a committing test made, and all they left."""
    cases = ",".join(str(i) for i in case_ids)
    users = ",".join(str(i) for i in user_ids)
    forget(case_ids)  # out of the statistics' running counts with their summaries
    with audit_guard_lifted():
        db.session.execute(
            text(f"DELETE FROM notifications WHERE user_id IN ({users}) OR case_id IN ({cases})")
        )
        db.session.execute(
            text(f"DELETE FROM audit_entries WHERE case_id IN ({cases}) OR actor_id IN ({users})")
        )
        for table in CASE_TABLES:
            db.session.execute(text(f"DELETE FROM {table} WHERE case_id IN ({cases})"))
        db.session.execute(text(f"DELETE FROM cases WHERE id IN ({cases})"))
        db.session.execute(text(f"DELETE FROM user_roles WHERE user_id IN ({users})"))
        db.session.execute(text(f"DELETE FROM users WHERE id IN ({users})"))
    db.session.commit()
