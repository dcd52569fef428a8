"""Demo data of the committee registry, on the ethics demo's own units (`app.ethics.demo`):
each province's university committee was set up early last year, filed by its office
(`sh-eth-office` …) and accepted by the province's supervisor, and its reports for last
year filed — except Jiangsu's, whose reports are overdue. Shanghai's committee lapsed: the
term of `sh-eth-m7` ended ten days ago, leaving six voting members, so a change is to be
filed. Zhejiang's regional review centre filed its committee lately and waits for the
authority (`zj-supervisor`) to accept it. Shanghai's listed activity approved after expert
re-review is there to register.

Idempotent: it files what is missing, walked at past dates with `as_of` like the rest of
the demo; it needs the ethics demo's units and skips those not loaded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.committees.models import Expert, PanelSeat
from app.core.calendar import CST, as_of, today
from app.ethics import annual
from app.ethics import registry as reg
from app.ethics.demo import CENTRE, UNITS
from app.ethics.models import Unit
from app.ethics.registry_models import Registration
from app.extensions import db

MEASURES = "《科技伦理审查办法（试行）》"
OVERDUE = "JS"  # its reports for last year are not filed
LAPSED = ("SH", "sh-eth-m7")  # this member's term ended: six voting members are left
# (province, unit, office login, filed: accepted last year / waiting now)
COMMITTEES = [
    *[(code, unit, f"{code.lower()}-eth-office", True) for code, (unit, _k, _c) in UNITS.items()],
    (CENTRE[0], CENTRE[1], "zj-centre-office", False),
]


def demo_registry(agencies: dict[str, Agency] | None = None) -> int:
    """Files what is missing; returns how many committees were filed."""
    agencies = agencies or {a.code: a for a in db.session.scalars(select(Agency))}
    added = 0
    for code, name, office, accepted in COMMITTEES:
        agency = agencies.get(code)
        unit = _unit(agency, name) if agency is not None else None
        supervisor = _supervisor(agency) if agency is not None else None
        office_user = _user(office)
        if unit is None or supervisor is None or office_user is None or _filed(unit):
            continue
        if code == LAPSED[0]:
            _end_term(LAPSED[1])
        if accepted:
            _registered(office_user, supervisor, unit, report=code != OVERDUE)
        else:
            unit.panel.created_at = dt.datetime.now(CST) - dt.timedelta(days=20)
            with as_of(today() - dt.timedelta(days=5)):
                _file(office_user, unit)
        added += 1
    db.session.commit()
    return added


def _supervisor(agency: Agency) -> User | None:
    from app.auth.models import UserRole

    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.agency_id == agency.id,
            UserRole.role == Role.supervisor,
            User.active.is_(True),
        )
        .order_by(User.id)
        .limit(1)
    )


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _unit(agency: Agency, name: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.name == name))


def _filed(unit: Unit) -> bool:
    return (
        db.session.scalar(select(Registration.id).where(Registration.panel_id == unit.panel_id))
        is not None
    )


def _file(office: User, unit: Unit) -> Registration:
    return reg.file_registration(
        office,
        unit,
        reg.RegistrationInput(
            charter=f"《{unit.panel.name}章程》\n第一条 依据{MEASURES}设立本委员会。",
            contact_name=f"{unit.name}伦理办",
            contact_phone="021-00000000",
            contact_email=None,
        ),
    )


def _registered(office: User, supervisor: User, unit: Unit, report: bool) -> None:
    """Set up early last year, filed and accepted within the month; last year's reports
    filed in March."""
    last_year = today().year - 1
    # The demo's committees are made today; their set-up is the registry's history.
    unit.panel.created_at = dt.datetime(last_year, 1, 20, 10, tzinfo=CST)
    with as_of(dt.date(last_year, 2, 12)):
        row = _file(office, unit)
    with as_of(dt.date(last_year, 2, 19)):
        reg.answer_registration(supervisor, row, True, None)
    if not report:
        return
    with as_of(dt.date(today().year, 3, 10)):
        for kind in ("work", "listed"):
            annual.file_report(
                office,
                unit,
                last_year,
                kind,
                {},
                {},
                f"{unit.panel.name}{last_year}年度伦理审查工作总结。",
            )


def _end_term(username: str) -> None:
    """The member's term as filed ends ten days ago: when it ran out the committee fell
    below its rules and a change is to be filed (set before the committee is filed, so the
    registration holds that term)."""
    seat = db.session.scalar(
        select(PanelSeat)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .join(User, User.id == Expert.user_id)
        .where(User.username == username)
    )
    if seat is not None:
        seat.term_end = today() - dt.timedelta(days=10)
