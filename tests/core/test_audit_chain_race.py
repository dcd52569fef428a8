"""Writers racing to append to the audit log leave one unbroken chain: each reads the head
only while it holds the chain's lock (on PostgreSQL the lock and the head are one round
trip, migration 0030_reqcost_audit_chain_head). On SQLite always, and on PostgreSQL when
the suite runs there (in a database of its own, since the entries are committed)."""

from __future__ import annotations

import threading

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.core import audit
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import base_config
from tests.platform import test_migration_respondents as respondents

database_url = respondents.database_url  # SQLite, and PostgreSQL when the suite runs there

WRITERS = 4
EACH = 15


def test_racing_writers_leave_one_chain(database_url, tmp_path):
    app = create_app(base_config(tmp_path, database_url))
    with app.app_context():
        upgrade()
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for n in range(EACH):
                    audit.record("test.race", details={"writer": writer, "n": n})
                    db.session.commit()
        except BaseException as error:  # reported below, with the chain's state
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        ok, checked, bad, why = audit.verify_chain()
        written = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.race")
        )
        db.engine.dispose()
    assert failures == []
    assert ok, (bad, why)
    assert written == WRITERS * EACH
    assert checked >= written
