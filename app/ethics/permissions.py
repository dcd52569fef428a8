"""Who may see and do what in ethics review: one definition, in SQL, for pages, the API and
PDFs.

- an applicant sees their unit's applications, in full;
- the committee office sees the applications before its committee (once submitted), in full;
- a committee member sees the accepted applications before their committee as a summary;
  the material only once they declared no conflict in the review (`review_members`);
- the authority's supervisors and auditors see their units' applications as summaries;
- nobody else sees anything (another province, units for cases and records)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import and_, case, false, literal, or_, select

from app.auth.models import Role, User
from app.committees.models import Expert, PanelSeat, SeatStatus
from app.ethics.models import Application, AppState, Unit, UnitRole, UnitUser
from app.extensions import db

FULL = "full"
SUMMARY = "summary"


def unit_ids(user: User, role: UnitRole):
    return select(UnitUser.unit_id).where(UnitUser.user_id == user.id, UnitUser.role == role)


def office_panel_ids(user: User):
    return (
        select(Unit.panel_id)
        .join(UnitUser, UnitUser.unit_id == Unit.id)
        .where(
            UnitUser.user_id == user.id,
            UnitUser.role == UnitRole.office,
            Unit.panel_id.is_not(None),
        )
    )


def member_panel_ids(user: User):
    return (
        select(PanelSeat.panel_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(Expert.user_id == user.id, PanelSeat.status == SeatStatus.active)
    )


def _authority(user: User) -> bool:
    return user.has_role(Role.supervisor, Role.auditor, Role.agency_admin)


def _conditions(user: User) -> list[tuple[str, object]]:
    """(level, condition) in order of precedence: the first that holds gives the level."""
    conditions = [
        (FULL, Application.unit_id.in_(unit_ids(user, UnitRole.applicant))),
        (
            FULL,
            and_(
                Application.panel_id.in_(office_panel_ids(user)),
                Application.state != AppState.draft,
            ),
        ),
    ]
    from app.ethics.rereview import expert_full_condition, expert_summary_condition
    from app.ethics.reviewing import member_full_condition

    conditions.append((FULL, member_full_condition(user)))
    conditions.append((FULL, expert_full_condition(user)))
    conditions.append(
        (
            SUMMARY,
            and_(
                Application.panel_id.in_(member_panel_ids(user)),
                Application.state == AppState.accepted,
            ),
        )
    )
    conditions.append((SUMMARY, expert_summary_condition(user)))
    from app.ethics.sites import site_full_condition

    conditions.append((FULL, site_full_condition(user)))
    if _authority(user):
        units = select(Unit.id).where(Unit.agency_id == user.agency_id)
        conditions.append(
            (SUMMARY, and_(Application.unit_id.in_(units), Application.state != AppState.draft))
        )
    return conditions


def visible(user: User):
    """The condition on `Application` that a user sees it at all."""
    if user is None or not user.is_authenticated:
        return false()
    return or_(*(cond for _level, cond in _conditions(user)))


def level_column(user: User):
    return case(*[(cond, literal(level)) for level, cond in _conditions(user)], else_=None)


def visible_applications(user: User):
    return select(Application).where(visible(user))


def level_of(user: User, application_id: int) -> str | None:
    """FULL, SUMMARY or None (not visible), decided by the same SQL as every list."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(level_column(user)).where(Application.id == application_id, visible(user))
    )


def unit_of(user: User, role: UnitRole) -> Unit | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Unit)
        .join(UnitUser, UnitUser.unit_id == Unit.id)
        .where(UnitUser.user_id == user.id, UnitUser.role == role)
    )


def is_applicant_of(user: User, application: Application) -> bool:
    unit = unit_of(user, UnitRole.applicant)
    return unit is not None and unit.id == application.unit_id


def is_office_of(user: User, application: Application) -> bool:
    unit = unit_of(user, UnitRole.office)
    return (
        unit is not None
        and application.panel_id is not None
        and unit.panel_id == application.panel_id
    )


def is_unit_user(user: User) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(select(UnitUser.user_id).where(UnitUser.user_id == user.id)) is not None
    )


def nav_unit_roles(user: User) -> frozenset[UnitRole]:
    """The unit roles a user holds, for the navigation bar: four of its entries ask (whether
    the user is a unit's, whether a committee office's), so they are read in one statement
    once a request, when the bar is drawn after the view's work. Permission checks read
    `unit_of` and `is_unit_user`, never this."""
    if user is None or not user.is_authenticated:
        return frozenset()
    if not has_request_context():
        return _unit_roles(user)
    cache = request.environ.setdefault("yrd.nav_unit_roles", {})  # an app context may serve several
    if user.id not in cache:
        cache[user.id] = _unit_roles(user)
    return cache[user.id]


def _unit_roles(user: User) -> frozenset[UnitRole]:
    return frozenset(db.session.scalars(select(UnitUser.role).where(UnitUser.user_id == user.id)))


def nav_may_see_ethics(user: User) -> bool:
    """`may_see_ethics`, for the navigation bar."""
    return bool(nav_unit_roles(user)) or (
        user is not None and user.is_authenticated and (_authority(user) or _is_member(user))
    )


def nav_may_see_overdue(user: User) -> bool:
    """`clocks.may_see_overdue` (a committee office's, or the authority's), for the bar."""
    return UnitRole.office in nav_unit_roles(user) or _authority(user)


def may_manage_units(user: User) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Role.agency_admin)


def may_see_ethics(user: User) -> bool:
    return is_unit_user(user) or (
        user is not None and user.is_authenticated and (_authority(user) or _is_member(user))
    )


def _is_member(user: User) -> bool:
    return user.has_role(Role.committee_member)


def waiting_badge(user: User):
    """The navigation badge: the statement counting the applications waiting for this
    user's step: the office's submitted ones, an applicant's returned ones."""
    from sqlalchemy import func

    if user is None or not user.is_authenticated:
        return 0
    waiting = or_(
        and_(
            Application.panel_id.in_(office_panel_ids(user)),
            Application.state == AppState.submitted,
        ),
        and_(
            Application.unit_id.in_(unit_ids(user, UnitRole.applicant)),
            Application.state == AppState.returned,
        ),
    )
    return select(func.count()).select_from(Application).where(waiting)
