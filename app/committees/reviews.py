"""A review (审议) from referral to closing: the automatic screen, each member's declaration,
the chair's recusals, the votes, the meeting's attendance and minutes, and the count.

Each function checks who may act and when, changes the rows, writes the audit entry and the
case's history row, and flushes; the caller commits. A refusal raises a `ServiceError`
before anything is changed. Only `close_review` moves the case out of `committee_review`,
through the workflow's internal steps.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.cases.models import Case
from app.cases.services import write_history
from app.committees import handoffs
from app.committees.labels import rule_text
from app.committees.members import mark_declared, mark_recused, tally_members
from app.committees.models import (
    ConflictKind,
    Expert,
    Panel,
    Review,
    ReviewMember,
    ReviewStatus,
    SeatStatus,
)
from app.committees.permissions import (
    acting_chair,
    is_chair,
    is_consultant,
    may_decide_screen,
    member_for,
    screen_pending,
)
from app.committees.queries import open_review_of
from app.committees.rules import Attendance, Choice, Outcome, SeatRole, Tally
from app.committees.services import panel_may_vote
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.extensions import db

NO_CONFLICT = "none"
MAX_TEXT = 5000


def _text(value, field: str, message, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(message, field=field)
    if len(value) > limit:
        raise InvalidInput(_l("At most %(limit)s characters, please.", limit=limit), field=field)
    return value or None


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_l("Enter the date as YYYY-MM-DD."), field=field) from None


def _referral_panel(case: Case, panel_id) -> Panel:
    try:
        panel = db.session.get(Panel, int(panel_id))
    except (TypeError, ValueError):
        panel = None
    if panel is None or panel.agency_id != case.agency_id:
        raise InvalidInput(_l("Choose one of your agency's panels."), field="panel_id")
    if not panel.active:
        raise GuardFailed(_l("The panel is not active."), field="panel_id")
    require_panel_may_vote(panel, field="panel_id")
    return panel


def require_panel_may_vote(panel: Panel, field: str | None = None) -> None:
    """A panel that breaks a composition rule cannot hold a vote; the refusal names it."""
    _ok, failing = panel_may_vote(panel)
    if failing:
        raise GuardFailed(
            _l(
                "The panel cannot hold a vote: %(rules)s.",
                rules="；".join(rule_text(check) for check in failing),
            ),
            code="panel_rules",
            field=field,
        )


def _screen(case: Case, expert: Expert) -> str | None:
    """Same institution as a respondent: the automatic screen's proposal to the chair."""
    mine = (expert.institution or "").strip()
    for party in case.respondents:
        if mine and mine == (party.institution or "").strip():
            return mine
    return None


def open_review(
    case: Case,
    actor: User,
    panel_id,
    questions,
    meeting_date=None,
    review_deadline=None,
) -> dict:
    """Refers the case to a panel: one member per seat in term (consultants too: they
    declare, attend and advise, but never vote), screened for the same institution as a
    respondent, and notified. Called by the `refer_to_committee` step."""
    problems = Problems()  # every problem of the referral at once
    panel = problems.attempt(lambda: _referral_panel(case, panel_id))
    questions = problems.attempt(
        lambda: _text(questions, "questions", _l("Put the questions to the panel."))
    )
    meeting = problems.attempt(lambda: _date(meeting_date, "meeting_date"))
    if meeting is not None and meeting < today():
        problems.add("meeting_date", _l("The meeting cannot be in the past."))
    deadline = problems.attempt(
        lambda: _date(review_deadline, "review_deadline")
    ) or today() + dt.timedelta(days=case.agency.policy.review_days)
    if deadline < today() or (meeting is not None and deadline < meeting):
        problems.add(
            "review_deadline", _l("The review deadline cannot be before today or the meeting.")
        )
    problems.check()
    if open_review_of(case) is not None:
        raise GuardFailed(_l("The case already has an open review."))
    on = today()
    seats = [
        s for s in panel.seats if s.status is SeatStatus.active and s.term_start <= on <= s.term_end
    ]
    review = Review(
        case=case,
        panel=panel,
        questions=questions,
        meeting_date=meeting,
        deadline=deadline,
        status=ReviewStatus.open,
        referred_by_id=actor.id,
    )
    db.session.add(review)
    for seat in seats:
        review.members.append(
            ReviewMember(
                seat=seat,
                role=seat.role,
                category=seat.category,
                screened_conflict=_screen(case, seat.expert),
                recused=False,
                vote_changes=0,
            )
        )
    case.committee_due = deadline
    _audited(
        "committee.refer",
        actor,
        case,
        review,
        {
            "panel": panel.name,
            "members": sum(1 for s in seats if s.role is not SeatRole.consultant),
            "consultants": sum(1 for s in seats if s.role is SeatRole.consultant),
            "deadline": deadline.isoformat(),
        },
    )
    _announce_referral(review)
    return {
        "review": review.id,
        "panel": panel.name,
        "deadline": deadline.isoformat(),
        "screened": sum(1 for m in review.members if m.screened_conflict),
    }


def _member_user(member: ReviewMember) -> User | None:
    return member.seat.expert.user


def _announce_referral(review: Review) -> None:
    """Every member is told; the screen's flags go to whoever decides them: the chair, or
    for a flag on the chair the vice-chairs (never the member a flag names)."""
    chair = acting_chair(review)
    screeners: dict[int, User] = {}
    for member in review.members:
        if not member.screened_conflict:
            continue
        if chair is not None and chair is not member:
            deciders = [chair]
        else:
            deciders = [
                m
                for m in review.members
                if m is not member and m.role in (SeatRole.chair, SeatRole.vice_chair)
            ]
        for decider in deciders:
            user = _member_user(decider)
            if user is not None:
                screeners[user.id] = user
    handoffs.announce_referral(
        review, [_member_user(m) for m in review.members], list(screeners.values())
    )


def _audited(action: str, actor: User, case: Case, obj, details: dict) -> None:
    db.session.flush()
    audit.record(action, actor=actor, case=case, obj=obj, details=details)


def lock_review(review: Review) -> None:
    """Every change to a review's members (declarations, votes, advice, corrections,
    recusals, the meeting record) and its close take the review's row first and re-read it
    and its members under the lock, so they happen one after another: a vote that races the
    chair's close is either counted by it or refused as after it, never stored and left out
    of the tally. (SQLite writes one transaction at a time anyway.)

    Only the rows are read again, the review's and its members' columns and the member list:
    what they point at (the panel, its seats and experts, the users who recused or dismissed)
    is loaded when first used, from the session where it is already there, rather than joined
    into both statements again at every step."""
    db.session.refresh(review, attribute_names=_review_columns(), with_for_update={"of": Review})
    members = db.session.scalars(
        select(ReviewMember)
        .where(ReviewMember.review_id == review.id)
        .order_by(ReviewMember.id)
        .options(lazyload("*"))
        .execution_options(populate_existing=True)
    ).all()
    set_committed_value(review, "members", members)


@cache
def _review_columns() -> tuple[str, ...]:
    """The review's column attributes (read once the mappers are configured)."""
    return tuple(column.key for column in sa_inspect(Review).column_attrs)


def _require_open(review: Review) -> None:
    if review.status is not ReviewStatus.open:
        raise GuardFailed(
            _l("The review is closed: nothing can be declared, voted or recorded any more."),
            code="review_closed",
        )


def _require_meeting_held(review: Review) -> None:
    """Attendance is what happened at the meeting: nothing is recorded, and the review not
    closed, before the meeting's day."""
    if review.meeting_date is not None and today() < review.meeting_date:
        raise GuardFailed(
            _l(
                "The meeting is on %(date)s: its attendance is recorded and the review closed "
                "from that day.",
                date=review.meeting_date.isoformat(),
            ),
            code="meeting_ahead",
        )


def _require_member(review: Review, user: User) -> ReviewMember:
    member = member_for(review, user)
    if member is None:
        raise NotAllowed(_l("Only a member of this review's panel can do this."))
    return member


def _require_chair(review: Review, user: User) -> None:
    if not is_chair(review, user):
        raise NotAllowed(_l("Only the chair of this review can do this."))


def _history(review: Review, actor: User, action: str, reason=None, **details) -> None:
    write_history(
        review.case, actor, action, reason=reason, details={"review": review.id, **details}
    )


def declare(user: User, review: Review, conflict, note=None) -> ReviewMember:
    """The member's declaration, once, before they see the package; a conflict recuses."""
    lock_review(review)
    member = _require_member(review, user)
    _require_open(review)
    if member.recused:
        raise GuardFailed(_l("You are recused from this review."))
    if member.declared_at is not None:
        raise GuardFailed(
            _l(
                "You have already declared. If you have a conflict after all, correct your "
                "declaration."
            ),
            code="already_declared",
        )
    if conflict != NO_CONFLICT:
        try:
            conflict = ConflictKind(conflict)
        except ValueError:
            raise InvalidInput(
                _l("Choose “no conflict” or the kind of conflict."), field="conflict"
            ) from None
    note = _conflict_note(conflict, note)
    mark_declared(member, user, None if conflict == NO_CONFLICT else conflict, note)
    name = member.seat.expert.name
    if conflict == NO_CONFLICT:
        db.session.flush()
        audit.record(
            "committee.declare",
            actor=user,
            case=review.case,
            obj=member,
            details={"conflict": NO_CONFLICT},
        )
        _history(review, user, "review_declaration", member=name, conflict=NO_CONFLICT)
        return member
    handoffs.announce_recusal(review, user, user)
    _audited("committee.declare", user, review.case, member, {"conflict": conflict.value})
    _history(review, user, "review_recusal", reason=note, member=name, conflict=conflict.value)
    return member


def _conflict_note(conflict, note) -> str | None:
    return _text(
        note,
        "note",
        _l("Describe the other conflict."),
        required=conflict is ConflictKind.other,
    )


def correct_declaration(user: User, review: Review, conflict, note=None) -> ReviewMember:
    """A member who declared no conflict finds one before voting: the corrected declaration
    recuses them at once. The other way round is not self-service: withdrawing a declared
    conflict means lifting a recusal, which only the chair does (`lift_recusal`)."""
    lock_review(review)
    member = _require_member(review, user)
    _require_open(review)
    if member.recused:
        raise GuardFailed(
            _l("You are recused from this review; only the chair can lift a recusal.")
        )
    if member.declared_at is None:
        raise GuardFailed(_l("Declare first; there is nothing to correct."), code="not_declared")
    if member.choice is not None or (is_consultant(member) and member.opinion):
        raise GuardFailed(
            _l(
                "You have already voted: a declaration can be corrected only before voting. "
                "Tell the chair, who can recuse you."
            ),
            code="already_voted",
        )
    try:
        kind = ConflictKind(conflict)
    except ValueError:
        raise InvalidInput(_l("Choose the kind of conflict."), field="conflict") from None
    note = _conflict_note(kind, note)
    was = member.conflict.value if member.conflict else NO_CONFLICT
    member.conflict, member.conflict_note = kind, note
    member.declared_at = dt.datetime.now(dt.UTC)
    mark_recused(member, user, note or kind.value)
    handoffs.announce_recusal(review, user, user)
    name = member.seat.expert.name
    _audited(
        "committee.correct_declaration",
        user,
        review.case,
        member,
        {"was": was, "conflict": kind.value},
    )
    _history(
        review,
        user,
        "review_declaration_corrected",
        reason=note,
        member=name,
        was=was,
        conflict=kind.value,
    )
    return member


def lift_recusal(chair: User, review: Review, member_id, reason) -> ReviewMember:
    """The chair lifts a recusal with a reason (the declared relation is no bar, or the
    screen's match was wrong). The declaration and the lifted recusal stay on the record;
    the member must still declare if they never did, and is not counted until the
    chair records their attendance again."""
    lock_review(review)
    _require_chair(review, chair)
    _require_open(review)
    member = _member_of(review, member_id)
    if not member.recused:
        raise GuardFailed(_l("The member is not recused."), code="not_recused")
    reason = _text(reason, "reason", _l("Give the reason for lifting the recusal."))
    member.recused = False
    member.attendance = None
    member.lifted_reason = reason
    member.lifted_by_id = chair.id
    member.lifted_at = dt.datetime.now(dt.UTC)
    name = member.seat.expert.name
    _audited(
        "committee.lift_recusal",
        chair,
        review.case,
        member,
        {"member": name, "recusal": member.recusal_reason},
    )
    _history(review, chair, "review_recusal_lifted", reason=reason, member=name)
    handoffs.announce_lifted(review, _member_user(member), chair)
    return member


def _member_of(review: Review, member_id) -> ReviewMember:
    found = next((m for m in review.members if m.id == member_id), None)
    if found is None:
        raise InvalidInput(_l("That person is not a member of this review."), field="member")
    return found


def recuse_member(chair: User, review: Review, member_id, reason) -> ReviewMember:
    """The chair recuses a member with a reason (also to confirm the screen's proposal)."""
    lock_review(review)
    _require_chair(review, chair)
    _require_open(review)
    member = _member_of(review, member_id)
    if member.recused:
        raise GuardFailed(_l("The member is already recused."))
    reason = _text(reason, "reason", _l("Give the reason for the recusal."))
    mark_recused(member, chair, reason)
    _audited("committee.recuse", chair, review.case, member, {"member": member.seat.expert.name})
    _history(review, chair, "review_recusal", reason=reason, member=member.seat.expert.name)
    handoffs.announce_recusal(review, _member_user(member), chair)
    handoffs.announce_screen_settled(review)
    return member


def _screen_to_decide(actor: User, review: Review, member_id) -> ReviewMember:
    member = _member_of(review, member_id)
    if member.seat.expert.user_id == actor.id:
        raise NotAllowed(
            _l(
                "The screen flagged you: another decides it (the vice-chair, or a supervisor "
                "of the panel's agency), never the member it names."
            )
        )
    if not may_decide_screen(review, member, actor):
        raise NotAllowed(
            _l(
                "The chair decides a member's screening flag; a flag on the chair is decided "
                "by the vice-chair or a supervisor of the panel's agency."
            )
        )
    if not screen_pending(member):
        raise GuardFailed(
            _l("There is no screening flag left to decide for this member."),
            code="no_screen_flag",
        )
    return member


def dismiss_screen(actor: User, review: Review, member_id, reason) -> ReviewMember:
    """Finds the screen's same-institution match no conflict, always with a reason. The flag
    stays on the record beside who dismissed it and why."""
    lock_review(review)
    _require_open(review)
    member = _screen_to_decide(actor, review, member_id)
    reason = _text(reason, "reason", _l("Give the reason for dismissing the screening flag."))
    member.screen_dismissed_by_id = actor.id
    member.screen_dismissed_at = dt.datetime.now(dt.UTC)
    member.screen_dismissal_reason = reason
    name = member.seat.expert.name
    _audited(
        "committee.dismiss_screen",
        actor,
        review.case,
        member,
        {"member": name, "institution": member.screened_conflict},
    )
    _history(review, actor, "review_screen_flag_dismissed", reason=reason, member=name)
    handoffs.announce_screen_settled(review)
    return member


def confirm_screen(actor: User, review: Review, member_id, reason) -> ReviewMember:
    """Confirms the screen's flag: the member is recused, with the reason given."""
    lock_review(review)
    _require_open(review)
    member = _screen_to_decide(actor, review, member_id)
    reason = _text(reason, "reason", _l("Give the reason for the recusal."))
    mark_recused(member, actor, reason)
    name = member.seat.expert.name
    _audited(
        "committee.confirm_screen",
        actor,
        review.case,
        member,
        {"member": name, "institution": member.screened_conflict},
    )
    _history(review, actor, "review_screen_flag_confirmed", reason=reason, member=name)
    handoffs.announce_recusal(review, _member_user(member), actor)
    handoffs.announce_screen_settled(review)
    return member


def cast_vote(user: User, review: Review, choice, opinion) -> ReviewMember:
    """Endorse, return or abstain with a written opinion; a second vote changes the first
    (counted and audited) until the chair closes the review."""
    lock_review(review)
    member = _require_member(review, user)
    if is_consultant(member):
        raise GuardFailed(
            _l("Consultants advise but do not vote: write an advisory opinion instead."),
            code="consultant_no_vote",
        )
    _require_may_speak(review, member)
    try:
        choice = Choice(choice)
    except ValueError:
        raise InvalidInput(_l("Choose endorse, return or abstain."), field="choice") from None
    opinion = _text(opinion, "opinion", _l("Write your opinion."))
    before = member.choice
    member.choice, member.opinion = choice, opinion
    member.voted_at = dt.datetime.now(dt.UTC)
    if before is not None:
        member.vote_changes += 1
    db.session.flush()
    action = "committee.vote" if before is None else "committee.change_vote"
    details = {"choice": choice.value}
    if before is not None:
        details["was"] = before.value
    audit.record(action, actor=user, case=review.case, obj=member, details=details)
    _history(review, user, "review_vote" if before is None else "review_vote_changed")
    handoffs.announce_vote(review, user)
    return member


def _require_may_speak(review: Review, member: ReviewMember) -> None:
    """What a vote and an advisory opinion both need: an open review, a declared member not
    recused, not recorded absent."""
    advice = is_consultant(member)
    if review.status is not ReviewStatus.open:
        raise GuardFailed(_l("Voting has ended: the review is closed."), code="voting_closed")
    if member.recused:
        raise GuardFailed(_l("You are recused from this review and cannot vote."))
    if member.declared_at is None:
        message = (
            _l("Declare your conflicts before you give advice.")
            if advice
            else _l("Declare your conflicts before you vote.")
        )
        raise GuardFailed(message, code="not_declared")
    if member.attendance is Attendance.absent:
        raise GuardFailed(
            _l("The chair recorded you absent from the meeting: you cannot give advice.")
            if advice
            else _l("The chair recorded you absent from the meeting: you cannot vote.")
        )


def write_advice(user: User, review: Review, opinion) -> ReviewMember:
    """A consultant's advisory opinion (咨询意见): on the record beside the votes, never
    counted. It can be rewritten until the chair closes the review."""
    lock_review(review)
    member = _require_member(review, user)
    if not is_consultant(member):
        raise GuardFailed(
            _l("Members vote with their opinion; advisory opinions are for consultants."),
            code="not_consultant",
        )
    _require_may_speak(review, member)
    opinion = _text(opinion, "opinion", _l("Write your opinion."))
    before = member.opinion
    member.opinion = opinion
    member.voted_at = dt.datetime.now(dt.UTC)
    if before is not None:
        member.vote_changes += 1
    db.session.flush()
    action = "committee.advise" if before is None else "committee.change_advice"
    audit.record(action, actor=user, case=review.case, obj=member, details={})
    handoffs.announce_vote(review, user)
    _history(review, user, "review_advice" if before is None else "review_advice_changed")
    return member


def record_meeting(chair: User, review: Review, attendance: dict, minutes) -> None:
    """Attendance of every member not recused (present or absent), consultants included,
    and the minutes. Consultants' attendance is on the record; the count ignores it."""
    lock_review(review)
    _require_chair(review, chair)
    _require_open(review)
    _require_meeting_held(review)
    minutes = _text(minutes, "minutes", None, required=False, limit=20000)
    given: dict[int, Attendance] = {}
    for member in review.members:
        if member.recused:
            continue
        value = attendance.get(member.id)
        if value not in (Attendance.present.value, Attendance.absent.value):
            raise InvalidInput(
                _l("Record each member who is not recused as present or absent."),
                field="attendance",
            )
        given[member.id] = Attendance(value)
    for member in review.members:
        if member.id in given:
            member.attendance = given[member.id]
    review.minutes = minutes
    db.session.flush()
    voters = {m.id for m in review.members if not is_consultant(m)}
    present = sum(1 for k, a in given.items() if k in voters and a is Attendance.present)
    absent = sum(1 for k in given if k in voters) - present
    consultants = sum(1 for k, a in given.items() if k not in voters and a is Attendance.present)
    audit.record(
        "committee.record_meeting",
        actor=chair,
        case=review.case,
        obj=review,
        details={
            "present": present,
            "absent": absent,
            "consultants_present": consultants,
            "minutes": bool(minutes),
        },
    )
    _history(
        review,
        chair,
        "review_meeting",
        present=present,
        absent=absent,
        consultants_present=consultants,
    )


def tally_of(review: Review) -> Tally:
    return tally_members(review.panel.rules, review.members)


TALLY_REASONS = {
    "no_quorum": _l("No quorum: %(present)s members present, the panel needs %(quorum)s."),
    "categories_absent": _l("Those present do not cover every category: missing %(missing)s."),
    "no_majority": _l(
        "No majority: %(endorse)s endorse, %(return)s return, %(abstain)s abstain of "
        "%(base)s counted; one side needs %(needed)s."
    ),
}


def tally_reason(review: Review, tally: Tally) -> str:
    from app.committees.labels import category_label

    return str(TALLY_REASONS[tally.reason]) % {
        "present": tally.present,
        "quorum": review.panel.quorum,
        "missing": "、".join(category_label(c) for c in tally.missing_categories),
        "endorse": tally.endorse,
        "return": tally.return_,
        "abstain": tally.abstain,
        "base": tally.base,
        "needed": tally.needed(review.panel.rules),
    }


def close_review(chair: User, review: Review, reasons=None) -> Review:
    """Counts by the panel's rule. Decided: the review closes and the case moves (endorse →
    notice to the parties, return → investigation with the panel's reasons). Not decided:
    refused with the reason, the review stays open and the case does not move."""
    from app.cases.workflow import take_internal

    lock_review(review)
    _require_chair(review, chair)
    _require_open(review)
    _require_meeting_held(review)
    if any(m.attendance is None for m in review.members):
        raise GuardFailed(
            _l("Record the meeting's attendance before closing."), code="no_attendance"
        )
    require_panel_may_vote(review.panel)
    tally = tally_of(review)
    if not tally.decided:
        raise GuardFailed(tally_reason(review, tally), code=tally.reason)
    reasons = _text(
        reasons,
        "reasons",
        _l("Give the panel's reasons for returning the case."),
        required=tally.outcome is Outcome.return_,
    )
    review.status = ReviewStatus.closed
    review.outcome = tally.outcome
    review.reasons = reasons
    review.tally = {
        "present": tally.present,
        "base": tally.base,
        "endorse": tally.endorse,
        "return": tally.return_,
        "abstain": tally.abstain,
        "needed": tally.needed(review.panel.rules),
    }
    review.closed_by_id = chair.id
    review.closed_at = dt.datetime.now(dt.UTC)
    case = review.case
    case.committee_due = None
    _audited(
        "committee.close_review",
        chair,
        case,
        review,
        {"outcome": tally.outcome.value, **review.tally},
    )
    step = "review_endorse" if tally.outcome is Outcome.endorse else "review_return"
    take_internal(case, chair, step, reason=reasons, review=review.id, **review.tally)
    handoffs.announce_closed(review)
    return review
