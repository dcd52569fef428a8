"""Registrations racing each other through the API get unique, gap-free reference numbers.

These requests must really commit (each thread has its own session and connection), so the
fixture commits its users and removes everything the test created afterwards.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from app.auth.models import Agency, ApiToken, Role, User, UserRole
from app.auth.services import create_token
from app.cases.models import (
    Allegation,
    Case,
    CaseMember,
    CaseSequence,
    Complainant,
    HistoryEntry,
    Party,
)
from app.core.audit import verify_chain
from app.core.calendar import today
from app.core.models import AuditEntry
from app.extensions import db
from app.statistics.counts import forget
from app.statistics.models import CaseFacet, CaseSummary
from tests.api.conftest import new_case_body
from tests.cleanup import audit_guard_lifted
from tests.conftest import password_hash

THREADS = 4
PER_THREAD = 5
# References are numbered in the year of registration (this year); the fixture puts the
# year's sequence back as it found it.
YEAR = today().year


@pytest.fixture
def committed_officers(app):
    """Officers with tokens, committed for real; deleted again with all they registered."""
    with app.app_context():
        audit_mark = db.session.scalar(select(func.max(AuditEntry.id))) or 0
        case_mark = db.session.scalar(select(func.max(Case.id))) or 0
        sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
        agency_id = sh.id
        start = db.session.scalar(
            select(CaseSequence.last_value).where(
                CaseSequence.agency_id == agency_id, CaseSequence.year == YEAR
            )
        )
        users, tokens = [], []
        for n in range(THREADS):
            user = User(
                username=f"race-officer-{n}",
                display_name=f"并发专员{n}",
                agency=sh,
                password_hash=password_hash(),
            )
            user.set_roles([Role.officer])
            db.session.add(user)
            db.session.flush()
            users.append(user.id)
            tokens.append(create_token(user))
        db.session.commit()
    yield tokens, (start or 0)
    with app.app_context():
        case_ids = select(Case.id).where(Case.id > case_mark)
        forget(list(db.session.scalars(case_ids)))  # out of the statistics' running counts
        with audit_guard_lifted():
            db.session.execute(delete(AuditEntry).where(AuditEntry.id > audit_mark))
        # The guard stays lifted to the end of the transaction (SET LOCAL), and a replica
        # session runs no cascades: the summaries go by hand.
        for model in (
            HistoryEntry,
            Party,
            Allegation,
            Complainant,
            CaseMember,
            CaseSummary,
            CaseFacet,
        ):
            db.session.execute(delete(model).where(model.case_id.in_(case_ids)))
        db.session.execute(delete(Case).where(Case.id > case_mark))
        db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(users)))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(users)))
        db.session.execute(delete(User).where(User.id.in_(users)))
        if start is None:
            db.session.execute(
                delete(CaseSequence).where(
                    CaseSequence.agency_id == agency_id, CaseSequence.year == YEAR
                )
            )
        else:
            db.session.execute(
                CaseSequence.__table__.update()
                .where(CaseSequence.agency_id == agency_id, CaseSequence.year == YEAR)
                .values(last_value=start)
            )
        db.session.commit()


def test_concurrent_registrations_get_unique_gap_free_references(app, committed_officers):
    tokens, start = committed_officers
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def register(token: str) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            for n in range(PER_THREAD):
                response = client.post(
                    "/api/v1/cases",
                    json=new_case_body(title=f"并发登记{n}", received_date=today().isoformat()),
                    headers={"Authorization": f"Bearer {token}"},
                )
                body = response.get_json()
                results.append((response.status_code, body.get("reference", str(body))))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert [status for status, _ref in results] == [201] * THREADS * PER_THREAD, results
    references = sorted(ref for _status, ref in results)
    expected = [f"SH-{YEAR}-{n:06d}" for n in range(start + 1, start + 1 + THREADS * PER_THREAD)]
    assert references == expected
    with app.app_context():
        stored = db.session.scalars(
            select(Case.reference).where(Case.reference.in_(references))
        ).all()
        assert sorted(stored) == expected
        assert verify_chain()[0]
