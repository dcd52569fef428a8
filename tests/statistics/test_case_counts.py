"""The running counts the agency and region figures add up: after random walks through the
services, transfers (a case moving agency), reopenings and edits of a case's respondents and
allegations, they equal a recount of the summaries and facets (and the migration's), and
every figure read from them equals the same figure counted from the summaries themselves;
two cases counted under one row at once both count."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading

import pytest
from sqlalchemy import delete, select

from app.auth.models import Role, User
from app.cases.models import Allegation, CaseSource, CaseState, MisconductType, Party
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    extend_investigation,
    register_case,
)
from app.cases.transfers import accept_transfer, refuse_transfer, transfer_case
from app.cases.workflow import perform
from app.core.calendar import today
from app.demo import scenario
from app.extensions import db
from app.statistics import counts
from app.statistics.figures import figures_for
from app.statistics.models import CaseCount
from app.statistics.periods import Period, month_period, year_period
from app.statistics.sql import FigureQuery
from app.statistics.summaries import refresh_summary
from tests.cleanup import committed_user, remove_committed
from tests.conftest import scenario_actors, scenario_supervisor
from tests.statistics.test_case_summaries import migration

STATES = [
    CaseState.received,
    CaseState.preliminary_review,
    CaseState.not_accepted,
    CaseState.investigating,
    CaseState.terminated,
    CaseState.decided,
    CaseState.closed,
]
AGENCIES = ["SH", "JS", "ZJ", "AH"]
INSTITUTIONS = ["复旦大学", "南京大学", "浙江大学", None]


def stored() -> dict:
    rows = db.session.execute(
        select(CaseCount.kind, CaseCount.day, CaseCount.agency_id, CaseCount.key, CaseCount.n)
    )
    return {tuple(row[:4]): row[4] for row in rows if row[4]}


@pytest.fixture
def walked(make_case, make_user):
    """Cases of every agency received over two years, walked to random states at random
    paces; some transferred and accepted, some reopened, some edited."""
    rng = random.Random(26)
    first = today().replace(month=1, day=1) - dt.timedelta(days=365)
    cases = []
    for n in range(14):
        received = first + dt.timedelta(days=rng.randrange(0, (today() - first).days - 250))
        case = make_case(
            rng.choice(AGENCIES),
            state=CaseState.received,
            received_date=received,
            title=f"统计计数测试{n}",
        )
        pace = {"start_preliminary_review": rng.randrange(1, 30), "team": 31}
        pace |= {"open_investigation": 32, "not_accept": 33, "submit_findings": 90}
        state = CaseState.preliminary_review if n < 4 else rng.choice(STATES)
        scenario.walk(case, state, scenario_actors(case), days=pace)
        cases.append(case)
    for case in cases[:3]:  # cases moving agency, received again there today
        target = next(code for code in AGENCIES if code != case.agency.code)
        transfer = transfer_case(
            case,
            make_user(case.agency.code, roles=("supervisor",)),
            target_agency=target,
            reason="属地管辖",
            identity_travels=False,
            expected_version=None,
        )
        accept_transfer(transfer, make_user(target, roles=("supervisor",)))
    refused = transfer_case(  # back in preliminary review at the sender, overdue again
        cases[3],
        make_user(cases[3].agency.code, roles=("supervisor",)),
        target_agency=next(code for code in AGENCIES if code != cases[3].agency.code),
        reason="属地管辖",
        identity_travels=False,
        expected_version=None,
    )
    refuse_transfer(refused, make_user(refused.to_agency.code, roles=("supervisor",)), "不属本机关")
    for case in cases:
        if case.state == CaseState.investigating:  # a later deadline, no longer overdue
            extend_investigation(case, 6, "需要补充调查", scenario_supervisor(case))
    for case in cases:
        if case.state == CaseState.closed:
            perform(
                case,
                scenario_supervisor(case),
                "reopen_case",
                expected_version=None,
                reason="申诉裁定撤销原结案",
            )
    for case in rng.sample(cases[4:], 5):  # respondents and allegations edited
        party = db.session.scalars(select(Party).where(Party.case_id == case.id)).first()
        party.institution = rng.choice(INSTITUTIONS)
        db.session.add(
            Allegation(
                case_id=case.id,
                misconduct_type=rng.choice(list(MisconductType)),
                description="补充举报",
            )
        )
        db.session.flush()
        refresh_summary(case)
    db.session.flush()
    return cases


def test_counts_equal_a_recount_of_the_summaries(walked):
    for moved in walked[:3]:
        assert moved.received_date == today()
        assert {agency for _k, _d, agency, _key in counts.contributions_of([moved.id])} == {
            moved.agency_id
        }
    kept = stored()
    assert {kind for kind, *_ in kept} >= {"received", "concluded", "outcome", "open", "sanction"}
    counts.rebuild()
    assert stored() == kept
    db.session.execute(delete(CaseCount))
    migration("0030_statsum_case_counts").backfill(db.session.connection())
    assert stored() == kept


def _periods() -> list[Period]:
    year = today().year
    ragged = Period(dt.date(year - 1, 2, 17), dt.date(year, 1, 9))
    return [year_period(year - 1), year_period(year), month_period(year, today().month), ragged]


def _figures(q: FigureQuery, kind: str) -> dict:
    return {f.key: sorted(f.compute(q), key=repr) for f in figures_for(kind)}


def test_figures_from_counts_equal_figures_from_the_summaries(walked):
    agency_ids = {c.agency_id for c in walked}
    compared = 0
    for period in _periods():
        for scope in [None, *((a,) for a in sorted(agency_ids))]:
            q = FigureQuery(period=period, agency_ids=scope)
            found = _figures(q, "agency" if scope else "region")
            summed = dataclasses.replace(q, from_summaries=True, _shared={})
            expected = _figures(summed, "agency" if scope else "region")
            assert found == expected, (period, scope)
            compared += sum(1 for rows in found.values() for _r, _a, n in rows if n)
    assert compared > 50  # the walks counted under many figures


# --- two cases counted under one row at once (committed data, removed afterwards) ---------

RACE_DAY = dt.date(2024, 2, 29)


@pytest.fixture
def racing_officers(app):
    with app.app_context():
        users = [committed_user("AH", f"ah-counts-{n}", f"计数{n}", Role.officer) for n in (1, 2)]
        db.session.commit()
        ids = {"users": [u.id for u in users], "cases": [], "agency": users[0].agency_id}
    yield ids
    with app.app_context():
        remove_committed(ids["cases"], ids["users"])


def _received(agency_id: int) -> int:
    found = db.session.scalar(
        select(CaseCount.n).where(
            CaseCount.kind == "received",
            CaseCount.day == RACE_DAY,
            CaseCount.agency_id == agency_id,
            CaseCount.key == CaseSource.online.value,
        )
    )
    return found or 0


def _register(app, user_id: int, barrier, made: list, errors: list) -> None:
    try:
        with app.app_context():
            officer = db.session.get(User, user_id)
            officer.roles  # noqa: B018  (loaded before the race, not inside it)
            db.session.commit()  # release SQLite's write lock before waiting
            barrier.wait(timeout=30)
            case = register_case(
                CaseInput(
                    title="统计计数并发测试",
                    source=CaseSource.online,
                    received_date=RACE_DAY,
                    respondents=[RespondentInput(name="测试", institution="计数大学")],
                    allegations=[AllegationInput(MisconductType.other, "测试")],
                    complainant=ComplainantInput(anonymous=True),
                ),
                officer,
            )
            db.session.commit()
            made.append(case.id)
    except BaseException as exc:  # reported below, in the test's own thread
        errors.append(exc)


def test_two_cases_counted_under_one_row_at_once_both_count(app, racing_officers):
    """Each registration adds 1 to the same row (received that day, that agency, online):
    an upsert that adds, not a read and a write back, so neither is lost."""
    agency_id = racing_officers["agency"]
    with app.app_context():
        before = _received(agency_id)
    barrier, errors = threading.Barrier(2), []
    threads = [
        threading.Thread(
            target=_register, args=(app, user_id, barrier, racing_officers["cases"], errors)
        )
        for user_id in racing_officers["users"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(racing_officers["cases"]) == 2
    with app.app_context():
        assert _received(agency_id) == before + 2
        q = FigureQuery(period=year_period(RACE_DAY.year), agency_ids=(agency_id,))
        summed = dataclasses.replace(q, from_summaries=True)
        assert _figures(q, "agency") == _figures(summed, "agency")
