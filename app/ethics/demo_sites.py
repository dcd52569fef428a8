"""Demo of collaborative review: a multi-site activity led by a Shanghai unit, whose own
ethics committee reviews it in full and approves, with a Jiangsu unit's committee (on the
same deployment) as its site, waiting to confirm. Built through the real services; a
second run finds the lead unit and adds nothing. Every account signs in with the demo
password: `sh-eth-applicant`, `sh-eth-office`, `js-eth-office`, the members `sh-eth-m1`…"""

from __future__ import annotations

import datetime as dt
import io
import secrets

from sqlalchemy import select

from app.auth.models import Agency, User
from app.auth.passwords import DEMO_PASSWORD, hash_password
from app.committees.models import PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import (
    ExpertInput,
    create_panel,
    link_expert_account,
    register_expert,
    seat_expert,
)
from app.core.calendar import today
from app.ethics import reviewing, services, sites
from app.ethics.models import Unit, UnitKind
from app.extensions import db

LEAD_UNIT = "上海示范医学院"
SITE_UNIT = "江苏示范医院"
MEMBERS = [
    ("周明", Category.peer, "male"),
    ("陈静", Category.ethics, "female"),
    ("王磊", Category.legal, "male"),
    ("李娟", Category.outside, "female"),
    ("赵强", Category.peer, "male"),
    ("孙丽", Category.ethics, "female"),
    ("吴涛", Category.peer, "male"),
]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXTS = {
    "purpose": "评估新型降压药在多中心人群中的安全性与有效性",
    "significance": "为长三角地区高血压患者提供循证依据",
    "necessity": "单中心样本不足以回答研究问题",
    "earlier_reviews": "无",
    "plan": "多中心随机对照试验，上海牵头，江苏参与",
    "risks": "低血压、头晕",
    "controls": "每周随访，设独立数据安全监查委员会",
    "emergency_plan": "发生严重不良事件24小时内报告并处置",
    "publication": "结果公开发表，数据去标识化共享",
    "institutions": f"{LEAD_UNIT}（牵头）、{SITE_UNIT}",
    "staff": "研究者均受过GCP与伦理培训",
    "funding": "上海市科技计划项目",
    "conflict_statement": "研究者声明无利益冲突",
    "sources": "门诊招募的成年志愿者",
}


def _once() -> str:
    """A throwaway strong password: the accounts' demo password is set as a hash after."""
    return secrets.token_urlsafe(18) + "Aa1!"


def _user(agency: Agency, username: str, name: str, password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=name, agency=agency)
        user.set_roles([])
        db.session.add(user)
    user.password_hash = password_hash
    db.session.flush()
    return user


def _committee(admin: User, agency: Agency, password_hash: str):
    start = today() - dt.timedelta(days=365)
    end = start + dt.timedelta(days=4 * 365)
    panel = create_panel(admin, PanelKind.ethics, f"{LEAD_UNIT}科技伦理委员会")
    members = []
    for index, (name, category, gender) in enumerate(MEMBERS):
        expert = register_expert(
            admin,
            ExpertInput(
                name=name,
                institution=LEAD_UNIT if index else "上海某律师事务所",
                gender=gender,
                categories=[category.value],
                fields="医学伦理",
                email=None,
                phone=None,
            ),
        )
        account = _user(agency, f"sh-eth-m{index + 1}", name, password_hash)
        link_expert_account(admin, expert, account)
        seat_expert(
            admin,
            panel,
            expert,
            SeatRole.chair if index == 0 else SeatRole.member,
            category,
            start,
            end,
        )
        members.append(account)
    return panel, members


def demo_sites(agencies: dict[str, Agency], users: dict[str, User]) -> None:
    if db.session.scalar(select(Unit.id).where(Unit.name == LEAD_UNIT)) is not None:
        return
    password_hash = hash_password(DEMO_PASSWORD)
    sh_admin, js_admin = users["sh-admin"], users["js-admin"]
    panel, members = _committee(sh_admin, agencies["SH"], password_hash)
    lead = services.create_unit(sh_admin, LEAD_UNIT, UnitKind.university)
    services.set_unit_committee(sh_admin, lead, panel.id)
    applicant = services.add_unit_user(
        sh_admin, lead, "sh-eth-applicant", "刘研究员", _once(), ["applicant"]
    )
    office = services.add_unit_user(
        sh_admin, lead, "sh-eth-office", "上海示范医学院伦理办公室", _once(), ["office"]
    )
    js_panel = create_panel(js_admin, PanelKind.ethics, f"{SITE_UNIT}医学伦理委员会")
    site_unit = services.create_unit(js_admin, SITE_UNIT, UnitKind.hospital)
    services.set_unit_committee(js_admin, site_unit, js_panel.id)
    js_office = services.add_unit_user(
        js_admin, site_unit, "js-eth-office", "江苏示范医院伦理办公室", _once(), ["office"]
    )
    for user in (applicant, office, js_office):
        user.password_hash = password_hash  # the demo password, set as the demo's panels do
    application = _application(applicant, office)
    sites.add_local_site(office, application, site_unit.id)
    _review(office, members, application)
    db.session.commit()


def _application(applicant: User, office: User):
    title = "新型降压药多中心临床研究"
    application = services.create_application(applicant, title)
    services.update_application(
        applicant,
        application,
        {"title": title, **TEXTS, "multi_site": "1", "lead_unit": LEAD_UNIT},
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
