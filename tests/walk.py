"""Walks a case through the real workflow services to any state, as past-dated steps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.models import Case, CaseState, FindingOutcome, SanctionType, Severity, TeamRole
from app.cases.services import assign_member, record_defence
from app.cases.workflow import perform
from app.committees.conduct import conduct_review, refer_case
from app.core.calendar import as_of
from app.demo.loader import PATHS
from app.extensions import db
from app.protection.conflicts import declare_conflicts


def _user(case: Case, role: Role, username_hint: str) -> User:
    found = db.session.scalar(
        select(User).where(User.username == f"{case.agency.code.lower()}-{username_hint}-walk")
    )
    if found:
        return found
    from tests.conftest import password_hash

    user = User(
        username=f"{case.agency.code.lower()}-{username_hint}-walk",
        display_name=f"流程{username_hint}",
        agency=case.agency,
        password_hash=password_hash(),
    )
    user.set_roles([role])
    db.session.add(user)
    db.session.flush()
    return user


def walk_to(case: Case, target: CaseState, officer: User) -> None:
    supervisor = _user(case, Role.supervisor, "supervisor")
    start = case.received_date
    for name, offset in PATHS[target]:
        with as_of(min(start + dt.timedelta(days=offset), dt.date.today())):
            step(case, name, officer, supervisor)


def step(case: Case, name: str, officer: User, supervisor: User) -> None:
    from app.core.calendar import today

    if name == "team":
        lead = _user(case, Role.officer, "lead")
        second = _user(case, Role.officer, "investigator")
        for member in (lead, second):
            declare_conflicts(case, member, [])
        assign_member(case, lead, TeamRole.lead, supervisor)
        assign_member(case, second, TeamRole.investigator, supervisor)
        return
    if name == "defence":
        record_defence(case, today(), "当事人放弃陈述申辩。", officer)
        return
    if name == "refer_to_committee":
        refer_case(case, officer)
        return
    if name == "review_endorse":
        conduct_review(case, "endorse")
        return
    actor = (
        officer
        if name in ("start_preliminary_review", "request_review", "close_case")
        else supervisor
    )
    params: dict = {}
    if name == "transfer_case":
        params["target_agency"] = "JS" if case.agency.code != "JS" else "SH"
    elif name == "submit_findings":
        actor = case.lead.user
        params["report"] = "调查报告：经比对，抄袭事实成立。"
        params["findings"] = [
            {
                "allegation_id": a.id,
                "outcome": FindingOutcome.misconduct,
                "severity": Severity.serious,
            }
            for a in case.allegations
        ]
    elif name == "issue_decision":
        params["decided_on"] = today()
        params["decision_text"] = "认定存在抄袭行为，给予通报批评并禁止三年内申报项目。"
        params["sanctions"] = [
            {
                "party_id": case.respondents[0].id,
                "sanction_type": SanctionType.ban_state_funded_activity,
                "start_date": today().isoformat(),
                "end_date": (today() + dt.timedelta(days=3 * 365)).isoformat(),
            }
        ]
    elif name == "request_review":
        params["requested_on"] = today()
    perform(case, actor, name, expected_version=None, reason="测试流程", **params)


def review(case: Case, outcome: str, reason: str = "复查") -> None:
    """A decided case: its review requested by the officer who registered it, and decided
    by a supervisor (`upheld`, `modified` with a new decision text, or `overturned`)."""
    perform(
        case,
        case.created_by,
        "request_review",
        expected_version=None,
        reason="申请复查",
        requested_on=case.decided_on,
    )
    perform(
        case,
        _user(case, Role.supervisor, "supervisor"),
        "decide_review",
        expected_version=None,
        reason=reason,
        outcome=outcome,
        decision_text="处理期限缩短为两年" if outcome == "modified" else None,
    )
