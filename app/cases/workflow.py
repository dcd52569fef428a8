"""The statutory procedure as a state machine: one service function per transition.

受理 → 初核 → 立案调查 → 认定 → 审议 → 告知 → 处理决定 → 复查. Each transition checks who may
take it, the current state and its guards, then changes the case, writes the history row
and the audit entry in the caller's transaction. A refused transition changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, true
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import User
from app.cases import extension_points
from app.cases.handoffs import To, announce_transition, handlers, supervisors, team
from app.cases.models import (
    Case,
    CaseState,
    Decision,
    DecisionKind,
    Finding,
    FindingOutcome,
    RespondentNotice,
    ReviewOutcome,
    Sanction,
    SanctionType,
    Severity,
)
from app.cases.permissions import can_handle, is_lead, is_supervisor_of, may_decide_review
from app.cases.policy import check_sanction_term
from app.cases.services import check_version, write_history
from app.core import audit, limits
from app.core.calendar import add_months, add_working_days, today
from app.core.errors import (
    GuardFailed,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    Problems,
    StaleVersion,
)
from app.extensions import db
from app.notifications.handoffs import case_todo, register_handoff

S = CaseState


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[CaseState, ...]
    target: CaseState
    label: Any
    may: Callable[[User, Case], bool]
    who: Any
    reason_required: bool = False
    fields: tuple[str, ...] = ()
    # The question asked before the step is sent (None: no question); it says truthfully
    # whether the step can be undone.
    confirm: Any = None
    # Whether the case's facts (beyond its state) allow the step: a step they rule out is
    # not offered, and `perform` refuses it with the step's own guard message.
    offered: Callable[[Case], bool] = lambda case: True
    # The step keeps its reason with what it records (a decision's row), not only in history.
    records_reason: bool = False
    # A step no user takes from the case page: the feature that owns it applies it with
    # `take_internal` (a closed committee review moves the case out of committee review).
    internal: bool = False
    # `offered` as SQL, for the work queues (the queue property test holds them equal).
    offered_sql: Callable[[], Any] = true
    # Who must act once the step is taken, and what they are told.
    handoff: To | None = None
    # Whether the step waits in its actors' work queues: an exceptional step (a suspension)
    # is possible, not awaited. `awaits` narrows when (the defence window has passed).
    awaited: bool = True
    awaits: Callable[[Case], bool] = lambda case: True
    awaits_sql: Callable[[], Any] = true
    apply: Callable[..., None] | None = None


TRANSITIONS: dict[str, Transition] = {}


def transition(**kwargs):
    def register(fn):
        t = Transition(apply=fn, **kwargs)
        TRANSITIONS[t.name] = t
        if t.handoff is not None:
            register_handoff(
                f"case.{t.name}",
                text=t.handoff.text,
                recipients=t.handoff.recipients,
                todo=case_todo,
            )
        return fn

    return register


def find_transition(case: Case, target: str) -> Transition:
    for t in TRANSITIONS.values():
        if case.state in t.source and t.target.value == target:
            return t
    raise IllegalTransition(
        _l(
            "A case in state “%(state)s” cannot move to “%(target)s”.",
            state=case.state.value,
            target=target,
        )
    )


def available_transitions(case: Case, user: User) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if case.state in t.source and not t.internal and t.offered(case) and t.may(user, case)
    ]


def awaited_steps(case: Case, user: User) -> list[Transition]:
    """The steps that wait for this user on this case: what the work queues list."""
    return [t for t in available_transitions(case, user) if t.awaited and t.awaits(case)]


def perform(
    case: Case,
    user: User,
    name: str,
    *,
    expected_version: int | None,
    reason: str | None = None,
    **params,
) -> Case:
    """Takes transition `name`, or refuses it with a ServiceError and no change."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise IllegalTransition(_l("Unknown transition."))
    if t.internal:
        raise NotAllowed(_l("Only a closed committee review takes this step."))
    if case.state not in t.source:
        raise IllegalTransition(
            _l("This step is not possible in the case's current state."), code="illegal_transition"
        )
    if not t.may(user, case):
        raise NotAllowed(_l("You may not take this step: it is for %(who)s.", who=t.who))
    check_version(case, expected_version)
    reason = (reason or "").strip() or None
    problems = Problems()  # the reason's and the step's own inputs' problems, at once
    if t.reason_required and not reason:
        problems.add("reason", _l("A reason is required for this step."))
    if reason and len(reason) > limits.REASON:
        problems.add("reason", _l("The reason is longer than 5000 characters."))
    problems.attempt(lambda: limits.check_texts(params))
    return _take(t, case, user, reason, params, problems)


def take_internal(case: Case, user: User, name: str, *, reason: str | None = None, **params):
    """Applies an internal step for the feature that owns it, with the same history row,
    audit entry and due date as any other step."""
    t = TRANSITIONS[name]
    if not t.internal or case.state not in t.source:
        raise IllegalTransition(
            _l("This step is not possible in the case's current state."), code="illegal_transition"
        )
    return _take(t, case, user, (reason or "").strip() or None, params)


def _take(
    t: Transition,
    case: Case,
    user: User,
    reason: str | None,
    params: dict,
    problems: Problems | None = None,
) -> Case:
    """Applies the step; with `problems` already found in its inputs, the step still judges
    its own, and the refusal names them all (what the step changed is undone with it)."""
    from_state = case.state
    problems = problems if problems is not None else Problems()
    try:
        with db.session.begin_nested():
            extra = {"reason": reason} if t.records_reason else {}
            details = problems.attempt(lambda: t.apply(case, user, **params, **extra)) or {}
            problems.check()
            case.state = t.target
            case.due_date = case.current_due()
            db.session.flush()
            write_history(
                case,
                user,
                t.name,
                from_state=from_state,
                to_state=t.target,
                reason=reason,
                details=details,
            )
            extension_points.case_changed(case)
            audit.record(
                f"case.{t.name}",
                actor=user,
                case=case,
                obj=case,
                details={"from": from_state.value, "to": t.target.value, **details},
            )
            announce_transition(case, t.name, user)
            extension_points.after_transition(case, user, t.name, from_state, reason)
    except StaleDataError as exc:
        raise StaleVersion(
            _l("This case was changed by someone else at the same moment. Reload and try again.")
        ) from exc
    return case


def _policy(case: Case):
    return case.agency.policy


def _served_date(value, *, not_before: dt.date | None, field: str) -> dt.date:
    if value in (None, ""):
        value = today()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(_l("Enter the date as YYYY-MM-DD."), field=field) from exc
    if value > today():
        raise InvalidInput(_l("The date cannot be in the future."), field=field)
    if not_before and value < not_before:
        raise InvalidInput(
            _l("The date cannot be before %(date)s.", date=not_before.isoformat()), field=field
        )
    return value


CANNOT_UNDO = _l("This step cannot be undone. Continue?")

SUPERVISOR = _l("a supervisor of the owning agency")
OTHER_SUPERVISOR = _l(
    "a supervisor of the owning agency other than the one who issued the decision under "
    "review: nobody decides the review of their own decision"
)
HANDLER = _l("the handling officer or a supervisor")
LEAD = _l("the lead investigator")

RETURNED = To(
    team,
    _l(
        "Case %(ref)s was returned for further investigation: complete it and submit the "
        "report again."
    ),
)
REVIEW_REQUESTED = To(
    supervisors,
    _l("A review of the decision on case %(ref)s is requested: decide it by %(due)s."),
)


@transition(
    name="start_preliminary_review",
    handoff=To(
        supervisors,
        _l(
            "Case %(ref)s is in preliminary review: assign the team and decide whether to "
            "accept it by %(due)s."
        ),
    ),
    source=(S.received,),
    target=S.preliminary_review,
    label=_l("Start preliminary review"),
    may=can_handle,
    who=HANDLER,
)
def start_preliminary_review(case: Case, user: User) -> dict:
    case.preliminary_due = add_working_days(today(), _policy(case).preliminary_review_days)
    return {"due": case.preliminary_due.isoformat()}


@transition(
    name="not_accept",
    source=(S.preliminary_review,),
    target=S.not_accepted,
    label=_l("Do not accept"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
    confirm=CANNOT_UNDO,
)
def not_accept(case: Case, user: User) -> dict:
    return {}


@transition(
    name="transfer_case",
    source=(S.preliminary_review,),
    target=S.transfer_pending,
    label=_l("Transfer to another agency"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
    fields=("target_agency", "identity_travels"),
    confirm=_l(
        "Offer the case to this agency? It stays yours until their supervisor accepts; "
        "you can withdraw the offer until then."
    ),
    records_reason=True,
)
def transfer_case(
    case: Case,
    user: User,
    target_agency: str | None = None,
    identity_travels=None,
    reason: str | None = None,
) -> dict:
    from app.cases.transfers import offer_transfer

    return offer_transfer(case, user, target_agency, bool(identity_travels), reason)


@transition(
    name="open_investigation",
    handoff=To(
        team,
        _l(
            "The investigation of case %(ref)s is open: the lead investigator submits the "
            "report by %(due)s."
        ),
    ),
    source=(S.preliminary_review,),
    target=S.investigating,
    label=_l("Open investigation"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
)
def open_investigation(case: Case, user: User) -> dict:
    if len(case.members) < 2 or case.lead is None:
        raise GuardFailed(
            _l(
                "An investigation needs a lead investigator and at least two investigators "
                "on the team. Assign the team first."
            )
        )
    case.investigation_opened_on = today()
    case.investigation_due = add_months(today(), _policy(case).investigation_months)
    return {"due": case.investigation_due.isoformat()}


@transition(
    name="suspend_investigation",
    awaited=False,
    source=(S.investigating,),
    target=S.suspended,
    label=_l("Suspend investigation"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
    confirm=_l(
        "Suspend the investigation? A supervisor can resume it; the suspended time does "
        "not count towards the deadline."
    ),
)
def suspend_investigation(case: Case, user: User) -> dict:
    case.suspended_on = today()
    return {}


@transition(
    name="resume_investigation",
    handoff=To(
        team,
        _l("The investigation of case %(ref)s has resumed: the report is due on %(due)s."),
    ),
    source=(S.suspended,),
    target=S.investigating,
    label=_l("Resume investigation"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
)
def resume_investigation(case: Case, user: User) -> dict:
    paused = (today() - case.suspended_on).days if case.suspended_on else 0
    if paused and case.investigation_due:
        case.investigation_due += dt.timedelta(days=paused)  # suspended time does not count
    case.suspended_on = None
    return {"paused_days": paused}


@transition(
    name="terminate_investigation",
    awaited=False,
    source=(S.investigating,),
    target=S.terminated,
    label=_l("Terminate investigation"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
    confirm=CANNOT_UNDO,
)
def terminate_investigation(case: Case, user: User) -> dict:
    return {}


@transition(
    name="submit_findings",
    handoff=To(
        supervisors,
        _l(
            "The investigation report of case %(ref)s is in: refer the case to the committee "
            "or return it for further investigation."
        ),
    ),
    source=(S.investigating,),
    target=S.findings,
    label=_l("Submit investigation report"),
    may=is_lead,
    who=LEAD,
    fields=("report", "findings"),
)
def submit_findings(
    case: Case, user: User, report: str | None = None, findings: list[dict] | None = None
) -> dict:
    problems = Problems()
    if not (report or "").strip():
        problems.add("report", _l("The investigation report is required."))
    by_subject = problems.attempt(lambda: _parse_findings(case, findings or []))
    problems.check()
    for finding in list(case.findings):
        case.findings.remove(finding)
    db.session.flush()
    for (allegation_id, party_id), values in by_subject.items():
        case.findings.append(Finding(allegation_id=allegation_id, party_id=party_id, **values))
    case.findings_report = report.strip()
    outcomes = [v["outcome"].value for v in by_subject.values()]
    return {"outcomes": outcomes}


def _finding_subject(case: Case, item: dict) -> tuple[int, int]:
    """The allegation and the respondent a finding is about; with one respondent the
    respondent may go unnamed."""
    allegation_id = int(item.get("allegation_id"))
    party_id = item.get("party_id")
    if party_id in (None, "") and len(case.respondents) == 1:
        return allegation_id, case.respondents[0].id
    return allegation_id, int(party_id)


def _parse_findings(case: Case, items: list[dict]) -> dict[tuple[int, int], dict]:
    allegation_ids = {a.id for a in case.allegations}
    party_ids = {p.id for p in case.respondents}
    result: dict[tuple[int, int], dict] = {}
    for item in items:
        try:
            allegation_id, party_id = _finding_subject(case, item)
            outcome = FindingOutcome(item.get("outcome"))
            severity = Severity(item["severity"]) if item.get("severity") else None
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                _l("A finding has an unknown allegation, respondent, outcome or severity."),
                field="findings",
            ) from exc
        if allegation_id not in allegation_ids or party_id not in party_ids:
            raise InvalidInput(
                _l("A finding names an allegation or a respondent of another case."),
                field="findings",
            )
        if outcome == FindingOutcome.misconduct and severity is None:
            raise InvalidInput(_l("A misconduct finding needs a severity."), field="findings")
        if outcome != FindingOutcome.misconduct:
            severity = None
        result[(allegation_id, party_id)] = {
            "outcome": outcome,
            "severity": severity,
            "aggravating": (item.get("aggravating") or "").strip() or None,
            "mitigating": (item.get("mitigating") or "").strip() or None,
        }
    if set(result) != {(a, p) for a in allegation_ids for p in party_ids}:
        raise InvalidInput(
            _l("Give a finding for every allegation and every respondent."), field="findings"
        )
    return result


@transition(
    name="refer_to_committee",  # committees bind the body: it opens the panel's review
    source=(S.findings,),
    target=S.committee_review,
    label=_l("Refer to committee"),
    may=can_handle,
    who=HANDLER,
    fields=("panel_id", "questions", "meeting_date", "review_deadline"),
)
def refer_to_committee(
    case: Case,
    user: User,
    panel_id=None,
    questions: str | None = None,
    meeting_date=None,
    review_deadline=None,
) -> dict:
    body = extension_points.step_body("refer_to_committee")
    if body is None:
        raise GuardFailed(_l("No committee can take referrals on this platform."))
    return body(case, user, panel_id, questions, meeting_date, review_deadline)


@transition(
    name="return_for_investigation",
    handoff=RETURNED,
    source=(S.findings,),
    target=S.investigating,
    label=_l("Return for further investigation"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
)
def return_for_investigation(case: Case, user: User) -> dict:
    return {}


def _never(user: User, case: Case) -> bool:
    return False


PANEL = _l("the panel, by closing its review")


@transition(
    name="review_endorse",
    handoff=To(
        handlers,
        _l(
            "The pre-decision notice of case %(ref)s is served: record the party's statement "
            "or waiver by %(due)s."
        ),
    ),
    source=(S.committee_review,),
    target=S.pre_decision_notice,
    label=_l("Committee endorsed the findings; notice served"),
    may=_never,
    who=PANEL,
    offered=lambda case: False,
    internal=True,
)
def review_endorse(case: Case, user: User, **tally) -> dict:
    """The notice of the intended decision is served on every respondent the day the review
    closes, and the defence window runs from it. A notice served before (the case came back
    from a further investigation) gives way to the new one."""
    served = today()
    case.notice_served_on = served
    case.defence_due = add_working_days(served, _policy(case).defence_days)
    case.defence_received_on = None
    case.notices.clear()
    db.session.flush()
    for party in case.respondents:
        case.notices.append(
            RespondentNotice(party=party, served_on=served, defence_due=case.defence_due)
        )
    return {"served_on": served.isoformat(), "defence_due": case.defence_due.isoformat(), **tally}


@transition(
    name="review_return",
    handoff=RETURNED,
    source=(S.committee_review,),
    target=S.investigating,
    label=_l("Committee returned the case for investigation"),
    may=_never,
    who=PANEL,
    offered=lambda case: False,
    internal=True,
)
def review_return(case: Case, user: User, **tally) -> dict:
    return dict(tally)


@transition(
    name="issue_decision",
    handoff=To(
        handlers,
        _l(
            "The decision on case %(ref)s is issued: draft the integrity record if misconduct "
            "was found; record a review request or close the case after %(due)s."
        ),
    ),
    awaits=lambda case: (
        case.defence_received_on is not None
        or (case.defence_due is not None and today() > case.defence_due)
    ),
    awaits_sql=lambda: or_(Case.defence_received_on.is_not(None), Case.defence_due < today()),
    source=(S.pre_decision_notice,),
    target=S.decided,
    label=_l("Issue decision"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    fields=("decision_text", "decided_on", "sanctions"),
    confirm=_l("Issue this decision? Afterwards only a review can change it."),
    records_reason=True,
)
def issue_decision(
    case: Case,
    user: User,
    decision_text: str | None = None,
    decided_on=None,
    sanctions: list[dict] | None = None,
    reason: str | None = None,
) -> dict:
    problems = Problems()  # every problem of the decision at once
    served = problems.attempt(
        lambda: _served_date(decided_on, not_before=case.notice_served_on, field="decided_on")
    )
    if served is not None and case.defence_received_on is None and served <= case.defence_due:
        raise GuardFailed(
            _l(
                "The defence window runs until %(date)s. Record the party's statement or "
                "waiver, or wait until the window has passed.",
                date=case.defence_due.isoformat(),
            )
        )
    if not (decision_text or "").strip():
        problems.add("decision_text", _l("The decision text is required."))
    new_sanctions = problems.attempt(
        lambda: _parse_sanctions(case, sanctions or [], default_start=served or today())
    )
    sanctioned = {s.party_id for s in new_sanctions or []}
    for party in case.respondents_at_fault:
        if new_sanctions is not None and party.id not in sanctioned:
            problems.add(
                "sanctions",
                _l(
                    "Misconduct was found against %(name)s: name at least one sanction for them.",
                    name=party.name,
                ),
            )
    problems.check()
    case.sanctions.extend(new_sanctions)
    case.decisions.append(
        Decision(
            kind=DecisionKind.decision,
            text=decision_text.strip(),
            decided_on=served,
            reason=reason,
            decided_by_id=user.id,
            sanctions=new_sanctions,
        )
    )
    case.decision_text = decision_text.strip()
    case.decided_on = served
    case.review_request_due = add_working_days(served, _policy(case).review_request_days)
    return {"decided_on": served.isoformat(), "sanctions": len(new_sanctions)}


def _parse_sanctions(case: Case, items: list[dict], default_start: dt.date) -> list[Sanction]:
    parties = {p.id: p.name for p in case.respondents}
    at_fault = {p.id for p in case.respondents_at_fault}
    result = []
    for item in items:
        try:
            party_id = int(item.get("party_id"))
            kind = SanctionType(item.get("sanction_type"))
            start = (
                dt.date.fromisoformat(item["start_date"])
                if item.get("start_date")
                else default_start
            )
            end = dt.date.fromisoformat(item["end_date"]) if item.get("end_date") else None
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                _l("A sanction has an unknown party, type or date."), field="sanctions"
            ) from exc
        lifetime = bool(item.get("lifetime"))
        if party_id not in parties:
            raise InvalidInput(_l("A sanction names a party of another case."), field="sanctions")
        if party_id not in at_fault:
            raise InvalidInput(
                _l(
                    "No misconduct was found against %(name)s: they cannot be sanctioned.",
                    name=parties[party_id],
                ),
                field="sanctions",
            )
        if lifetime and end:
            raise InvalidInput(_l("A lifetime sanction has no end date."), field="sanctions")
        if end and end < start:
            raise InvalidInput(_l("A sanction cannot end before it starts."), field="sanctions")
        check_sanction_term(kind, start, end, lifetime, "sanctions")
        result.append(
            Sanction(
                party_id=party_id,
                sanction_type=kind,
                start_date=start,
                end_date=end,
                lifetime=lifetime,
                description=(item.get("description") or "").strip() or None,
            )
        )
    return result


@transition(
    name="request_review",
    handoff=REVIEW_REQUESTED,
    offered_sql=lambda: Case.review_outcome.is_(None),
    awaited=False,
    source=(S.decided,),
    target=S.under_review,
    label=_l("Record review request"),
    may=can_handle,
    who=HANDLER,
    reason_required=True,
    fields=("requested_on",),
    offered=lambda case: case.review_outcome is None,
)
def request_review(case: Case, user: User, requested_on=None) -> dict:
    if case.review_outcome is not None:
        raise GuardFailed(_l("A review has already been decided for this decision."))
    requested = _served_date(requested_on, not_before=case.decided_on, field="requested_on")
    if requested > case.review_request_due:
        raise GuardFailed(
            _l(
                "The review request window ended on %(date)s.",
                date=case.review_request_due.isoformat(),
            )
        )
    case.review_requested_on = requested
    case.review_decision_due = add_working_days(requested, _policy(case).review_decision_days)
    return {"requested_on": requested.isoformat()}


@transition(
    name="decide_review",
    handoff=To(
        handlers,
        _l(
            "The review of case %(ref)s is decided: amend or revoke the integrity record if "
            "needed, then close the case."
        ),
    ),
    source=(S.under_review,),
    target=S.decided,
    label=_l("Decide review"),
    may=may_decide_review,
    who=OTHER_SUPERVISOR,
    reason_required=True,
    fields=("outcome", "decision_text", "sanctions"),
    confirm=_l("Record this review outcome? Afterwards only an appeal ruling can change it."),
    records_reason=True,
)
def decide_review(
    case: Case,
    user: User,
    outcome: str | None = None,
    decision_text: str | None = None,
    sanctions: list[dict] | None = None,
    reason: str | None = None,
) -> dict:
    """The review is a row of its own beside the decision it reviewed. Upheld: the decision
    stays in force. Modified: its new text is in force, and new sanctions, if named, replace
    those in force (none named: they stay). Overturned: every sanction in force is revoked."""
    problems = Problems()  # every problem of the review's outcome at once
    try:
        result = ReviewOutcome(outcome)
    except ValueError:
        result = None
        problems.add(
            "outcome", _l("Choose whether the decision is upheld, modified or overturned.")
        )
    text = (decision_text or "").strip() or None
    if result == ReviewOutcome.modified and not text:
        problems.add("decision_text", _l("A modified decision needs its new text."))
    if result is not None and result != ReviewOutcome.modified and (text or sanctions):
        problems.add(
            "decision_text" if text else "sanctions",
            _l(
                "Only a modified decision has a new text or new sanctions; give the review's "
                "grounds as its reason."
            ),
        )
    decided = today()
    new_sanctions = problems.attempt(
        lambda: _parse_sanctions(case, sanctions or [], default_start=decided)
    )
    problems.check()
    replaced = (
        case.sanctions_in_force if result == ReviewOutcome.overturned or new_sanctions else []
    )
    for sanction in replaced:
        sanction.revoked_on = decided
    case.sanctions.extend(new_sanctions)
    case.decisions.append(
        Decision(
            kind=DecisionKind.review,
            review_outcome=result,
            text=text,
            decided_on=decided,
            requested_on=case.review_requested_on,
            reason=reason,
            decided_by_id=user.id,
            sanctions=new_sanctions,
            revoked=replaced,
        )
    )
    if text:
        case.decision_text = text
    case.review_outcome = result
    return {
        "outcome": result.value,
        "sanctions_revoked": len(replaced),
        "sanctions_added": len(new_sanctions),
    }


@transition(
    name="close_case",
    awaits=lambda case: (
        case.review_outcome is not None
        or (case.review_request_due is not None and today() > case.review_request_due)
    ),
    awaits_sql=lambda: or_(Case.review_outcome.is_not(None), Case.review_request_due < today()),
    source=(S.decided,),
    target=S.closed,
    label=_l("Close case"),
    may=can_handle,
    who=HANDLER,
    confirm=_l("Close the case? Afterwards only an appeal ruling can reopen it."),
)
def close_case(case: Case, user: User) -> dict:
    if case.review_outcome is None and today() <= case.review_request_due:
        raise GuardFailed(
            _l(
                "The review request window runs until %(date)s; the case can be closed after it.",
                date=case.review_request_due.isoformat(),
            )
        )
    case.closed_on = today()
    return {}


@transition(
    name="reopen_case",
    awaited=False,
    handoff=REVIEW_REQUESTED,
    source=(S.closed,),
    target=S.under_review,
    label=_l("Reopen on appeal ruling"),
    may=is_supervisor_of,
    who=SUPERVISOR,
    reason_required=True,
    confirm=CANNOT_UNDO,
)
def reopen_case(case: Case, user: User) -> dict:
    case.closed_on = None
    case.review_outcome = None
    case.review_requested_on = today()
    case.review_decision_due = add_working_days(today(), _policy(case).review_decision_days)
    return {}
