"""An authority with two research units: unit A has its own ethics committee (seven members
covering the categories and both genders, plus a consultant), unit B entrusts it in writing;
their applicants and A's committee office; the authority's supervisor; another province's."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest

from app.committees.models import PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import (
    ExpertInput,
    create_panel,
    link_expert_account,
    register_expert,
    seat_expert,
)
from app.ethics import services
from app.ethics.models import UnitKind
from tests.conftest import password_hash

START, END = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
CATS = [Category.peer, Category.ethics, Category.legal, Category.outside]
PASSWORD = "Ethics-Review-2026!"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200

TEXTS = {
    "purpose": "评估新型疫苗的安全性",
    "significance": "公共卫生意义重大",
    "necessity": "无替代方法",
    "earlier_reviews": "无",
    "plan": "随机对照试验",
    "risks": "注射部位反应",
    "controls": "专人监测",
    "emergency_plan": "急救预案",
    "publication": "公开发表",
    "institutions": "甲大学",
    "staff": "研究者均受过伦理培训",
    "funding": "国家自然科学基金",
    "conflict_statement": "无利益冲突",
    "sources": "志愿者样本",
}


def upload(data: bytes = PDF, name: str = "file.pdf") -> services.Upload:
    return services.Upload(io.BytesIO(data), name)


def _seat(admin, make_user, panel, name, institution, gender, cat, role, agency="SH"):
    """An expert with an account of the test password (linked, so seating makes none)."""
    person = register_expert(
        admin,
        ExpertInput(
            name=name,
            institution=institution,
            gender=gender,
            categories=[cat.value],
            fields="医学伦理",
            email=None,
            phone=None,
        ),
    )
    link_expert_account(admin, person, make_user(agency, roles=("committee_member",)))
    seat_expert(admin, panel, person, role, cat, START, END)
    return person.user


@pytest.fixture
def world(db, make_user):
    return build_world(make_user)


def build_world(make_user, admin=None, supervisor=None, other_province=None, js_admin=None):
    """The ethics world, through the real services (the HTML access matrix builds it too,
    with its own people)."""
    from app.extensions import db

    admin = admin or make_user("SH", roles=("agency_admin",))
    panel = create_panel(admin, PanelKind.ethics, "甲大学科技伦理委员会")
    members = [
        _seat(
            admin,
            make_user,
            panel,
            f"伦理委员{i}",
            "甲大学" if i else "乙医院",
            ("female", "male")[i % 2],
            CATS[i % 4],
            SeatRole.chair if i == 0 else SeatRole.member,
        )
        for i in range(7)
    ]
    consultant = _seat(
        admin, make_user, panel, "独立顾问", "丙所", "male", Category.peer, SeatRole.consultant
    )
    unit_a = services.create_unit(admin, "甲大学", UnitKind.university)
    services.set_unit_committee(admin, unit_a, panel.id)
    unit_b = services.create_unit(admin, "乙医院", UnitKind.hospital)
    services.entrust(
        admin, unit_b, panel.id, "全部涉及人的生命科学研究", "委托〔2026〕1号", START, END
    )

    def unit_user(unit, name, *roles):
        user = services.add_unit_user(admin, unit, name, name, PASSWORD, roles)
        user.password_hash = password_hash()
        return user

    w = SimpleNamespace(
        admin=admin,
        panel=panel,
        members=members,
        consultant=consultant,
        unit_a=unit_a,
        unit_b=unit_b,
        applicant=unit_user(unit_a, "a-applicant", "applicant"),
        other_applicant=unit_user(unit_b, "b-applicant", "applicant"),
        office=unit_user(unit_a, "a-office", "office"),
        supervisor=supervisor or make_user("SH", roles=("supervisor",)),
        other_province=other_province or make_user("JS", roles=("supervisor",)),
        js_admin=js_admin or make_user("JS", roles=("agency_admin",)),
    )
    db.session.flush()
    return w


def filled(world, applicant=None, title="疫苗安全性研究"):
    """A draft with every required item: text and the two required files."""
    applicant = applicant or world.applicant
    application = services.create_application(applicant, title)
    services.update_application(applicant, application, {"title": title, **TEXTS})
    services.add_attachment(applicant, application, "consent_form", upload(name="知情同意书.pdf"))
    services.add_attachment(applicant, application, "pledge", upload(PDF + b"%1", "承诺书.pdf"))
    return application


def accepted(world, procedure="general", members=None):
    from app.ethics import reviewing

    application = filled(world)
    services.submit_application(world.applicant, application)
    services.accept_application(world.office, application, procedure)
    reviewing.open_review(application, members)
    return application
