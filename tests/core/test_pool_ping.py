"""A pooled connection is pinged before use only when it has been idle: a busy process
spares the round trip SQLAlchemy's `pool_pre_ping` makes at every checkout, and a
connection that died while idle (a restart of PostgreSQL) is still replaced unseen."""

from __future__ import annotations

import time

import pytest

from app.core import _USED_AT


@pytest.fixture
def pings(db, monkeypatch):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("a SQLite file has no connection to lose")
    calls = []
    original = db.engine.dialect.do_ping

    def do_ping(dbapi_connection):
        calls.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", do_ping)
    return calls


def _use(engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def _age_pool(engine, seconds: float, now: bool = False) -> None:
    """Marks every pooled connection as last used `seconds` ago (counted from now, or from
    its last use)."""
    for record in list(engine.pool._pool.queue):
        record.info[_USED_AT] = (time.monotonic() if now else record.info[_USED_AT]) - seconds


def test_no_ping_for_a_connection_used_a_moment_ago(db, pings):
    # Every connection the pool holds, however long it waited since an earlier test, as
    # just used (the pool hands out its oldest first).
    _age_pool(db.engine, 0, now=True)
    _use(db.engine)
    _use(db.engine)
    assert pings == []


def test_an_idle_connection_is_pinged(app, db, pings):
    _use(db.engine)
    _age_pool(db.engine, app.config["POOL_PING_IDLE_SECONDS"] + 1)
    _use(db.engine)
    assert len(pings) == 1


def test_an_idle_connection_that_died_is_replaced_before_use(app, db, pings):
    engine = db.engine
    _use(engine)
    for record in list(engine.pool._pool.queue):
        record.dbapi_connection.close()  # as a restart of the server leaves it
    _age_pool(engine, app.config["POOL_PING_IDLE_SECONDS"] + 1)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    assert pings
