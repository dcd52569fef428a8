"""Failed sign-ins counted at the same moment all count: web processes share the counters in
the database, and two transactions counting one key never overwrite each other (whatever
else the caller locks first). The data must be committed to be seen across threads, so this
uses the `committed` fixture."""

from __future__ import annotations

import threading

from app.auth.models import LoginThrottle
from app.auth.throttle import account_key, record_failure
from app.extensions import db
from tests.worker_support import committed  # noqa: F401

THREADS = 6


def test_simultaneous_failures_for_one_account_all_count(app, committed, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", 100)
    key = account_key("race-target")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def count_one() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                record_failure([key])
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=count_one) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    committed.session.expire_all()
    assert committed.session.get(LoginThrottle, key).failures == THREADS
