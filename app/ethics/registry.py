"""The committee registry (登记): a unit's committee office files its committee with the
province's authority, the authority accepts or returns it, and the authority's page lists
who is registered, whose registration (or the registration of a change) is due or
overdue, whose composition no longer meets the rules, and the approved listed activities
still to register.

The composition is the committees' own rules (`app.committees.rules.composition`) over the
panel's seats; a filing that breaks them is refused naming every rule it breaks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.committees.labels import figures_text, rule_text
from app.committees.models import Panel, PanelSeat, SeatStatus
from app.committees.rules import Check, composition
from app.core import audit
from app.core.calendar import procedural_now, today
from app.core.errors import GuardFailed, NotAllowed, Problems
from app.core.times import to_cst
from app.ethics import registry_handoffs as handoffs
from app.ethics import registry_policy as rp
from app.ethics.models import Application, AppState, Unit
from app.ethics.registry_models import ListedRegistration, Registration, RegistrationState
from app.extensions import db

APPROVED = ("approve", "approve_modified")
ANSWERING = (Role.supervisor, Role.agency_admin)
AUTHORITY = (Role.supervisor, Role.agency_admin, Role.auditor)


def local_day(value: dt.datetime) -> dt.date:
    return to_cst(value).date()


# --- who ------------------------------------------------------------------------------


def committee_unit(panel_id: int) -> Unit | None:
    """The unit whose own committee the panel is (a regional centre counts as a unit)."""
    return db.session.scalar(select(Unit).where(Unit.panel_id == panel_id))


def is_office(user: User, unit: Unit) -> bool:
    from app.ethics.models import UnitRole, UnitUser

    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(UnitUser.user_id).where(
                UnitUser.user_id == user.id,
                UnitUser.unit_id == unit.id,
                UnitUser.role == UnitRole.office,
            )
        )
        is not None
    )


def is_authority(user: User, agency_id: int) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.agency_id == agency_id
        and user.has_role(*AUTHORITY)
    )


def may_see_committee(user: User, unit: Unit) -> bool:
    """The unit's office and its province's authority; never another province."""
    return is_office(user, unit) or is_authority(user, unit.agency_id)


def may_see_summary(user: User) -> bool:
    """The region's registry summary: any authority's staff and any committee office."""
    from app.ethics.models import UnitRole
    from app.ethics.permissions import unit_of

    if user is None or not user.is_authenticated:
        return False

    return user.has_role(Role.officer, *AUTHORITY) or unit_of(user, UnitRole.office) is not None


def may_answer(user: User, registration: Registration) -> bool:
    return user.agency_id == registration.agency_id and user.has_role(*ANSWERING)


# --- composition ----------------------------------------------------------------------


def live_seats(panel: Panel) -> list[PanelSeat]:
    return [s for s in panel.seats if s.status is SeatStatus.active]


def members_of(unit: Unit, panel: Panel) -> list[dict]:
    """The particulars filed: each active seat with category, gender, inside or outside
    the unit (the member's institution against the unit's name) and term."""
    return [
        {
            "seat_id": s.id,
            "name": s.expert.name,
            "institution": s.expert.institution,
            "role": s.role.value,
            "category": s.category.value,
            "gender": s.expert.gender.value,
            "inside": s.expert.institution.strip() == unit.name.strip(),
            "term_start": s.term_start.isoformat(),
            "term_end": s.term_end.isoformat(),
        }
        for s in live_seats(panel)
    ]


def checks_of(panel: Panel, on: dt.date) -> list[Check]:
    return composition(panel.rules, panel.rule_seats(), on)


def broken(checks: list[Check]) -> list[str]:
    """Each rule not met, in words with its figures ("… — missing: legal expert")."""
    out = []
    for check in checks:
        if not check.met:
            figures = figures_text(check)
            out.append(f"{rule_text(check)} — {figures}" if figures else rule_text(check))
    return out


def _stored_checks(checks: list[Check]) -> list[dict]:
    return [{"code": c.code, "met": c.met, "params": dict(c.params)} for c in checks]


# --- dates ----------------------------------------------------------------------------


def set_up_on(panel: Panel) -> dt.date:
    return local_day(panel.created_at)


def change_on(panel: Panel, registration: Registration, on: dt.date) -> dt.date | None:
    """The day the committee first differed from its last accepted filing: a seat added, a
    seat ended, or a registered member's term run out; None when it still matches."""
    filed = {m["seat_id"]: m for m in registration.members}
    live = {s.id: s for s in live_seats(panel) if s.term_start <= on <= s.term_end}
    days = []
    for seat_id, seat in live.items():
        if seat_id not in filed:
            joined = local_day(seat.answered_at or seat.invited_at)
            days.append(max(joined, seat.term_start))
    by_id = {s.id: s for s in panel.seats}
    for seat_id, member in filed.items():
        if seat_id in live:
            continue
        seat = by_id.get(seat_id)
        term_end = dt.date.fromisoformat(member["term_end"])
        if seat is not None and seat.ended_at is not None:
            days.append(local_day(seat.ended_at))
        elif term_end < on:
            days.append(term_end + dt.timedelta(days=1))
        else:
            days.append(local_day(registration.filed_at))
    return min(days) if days else None


# --- filing and answering -------------------------------------------------------------


@dataclass
class RegistrationInput:
    charter: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    change_note: str | None = None


def _clean(value) -> str:
    return (value or "").strip()


def _read_input(data: RegistrationInput, change: bool) -> dict:
    problems = Problems()
    values = {
        "charter": _clean(data.charter),
        "contact_name": _clean(data.contact_name)[:100],
        "contact_phone": _clean(data.contact_phone)[:40],
        "contact_email": _clean(data.contact_email)[:200] or None,
        "change_note": _clean(data.change_note) or None,
    }
    required = {
        "charter": _l("Charter"),
        "contact_name": _l("Office contact"),
        "contact_phone": _l("Contact telephone"),
    }
    for key, label in required.items():
        if not values[key]:
            problems.add(key, _l("This field is required."), label=label)
    if change and not values["change_note"]:
        problems.add("change_note", _l("Say what changed."), label=_l("What changed"))
    problems.check()
    return values


def registrations_of(panel_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.panel_id == panel_id)
            .order_by(Registration.number.desc())
        )
    )


def accepted_of(panel_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(
            Registration.panel_id == panel_id,
            Registration.state == RegistrationState.accepted,
        )
        .order_by(Registration.number.desc())
        .limit(1)
    )


def file_registration(actor: User, unit: Unit, data: RegistrationInput) -> Registration:
    """The office files its committee (number 1) or a change (a later number). Refused,
    changing nothing, while a filing waits for the authority or when the composition breaks
    a rule (each named)."""
    if unit.panel is None or not is_office(actor, unit):
        raise NotAllowed(_l("Only the committee's own office registers it."))
    panel = unit.panel
    registered = accepted_of(panel.id)
    values = _read_input(data, change=registered is not None)
    waiting = db.session.scalar(
        select(Registration.id).where(
            Registration.panel_id == panel.id,
            Registration.state == RegistrationState.submitted,
        )
    )
    if waiting is not None:
        raise GuardFailed(
            _l("A registration of this committee waits for the authority already."),
            code="waiting",
        )
    on = today()
    checks = checks_of(panel, on)
    failing = broken(checks)
    if failing:
        raise GuardFailed(
            _l(
                "The committee does not meet its composition rules: %(rules)s. Nothing was filed.",
                rules="; ".join(failing),
            ),
            code="composition",
        )
    since = change_on(panel, registered, on) if registered else set_up_on(panel)
    number = (
        db.session.scalar(
            select(func.max(Registration.number)).where(Registration.panel_id == panel.id)
        )
        or 0
    ) + 1
    row = Registration(
        panel_id=panel.id,
        unit_id=unit.id,
        agency_id=unit.agency_id,
        number=number,
        state=RegistrationState.submitted,
        members=members_of(unit, panel),
        checks=_stored_checks(checks),
        due_on=rp.registration_due(since or on),
        filed_by_id=actor.id,
        filed_at=procedural_now(),
        **values,
    )
    db.session.add(row)
    db.session.flush()
    _audited("ethics.registry.file", actor, row, {"number": number})
    handoffs.registration_filed(row, actor)
    return row


def answer_registration(actor: User, registration: Registration, accept: bool, reason) -> None:
    """The authority accepts the filing, or returns it with its reasons."""
    if not may_answer(actor, registration):
        raise NotAllowed(_l("Only the province's supervisor or administrator answers it."))
    if registration.state is not RegistrationState.submitted:
        raise GuardFailed(_l("This registration was answered already."), code="answered")
    reason = _clean(reason)
    if not accept and not reason:
        problems = Problems()
        problems.add("reason", _l("Give the reasons for returning it."), label=_l("Reasons"))
        problems.check()
    registration.state = RegistrationState.accepted if accept else RegistrationState.returned
    registration.answered_by_id = actor.id
    registration.answered_at = procedural_now()
    registration.answer_reason = reason or None
    action = "ethics.registry.accept" if accept else "ethics.registry.return"
    _audited(action, actor, registration, {"number": registration.number})
    handoffs.registration_answered(registration, actor)


def _audited(action: str, actor: User, obj, details: dict) -> None:
    db.session.flush()
    audit.record(action, actor=actor, obj=obj, agency_id=obj.agency_id, details=details)


# --- listed activities ----------------------------------------------------------------


def approved_on(application: Application) -> dt.date:
    return local_day(application.decided_at)


def register_listed(actor: User, application: Application, note=None) -> ListedRegistration:
    """The office registers an approved listed activity of its committee."""
    unit = committee_unit(application.panel_id) if application.panel_id else None
    if unit is None or not is_office(actor, unit):
        raise NotAllowed(_l("Only the committee's own office registers its activities."))
    if (
        application.listed_id is None
        or application.state is not AppState.decided
        or application.decision not in APPROVED
    ):
        raise GuardFailed(
            _l("Only an approved listed activity is registered."), code="not_approved_listed"
        )
    exists = db.session.scalar(
        select(ListedRegistration.id).where(ListedRegistration.application_id == application.id)
    )
    if exists is not None:
        raise GuardFailed(_l("This activity is registered already."), code="registered")
    day = approved_on(application)
    row = ListedRegistration(
        application_id=application.id,
        panel_id=application.panel_id,
        agency_id=unit.agency_id,
        approved_on=day,
        due_on=rp.listed_due(day),
        note=_clean(note) or None,
        registered_by_id=actor.id,
        registered_at=procedural_now(),
    )
    db.session.add(row)
    _audited("ethics.registry.listed", actor, row, {"ref": application.reference})
    return row


def listed_to_register(panel_ids) -> list[tuple[Application, dt.date]]:
    """Approved listed activities of these committees not registered yet, with the day
    each is due, earliest first."""
    rows = db.session.scalars(
        select(Application)
        .outerjoin(ListedRegistration, ListedRegistration.application_id == Application.id)
        .where(
            Application.panel_id.in_(panel_ids),
            Application.listed_id.is_not(None),
            Application.state == AppState.decided,
            Application.decision.in_(APPROVED),
            ListedRegistration.id.is_(None),
        )
        .order_by(Application.decided_at)
    ).all()
    return [(a, rp.listed_due(approved_on(a))) for a in rows]


# --- the state of each committee ------------------------------------------------------


@dataclass
class CommitteeState:
    unit: Unit
    panel: Panel
    registered: Registration | None  # the last accepted filing
    latest: Registration | None  # the last filing of any state
    status: str  # registered / submitted / returned / unregistered
    due_on: dt.date | None = None  # a filing (first or of a change) due by this day
    overdue: bool = False
    failing: list[str] = field(default_factory=list)

    @property
    def lapsed(self) -> bool:
        return bool(self.failing)


def committee_units(agency_id: int | None = None) -> list[Unit]:
    query = select(Unit).where(Unit.panel_id.is_not(None), Unit.active.is_(True))
    if agency_id is not None:
        query = query.where(Unit.agency_id == agency_id)
    return list(db.session.scalars(query.order_by(Unit.agency_id, Unit.name)))


def states(units: list[Unit], on: dt.date | None = None) -> list[CommitteeState]:
    """Every committee's registry state in two queries (units with panels and seats, then
    their filings)."""
    on = on or today()
    panel_ids = [u.panel_id for u in units]
    filings: dict[int, list[Registration]] = {}
    for row in db.session.scalars(
        select(Registration)
        .where(Registration.panel_id.in_(panel_ids))
        .order_by(Registration.number.desc())
    ):
        filings.setdefault(row.panel_id, []).append(row)
    return [_state(u, filings.get(u.panel_id, []), on) for u in units]


def _state(unit: Unit, filings: list[Registration], on: dt.date) -> CommitteeState:
    panel = unit.panel
    latest = filings[0] if filings else None
    registered = next((r for r in filings if r.state is RegistrationState.accepted), None)
    state = CommitteeState(unit, panel, registered, latest, "unregistered")
    if latest is not None:
        state.status = (
            "registered" if latest.state is RegistrationState.accepted else latest.state.value
        )
    state.failing = broken(checks_of(panel, on))
    waiting = latest is not None and latest.state is RegistrationState.submitted
    if registered is None:
        since = set_up_on(panel)
    else:
        since = change_on(panel, registered, on)
        if since is not None and state.status == "registered":
            state.status = "change_due"
    if since is not None and not waiting:
        state.due_on = rp.registration_due(since)
        state.overdue = on > state.due_on
    return state


def summary(on: dt.date | None = None) -> list[dict]:
    """The region's registry summary: committee, unit, province, registered on, status —
    nothing of members, contacts or reports."""
    rows = []
    for s in states(committee_units(), on):
        rows.append(
            {
                "panel_id": s.panel.id,
                "committee": s.panel.name,
                "unit": s.unit.name,
                "agency": s.unit.agency.code,
                "registered_on": local_day(s.registered.answered_at) if s.registered else None,
                "status": s.status,
            }
        )
    return rows


def _waiting(agency_id: int) -> tuple:
    return (Registration.agency_id == agency_id, Registration.state == RegistrationState.submitted)


def to_accept(agency_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration).where(*_waiting(agency_id)).order_by(Registration.filed_at)
        )
    )


def to_accept_count(agency_id: int):
    """`len(to_accept(agency_id))` as a statement."""
    return select(func.count()).where(*_waiting(agency_id))


def remind_due(on: dt.date | None = None) -> int:
    """Notices to the offices whose committee (or a change of it) is to be registered."""
    added = 0
    for state in states(committee_units(), on):
        if state.due_on is not None:
            added += handoffs.registration_due(state)
    return added
