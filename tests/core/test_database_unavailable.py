"""The database not answering (a restart of PostgreSQL, a failover) is a clear 503 page or
problem with Retry-After, in the session's language, never a 500; once it answers again the
same signed-in session goes on. Found by the soak run (benchmarks/soak.py): during a
PostgreSQL restart every page answered gunicorn's bare "Internal Server Error", because the
500 page itself needs the database (the signed-in user, the navigation badges)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.api.conftest import ApiClient


def _unreachable_url(db) -> sa.URL:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":  # a folder that does not exist: cannot be opened
        return sa.make_url("sqlite:////nonexistent-folder/yrd/unreachable.sqlite")
    return url.set(host="127.0.0.1", port=1, query={"connect_timeout": "2"})  # refused


@contextmanager
def database_down(db):
    """Every query of the requests within fails to connect, as while PostgreSQL restarts."""
    dead = sa.create_engine(_unreachable_url(db))
    kept = db.session
    db.session = scoped_session(sessionmaker(bind=dead), scopefunc=_app_ctx_id)
    try:
        yield
    finally:
        db.session.remove()
        db.session = kept
        dead.dispose()


def test_a_page_is_a_clear_503_while_the_database_is_down_and_works_after(
    client, db, login, make_user, make_case
):
    officer = make_user("SH", roles=("officer",))
    case = make_case("SH", by=officer)
    login(officer)
    with database_down(db):
        page = client.get(f"/cases/{case.reference}")
        posted = client.post("/cases/new", data={"title": "数据库中断期间的登记"})
    for response in (page, posted):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        text = response.get_data(as_text=True)
        assert "服务暂时不可用" in text
        assert "本次操作未保存任何内容" in text
        assert "Traceback" not in text and "sqlalchemy" not in text.lower()
    assert 'href="/cases/' in page.get_data(as_text=True)  # "try again" the same page
    assert client.get(f"/cases/{case.reference}").status_code == 200  # still signed in


def test_the_page_is_in_the_language_the_session_chose(client, db, login, make_user):
    officer = make_user("SH", roles=("officer",))
    login(officer)
    with client.session_transaction() as session:
        session["lang"] = "en"
    with database_down(db):
        response = client.get("/cases")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Service unavailable" in text
    assert "nothing was saved" in text


def test_the_api_answers_a_503_problem_while_the_database_is_down(client, db, make_user):
    from app.auth.services import create_token

    token = create_token(make_user("JS", roles=("officer",)))
    db.session.commit()
    api = ApiClient(client, db, token)
    with database_down(db):
        listed = api.get("/api/v1/cases")
        created = api.post("/api/v1/cases", json={"title": "x"})
    for response in (listed, created):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "30"
        body = response.get_json()
        assert body["code"] == "service_unavailable"
        assert body["status"] == 503
    assert api.get("/api/v1/cases").status_code == 200


def test_a_connection_the_server_closed_is_dropped_when_the_request_ends(app):
    """PostgreSQL restarting under a request that had read something: its session's rollback
    at the end fails, and that was a 500 (and a traceback) for an answered request."""
    from app.extensions import db

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a server that closes connections: PostgreSQL")
    with app.app_context():
        backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))  # a transaction open
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            other.commit()
    with app.app_context():  # leaving the first one raised nothing; the pool reconnects
        assert db.session.scalar(sa.text("SELECT 1")) == 1
