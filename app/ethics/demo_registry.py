"""Demo data of the committee registry: in each province a unit with its own ethics
committee (seven members meeting the rules), its office account (`<code>-ethics-office`,
the demo password), registered with the province's authority last year and its reports
for last year filed — except Jiangsu's, whose reports are overdue — and a second Shanghai
committee whose legal expert's term has ended, so its composition lapsed.

Self-sufficient and idempotent: it creates what is missing, walked at past dates with
`as_of` like the rest of the demo."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.auth.passwords import DEMO_PASSWORD, hash_password
from app.committees.models import PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import ExpertInput, create_panel, register_expert, seat_expert
from app.core.calendar import CST, as_of, today
from app.ethics import annual, services
from app.ethics import registry as reg
from app.ethics.models import Unit, UnitKind
from app.extensions import db

SEATS = [
    (Category.peer, "male", SeatRole.chair),
    (Category.peer, "female", SeatRole.member),
    (Category.ethics, "female", SeatRole.member),
    (Category.ethics, "male", SeatRole.member),
    (Category.legal, "male", SeatRole.member),
    (Category.outside, "female", SeatRole.member),
    (Category.peer, "male", SeatRole.member),
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
UNITS = {
    "SH": [
        ("上海示范医学院", UnitKind.university, False),
        ("上海示范研究所", UnitKind.institute, True),
    ],
    "JS": [("江苏示范医院", UnitKind.hospital, False)],
    "ZJ": [("浙江示范大学", UnitKind.university, False)],
    "AH": [("安徽示范研究院", UnitKind.institute, False)],
}
MEASURES = "《科技伦理审查办法（试行）》"
OVERDUE = "江苏示范医院"  # its reports for last year are not filed


def demo_registry(agencies: dict[str, Agency] | None = None) -> int:
    """Creates what is missing; returns how many committees were added."""
    agencies = agencies or {a.code: a for a in db.session.scalars(select(Agency))}
    added = 0
    for code, units in UNITS.items():
        agency = agencies.get(code)
        admin = _admin(agency) if agency is not None else None
        supervisor = _supervisor(agency) if agency is not None else None
        if admin is None or supervisor is None:
            continue
        for index, (name, kind, lapses) in enumerate(units):
            if _unit(agency, name) is None:
                _committee(admin, supervisor, code, index, name, kind, lapses)
                added += 1
    db.session.commit()
    return added


def _admin(agency: Agency) -> User | None:
    return _with_role(agency, Role.agency_admin)


def _supervisor(agency: Agency) -> User | None:
    return _with_role(agency, Role.supervisor)


def _with_role(agency: Agency, role: Role) -> User | None:
    from app.auth.models import UserRole

    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.agency_id == agency.id, UserRole.role == role, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def _unit(agency: Agency, name: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.name == name))


def _committee(admin, supervisor, code, index, name, kind, lapses) -> None:
    last_year = today().year - 1
    start = today() - dt.timedelta(days=3 * 365)
    panel = create_panel(admin, PanelKind.ethics, f"{name}科技伦理委员会")
    # Set up early last year (a panel records its creation in real time).
    panel.created_at = dt.datetime(last_year, 1, 20, 10, tzinfo=CST)
    for number, (category, gender, role) in enumerate(SEATS):
        expert = register_expert(
            admin,
            ExpertInput(
                name=f"{SURNAMES[(number + index * 7) % len(SURNAMES)]}{name[:2]}委员{number + 1}",
                institution=name if number < 5 else "外单位",
                gender=gender,
                categories=[category.value],
                fields="科技伦理",
                email=None,
                phone=None,
            ),
        )
        end = start + dt.timedelta(days=4 * 365)
        if lapses and category is Category.legal:
            end = today() - dt.timedelta(days=10)  # the only legal expert's term has ended
        seat_expert(admin, panel, expert, role, category, start, end)
    unit = services.create_unit(admin, name, kind)
    services.set_unit_committee(admin, unit, panel.id)
    username = f"{code.lower()}-ethics-office{index or ''}"
    start_password = f"{secrets.token_hex(12)}-Yrd-2026!"
    office = services.add_unit_user(
        admin, unit, username, f"{name}伦理办", start_password, ["office"]
    )
    office.password_hash = hash_password(DEMO_PASSWORD)  # as every demo account
    with as_of(dt.date(last_year, 2, 20)):
        row = reg.file_registration(
            office,
            unit,
            reg.RegistrationInput(
                charter=f"《{name}科技伦理委员会章程》\n第一条 依据{MEASURES}设立本委员会。",
                contact_name=f"{name}伦理办",
                contact_phone="021-00000000",
                contact_email=None,
            ),
        )
    with as_of(dt.date(last_year, 2, 27)):
        reg.answer_registration(supervisor, row, True, None)
    if name == OVERDUE:
        return
    with as_of(dt.date(today().year, 3, 10)):
        for kind_ in ("work", "listed"):
            annual.file_report(
                office, unit, last_year, kind_, {}, {}, f"{name}{last_year}年度伦理审查工作总结。"
            )
