"""Walks a case through the real workflow services to any state, each step dated and taken
by someone the step's permission admits.

Demo data, tests and benchmarks build their cases here, so that a case made for any of them
went through the same services a user's case goes through. Three things are derived or
tabled once:

- the path to a state: the fewest steps there through `TRANSITIONS`, with the services a
  transition needs before it (the team before an investigation opens, the party's statement
  before a decision);
- who takes a step: the first of the case's people its `may` admits, the handling officer
  before the team before a supervisor;
- the parameters of a step: one table of neutral defaults, which a caller overrides per step
  (the demo passes its own texts, the tests their own outcomes).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.cases.models import (
    Case,
    CaseState,
    FindingOutcome,
    Party,
    ReviewOutcome,
    SanctionType,
    Severity,
    TeamRole,
)
from app.cases.permissions import can_handle, is_supervisor_of
from app.cases.services import assign_member, record_defence
from app.cases.workflow import TRANSITIONS, perform
from app.core.calendar import as_of, today
from app.extensions import db
from app.protection.conflicts import declare_conflicts
from app.protection.identity import grant_complainant_access

S = CaseState
Params = Mapping[str, Any] | Callable[[Case], Mapping[str, Any]]
UNUSABLE_PASSWORD = "!"  # not an Argon2 hash: nobody signs in with it


@dataclass(frozen=True)
class Step:
    name: str  # a transition, or "team", "defence", "committee"
    target: CaseState | None  # the state after the step; None: it stays
    may: Callable[[User, Case], bool]
    action: str  # the history row the step writes


# The steps that are no transition but that a transition needs first.
TEAM = Step("team", None, is_supervisor_of, "assign_member")
DEFENCE = Step("defence", None, can_handle, "record_defence")
PREPARE = {"open_investigation": TEAM, "issue_decision": DEFENCE}

# Days after receipt each step is taken on by default: a case that moves at an ordinary pace
# and meets every deadline (the defence window, the review request window) on the way.
DAYS = {
    "start_preliminary_review": 2,
    "transfer_case": 10,
    "team": 12,
    "not_accept": 14,
    "open_investigation": 15,
    "suspend_investigation": 60,
    "resume_investigation": 65,
    "terminate_investigation": 70,
    "submit_findings": 120,
    "return_for_investigation": 122,
    "refer_to_committee": 125,
    "committee": 150,
    "defence": 156,
    "issue_decision": 165,
    "request_review": 172,
    "close_case": 200,
    "decide_review": 210,
    "reopen_case": 240,
}

REASON = "依程序办理。"
REPORT = "调查组调取相关材料、核查事实后形成调查报告。"
DECISION_TEXT = "认定被处理人存在科研失信行为，依规作出处理。"
CLEARED_TEXT = "经调查，举报事项不成立，予以澄清。"
WAIVER = "当事人放弃陈述申辩。"
MODIFIED_TEXT = "复查后变更原处理决定。"
REFERRAL_QUESTIONS = "调查组认定的事实是否清楚、证据是否充分、定性是否准确？"


def _another_agency(case: Case) -> str | None:
    return db.session.scalar(
        select(Agency.code)
        .where(Agency.id != case.agency_id, Agency.is_platform.is_(False))
        .order_by(Agency.id)
        .limit(1)
    )


def findings_for(case: Case, cleared: Callable[[Party], bool] = lambda party: False) -> list:
    """A finding on every allegation about every respondent: misconduct (serious), except
    for the respondents `cleared` names."""
    return [
        {
            "allegation_id": a.id,
            "party_id": p.id,
            "outcome": FindingOutcome.no_misconduct if cleared(p) else FindingOutcome.misconduct,
            "severity": None if cleared(p) else Severity.serious,
        }
        for a in case.allegations
        for p in case.respondents
    ]


def _findings(case: Case) -> dict:
    return {"report": REPORT, "findings": findings_for(case)}


def _decision(case: Case) -> dict:
    """A ban for each respondent found at fault; a clearing text when none is."""
    if not case.respondents_at_fault:
        return {"decision_text": CLEARED_TEXT, "sanctions": []}
    start = today()
    return {
        "decision_text": DECISION_TEXT,
        "sanctions": [
            {
                "party_id": p.id,
                "sanction_type": SanctionType.ban_state_funded_activity,
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=3 * 365)).isoformat(),
            }
            for p in case.respondents_at_fault
        ],
    }


# One table of default parameters per step, each computed from the case when the step is taken.
DEFAULT_PARAMS: dict[str, Callable[[Case], dict]] = {
    "team": lambda case: {"complainant_access": False},
    "defence": lambda case: {"received_on": today(), "statement": WAIVER},
    "transfer_case": lambda case: {"target_agency": _another_agency(case)},
    "submit_findings": _findings,
    "issue_decision": _decision,
    "request_review": lambda case: {"requested_on": min(today(), case.review_request_due)},
    "decide_review": lambda case: {"outcome": ReviewOutcome.upheld},
    "refer_to_committee": lambda case: _referral(case),
}


def _none(case: Case) -> dict:
    return {}


def params_for(case: Case, name: str, override: Params | None = None) -> dict:
    """The step's defaults with the caller's values over them (a callable is given the case)."""
    t = TRANSITIONS.get(name)
    needs_reason = name == "committee" or (t is not None and t.reason_required)
    params = {"reason": REASON if needs_reason else None, **DEFAULT_PARAMS.get(name, _none)(case)}
    if override is not None:
        params.update(override(case) if callable(override) else override)
    return params


@dataclass
class Actors:
    """The people who take a case's steps. Any left out are found when a step needs them:
    the officer who registered the case, its team, and the agency's scenario accounts
    (`<agency>-<slot>-scenario`, made on first use with the password hash given)."""

    agency: Agency
    officer: User | None = None
    lead: User | None = None
    investigator: User | None = None
    supervisor: User | None = None
    # A second supervisor: a review (复查) is decided by someone other than the decider.
    reviewer: User | None = None
    password_hash: str = UNUSABLE_PASSWORD

    @classmethod
    def for_case(cls, case: Case, **given) -> Actors:
        team = {m.team_role: m.user for m in case.members}
        given.setdefault("officer", case.created_by)
        given.setdefault("lead", team.get(TeamRole.lead))
        given.setdefault("investigator", team.get(TeamRole.investigator))
        return cls(agency=case.agency, **{k: v for k, v in given.items() if v is not None})

    def get(self, slot: str) -> User:
        user = getattr(self, slot)
        if user is None:
            role = Role.supervisor if slot in ("supervisor", "reviewer") else Role.officer
            user = agency_account(self.agency, role, slot, self.password_hash)
            setattr(self, slot, user)
        return user

    def who_may(self, step: Step, case: Case) -> User:
        """The first person the step admits: the handling officer, the team (the lead
        first), then a supervisor (a second one for the review of the first's decision).
        Nobody outside the team passes a team check, so no account is made for the team
        before the team step needs it."""
        known = [getattr(self, slot) for slot in ("officer", "lead", "investigator")]
        for user in [u for u in known if u is not None] + [self.get("supervisor")]:
            if step.may(user, case):
                return user
        if step.name == "decide_review" and step.may(self.get("reviewer"), case):
            return self.reviewer
        raise LookupError(f"nobody among the case's people may take {step.name}")


ROLE_TITLES = {
    "officer": "专员",
    "lead": "主办调查员",
    "investigator": "调查员",
    "supervisor": "负责人",
    "reviewer": "复查负责人",
}


def agency_account(agency: Agency, role: Role, slot: str, password_hash: str) -> User:
    username = f"{agency.code.lower()}-{slot}-scenario"
    return ensure_account(agency, username, ROLE_TITLES[slot], [role], password_hash)


def ensure_account(
    agency: Agency, username: str, title: str, roles: list, password_hash: str
) -> User:
    """The account `username`, made on first use (named after the agency and its title)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            display_name=f"{agency.name_zh[:2]}{title}",
            agency=agency,
            password_hash=password_hash,
        )
        user.set_roles(roles)
        db.session.add(user)
        db.session.flush()
    return user


def _graph() -> list[Step]:
    steps = [
        Step(t.name, t.target, t.may, t.name)
        for t in TRANSITIONS.values()
        if t.name not in COMMITTEE_RECORDS.values()
    ]
    return steps + _committee_steps()


def path(target: CaseState, start: CaseState = S.received) -> list[Step]:
    """The fewest transitions from `start` to `target` (ties: the transition declared
    first), each preceded by what it needs first."""
    if target == start:
        return []
    graph = _graph()
    came: dict[CaseState, tuple[CaseState, Step]] = {}
    queue = deque([start])
    while queue and target not in came:
        state = queue.popleft()
        for step in graph:
            if _source(step, state) and step.target not in came and step.target != start:
                came[step.target] = (state, step)
                queue.append(step.target)
    if target not in came:
        raise ValueError(f"no step leads from {start.value} to {target.value}")
    steps: list[Step] = []
    state = target
    while state != start:
        state, step = came[state]
        steps[:0] = [PREPARE[step.name], step] if step.name in PREPARE else [step]
    return steps


def _source(step: Step, state: CaseState) -> bool:
    if step.name == "committee":
        return state == S.committee_review
    return state in TRANSITIONS[step.name].source


def duration(target: CaseState, days: Mapping[str, int] | None = None) -> int:
    """Days from receipt to the last step of the path to `target`."""
    days = {**DAYS, **(days or {})}
    return max((days[s.name] for s in path(target)), default=0)


@dataclass(frozen=True)
class Taken:
    step: Step
    actor: User
    day: dt.date


def walk(
    case: Case,
    target: CaseState,
    actors: Actors | None = None,
    *,
    days: Mapping[str, int] | None = None,
    params: Mapping[str, Params] | None = None,
) -> list[Taken]:
    """Takes the steps from the case's state to `target`, each as of its day after receipt
    (`DAYS`, overridable; never later than today). Returns who took each step when."""
    actors = actors or Actors.for_case(case)
    days = {**DAYS, **(days or {})}
    taken = []
    for step in path(target, case.state):
        day = min(case.received_date + dt.timedelta(days=days[step.name]), today())
        with as_of(day):
            actor = take(case, step, actors, (params or {}).get(step.name))
        taken.append(Taken(step, actor, day))
    return taken


def take(case: Case, step: Step | str, actors: Actors, override: Params | None = None) -> User:
    """Takes one step now (or as of the caller's `as_of`); returns who took it."""
    if isinstance(step, str):
        step = next(s for s in [*_graph(), TEAM, DEFENCE] if s.name == step)
    values = params_for(case, step.name, override)
    if step.name == "committee":
        return _committee_decides(case, step.target, actors, values)
    actor = actors.who_may(step, case)
    if step.name == "team":
        _assign_team(case, actors, actor, values)
    elif step.name == "defence":
        for notice in case.notices:  # each respondent's statement or waiver
            record_defence(
                case, values["received_on"], values["statement"], actor, party_id=notice.party_id
            )
    else:
        perform(case, actor, step.name, expected_version=None, **values)
    return actor


def _assign_team(case: Case, actors: Actors, supervisor: User, values: dict) -> None:
    lead, investigator = actors.get("lead"), actors.get("investigator")
    for member in (lead, investigator):
        declare_conflicts(case, member, [])
    member = assign_member(case, lead, TeamRole.lead, supervisor)
    assign_member(case, investigator, TeamRole.investigator, supervisor)
    if values["complainant_access"] and case.complainant is not None:
        grant_complainant_access(case, member.id, supervisor)


def review(case: Case, outcome: str, actors: Actors | None = None, **params) -> None:
    """A decided case's review: requested, then decided with `outcome` (a modified decision
    gets a neutral new text unless one is given)."""
    actors = actors or Actors.for_case(case)
    take(case, "request_review", actors)
    if outcome == ReviewOutcome.modified:
        params.setdefault("decision_text", MODIFIED_TEXT)
    take(case, "decide_review", actors, {"outcome": outcome, **params})


# The committee's decision on a case in committee review: its findings go on to the
# pre-decision notice, or the case goes back to the investigators. Only a closed panel review
# takes these two steps, so the scenario runs the whole review (declarations, votes, the
# meeting and the close) through the committee services.
COMMITTEE_RECORDS = {S.pre_decision_notice: "review_endorse", S.investigating: "review_return"}


def _committee_steps() -> list[Step]:
    return [
        Step("committee", outcome, TRANSITIONS[name].may, name)
        for outcome, name in COMMITTEE_RECORDS.items()
    ]


def _committee_decides(case: Case, outcome: CaseState, actors: Actors, values: dict) -> User:
    from app.demo.conduct import conduct_review

    review = conduct_review(case, "endorse" if outcome == S.pre_decision_notice else "return")
    return db.session.get(User, review.closed_by_id)


def _referral(case: Case) -> dict:
    from app.demo.conduct import standing_panel

    return {
        "panel_id": standing_panel(case.agency).id,
        "questions": REFERRAL_QUESTIONS,
        "meeting_date": today(),
    }
