"""Counting the statements a block of a test runs, for the tests that pin a page's or a
step's cost in round trips to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

# The test's own transaction: each request or step runs in a savepoint of it.
_TEST_TRANSACTION = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextmanager
def counted(engine, *, savepoints: bool = True) -> Iterator[list[str]]:
    """The statements `engine` runs inside the block, whitespace folded to single spaces;
    `savepoints=False` leaves out the test transaction's SAVEPOINT, RELEASE and ROLLBACK."""
    statements: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        folded = " ".join(statement.split())
        if savepoints or not folded.upper().startswith(_TEST_TRANSACTION):
            statements.append(folded)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
