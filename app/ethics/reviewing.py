"""The committee's review of an accepted application, by the procedure named at acceptance.

General (art. 11, 14): every seated member in term takes part; each declares before seeing
any material (a conflict recuses them); the office puts a decision from the policy list to
the meeting, records who was present, and closes by the committees' own count
(`app.committees.rules.count`) with the authority's quorum and share of those present —
consultants advise and never vote. Simplified: the named members (default 2) each agree;
any of them can send it to a meeting. Emergency: as general, within a clock in hours."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.auth.models import User
from app.committees import members as panel_members
from app.committees.labels import rule_text
from app.committees.models import ConflictKind, PanelSeat, ReviewMember, SeatStatus
from app.committees.rules import Attendance, Choice, Outcome, SeatRole
from app.committees.services import panel_may_vote
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.models import utcnow
from app.ethics import permissions as perm
from app.ethics import policy
from app.ethics.models import Application, AppState, Procedure
from app.extensions import db

# The kind under which an application's review members are kept in committees.
SUBJECT = "ethics_application"

DECISION_LABELS = {
    "approve": _l("Approve"),
    "approve_modified": _l("Approve after modification"),
    "modify_resubmit": _l("Modify and resubmit"),
    "disapprove": _l("Disapprove"),
}


def member_full_condition(user: User):
    """A member sees an application's material once they declared no conflict in its review
    (a recusal, by their own declaration or the office's, takes it away)."""
    declared = panel_members.declared_ids(SUBJECT, user)
    return and_(Application.id.in_(declared), Application.state.in_(_REVIEWED))


def open_review_ids():
    """Applications under review: a seat with a part in one cannot end (committees ask)."""
    return select(Application.id).where(Application.state == AppState.accepted)


_REVIEWED = (AppState.accepted, AppState.preliminary, AppState.decided)


def _seats_in_term(application: Application) -> list[PanelSeat]:
    return seats_in_term(application.panel)


def seats_in_term(panel) -> list[PanelSeat]:
    on = today()
    return [
        s for s in panel.seats if s.status is SeatStatus.active and s.term_start <= on <= s.term_end
    ]


def named_seats(panel, agency_id, named_seat_ids) -> list[PanelSeat]:
    """The seats named for a simplified procedure: exactly the policy's number of voting
    seats of the committee in term (a site's confirmation names them too)."""
    wanted = policy.value(agency_id, "simplified_members")
    try:
        ids = {int(i) for i in (named_seat_ids or [])}
    except (TypeError, ValueError):
        ids = set()
    chosen = [s for s in seats_in_term(panel) if s.id in ids and s.role is not SeatRole.consultant]
    if len(chosen) != wanted or len(ids) != wanted:
        raise InvalidInput(
            _l("Name %(count)s voting members of the committee.", count=wanted),
            field="members",
        )
    return chosen


def members_of(application: Application) -> list[ReviewMember]:
    return panel_members.members_of(SUBJECT, application.id)


def _seat_members(application: Application, seats, *, named: bool = False) -> None:
    panel_members.seat_members(SUBJECT, application.id, seats, named=named)


def open_review(application: Application, named_seat_ids=None) -> None:
    """Seats the members at acceptance: everyone in term for a meeting, the named members
    (the policy's number, voting seats of the committee) for the simplified procedure."""
    seats = _seats_in_term(application)
    if application.procedure is not Procedure.simplified:
        _seat_members(application, seats)
        from app.ethics.queues import review_opened

        review_opened(application)
        return
    chosen = named_seats(application.panel, application.unit.agency_id, named_seat_ids)
    _seat_members(application, chosen, named=True)
    from app.ethics.queues import review_opened

    review_opened(application)


def member_of(application: Application, user: User) -> ReviewMember | None:
    return panel_members.member_of(SUBJECT, application.id, user)


def _require_under_review(application: Application) -> None:
    if application.state is not AppState.accepted:
        raise GuardFailed(
            _l("The review is closed: nothing can be declared or voted any more."),
            code="review_closed",
        )


def _audited(action, actor, application, details) -> None:
    db.session.flush()
    audit.record(
        action,
        actor=actor,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, **details},
    )
    from app.ethics.queues import after_step

    after_step(action, actor, application)


def declare(actor: User, application: Application, conflict: bool, note=None) -> ReviewMember:
    """The member's declaration, before any material: a conflict recuses them."""
    member = member_of(application, actor)
    if member is None:
        raise NotAllowed(_l("Only a member of the review declares."))
    _require_under_review(application)
    panel_members.require_undeclared(member.declared_at)
    note = panel_members.conflict_note(conflict, note)
    panel_members.mark_declared(member, actor, ConflictKind.other if conflict else None, note)
    _audited("ethics.review.declare", actor, application, {"conflict": bool(conflict)})
    return member


def recuse(actor: User, application: Application, member_id, reason) -> ReviewMember:
    """The office recuses a member with a reason; they lose the material at once."""
    _require_office_review(actor, application)
    member = _member_by_id(application, member_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for the recusal."), field="reason")
    panel_members.mark_recused(member, actor, reason)
    member.choice = None
    _audited("ethics.review.recuse", actor, application, {"member": member.id})
    return member


def _member_by_id(application: Application, member_id) -> ReviewMember:
    member = panel_members.member_by_id(SUBJECT, application.id, member_id)
    if member is None:
        raise InvalidInput(_l("Choose a member of this review."), field="member_id")
    return member


def _require_office_review(actor: User, application: Application) -> None:
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office manages the review."))
    _require_under_review(application)


def _decision(value, field="decision") -> str:
    if value not in policy.DECISIONS:
        raise InvalidInput(_l("Choose a decision from the list."), field=field)
    return value


def propose(actor: User, application: Application, decision, meeting_date=None) -> None:
    """The decision put to the members (from the policy list), and the meeting's day."""
    _require_office_review(actor, application)
    decision = _decision(decision)
    application.proposed_decision = decision
    if meeting_date:
        from app.ethics.services import _date

        problems = Problems()
        application.meeting_date = _date(meeting_date, "meeting_date", _l("Meeting"), problems)
        problems.check()
    for member in members_of(application):  # a new proposal is voted anew
        member.choice = None
        member.voted_at = None
    _audited("ethics.review.propose", actor, application, {"decision": decision})


def vote(actor: User, application: Application, choice, opinion=None) -> ReviewMember:
    """A member's vote on the proposed decision: after declaring no conflict, once, before
    the close; consultants advise but never vote."""
    member = member_of(application, actor)
    if member is None:
        raise NotAllowed(_l("Only a member of the review votes."))
    _require_under_review(application)
    panel_members.require_may_vote(
        declared=member.declared_at is not None,
        recused=member.recused,
        voted=member.voted_at is not None,
        consultant=member.role is SeatRole.consultant,
    )
    if application.proposed_decision is None:
        raise GuardFailed(_l("No decision has been put to the members yet."))
    try:
        choice = Choice(choice)
    except ValueError:
        raise InvalidInput(_l("Vote for, against or abstain."), field="choice") from None
    panel_ok, failing = panel_may_vote(application.panel)
    if not panel_ok:
        raise GuardFailed(
            _l(
                "The committee cannot hold a vote: %(rules)s.",
                rules="；".join(rule_text(c) for c in failing),
            ),
            code="panel_rules",
        )
    member.choice = choice
    member.opinion = (opinion or "").strip() or None
    member.voted_at = utcnow()
    if member.named and application.procedure is Procedure.simplified:
        member.attendance = Attendance.present
    _audited("ethics.review.vote", actor, application, {"member": member.id})
    return member


def send_to_meeting(actor: User, application: Application, reason) -> None:
    """Any named member of a simplified review sends it to a meeting of the committee."""
    member = member_of(application, actor)
    if member is None or not member.named:
        raise NotAllowed(_l("Only a named member sends the review to a meeting."))
    _require_under_review(application)
    if application.procedure is not Procedure.simplified:
        raise GuardFailed(_l("The review is already a meeting of the committee."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why it needs a meeting."), field="reason")
    application.procedure = Procedure.general
    for m in members_of(application):
        m.choice, m.voted_at, m.attendance = None, None, None
    _seat_members(application, _seats_in_term(application))
    _audited("ethics.review.to_meeting", actor, application, {"reason": reason})


def record_attendance(actor: User, application: Application, present_ids) -> None:
    _require_office_review(actor, application)
    present = {int(i) for i in present_ids or [] if str(i).isdigit()}
    panel_members.set_attendance(members_of(application), present)
    _audited("ethics.review.attendance", actor, application, {"present": len(present)})


def rules_for(application: Application):
    """The committee's composition rules with the authority's quorum and share to decide."""
    agency_id = application.unit.agency_id
    return replace(
        application.panel.rules,
        quorum=policy.value(agency_id, "quorum"),
        threshold=policy.two_thirds_fraction(policy.value(agency_id, "threshold_percent")),
        inclusive=True,
    )


def tally(application: Application):
    members = members_of(application)
    if application.procedure is Procedure.simplified:
        named = [m for m in members if m.named]
        agreed = all(m.choice is Choice.endorse for m in named) and bool(named)
        return {"simplified": True, "agreed": agreed, "named": len(named)}
    return panel_members.tally_members(rules_for(application), members)


def close_review(actor: User, application: Application, reasons, minutes=None) -> None:
    """Takes the proposed decision when the count adopts it, with the reasons; otherwise the
    review stays open and the office is told why (no quorum, categories, no majority)."""
    _require_office_review(actor, application)
    if application.proposed_decision is None:
        raise GuardFailed(_l("Put a decision to the members first."))
    from app.ethics.services import require_entrusted

    require_entrusted(application, today())
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(_l("Give the reasons for the decision."), field="reasons")
    result = tally(application)
    if isinstance(result, dict):
        if not result["agreed"]:
            raise GuardFailed(
                _l("Every named member must agree, or one sends it to a meeting."),
                code="no_majority",
            )
        record = result
    else:
        if result.outcome is not Outcome.endorse:
            raise GuardFailed(_why(result), code=result.reason or "not_adopted")
        record = {
            "present": result.present,
            "for": result.endorse,
            "against": result.return_,
            "abstain": result.abstain,
        }
    application.tally = record
    application.minutes = (minutes or "").strip() or None
    application.decision_reasons = reasons
    if application.listed_id is not None and application.proposed_decision in APPROVALS:
        # A listed activity's approval is preliminary: the decision waits for re-review.
        application.preliminary_at = utcnow()
        application.state = AppState.preliminary
        _audited("ethics.review.preliminary", actor, application, {})
        return
    finish_decision(actor, application, application.proposed_decision, reasons)


APPROVALS = ("approve", "approve_modified")


def finish_decision(actor: User, application: Application, decision: str, reasons: str) -> None:
    """The committee's decision, numbered in its letter, rendered in the background."""
    application.decision = decision
    application.decision_reasons = reasons
    application.decided_at = utcnow()
    application.state = AppState.decided
    from app.ethics.followup import start_followup

    start_followup(application)
    _audited("ethics.review.decide", actor, application, {"decision": decision})
    from app.ethics.letters import request_letter
    from app.ethics.lookup import announce_change

    request_letter(application, actor)
    from app.ethics.sites import on_decided

    on_decided(application, actor)
    announce_change(application)


def _why(result):
    if result.reason == "no_quorum":
        return _l("Too few members present to decide (%(n)s).", n=result.present)
    if result.reason == "categories_absent":
        return _l("Those present do not cover every member category.")
    return _l(
        "The proposal did not reach the share needed: %(yes)s of %(base)s for.",
        yes=result.endorse,
        base=result.base,
    )
