"""Document numbers under concurrent issue, on PostgreSQL: drafts issued at the same moment
from many threads get the numbers 1..n of their agency's year, none skipped, none twice,
and a draft issued twice at once is issued once.

The data must be committed to be seen across threads, so this test uses the committing
fixture (rows removed afterwards) rather than the rolled-back `db`. SQLite has no row
locks: its writers are serialised by the database lock, and the number's uniqueness there
rests on the (agency, year, sequence) constraint, as it does here too."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import CaseState
from app.core.errors import ServiceError
from app.documents.models import DocumentCounter, OfficialDocument
from app.documents.services import create_draft, issue_document
from app.extensions import db
from tests.cleanup import committed_user
from tests.conftest import scenario_supervisor
from tests.worker_support import committed  # noqa: F401

THREADS = 8


@pytest.fixture
def drafts(app, committed):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks under concurrency are PostgreSQL's (TEST_DATABASE_URL)")
    from app.cases.services import register_case
    from app.demo import scenario
    from tests.conftest import scenario_actors

    case = _register(register_case)
    scenario.walk(case, CaseState.investigating, scenario_actors(case))
    lead = case.lead.user
    ids = [create_draft(case, lead, "acceptance_notice").id for _ in range(THREADS)]
    db.session.commit()
    return {"ids": ids, "supervisor": scenario_supervisor(case).id, "agency": case.agency_id}


def _register(register_case):
    import datetime as dt

    from app.auth.models import Role
    from app.cases.models import CaseSource, MisconductType
    from app.cases.services import AllegationInput, CaseInput, ComplainantInput, RespondentInput

    return register_case(
        CaseInput(
            title="并发发文测试",
            source=CaseSource.letter,
            received_date=dt.date(2026, 3, 2),
            respondents=[RespondentInput(name="测试")],
            allegations=[AllegationInput(MisconductType.other, "测试")],
            complainant=ComplainantInput(anonymous=False, name="举报人"),
        ),
        committed_user("SH", "sh-docs-race-officer", "并发专员", Role.officer),
    )


def _issue_all(app, plan: list[int], supervisor_id: int) -> list[object]:
    barrier = threading.Barrier(len(plan))
    outcomes: list[object] = [None] * len(plan)

    def worker(n: int, document_id: int) -> None:
        try:
            with app.app_context():
                document = db.session.get(OfficialDocument, document_id)
                actor = db.session.get(User, supervisor_id)
                actor.roles  # noqa: B018  (loaded before the race)
                document.case.agency.policy  # noqa: B018
                db.session.commit()
                barrier.wait(timeout=30)
                issue_document(document, actor)
                db.session.commit()
                outcomes[n] = document.sequence
        except ServiceError as exc:
            outcomes[n] = exc.code
        except BaseException as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=worker, args=(n, d)) for n, d in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return outcomes


def test_concurrent_issues_get_every_number_once_and_a_double_issue_is_refused(app, drafts):
    ids = drafts["ids"]
    plan = [*ids, ids[0]]  # the first draft is issued by two threads at once
    outcomes = _issue_all(app, plan, drafts["supervisor"])
    numbers = sorted(o for o in outcomes if isinstance(o, int))
    assert numbers == list(range(1, THREADS + 1)), outcomes
    assert [o for o in outcomes if not isinstance(o, int)] == ["already_issued"], outcomes
    db.session.expire_all()
    rows = db.session.scalars(select(OfficialDocument).where(OfficialDocument.id.in_(ids))).all()
    assert sorted(r.sequence for r in rows) == numbers
    assert len({r.number for r in rows}) == THREADS
    counter = db.session.scalar(
        select(DocumentCounter).where(DocumentCounter.agency_id == drafts["agency"])
    )
    assert counter.last_number == THREADS
