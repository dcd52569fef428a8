"""A whole review run through the real services, for walks of a case through its procedure
(the demo data and the tests): a panel that keeps the rules, the referral, every member's
declaration and vote, the meeting and the close."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets

from sqlalchemy import select

from app.auth.models import Agency, Role, User, UserRole
from app.auth.passwords import hash_password
from app.cases.models import Case, CaseState
from app.cases.workflow import perform
from app.committees.models import Expert, Panel, PanelKind, PanelSeat, Review, SeatStatus
from app.committees.permissions import acting_chair, is_consultant, screen_pending
from app.committees.queries import open_review_of
from app.committees.reviews import (
    cast_vote,
    close_review,
    confirm_screen,
    declare,
    dismiss_screen,
    record_meeting,
    write_advice,
)
from app.committees.rules import Attendance, Category, Choice, Gender, SeatRole
from app.committees.services import panel_may_vote
from app.core.calendar import as_of, today
from app.extensions import db

# A standing panel's seats: (category, gender, role); it meets the default rules.
STANDING_SEATS = [
    (Category.peer, Gender.male, SeatRole.chair),
    (Category.peer, Gender.female, SeatRole.member),
    (Category.ethics, Gender.female, SeatRole.member),
    (Category.legal, Gender.male, SeatRole.member),
    (Category.outside, Gender.female, SeatRole.member),
    (Category.peer, Gender.male, SeatRole.member),
    (Category.ethics, Gender.male, SeatRole.member),
]
_UNUSABLE: list[str] = []


def _unusable_password() -> str:
    """Nobody knows it: an administrator sets a password before such an account signs in."""
    if not _UNUSABLE:
        _UNUSABLE.append(hash_password(secrets.token_urlsafe(24)))
    return _UNUSABLE[0]


def _ready(panel: Panel) -> bool:
    seated = [s for s in panel.seats if s.status is SeatStatus.active]
    return panel_may_vote(panel)[0] and all(s.expert.user_id for s in seated)


def standing_panel(agency: Agency) -> Panel:
    """The agency's first panel that may vote and whose members all sign in, else a new
    standing academic committee of seven members that keeps the default rules."""
    for panel in db.session.scalars(
        select(Panel).where(Panel.agency_id == agency.id, Panel.active.is_(True)).order_by(Panel.id)
    ):
        if _ready(panel):
            return panel
    panel = Panel(
        agency=agency, kind=PanelKind.academic, name=f"{agency.name_zh}学术委员会（常设）"
    )
    db.session.add(panel)
    # Terms by the real date, not a walk's: they cover walks dated up to three years back.
    start = dt.date.today() - dt.timedelta(days=3 * 365)
    for index, (category, gender, role) in enumerate(STANDING_SEATS, start=1):
        db.session.add(
            PanelSeat(
                panel=panel,
                expert=_standing_expert(agency, index, category, gender),
                role=role,
                category=category,
                term_start=start,
                term_end=start + dt.timedelta(days=4 * 365),
                status=SeatStatus.active,
            )
        )
    db.session.flush()
    db.session.expire(panel, ["seats"])
    return panel


def _standing_expert(agency: Agency, index: int, category: Category, gender: Gender) -> Expert:
    username = f"{agency.code.lower()}-panel-{index}"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None:
        found = db.session.scalar(select(Expert).where(Expert.user_id == user.id))
        if found is not None:
            return found
    else:
        user = User(
            username=username,
            display_name=f"常设委员{index}",
            agency=agency,
            password_hash=_unusable_password(),
        )
        user.set_roles([Role.committee_member])
        db.session.add(user)
    expert = Expert(
        agency=agency,
        name=f"常设委员{index}",
        institution=f"{agency.name_zh}专家库",
        categories=[category.value],
        gender=gender,
        user=user,
    )
    db.session.add(expert)
    return expert


def refer_case(case: Case, officer: User | None = None) -> Review:
    """Refers a case in `findings` to the agency's standing panel."""
    actor = officer or (case.lead.user if case.lead else case.created_by)
    panel = standing_panel(case.agency)
    perform(
        case,
        actor,
        "refer_to_committee",
        expected_version=None,
        panel_id=panel.id,
        questions="调查组认定的事实是否清楚、证据是否充分、定性是否准确？",
        meeting_date=today(),
    )
    return open_review_of(case)


def conduct_review(case: Case, outcome: str = "endorse", when: dt.date | None = None) -> Review:
    """Runs the case's review to `outcome` ("endorse" or "return"): referral (unless the case
    is already in committee review), declarations, the chair's recusals of screened members,
    votes, attendance, minutes and the close. `when` dates every step (default today)."""
    with as_of(when) if when else contextlib.nullcontext():
        review = open_review_of(case)
        if review is None and case.state is CaseState.findings:
            review = refer_case(case)
        _settle_screen(review)
        chair = acting_chair(review).seat.expert.user
        choice = Choice.endorse if outcome == "endorse" else Choice.return_
        for member in review.members:
            if member.recused:
                continue
            user = member.seat.expert.user
            if member.declared_at is None:
                declare(user, review, "none")
            if is_consultant(member):
                write_advice(user, review, "咨询意见：供委员会参考，不参加表决。")
                continue
            cast_vote(
                user,
                review,
                choice,
                "同意调查组认定意见。" if outcome == "endorse" else "事实尚需补充调查。",
            )
        record_meeting(
            chair,
            review,
            {m.id: Attendance.present.value for m in review.members if not m.recused},
            "委员会按期召开审议会议，委员逐一发表意见并表决。",
        )
        close_review(
            chair, review, None if outcome == "endorse" else "部分事实证据不足，需补充调查。"
        )
    return review


def _settle_screen(review: Review) -> None:
    """The chair confirms each screened recusal, unless it would leave a category of the
    panel without a member: then the flag is found no conflict. A flag on the chair itself
    is decided by a supervisor of the panel's agency, never by the chair."""
    for member in review.members:
        if not screen_pending(member):
            continue
        decider = _screen_decider(review, member)
        if decider is None:
            continue
        rest = [
            m for m in review.members if m is not member and not m.recused and not is_consultant(m)
        ]
        chairs = [m for m in rest if m.role in (SeatRole.chair, SeatRole.vice_chair)]
        if (is_consultant(member) or member.category in {m.category for m in rest}) and chairs:
            confirm_screen(decider, review, member.id, "与被调查人同一单位，依规回避。")
        else:
            dismiss_screen(decider, review, member.id, "同一单位但不同院系，无利害关系。")


def _screen_decider(review: Review, member) -> User | None:
    chair = acting_chair(review)
    if chair is not None and chair is not member:
        return chair.seat.expert.user
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.agency_id == review.panel.agency_id, UserRole.role == Role.supervisor)
        .order_by(User.id)
        .limit(1)
    )


def progress_review(review: Review, declared: int, voted: int) -> None:
    """A review under way: the first `declared` members declared no conflict, the first
    `voted` of them voted to endorse."""
    for index, member in enumerate(m for m in review.members if not m.recused):
        if index >= declared:
            break
        user = member.seat.expert.user
        declare(user, review, "none")
        if index < voted and not is_consultant(member):
            cast_vote(user, review, Choice.endorse, "初步意见：同意调查组认定。")
