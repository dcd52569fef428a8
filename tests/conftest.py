"""Fixtures: one migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
each test in a transaction that is rolled back, and factories that return functions."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.auth.models import Agency, Role, User
from app.cases.models import Case, CaseSource, CaseState, MisconductType, PartyType, TeamRole
from app.core.calendar import CST
from app.core.secrets import new_field_key
from app.extensions import db as _db

TEST_PASSWORD = "test-password-123"
IN_CI = bool(os.environ.get("CI"))


def _own_services_per_worker() -> None:
    """Under pytest-xdist (`-n 2`, scripts/test-suites.sh) each worker process is a suite of
    its own: its own PostgreSQL database (the run's name and the worker's id, `yrd_test_gw1`;
    every database a test derives from it follows) and its own Redis database (the run's
    number less the worker's: gw0 keeps it, gw1 takes the one below), so the workers'
    migrations, queues and real `rq` workers never meet. Set before any test module reads
    them; the servers and workers tests start inherit them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    index = int(worker.removeprefix("gw"))
    if url := os.environ.get("TEST_DATABASE_URL"):
        parsed = sa.engine.make_url(url)
        named = parsed.set(database=f"{parsed.database}_{worker}")
        os.environ["TEST_DATABASE_URL"] = named.render_as_string(hide_password=False)
    if url := os.environ.get("TEST_REDIS_URL"):
        base, _, number = url.rpartition("/")
        if not number.isdigit() or int(number) < index:
            raise RuntimeError(f"TEST_REDIS_URL={url}: no Redis database for worker {worker}")
        os.environ["TEST_REDIS_URL"] = f"{base}/{int(number) - index}"


_own_services_per_worker()
# Every app a test makes (the suite's, a second node's, a restored deployment's, a live
# server's) runs its jobs in the request: a job thread's heartbeat in this process would use
# the session a test holds. tests/jobs/test_local_jobs.py switches the thread on where it is
# under test.
os.environ["JOBS_WITHOUT_REDIS"] = "inline"
# Every app a test makes, here or in a subprocess, hashes new passwords at Argon2's least cost
# (tests/auth/test_password_hashing.py): the suite creates accounts by the hundred, each a
# third of a second at the standard cost.
os.environ["PASSWORD_HASH_COST"] = "minimal"
_PASSWORD_HASH = None
MIDNIGHT_MARGIN = 120  # s: longer than any test but the browser and benchmark ones takes


def _compile_catalogues() -> None:
    """Compile each .po whose .mo is missing or older, so a checkout that never ran
    `make translations` tests the catalogue it holds (written atomically: the SQLite and
    PostgreSQL suites start side by side in one tree)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "app" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo_path)


_compile_catalogues()

# No property test is a timing test: Hypothesis's per-example deadline (200 ms) fails an
# example that a loaded machine merely ran slowly. In CI, the same examples every run; by
# hand, new ones each run may find a bug.
from hypothesis import settings  # noqa: E402

settings.register_profile("suite", deadline=None)
settings.register_profile(
    "ci", parent=settings.get_profile("suite"), derandomize=True, database=None
)
settings.load_profile("ci" if IN_CI else "suite")


def pytest_collection_modifyitems(config, items):
    """A test module that starts its own app server (tests/browser_support.live_app) runs
    it on a SQLite file of its own, whatever database the suite uses: it is marked
    `own_server`, and the PostgreSQL run of `make test` leaves it to the SQLite run rather
    than repeat the very same test (scripts/test-suites.sh)."""
    from tests import browser_support

    for item in items:
        if getattr(item.module, "live_app", None) is browser_support.live_app:
            item.add_marker(pytest.mark.own_server)


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite'}"
    _recreate_postgres(url)
    return url


def _recreate_postgres(url: str) -> None:
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    except sa.exc.OperationalError as exc:
        pytest.exit(f"PostgreSQL at {url} is not reachable: {exc}", returncode=3)
    finally:
        admin.dispose()


def base_config(tmp_root: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "FIELD_ENCRYPTION_KEYS": new_field_key("t1"),
        "MATCHING_KEY": "test-matching-key",
        "FILE_STORE": str(tmp_root / "files"),
        "EXCHANGE_KEY_DIR": str(tmp_root / "exchange"),
        "REDIS_URL": None,
        # Jobs run in the request, so a test reads their result at once; tests/jobs covers
        # the background thread a web process uses without Redis.
        "JOBS_WITHOUT_REDIS": "inline",
        "SERVER_NAME": None,
    }


def _fresh_request_state() -> None:
    """Tests keep one app context open for the rolled-back session, and Flask lets requests
    reuse it; in production every request has its own. Drop what extensions cache there
    (the signed-in user, the locale) so each request starts as it would in production."""
    from flask import g
    from flask_babel import refresh

    g.pop("_login_user", None)
    g.pop("user_session", None)
    refresh()


@pytest.fixture(autouse=True)
def _within_one_day_in_china():
    """Deadlines, reminders and "today" are kept in China Standard Time: a test that began
    before midnight there and ended after it would compare two different days (a deadline
    computed at the start against today() at the end). A test due to start in the last
    minutes of the day starts in the next one."""
    now = dt.datetime.now(CST)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), CST)
    left = (midnight - now).total_seconds()
    if left < MIDNIGHT_MARGIN:
        time.sleep(left + 1)


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="yrd-test-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def app(tmp_root):
    url = _database_url(tmp_root)
    app = create_app(base_config(tmp_root, url))
    # First, so the app's own hooks (the session's last-seen time) see a fresh request too.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    with app.app_context():
        upgrade()
        from app.auth.agencies import platform_agency
        from app.demo.loader import ensure_agencies

        for agency in [*ensure_agencies().values(), platform_agency()]:
            # Tests sign supervisors and administrators in with their password alone;
            # tests/auth/test_totp.py switches the second factor on where it is under test.
            agency.policy.totp_required = False
        _db.session.commit()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """A session whose work is rolled back after the test, commits included."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()
            # The per-process calendar years (app.core.calendar) were read inside the
            # rolled-back transaction.
            from app.core.calendar import invalidate

            invalidate()


@pytest.fixture
def client(app, db):
    return app.test_client()


def password_hash() -> str:
    """The test users' password hash: Argon2id like every hash, at the lowest cost Argon2
    allows, so the suite's thousands of sign-ins do not each spend the production cost (a
    hash carries its own parameters; verification reads them from it). The production
    parameters are app.auth.passwords' own, tested there."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
            TEST_PASSWORD
        )
    return _PASSWORD_HASH


@pytest.fixture
def agency(db):
    """agency(code) -> the agency; found by its code once a test, then from the session's
    identity map (tests make users by the dozen)."""
    ids: dict[str, int] = {}

    def get(code: str = "SH") -> Agency:
        if code not in ids:
            found = db.session.scalar(select(Agency).where(Agency.code == code))
            if found is None:
                return None
            ids[code] = found.id
        return db.session.get(Agency, ids[code])

    return get


@pytest.fixture
def make_user(db, agency):
    counter = {"n": 0}

    def make(
        agency_code: str = "SH", roles=("officer",), username: str | None = None, **overrides
    ) -> User:
        counter["n"] += 1
        name = username or f"{agency_code.lower()}-{'-'.join(roles)}-{counter['n']}"
        user = User(
            username=name.replace("_", "-"),
            display_name=overrides.pop("display_name", f"测试用户{counter['n']}"),
            agency=agency(agency_code),
            password_hash=password_hash(),
            **overrides,
        )
        user.set_roles([Role(r) for r in roles])
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_case(db, make_user):
    """make_case(agency="SH", state="received", by=None, **fields) -> Case, walked through
    the real workflow services to the state asked for (`app.demo.scenario`)."""
    from app.demo import scenario

    def make(
        agency: str = "SH",
        state: str | CaseState = CaseState.received,
        by: User | None = None,
        **fields,
    ) -> Case:
        from app.cases.services import (
            AllegationInput,
            CaseInput,
            ComplainantInput,
            RespondentInput,
            register_case,
        )

        officer = by or make_user(agency, roles=("officer",))
        data = CaseInput(
            title=fields.pop("title", "关于张伟论文涉嫌抄袭的举报"),
            source=fields.pop("source", CaseSource.letter),
            received_date=fields.pop("received_date", dt.date(2026, 3, 2)),
            summary=fields.pop("summary", "举报称论文与他人成果高度重合。"),
            respondents=fields.pop(
                "respondents",
                [
                    RespondentInput(
                        name="张伟",
                        party_type=PartyType.person,
                        id_type="resident_id",
                        id_number="31010119800101123X",
                        institution="复旦大学",
                        position="教授",
                    )
                ],
            ),
            allegations=fields.pop(
                "allegations",
                [
                    AllegationInput(
                        misconduct_type=MisconductType.plagiarism,
                        description="论文第三章大段抄袭",
                        work_reference="10.1000/xyz123",
                    )
                ],
            ),
            complainant=fields.pop(
                "complainant", ComplainantInput(anonymous=False, name="李娜", contact="13800000000")
            ),
        )
        case = register_case(data, officer)
        scenario.walk(case, CaseState(state), scenario_actors(case))
        for key, value in fields.items():
            setattr(case, key, value)
        db.session.flush()
        return case

    return make


def scenario_actors(case: Case):
    """The people the scenario walks a test case with: its accounts sign in with
    TEST_PASSWORD, as every test account does."""
    from app.demo.scenario import Actors

    return Actors.for_case(case, password_hash=password_hash())


def scenario_supervisor(case: Case) -> User:
    """The supervisor who took the supervisors' steps of a case `make_case` walked."""
    return scenario_actors(case).get("supervisor")


def scenario_reviewer(case: Case) -> User:
    """A second supervisor of the case's agency: the review (复查) of a decision is decided
    by someone other than the supervisor who issued it."""
    return scenario_actors(case).get("reviewer")


@pytest.fixture
def login(client):
    def do(user: User, password: str = TEST_PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data[:500]
        assert not response.headers["Location"].startswith(("/login/", "/account/second-factor"))
        return client

    return do


__all__ = ["TEST_PASSWORD", "TeamRole"]


@pytest.fixture
def offer(db):
    """offer(case, by, to="JS", identity_travels=False, reason=...) -> the pending transfer,
    offered through the workflow step as a supervisor does."""
    from app.cases.transfers import transfer_case

    def make(case, by, to="JS", identity_travels=False, reason="被举报人所在单位属江苏管辖"):
        return transfer_case(
            case,
            by,
            target_agency=to,
            reason=reason,
            identity_travels=identity_travels,
            expected_version=case.version,
        )

    return make


from tests.joint_world import joint  # noqa: E402,F401  (the joint tests' shared world)
