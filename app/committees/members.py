"""Each member's part in a review, whatever the panel reviews: seating, the declaration
before any material, recusal, attendance, the vote's preconditions and the count.

A case's review (`app.committees.reviews`) and the reviews of registered subjects
(`app.committees.subjects`, e.g. ethics applications) share these; the callers keep their
own audit and history. Nothing here commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from app.auth.models import User
from app.committees.models import ConflictKind, Expert, PanelSeat, ReviewMember
from app.committees.rules import Attendance, Ballot, PanelRules, Tally, count
from app.committees.subjects import review_subject
from app.core.errors import GuardFailed, InvalidInput
from app.extensions import db


def seat_members(kind: str, subject_id: int, seats: Iterable[PanelSeat], *, named=False) -> None:
    """One member per seat not yet in the subject's review, with the seat's role and
    category copied so a later change of the panel never rewrites the count."""
    review_subject(kind)
    have = {m.seat_id for m in members_of(kind, subject_id)}
    for seat in seats:
        if seat.id in have:
            continue
        db.session.add(
            ReviewMember(
                subject=kind,
                subject_id=subject_id,
                seat_id=seat.id,
                role=seat.role,
                category=seat.category,
                named=named,
                recused=False,
                vote_changes=0,
            )
        )
    db.session.flush()


def members_of(kind: str, subject_id: int) -> list[ReviewMember]:
    return list(
        db.session.scalars(
            select(ReviewMember)
            .where(ReviewMember.subject == kind, ReviewMember.subject_id == subject_id)
            .order_by(ReviewMember.id)
        )
    )


def member_of(kind: str, subject_id: int, user: User) -> ReviewMember | None:
    return db.session.scalar(
        select(ReviewMember)
        .join(PanelSeat, PanelSeat.id == ReviewMember.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(
            ReviewMember.subject == kind,
            ReviewMember.subject_id == subject_id,
            Expert.user_id == user.id,
        )
    )


def member_by_id(kind: str, subject_id: int, member_id) -> ReviewMember | None:
    try:
        member = db.session.get(ReviewMember, int(member_id))
    except (TypeError, ValueError):
        return None
    if member is None or (member.subject, member.subject_id) != (kind, subject_id):
        return None
    return member


def declared_ids(kind: str, user: User) -> Select:
    """The subjects of a kind whose material the user may read: they declared no conflict
    in its review and are not recused (a recusal takes the material away)."""
    return (
        select(ReviewMember.subject_id)
        .join(PanelSeat, PanelSeat.id == ReviewMember.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(
            ReviewMember.subject == kind,
            Expert.user_id == user.id,
            ReviewMember.declared_at.is_not(None),
            ReviewMember.recused.is_(False),
        )
    )


def seat_in_open_subject(seat_id: int) -> bool:
    """Whether the seat has a part in an open review of a registered subject."""
    from app.committees.subjects import review_subjects

    for subject in review_subjects():
        found = db.session.scalar(
            select(ReviewMember.id)
            .where(
                ReviewMember.seat_id == seat_id,
                ReviewMember.subject == subject.kind,
                ReviewMember.subject_id.in_(subject.open_ids()),
            )
            .limit(1)
        )
        if found is not None:
            return True
    return False


def conflict_note(conflict: bool, note) -> str | None:
    """A declared conflict says what it is."""
    note = (note or "").strip()
    if conflict and not note:
        raise InvalidInput(_l("Say what the conflict is."), field="note")
    return note or None


def require_undeclared(declared_at) -> None:
    if declared_at is not None:
        raise GuardFailed(_l("You declared already."), code="already_declared")


def mark_declared(member: ReviewMember, by: User, conflict: ConflictKind | None, note) -> None:
    """The declaration, before any material; a conflict recuses the member at once."""
    member.declared_at = dt.datetime.now(dt.UTC)
    member.conflict_note = note
    if conflict is not None:
        member.conflict = conflict
        mark_recused(member, by, note or conflict.value)


def mark_recused(member: ReviewMember, by: User, reason: str) -> None:
    member.recused = True
    member.recusal_reason = reason
    member.recused_by_id = by.id
    member.recused_at = dt.datetime.now(dt.UTC)
    member.attendance = Attendance.recused


def require_may_vote(*, declared: bool, recused: bool, voted: bool, consultant=False) -> None:
    """A vote needs a declaration of no conflict, no recusal, a voting seat and, where a
    vote cannot be changed, no vote yet."""
    if not declared:
        raise GuardFailed(_l("Declare your conflicts before you vote."), code="not_declared")
    if recused:
        raise GuardFailed(_l("You are recused from this review."), code="recused")
    if consultant:
        raise GuardFailed(_l("Consultants advise; they never vote."), code="consultant")
    if voted:
        raise GuardFailed(_l("You voted already."), code="voted")


def set_attendance(members: Iterable[ReviewMember], present_ids: Iterable[int]) -> None:
    """Present or absent for each member not recused; a recused member stays recused."""
    present = set(present_ids)
    for member in members:
        if member.recused:
            member.attendance = Attendance.recused
        else:
            member.attendance = Attendance.present if member.id in present else Attendance.absent


def ballot(member: ReviewMember) -> Ballot:
    attendance = Attendance.recused if member.recused else member.attendance or Attendance.absent
    return Ballot(member.category, member.role, attendance, member.choice)


def tally_members(rules: PanelRules, members: Iterable[ReviewMember]) -> Tally:
    """The panel rule's count over the members' ballots (consultants never count)."""
    return count(rules, [ballot(m) for m in members])


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def close_round(kind: str, subject_id: int) -> list[dict]:
    """Ends a round of the subject's review: each member's part as a record (kept by the
    caller with the round) and the rows removed, so the next round seats everyone anew."""
    record = []
    for member in members_of(kind, subject_id):
        record.append(
            {
                "name": member.seat.expert.name,
                "role": member.role.value,
                "category": member.category.value,
                "named": member.named,
                "declared_at": _iso(member.declared_at),
                "recused": member.recused,
                "recusal_reason": member.recusal_reason,
                "attendance": member.attendance.value if member.attendance else None,
                "choice": member.choice.value if member.choice else None,
                "opinion": member.opinion,
                "voted_at": _iso(member.voted_at),
            }
        )
        db.session.delete(member)
    db.session.flush()
    return record
