"""Who may see and manage panels, the regional expert pool and seats.

The pool is region-wide for the people who form panels (administrators and supervisors of
every agency), but an expert's contact details stay with the agency that keeps them. A
panel and its seats belong to one agency: only its administrator changes them. An expert
answers their own invitations, whatever agency invited them.
"""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Role, User
from app.committees.models import Expert, Panel, PanelSeat, Review, ReviewMember, ReviewStatus
from app.committees.rules import SeatRole
from app.core.errors import Refused
from app.extensions import db

POOL_ROLES = (Role.agency_admin, Role.supervisor)
PANEL_VIEW_ROLES = (Role.agency_admin, Role.supervisor, Role.officer, Role.auditor)


def _in_agency(user: User) -> bool:
    return user.is_authenticated and not user.agency.is_platform


def can_manage_committees(user: User) -> bool:
    """Registers experts and forms panels for the user's own agency."""
    return _in_agency(user) and user.has_role(Role.agency_admin)


def can_see_pool(user: User) -> bool:
    return _in_agency(user) and user.has_role(*POOL_ROLES)


def can_see_panels(user: User) -> bool:
    return _in_agency(user) and user.has_role(*PANEL_VIEW_ROLES)


def sees_contact(user: User, expert: Expert) -> bool:
    """Contact details are the keeping agency's only."""
    return can_see_pool(user) and user.agency_id == expert.agency_id


def can_manage_expert(user: User, expert: Expert) -> bool:
    return can_manage_committees(user) and user.agency_id == expert.agency_id


def can_manage_panel(user: User, panel: Panel) -> bool:
    return can_manage_committees(user) and user.agency_id == panel.agency_id


def can_answer_seat(user: User, seat: PanelSeat) -> bool:
    return seat.expert.user_id is not None and seat.expert.user_id == user.id


def get_panel_or_404(panel_id: int, user: User, need: str = "view") -> Panel:
    """Another agency's panel does not exist for the user; their own, without the right, 403."""
    panel = db.session.get(Panel, panel_id)
    if panel is None or not can_see_panels(user) or panel.agency_id != user.agency_id:
        abort(404)
    if need == "manage" and not can_manage_panel(user, panel):
        abort(403)
    return panel


def get_expert_or_404(expert_id: int, user: User) -> Expert:
    """The expert's record page is the keeping agency administrator's; others see the pool."""
    expert = db.session.get(Expert, expert_id)
    if expert is None or not can_see_pool(user):
        abort(404)
    if expert.agency_id != user.agency_id:
        abort(404)
    if not can_manage_expert(user, expert):
        abort(403)
    return expert


def get_poolable_expert_or_404(expert_id: int, user: User) -> Expert:
    """An expert of any agency, for seating on one of the user's own panels."""
    expert = db.session.get(Expert, expert_id)
    if expert is None or not can_see_pool(user):
        abort(404)
    if not can_manage_committees(user):
        abort(403)
    return expert


def get_own_seat_or_404(seat_id: int, user: User) -> PanelSeat:
    seat = db.session.scalar(
        select(PanelSeat).join(Expert).where(PanelSeat.id == seat_id, Expert.user_id == user.id)
    )
    if seat is None:
        abort(404)
    return seat


def get_managed_seat_or_404(seat_id: int, user: User) -> PanelSeat:
    seat = db.session.get(PanelSeat, seat_id)
    if seat is None or not can_see_panels(user) or seat.panel.agency_id != user.agency_id:
        abort(404)
    if not can_manage_panel(user, seat.panel):
        abort(403)
    return seat


def supervises_panel(user: User, panel: Panel) -> bool:
    return _in_agency(user) and user.has_role(Role.supervisor) and user.agency_id == panel.agency_id


def get_review_or_404(review_id: int, user: User, need: str = "member"):
    """A review exists only for its members; a recused member no longer sees it, and is told
    why (403) rather than shown a review that does not exist.
    need="chair": the acting chair only (another member: 403). need="screen": a member, or
    a supervisor of the panel's agency (member None), who decides a screening flag on the
    chair; the service says whose flag is whose. Returns (review, member)."""
    review = db.session.get(Review, review_id)
    member = member_for(review, user) if review is not None else None
    outside = member is None or member.recused
    if need == "screen" and outside and review is not None and supervises_panel(user, review.panel):
        return review, None  # the panel's agency decides a flag on the chair
    if member is None:
        abort(404)
    if member.recused:
        raise Refused(
            _l(
                "You are recused from this review: its package, votes and opinions are closed "
                "to you. The chair can lift a recusal, with a reason."
            )
        )
    if need == "chair" and not is_chair(review, user):
        abort(403)
    return review, member


# A member's part in a review: who they are in it and what they may read and decide.


def member_for(review: Review, user: User) -> ReviewMember | None:
    """The user's part in the review, whatever agency they belong to."""
    if user is None or not user.is_authenticated:
        return None
    return next((m for m in review.members if m.seat.expert.user_id == user.id), None)


def acting_chair(review: Review) -> ReviewMember | None:
    """The chair, or a vice-chair when the chair is recused."""
    for role in (SeatRole.chair, SeatRole.vice_chair):
        found = next((m for m in review.members if m.role is role and not m.recused), None)
        if found is not None:
            return found
    return None


def is_chair(review: Review, user: User) -> bool:
    chair = acting_chair(review)
    return chair is not None and chair.seat.expert.user_id == getattr(user, "id", None)


def sees_package(member: ReviewMember | None) -> bool:
    """Only a member who declared and is not recused reads the package: a declared conflict
    recuses at once, so a declared member still seated either declared none or had the
    recusal lifted by the chair."""
    return member is not None and member.declared_at is not None and not member.recused


def is_consultant(member: ReviewMember) -> bool:
    return member.role is SeatRole.consultant


def screen_pending(member: ReviewMember) -> bool:
    """The screen flagged the member and nobody has decided the flag yet (a recusal, by the
    member's own declaration or by another, decides it; so does a dismissal)."""
    return bool(
        member.screened_conflict
        and member.screen_dismissed_at is None
        and member.recused_at is None
    )


def may_decide_screen(review: Review, member: ReviewMember, user: User) -> bool:
    """A flag is never decided by the member it names. The acting chair decides the other
    members' flags; a flag on the acting chair is decided by a vice-chair (or chair) of the
    review who is not recused, or by a supervisor of the panel's agency."""
    if user is None or not user.is_authenticated or member.seat.expert.user_id == user.id:
        return False
    chair = acting_chair(review)
    if chair is not None and chair is not member:
        return chair.seat.expert.user_id == user.id
    me = member_for(review, user)
    if me is not None and not me.recused and me.role in (SeatRole.chair, SeatRole.vice_chair):
        return True
    return user.has_role(Role.supervisor) and user.agency_id == review.panel.agency_id


def screens_to_decide(review: Review, user: User) -> list[ReviewMember]:
    """The pending flags this user decides (the page offers their forms)."""
    if review.status is not ReviewStatus.open:
        return []
    return [m for m in review.members if screen_pending(m) and may_decide_screen(review, m, user)]
