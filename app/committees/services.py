"""Every change to the expert pool, the panels and their seats.

Each function checks who may act, changes the rows, writes the audit entry and flushes; the
caller commits. A refusal raises a `ServiceError` before anything is changed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select

from app.auth.models import Role, User
from app.auth.passwords import one_time_password
from app.auth.services import USERNAME_RE, create_user, update_user
from app.committees import handoffs
from app.committees import permissions as perm
from app.committees.models import (
    Expert,
    Panel,
    PanelKind,
    PanelSeat,
    Review,
    ReviewMember,
    ReviewStatus,
    SeatStatus,
)
from app.committees.rules import Category, Check, Gender, PanelRules, SeatRole, composition
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.extensions import db


@dataclass
class ExpertInput:
    name: str
    institution: str
    gender: Gender | str
    categories: list[str]
    fields: str = ""
    email: str | None = None
    phone: str | None = None


# A landline or mobile number as people write it: 021-6432 1234, +86 138 0000 0000, (0551)
# 6288 1234, with an extension after 转 or "ext".
PHONE = re.compile(r"\+?[0-9(][0-9 ()\-]{4,30}[0-9]((转|ext\.?)\s?[0-9]{1,6})?", re.IGNORECASE)


def _require_manager(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_l("Only an administrator of the agency that keeps it can do this."))


def _clean_expert(data: ExpertInput) -> dict:
    name = (data.name or "").strip()
    institution = (data.institution or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_l("Give the expert's name, at most 100 characters."), field="name")
    if not institution or len(institution) > 200:
        raise InvalidInput(
            _l("Give the expert's institution, at most 200 characters."), field="institution"
        )
    try:
        gender = Gender(data.gender)
    except ValueError:
        raise InvalidInput(_l("Choose the expert's gender."), field="gender") from None
    try:
        categories = sorted({Category(c).value for c in data.categories or []})
    except ValueError:
        raise InvalidInput(_l("Choose categories from the list."), field="categories") from None
    if not categories:
        raise InvalidInput(_l("Choose at least one category."), field="categories")
    fields = (data.fields or "").strip()
    if len(fields) > 300:
        raise InvalidInput(_l("The fields have at most 300 characters."), field="fields")
    phone = (data.phone or "").strip()
    if phone and not PHONE.fullmatch(phone):
        raise InvalidInput(
            _l("Enter a phone number: digits, with +, spaces, hyphens or brackets."),
            field="phone",
        )
    return {
        "name": name,
        "institution": institution,
        "gender": gender,
        "categories": categories,
        "fields": fields,
        "email": (data.email or "").strip() or None,
        "phone": phone or None,
    }


def register_expert(actor: User, data: ExpertInput) -> Expert:
    """Adds an expert to the actor's agency's part of the regional pool."""
    _require_manager(perm.can_manage_committees(actor))
    expert = Expert(agency_id=actor.agency_id, **_clean_expert(data))
    db.session.add(expert)
    db.session.flush()
    audit.record(
        "committee.register_expert",
        actor=actor,
        obj=expert,
        agency_id=actor.agency_id,
        details={"name": expert.name, "institution": expert.institution},
    )
    return expert


def update_expert(actor: User, expert: Expert, data: ExpertInput, active: bool = True) -> None:
    _require_manager(perm.can_manage_expert(actor, expert))
    values = _clean_expert(data)
    if not active and _live_seats(expert):
        raise GuardFailed(_l("The expert still holds a seat; end it before retiring them."))
    changed = {}
    for key, value in [*values.items(), ("active", active)]:
        if getattr(expert, key) != value:
            changed[key] = str(value) if key not in ("email", "phone") else "changed"
            setattr(expert, key, value)
    db.session.flush()
    audit.record(
        "committee.update_expert",
        actor=actor,
        obj=expert,
        agency_id=expert.agency_id,
        details=changed,
    )


def _live_seats(expert: Expert) -> list[PanelSeat]:
    return list(
        db.session.scalars(
            select(PanelSeat).where(
                PanelSeat.expert_id == expert.id,
                PanelSeat.status.in_([SeatStatus.invited, SeatStatus.active]),
            )
        )
    )


def _free_username(expert: Expert) -> str:
    base = f"{expert.agency.code.lower()}-expert-{expert.id}"
    name, n = base, 1
    while db.session.scalar(select(func.count()).where(User.username == name)):
        n += 1
        name = f"{base}-{n}"
    return name


def create_expert_account(
    actor: User, expert: Expert, username: str | None = None
) -> tuple[User, str]:
    """A `committee_member` account in the expert's own agency. Returns the account and a
    one-time password, shown once to the administrator, who hands it to the expert; the
    expert changes it on their account page."""
    _require_manager(perm.can_manage_expert(actor, expert))
    if expert.user_id is not None:
        raise GuardFailed(_l("The expert already has an account."))
    username = (username or "").strip().lower() or _free_username(expert)
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            _l("A username has 3 to 64 lower-case letters, digits, dots, dashes or underscores."),
            field="username",
        )
    password = one_time_password(username=username, display_name=expert.name)
    user = create_user(
        username,
        expert.name,
        expert.agency,
        [Role.committee_member],
        password,
        actor=actor,
        email=expert.email,
    )
    expert.user = user
    db.session.flush()
    audit.record(
        "committee.create_expert_account",
        actor=actor,
        obj=expert,
        agency_id=expert.agency_id,
        details={"username": user.username},
    )
    handoffs.announce_account(expert.id, actor)
    return user, password


def link_expert_account(actor: User, expert: Expert, user: User) -> None:
    """Links an existing account of the expert's agency, adding the committee role."""
    _require_manager(perm.can_manage_expert(actor, expert))
    if expert.user_id is not None:
        raise GuardFailed(_l("The expert already has an account."))
    if user.agency_id != expert.agency_id:
        raise InvalidInput(_l("Choose an account of the expert's own agency."), field="username")
    if db.session.scalar(select(Expert.id).where(Expert.user_id == user.id)):
        raise InvalidInput(_l("That account belongs to another expert."), field="username")
    if not user.has_role(Role.committee_member):
        update_user(
            user, actor, user.display_name, user.email, user.roles | {Role.committee_member}
        )
    expert.user = user
    db.session.flush()
    audit.record(
        "committee.link_expert_account",
        actor=actor,
        obj=expert,
        agency_id=expert.agency_id,
        details={"username": user.username},
    )
    handoffs.announce_account(expert.id, actor)


def create_panel(actor: User, kind: PanelKind | str, name: str) -> Panel:
    """A panel with the default rules of 国科发监〔2023〕167号 art. 7 and 14."""
    _require_manager(perm.can_manage_committees(actor))
    try:
        kind = PanelKind(kind)
    except ValueError:
        raise InvalidInput(_l("Choose the kind of committee."), field="kind") from None
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(_l("Give the panel a name of at most 200 characters."), field="name")
    panel = Panel(agency_id=actor.agency_id, kind=kind, name=name)
    db.session.add(panel)
    db.session.flush()
    audit.record(
        "committee.create_panel",
        actor=actor,
        obj=panel,
        agency_id=actor.agency_id,
        details={"name": name, "kind": kind.value},
    )
    return panel


# A rule problem (PanelRules.problems) -> the form field it belongs to and why.
RULE_PROBLEMS = {
    "min_members_positive": ("min_members", _l("A panel needs at least one member.")),
    "quorum_positive": ("quorum", _l("The quorum is at least one member.")),
    "quorum_above_membership": (
        "quorum",
        _l("The quorum cannot be above the minimum membership."),
    ),
    "threshold_range": (
        "threshold_num",
        _l("The majority is a fraction above 0 and at most 1 (e.g. 2 of 3)."),
    ),
    "threshold_unreachable": (
        "inclusive",
        _l("“More than all members” can never be reached: make the majority inclusive."),
    ),
    "term_range": ("max_term_years", _l("The longest term is 1 to 10 years.")),
}
RULE_FIELDS = (
    "min_members",
    "quorum",
    "threshold_num",
    "threshold_den",
    "inclusive",
    "abstentions_count_as_present",
    "quorum_covers_categories",
    "both_genders",
    "max_term_years",
)


def update_panel_rules(actor: User, panel: Panel, values: dict) -> None:
    """Changes the panel's composition and voting rules; settings outside sense are refused
    one by one with the reason, and nothing is changed."""
    _require_manager(perm.can_manage_panel(actor, panel))
    numbers = ("min_members", "quorum", "threshold_num", "threshold_den", "max_term_years")
    for name in numbers:
        if not isinstance(values.get(name), int):
            raise InvalidInput(_l("Enter a whole number."), field=name)
    if values["threshold_den"] < 1:
        raise InvalidInput(_l("The majority's denominator is at least 1."), field="threshold_den")
    rules = PanelRules(
        min_members=values["min_members"],
        quorum=values["quorum"],
        threshold=Fraction(values["threshold_num"], values["threshold_den"]),
        inclusive=bool(values.get("inclusive")),
        max_term_years=values["max_term_years"],
    )
    problems = rules.problems()
    if problems:
        field, message = RULE_PROBLEMS[problems[0]]
        raise InvalidInput(message, code=problems[0], field=field)
    before = {name: getattr(panel, name) for name in RULE_FIELDS}
    for name in RULE_FIELDS:
        setattr(panel, name, bool(values.get(name)) if name not in numbers else values[name])
    db.session.flush()
    after = {name: getattr(panel, name) for name in RULE_FIELDS}
    audit.record(
        "committee.update_panel_rules",
        actor=actor,
        obj=panel,
        agency_id=panel.agency_id,
        details={n: [before[n], after[n]] for n in RULE_FIELDS if before[n] != after[n]},
    )


def composition_checks(panel: Panel, on: dt.date | None = None) -> list[Check]:
    return composition(panel.rules, panel.rule_seats(), on or today())


def panel_may_vote(panel: Panel, on: dt.date | None = None) -> tuple[bool, list[Check]]:
    """Whether the panel may hold a vote today, and the rules it breaks (for the message)."""
    failing = [check for check in composition_checks(panel, on) if not check.met]
    return panel.active and not failing, failing


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _check_seat(panel: Panel, expert: Expert, role, category, start, end) -> tuple:
    try:
        role, category = SeatRole(role), Category(category)
    except ValueError:
        raise InvalidInput(_l("Choose the seat's role and category from the lists.")) from None
    if category.value not in expert.categories:
        raise InvalidInput(_l("The expert is not registered in that category."), field="category")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise InvalidInput(_l("Give the term's start and end."), field="term_start")
    if end < start:
        raise InvalidInput(_l("The term ends before it starts."), field="term_end")
    if end > _years_later(start, panel.max_term_years):
        raise InvalidInput(
            _l("A term lasts at most %(years)s years.", years=panel.max_term_years),
            field="term_end",
        )
    if role is SeatRole.chair and any(
        s.role is SeatRole.chair and s.status in (SeatStatus.active, SeatStatus.invited)
        for s in panel.seats
        if s.expert_id != expert.id
    ):
        raise InvalidInput(
            _l("The panel already has a chair; end that seat first or seat a vice-chair."),
            field="role",
        )
    if not expert.active:
        raise GuardFailed(_l("The expert is retired from the pool."))
    return role, category


def seat_expert(
    actor: User,
    panel: Panel,
    expert: Expert,
    role,
    category,
    term_start: dt.date,
    term_end: dt.date,
) -> tuple[PanelSeat, str | None]:
    """Seats an expert of the panel's own agency at once (creating their committee account
    if they have none: the one-time password is returned, to be shown once), or invites an
    expert of another agency, who accepts or declines on their invitations page."""
    _require_manager(perm.can_manage_panel(actor, panel))
    role, category = _check_seat(panel, expert, role, category, term_start, term_end)
    seat = next((s for s in panel.seats if s.expert_id == expert.id), None)
    if seat is not None and seat.status in (SeatStatus.active, SeatStatus.invited):
        raise GuardFailed(_l("The expert already holds or is offered a seat on this panel."))
    if seat is None:
        seat = PanelSeat(panel=panel, expert=expert)
        db.session.add(seat)
    own = expert.agency_id == panel.agency_id
    seat.role, seat.category = role, category
    seat.term_start, seat.term_end = term_start, term_end
    seat.status = SeatStatus.active if own else SeatStatus.invited
    seat.invited_by_id = actor.id
    seat.invited_at = dt.datetime.now(dt.UTC)
    seat.answered_at = None
    seat.ended_at = None
    password = None
    if own and expert.user_id is None:
        _user, password = create_expert_account(actor, expert)
    db.session.flush()
    audit.record(
        "committee.seat_expert" if own else "committee.invite_expert",
        actor=actor,
        obj=seat,
        agency_id=panel.agency_id,
        details={
            "panel": panel.name,
            "expert": expert.name,
            "expert_agency": expert.agency.code,
            "role": role.value,
            "category": category.value,
            "term": [term_start.isoformat(), term_end.isoformat()],
        },
    )
    if not own:
        handoffs.announce_seat_invitation(seat, actor)
    return seat, password


def answer_seat(user: User, seat: PanelSeat, accept: bool) -> None:
    """The invited expert takes or declines the seat."""
    if not perm.can_answer_seat(user, seat):
        raise NotAllowed(_l("Only the invited expert can answer this invitation."))
    if seat.status is not SeatStatus.invited:
        raise GuardFailed(_l("This invitation has been answered or withdrawn."))
    seat.status = SeatStatus.active if accept else SeatStatus.declined
    seat.answered_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    audit.record(
        "committee.accept_seat" if accept else "committee.decline_seat",
        actor=user,
        obj=seat,
        agency_id=seat.panel.agency_id,
        details={"panel": seat.panel.name, "expert": seat.expert.name},
    )
    handoffs.announce_seat_answer(seat, user)


def end_seat(actor: User, seat: PanelSeat) -> None:
    """Ends a seat or withdraws an invitation. A member of an open review keeps the seat until
    the review is closed, so the count is never taken over a changed panel."""
    from app.committees.members import seat_in_open_subject

    _require_manager(perm.can_manage_panel(actor, seat.panel))
    if seat.status not in (SeatStatus.active, SeatStatus.invited):
        raise GuardFailed(_l("This seat has already ended."))
    open_review = db.session.scalar(
        select(Review.id)
        .join(ReviewMember, ReviewMember.review_id == Review.id)
        .where(ReviewMember.seat_id == seat.id, Review.status == ReviewStatus.open)
        .limit(1)
    )
    if open_review is not None or seat_in_open_subject(seat.id):
        raise GuardFailed(_l("The member sits on an open review; end the seat once it closes."))
    before = seat.status
    seat.status = SeatStatus.ended
    seat.ended_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    audit.record(
        "committee.end_seat",
        actor=actor,
        obj=seat,
        agency_id=seat.panel.agency_id,
        details={"panel": seat.panel.name, "expert": seat.expert.name, "was": before.value},
    )
    handoffs.announce_seat_ended(seat)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def pool_query(q: str = "", category: Category | None = None, agency_id: int | None = None):
    """The region's active experts, searchable by name, institution or field."""
    stmt = select(Expert).where(Expert.active.is_(True))
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            or_(
                Expert.name.like(pattern, escape="\\"),
                Expert.institution.like(pattern, escape="\\"),
                Expert.fields.like(pattern, escape="\\"),
            )
        )
    if category is not None:
        stmt = stmt.where(cast(Expert.categories, String).like(f'%"{category.value}"%'))
    if agency_id is not None:
        stmt = stmt.where(Expert.agency_id == agency_id)
    return stmt.order_by(Expert.agency_id, Expert.name, Expert.id)


def agency_panels(user: User) -> list[Panel]:
    return list(
        db.session.scalars(
            select(Panel).where(Panel.agency_id == user.agency_id).order_by(Panel.id)
        )
    )


def my_seats(user: User) -> list[PanelSeat]:
    """The user's seats and invitations, newest first."""
    return list(
        db.session.scalars(
            select(PanelSeat)
            .join(Expert)
            .where(Expert.user_id == user.id)
            .order_by(PanelSeat.invited_at.desc(), PanelSeat.id.desc())
        )
    )
