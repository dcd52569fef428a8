"""The case summaries the figures count: equal to a recomputation from each case's history
after walks through the services, a transfer and a reopen; the migration's backfill gives
the same rows; and a race of two steps on one case leaves the winner's summary."""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app.auth.models import Role, User
from app.cases.models import (
    Case,
    CaseSource,
    CaseState,
    FindingOutcome,
    HistoryEntry,
    MisconductType,
)
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    register_case,
)
from app.cases.transfers import accept_transfer, transfer_case
from app.cases.workflow import perform
from app.core.calendar import CST
from app.core.errors import ServiceError
from app.extensions import db
from app.statistics.models import CaseFacet, CaseSummary
from tests.cleanup import committed_user, remove_committed
from tests.conftest import scenario_supervisor

COLUMNS = [c.name for c in CaseSummary.__table__.columns]
CONCLUDING = {"not_accepted", "transferred", "terminated", "closed", "decided"}
OUTCOMES = {"not_accepted", "transferred", "terminated", "decided"}
RANK = {"minor": 1, "serious": 2, "severe": 3}


def _local(at: dt.datetime) -> dt.date:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(CST).date()


def recomputed(case: Case) -> dict:
    """The summary read afresh from the case's history, written out without the module's
    help."""
    history = sorted(
        db.session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == case.id)),
        key=lambda h: (_local(h.at), h.at.replace(tzinfo=None), h.id),
    )
    states = [
        (h, h.from_state and h.from_state.value, h.to_state and h.to_state.value) for h in history
    ]

    def first_on(test):
        hit = next(((h, to) for h, frm, to in states if test(frm, to)), None)
        return (_local(hit[0].at), hit[1]) if hit else (None, None)

    concluded, _ = first_on(lambda frm, to: to in CONCLUDING)
    outcome_on, outcome_state = first_on(lambda frm, to: to in OUTCOMES)
    prelim, _ = first_on(lambda frm, to: frm == "preliminary_review" and to not in (None, frm))
    inv, _ = first_on(lambda frm, to: frm == "investigating" and to not in (None, frm))
    worst = max(
        (RANK[f.severity.value] for f in case.findings if f.outcome == FindingOutcome.misconduct),
        default=0,
    )

    def days(left, start):
        return (left - start).days if left and start else None

    def on_time(left, due):
        return None if left is None else bool(due and left <= due)

    return {
        "case_id": case.id,
        "agency_id": case.agency_id,
        "received_date": case.received_date,
        "source": case.source,
        "concluded_on": concluded,
        "outcome_on": outcome_on,
        "outcome_state": outcome_state,
        "worst_finding": worst,
        "preliminary_left_on": prelim,
        "preliminary_days": days(prelim, case.received_date),
        "preliminary_on_time": on_time(prelim, case.preliminary_due),
        "investigation_left_on": inv,
        "investigation_days": days(inv, case.investigation_opened_on),
        "investigation_on_time": on_time(inv, case.investigation_due),
        **open_now(case),
    }


def open_now(case: Case) -> dict:
    """A case still in preliminary review or investigation, with a deadline: its state and
    due date (for "overdue now")."""
    if case.state.value in ("preliminary_review", "investigating") and case.due_date:
        return {"open_state": case.state.value, "due_date": case.due_date}
    return {"open_state": None, "due_date": None}


def stored(case_id: int) -> dict:
    db.session.expire_all()
    row = db.session.get(CaseSummary, case_id)
    assert row is not None, case_id
    return {column: getattr(row, column) for column in COLUMNS}


@pytest.fixture
def walked(make_case, make_user):
    """Cases in most states, one transferred and accepted, one closed and reopened."""
    cases = [
        make_case("SH", state=state, received_date=dt.date(2025, 3, 3))
        for state in (
            CaseState.received,
            CaseState.preliminary_review,
            CaseState.not_accepted,
            CaseState.investigating,
            CaseState.suspended,
            CaseState.terminated,
            CaseState.decided,
            CaseState.closed,
        )
    ]
    moved = make_case("SH", state=CaseState.preliminary_review, received_date=dt.date(2025, 4, 1))
    transfer = transfer_case(
        moved,
        make_user("SH", roles=("supervisor",)),
        target_agency="JS",
        reason="属地管辖",
        identity_travels=False,
        expected_version=None,
    )
    accept_transfer(transfer, make_user("JS", roles=("supervisor",)))
    closed = cases[-1]
    perform(
        closed,
        scenario_supervisor(closed),
        "reopen_case",
        expected_version=None,
        reason="申诉裁定撤销原结案",
    )
    db.session.flush()
    return [*cases, moved]


def facet_rows(case_id: int) -> set[tuple]:
    return {
        (f.kind, f.value, f.agency_id, f.received_date)
        for f in db.session.scalars(select(CaseFacet).where(CaseFacet.case_id == case_id))
    }


def recomputed_facets(case: Case) -> set[tuple]:
    names = {
        p.name if p.party_type.value == "institution" else p.institution for p in case.respondents
    }
    types = {a.misconduct_type.value for a in case.allegations}
    found = {("type", t) for t in types} | {("institution", n) for n in names if n}
    found |= {("inst_type", f"{n}\x1f{t}") for n in names if n for t in types}
    found |= {
        ("sanction", f"{s.start_date.isoformat()}|{s.sanction_type.value}|{s.id}")
        for s in case.sanctions
    }
    return {(k, v, case.agency_id, case.received_date) for k, v in found}


def test_summaries_equal_a_recomputation_from_history(walked):
    for case in walked:
        assert stored(case.id) == recomputed(case), case.state
        assert facet_rows(case.id) == recomputed_facets(case) != set()
    by_state = {c.state: stored(c.id) for c in walked}
    assert by_state[CaseState.not_accepted]["outcome_state"] == "not_accepted"
    decided = by_state[CaseState.decided]
    assert decided["outcome_state"] == "decided" and decided["worst_finding"] == 2
    assert decided["investigation_left_on"] is not None
    reopened = by_state[CaseState.under_review]
    assert reopened["concluded_on"] is not None  # its first conclusion still counts
    moved = walked[-1]
    assert moved.agency.code == "JS" and stored(moved.id)["agency_id"] == moved.agency_id
    assert stored(moved.id)["received_date"] == moved.received_date
    assert stored(moved.id)["preliminary_left_on"] is not None  # left at the sender's offer


def migration(name: str):
    """A migration's module, for its backfill functions."""
    path = Path(__file__).parents[2] / f"migrations/versions/{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_backfill_gives_the_same_rows(walked):
    expected = {c.id: stored(c.id) for c in walked}
    expected_facets = {c.id: facet_rows(c.id) for c in walked}
    db.session.execute(delete(CaseSummary))
    db.session.execute(delete(CaseFacet))
    for name in ("0021_case_summaries", "0022_statistics_index_only"):
        migration(name).backfill(db.session.connection())
    counts_migration = migration("0030_statsum_case_counts")
    counts_migration.fill_open(db.session.connection())
    counts_migration.fill_sanctions(db.session.connection())
    for case_id, row in expected.items():
        assert stored(case_id) == row
        assert facet_rows(case_id) == expected_facets[case_id]


# --- a race of two steps on one case (committed data, removed afterwards) -----------------

ROUNDS = 3


def _race_user(code: str, name: str, role: Role) -> User:
    return committed_user(code, f"{code.lower()}-summary-{name}", f"统计{name}", role)


@pytest.fixture
def racing_cases(app):
    with app.app_context():
        officer = _race_user("AH", "officer", Role.officer)
        supervisor = _race_user("AH", "supervisor", Role.supervisor)
        cases = []
        for n in range(ROUNDS):
            case = register_case(
                CaseInput(
                    title=f"统计并发测试{n}",
                    source=CaseSource.online,
                    received_date=dt.date(2026, 3, 2),
                    respondents=[RespondentInput(name="测试")],
                    allegations=[AllegationInput(MisconductType.other, "测试")],
                    complainant=ComplainantInput(anonymous=True),
                ),
                officer,
            )
            perform(case, officer, "start_preliminary_review", expected_version=None)
            cases.append(case.id)
        db.session.commit()
        ids = {"cases": cases, "users": [officer.id, supervisor.id], "supervisor": supervisor.id}
    yield ids
    with app.app_context():
        _remove(ids)


def _remove(ids: dict) -> None:
    remove_committed(ids["cases"], ids["users"])


def _race(app, case_id: int, supervisor_id: int) -> dict[str, object]:
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def worker(name: str) -> None:
        try:
            with app.app_context():
                case = db.session.get(Case, case_id)
                actor = db.session.get(User, supervisor_id)
                actor.roles  # noqa: B018  (loaded before the race, not inside it)
                case.agency.policy  # noqa: B018
                db.session.commit()  # release SQLite's write lock before waiting
                barrier.wait(timeout=30)
                if name == "not_accept":
                    perform(case, actor, "not_accept", expected_version=None, reason="不予受理")
                else:
                    transfer_case(
                        case,
                        actor,
                        target_agency="ZJ",
                        reason="移送",
                        identity_travels=False,
                        expected_version=None,
                    )
                db.session.commit()
                outcome[name] = "won"
        except ServiceError as exc:
            outcome[name] = exc.code
        except BaseException as exc:  # reported below, in the test's own thread
            outcome[name] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("not_accept", "transfer")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def test_a_race_of_two_steps_leaves_the_winners_summary(app, racing_cases):
    for case_id in racing_cases["cases"]:
        outcome = _race(app, case_id, racing_cases["supervisor"])
        won = [name for name, result in outcome.items() if result == "won"]
        assert len(won) == 1, outcome
        with app.app_context():
            case = db.session.get(Case, case_id)
            summary = stored(case_id)
            assert summary == recomputed(case)
            if won == ["not_accept"]:
                assert case.state == CaseState.not_accepted
                assert summary["outcome_state"] == "not_accepted"
            else:
                assert case.state == CaseState.transfer_pending
                assert summary["outcome_state"] is None and summary["concluded_on"] is None
            assert summary["preliminary_left_on"] is not None


def test_a_step_that_changes_no_facet_leaves_the_facet_rows_alone(db, make_case):
    """The facets are written again only when they change: a step of the procedure (most
    steps) neither deletes nor inserts them; a new allegation type does."""
    from app.cases.models import Allegation
    from app.statistics.summaries import refresh_summary
    from tests.statements import counted

    case = make_case("SH", CaseState.preliminary_review)
    before = db.session.execute(select(CaseFacet.__table__).where(CaseFacet.case_id == case.id))
    before = set(before)

    def writes(statements: list[str]) -> list[str]:
        facets = ("DELETE FROM CASE_FACETS", "INSERT INTO CASE_FACETS")
        return [s for s in statements if s.upper().startswith(facets)]

    with counted(db.engine) as statements:
        refresh_summary(case)
    assert writes(statements) == []
    db.session.add(
        Allegation(
            case_id=case.id,
            misconduct_type=MisconductType.fabrication_falsification,
            description="数据涉嫌编造",
        )
    )
    db.session.flush()
    with counted(db.engine) as statements:
        refresh_summary(case)
    assert len(writes(statements)) == 2  # the case's rows deleted, then inserted again
    after = set(db.session.execute(select(CaseFacet.__table__).where(CaseFacet.case_id == case.id)))
    assert before < after and any(
        row.value == "fabrication_falsification" for row in after - before
    )
