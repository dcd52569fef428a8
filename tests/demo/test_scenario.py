"""The scenario walks a case to any state through the real services: the path follows the
transition table, each step is taken by someone its permission admits (the handling officer
before the team before a supervisor), on its day, and the caller's parameters replace the
defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cases.models import CaseState, FindingOutcome, HistoryEntry
from app.cases.permissions import is_lead, is_supervisor_of
from app.cases.workflow import TRANSITIONS
from app.core.calendar import CST
from app.demo import scenario
from app.extensions import db
from tests.conftest import scenario_actors

S = CaseState
# Before transfers needed the receiving agency's acceptance; no step leads there any more.
REACHABLE = [state for state in CaseState if state != S.transferred]


def _history(case) -> list[HistoryEntry]:
    query = select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.id)
    return list(db.session.scalars(query))


@pytest.mark.parametrize("target", REACHABLE, ids=lambda s: s.value)
def test_a_case_walks_to_every_state_with_each_step_taken_by_whom_it_admits(
    make_user, make_case, target
):
    from app.core.calendar import today  # the app's (China's), not the machine's date

    officer = make_user("SH", roles=("officer",))
    case = make_case(state=S.received, by=officer)
    taken = scenario.walk(case, target, scenario_actors(case))

    assert case.state == target
    assert [t.step.name for t in taken] == [s.name for s in scenario.path(target)]
    rows = _history(case)
    moves = [r for r in rows if r.from_state != r.to_state and r.action != "register"]
    expected = [t for t in taken if t.step.target is not None]
    assert [(r.action, r.to_state, r.actor_id) for r in moves] == [
        (t.step.action, t.step.target, t.actor.id) for t in expected
    ]
    for row, t in zip(moves, expected, strict=True):
        assert row.at.astimezone(CST).date() == t.day
        assert t.day == min(case.received_date + dt.timedelta(days=scenario.DAYS[t.step.name]),
                            today())  # fmt: skip
    for t in taken:
        assert any(r.action == t.step.action and r.actor_id == t.actor.id for r in rows)
        if t.step.name == "committee":  # no user takes it: the panel's chair closes the review
            assert t.actor.has_role(Role.committee_member)
            assert not t.step.may(t.actor, case)
            continue
        assert t.step.may(t.actor, case), t.step.name
        if t.step.may is is_supervisor_of:
            assert t.actor.has_role(Role.supervisor) and not t.actor.has_role(Role.officer)
        elif t.step.may is is_lead:
            assert t.actor == case.lead.user
        else:
            assert t.actor == officer, t.step.name


@pytest.mark.parametrize("target", REACHABLE, ids=lambda s: s.value)
def test_the_path_follows_the_transition_table(target):
    state = S.received
    for step in scenario.path(target):
        if step.target is None:  # the team, the defence: what the next transition needs
            continue
        if step.name == "committee":
            assert state == S.committee_review
        else:
            assert state in TRANSITIONS[step.name].source
        state = step.target
    assert state == target


def test_no_step_leads_to_a_state_no_transition_reaches():
    with pytest.raises(ValueError, match="transferred"):
        scenario.path(S.transferred)


def test_a_walk_goes_on_from_the_state_the_case_is_in(make_case):
    case = make_case(state=S.committee_review)
    taken = scenario.walk(case, S.investigating)
    assert [t.step.name for t in taken] == ["committee"]
    assert case.state == S.investigating
    assert _history(case)[-1].action == scenario.COMMITTEE_RECORDS[S.investigating]


def test_callers_parameters_replace_the_defaults(make_case):
    case = make_case(state=S.received)
    scenario.walk(
        case,
        S.decided,
        scenario_actors(case),
        params={
            "submit_findings": lambda c: {
                "findings": [
                    {"allegation_id": a.id, "outcome": FindingOutcome.no_misconduct}
                    for a in c.allegations
                ]
            },
            "open_investigation": {"reason": "线索具体，予以立案。"},
        },
    )
    assert case.findings_report == scenario.REPORT  # a default the override left alone
    assert [f.outcome for f in case.findings] == [FindingOutcome.no_misconduct]
    assert case.decision_text == scenario.CLEARED_TEXT and not case.sanctions
    opened = next(r for r in _history(case) if r.action == "open_investigation")
    assert opened.reason == "线索具体，予以立案。"


def test_a_step_nobody_among_the_people_may_take_is_refused(make_case, make_user):
    case = make_case(state=S.preliminary_review)
    outsider = make_user("JS", roles=("supervisor",))
    actors = scenario.Actors(agency=case.agency, officer=case.created_by, supervisor=outsider)
    with pytest.raises(LookupError, match="not_accept"):
        scenario.walk(case, S.not_accepted, actors)
    assert case.state == S.preliminary_review
