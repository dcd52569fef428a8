"""Demo of collaborative review, on the units of the ethics demo (`app.ethics.demo`): a
multi-site activity led by the Shanghai unit, whose own ethics committee reviews it in full
and approves, with two sites on the same deployment that confirm by the simplified
procedure. Jiangsu's office named `js-eth-m1` and `js-eth-m2`: m1 declared and recognised,
m2 still has to (a to-do for them). Zhejiang's office named `zj-eth-m1` and `zj-eth-m2`,
who both recognised, so that site is confirmed. Built through the real services; each step
is added once (a second run adds nothing). The accounts are the ethics demo's:
`sh-eth-applicant`, `sh-eth-office`, `js-eth-office`, `zj-eth-office`, the members."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.auth.models import User
from app.committees.models import Expert, PanelSeat
from app.committees.rules import SeatRole
from app.core.calendar import today
from app.ethics import reviewing, services, site_review, sites
from app.ethics.demo import UNITS
from app.ethics.models import Application, Unit
from app.ethics.site_models import Site
from app.extensions import db

TITLE = "新型降压药多中心临床研究"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXTS = {
    "purpose": "评估新型降压药在多中心人群中的安全性与有效性",
    "significance": "为长三角地区高血压患者提供循证依据",
    "necessity": "单中心样本不足以回答研究问题",
    "earlier_reviews": "无",
    "plan": "多中心随机对照试验，上海牵头，江苏、浙江参与",
    "risks": "低血压、头晕",
    "controls": "每周随访，设独立数据安全监查委员会",
    "emergency_plan": "发生严重不良事件24小时内报告并处置",
    "publication": "结果公开发表，数据去标识化共享",
    "institutions": f"{UNITS['SH'][0]}（牵头）、{UNITS['JS'][0]}、{UNITS['ZJ'][0]}",
    "staff": "研究者均受过GCP与伦理培训",
    "funding": "上海市科技计划项目",
    "conflict_statement": "研究者声明无利益冲突",
    "sources": "门诊招募的成年志愿者",
}


# Each site's simplified procedure: (province, the members named, how many have answered).
PROCEDURES = (("JS", ("js-eth-m1", "js-eth-m2"), 1), ("ZJ", ("zj-eth-m1", "zj-eth-m2"), 2))


def demo_sites() -> bool:
    """Adds what is missing of the multi-site activity once the ethics demo's units exist;
    returns whether it added anything."""
    lead = _unit("SH")
    if lead is None or any(_unit(code) is None for code, _m, _n in PROCEDURES):
        return False
    added = False
    application = db.session.scalar(select(Application).where(Application.title == TITLE))
    if application is None:
        application = _decided(lead)
        added = True
    for code, usernames, answered in PROCEDURES:
        site = _site(application, _unit(code))
        if site is None:
            site = sites.add_local_site(_account("sh-eth-office"), application, _unit(code).id)
            added = True
        if not site_review.members_of(site):
            _simplified(site, f"{code.lower()}-eth-office", usernames, answered)
            added = True
    db.session.commit()
    return added


def _decided(lead: Unit) -> Application:
    """The application, its first site (Jiangsu) and the lead committee's approval."""
    applicant, office = _account("sh-eth-applicant"), _account("sh-eth-office")
    members = list(
        db.session.scalars(
            select(User)
            .join(Expert, Expert.user_id == User.id)
            .join(PanelSeat, PanelSeat.expert_id == Expert.id)
            .where(PanelSeat.panel_id == lead.panel_id, PanelSeat.role != SeatRole.consultant)
            .order_by(PanelSeat.id)
        )
    )
    application = _application(applicant, office)
    sites.add_local_site(office, application, _unit("JS").id)
    _review(office, members, application)
    return application


def _site(application: Application, unit: Unit) -> Site | None:
    return db.session.scalar(
        select(Site).where(Site.application_id == application.id, Site.panel_id == unit.panel_id)
    )


def _simplified(site: Site, office: str, usernames, answered: int) -> None:
    """The site's office names its members; the first `answered` declare and recognise."""
    members = [_account(name) for name in usernames]
    seats = db.session.scalars(
        select(PanelSeat.id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(PanelSeat.panel_id == site.panel_id, Expert.user_id.in_([m.id for m in members]))
    ).all()
    site_review.name_members(_account(office), site, list(seats))
    for member in members[:answered]:
        site_review.declare(member, site, False)
        site_review.answer(member, site, "recognised")


def _unit(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.name == UNITS[code][0]))


def _account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _application(applicant: User, office: User):
    title = TITLE
    application = services.create_application(applicant, title)
    services.update_application(
        applicant,
        application,
        {"title": title, **TEXTS, "multi_site": "1", "lead_unit": UNITS["SH"][0]},
    )
    for item, name, extra in (
        ("consent_form", "知情同意书.pdf", b""),
        ("pledge", "承诺书.pdf", b"%1"),
    ):
        services.add_attachment(
            applicant, application, item, services.Upload(io.BytesIO(PDF + extra), name)
        )
    services.submit_application(applicant, application)
    services.accept_application(office, application, "general")
    reviewing.open_review(application)
    return application


def _review(office: User, members: list[User], application) -> None:
    reviewing.propose(office, application, "approve", today().isoformat())
    present = []
    for user in members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(office, application, present)
    reviewing.close_review(office, application, "风险可控，同意开展多中心研究")
