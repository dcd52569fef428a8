"""Demo ethics review, driven through the services so every state is a real one.

Each province has a research unit with its own ethics committee (seven members covering the
categories and both genders, a consultant), an applicant and the committee office; Zhejiang
also has its regional review centre (区域性科技伦理审查中心), entrusted in writing by a firm.
Applications stand in every state: a draft, submitted, returned with a missing-items notice,
accepted under each procedure, in review, decided with each decision type (letters rendered
in the background), appealed; a listed activity went through expert re-review with experts
of Shanghai and Jiangsu; Anhui's listed activity waits for its authority to form the panel;
one follow-up is overdue and one falls due soon. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.auth.passwords import DEMO_PASSWORD, hash_password, one_time_password
from app.committees.models import PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import (
    ExpertInput,
    create_panel,
    link_expert_account,
    register_expert,
    seat_expert,
)
from app.core.calendar import as_of, today
from app.ethics import appeals, followup, reviewing, services
from app.ethics import rereview as rr
from app.ethics.models import Unit, UnitKind
from app.extensions import db

# code: (unit, kind, committee)
UNITS = {
    "SH": ("上海交通大学医学院", UnitKind.university, "上海交通大学医学院科技伦理委员会"),
    "JS": ("南京医科大学", UnitKind.university, "南京医科大学科技伦理委员会"),
    "ZJ": ("浙江大学", UnitKind.university, "浙江大学科技伦理委员会"),
    "AH": ("安徽医科大学", UnitKind.university, "安徽医科大学科技伦理委员会"),
}
CENTRE = ("ZJ", "浙江省区域性科技伦理审查中心", "浙江省区域性科技伦理审查中心伦理委员会")
FIRM = ("ZJ", "杭州清源生物科技有限公司")
# The committee's seats: (category, gender); the first is the chair, the last the consultant.
SEATS = [
    (Category.peer, "male"),
    (Category.ethics, "female"),
    (Category.legal, "male"),
    (Category.outside, "female"),
    (Category.peer, "female"),
    (Category.ethics, "male"),
    (Category.peer, "male"),
    (Category.ethics, "female"),
]
MEMBER_NAMES = ["周", "吴", "郑", "王", "冯", "陈", "褚", "卫"]
# The regional pool's re-review experts: (code, category) — Shanghai's and Jiangsu's.
REREVIEW_EXPERTS = [
    ("SH", Category.peer),
    ("SH", Category.ethics),
    ("SH", Category.legal),
    ("JS", Category.ethics),
    ("JS", Category.legal),
]
LISTED = (
    "YRD-L-01",
    "涉及人类遗传资源的新技术临床研究",
    "New clinical techniques on human genetic resources",
)

TEXTS = {
    "purpose": "评估新型干预措施在目标人群中的安全性和有效性。",
    "significance": "可为相关疾病的防治提供循证依据。",
    "necessity": "现有研究尚不能回答该问题，无替代方法。",
    "earlier_reviews": "无",
    "plan": "多中心随机对照试验，计划纳入受试者200例。",
    "risks": "采血及干预可能带来轻微不适和隐私风险。",
    "controls": "专人监测不良事件，数据去标识化存储。",
    "emergency_plan": "设立急救预案和受试者保险。",
    "publication": "研究结果在同行评议期刊公开发表。",
    "institutions": "本单位及合作医院。",
    "staff": "主要研究者均具有高级职称并完成伦理培训。",
    "funding": "国家自然科学基金。",
    "conflict_statement": "研究团队声明无利益冲突。",
    "sources": "志愿者血液样本，经知情同意采集。",
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Printed by `flask demo-logins`: (username pattern, what the account is).
LOGINS = [
    ("{p}-eth-applicant", "ethics applicant of the unit"),
    ("{p}-eth-office", "ethics committee office of the unit"),
    ("{p}-eth-m1 … {p}-eth-m7, {p}-eth-consultant", "the unit's ethics committee, m1 chairs"),
]
EXTRA_LOGINS = [
    (
        "zj-centre-office, zj-centre-m1 … zj-centre-m7, zj-centre-consultant",
        "Zhejiang's regional review centre",
    ),
    ("zj-firm-applicant", "a firm that entrusts the centre"),
    ("sh-rr-1 … sh-rr-3, js-rr-1, js-rr-2", "expert re-review panel"),
    (
        "sh-eth-office, js-eth-office, zj-eth-office, ah-eth-office, zj-centre-office",
        "also their committees' registry filings and annual reports; zj-supervisor has the"
        " centre's filing to accept",
    ),
    (
        "js-eth-m1, js-eth-m2, zj-eth-m1, zj-eth-m2",
        "named to confirm the multi-site activity for their committees (js-eth-m2 has yet to)",
    ),
]


def demo_logins() -> list[str]:
    """Lines for `flask demo-logins`."""
    lines = [
        "  ethics review: " + "; ".join(f"{u.format(p='sh')} ({what})" for u, what in LOGINS),
        "    (likewise js-, zj-, ah-)",
    ]
    lines += [f"    {names} ({what})" for names, what in EXTRA_LOGINS]
    return lines


class _Demo:
    def __init__(self, agencies: dict[str, Agency], users: dict[str, User]):
        self.agencies = agencies
        self.users = users
        self.password_hash = hash_password(DEMO_PASSWORD)
        # Terms of four years, begun the year before last: the registry demo files the
        # committees early last year (`app.ethics.demo_registry`).
        self.start = dt.date(today().year - 2, 1, 1)
        self.end = dt.date(today().year + 1, 12, 31)

    def admin(self, code: str) -> User:
        return self.users[f"{code.lower()}-admin"]

    def account(self, code: str, username: str, name: str) -> User:
        user = User(
            username=username,
            display_name=name,
            agency=self.agencies[code],
            password_hash=self.password_hash,
        )
        user.set_roles([Role.committee_member])
        db.session.add(user)
        db.session.flush()
        return user

    def expert(self, code, username, name, institution, category, gender):
        expert = register_expert(
            self.admin(code),
            ExpertInput(
                name=name,
                institution=institution,
                gender=gender,
                categories=[category.value],
                fields="科技伦理",
                email=f"{username}@{code.lower()}.example.cn",
                phone=None,
            ),
        )
        link_expert_account(self.admin(code), expert, self.account(code, username, name))
        return expert

    def committee(self, code: str, prefix: str, name: str, institution: str):
        """An ethics committee of eight seats, each expert with a demo login."""
        admin = self.admin(code)
        panel = create_panel(admin, PanelKind.ethics, name)
        members = []
        for n, (category, gender) in enumerate(SEATS, start=1):
            consultant = n == len(SEATS)
            username = f"{prefix}-consultant" if consultant else f"{prefix}-m{n}"
            # The member from outside the unit says so (the registry files inside/outside).
            of = "社区居民代表" if category is Category.outside else institution
            person = self.expert(code, username, f"{MEMBER_NAMES[n - 1]}委员", of, category, gender)
            role = (
                SeatRole.consultant
                if consultant
                else (SeatRole.chair if n == 1 else SeatRole.member)
            )
            seat_expert(admin, panel, person, role, category, self.start, self.end)
            members.append(person.user)
        return panel, members

    def unit_user(self, unit: Unit, username: str, name: str, role: str) -> User:
        # Made with a throw-away password (the demo password is refused outside demo mode),
        # then given the demo password like every demo account.
        throwaway = one_time_password(username=username, display_name=name)
        user = services.add_unit_user(
            self.admin(unit.agency.code), unit, username, name, throwaway, [role]
        )
        user.password_hash = self.password_hash
        return user


def demo_ethics(agencies: dict[str, Agency], users: dict[str, User]) -> bool:
    """Loads the ethics demo once; returns whether anything was added."""
    first = db.session.scalar(select(Unit).where(Unit.name == UNITS["SH"][0]))
    if first is not None:
        return False
    demo = _Demo(agencies, users)
    sites = {}
    for code, (unit_name, kind, committee_name) in UNITS.items():
        unit = services.create_unit(demo.admin(code), unit_name, kind)
        panel, members = demo.committee(code, f"{code.lower()}-eth", committee_name, unit_name)
        services.set_unit_committee(demo.admin(code), unit, panel.id)
        sites[code] = _Site(
            unit,
            members,
            demo.unit_user(
                unit, f"{code.lower()}-eth-applicant", f"{unit_name}研究者", "applicant"
            ),
            demo.unit_user(unit, f"{code.lower()}-eth-office", f"{unit_name}伦理办", "office"),
        )
    sites["centre"], sites["firm"] = _centre_and_firm(demo)
    listed = services.add_listed_activity(demo.admin("SH"), *LISTED)
    db.session.flush()
    _applications(demo, sites, listed)
    db.session.flush()
    return True


class _Site:
    def __init__(self, unit, members, applicant, office):
        self.unit, self.members, self.applicant, self.office = unit, members, applicant, office


def _centre_and_firm(demo: _Demo):
    """Zhejiang's regional review centre, and a firm that entrusts it in writing (art. 13)."""
    code, centre_name, committee_name = CENTRE
    admin = demo.admin(code)
    centre = services.create_unit(admin, centre_name, UnitKind.centre)
    panel, members = demo.committee(code, "zj-centre", committee_name, centre_name)
    services.set_unit_committee(admin, centre, panel.id)
    office = demo.unit_user(centre, "zj-centre-office", "审查中心办公室", "office")
    firm = services.create_unit(admin, FIRM[1], UnitKind.firm)
    services.entrust(
        admin,
        firm,
        panel.id,
        "本公司开展的涉及人的生命科学和医学研究",
        "浙伦委托〔2026〕3号",
        demo.start,
        demo.end,
    )
    applicant = demo.unit_user(firm, "zj-firm-applicant", "清源生物研究员", "applicant")
    return _Site(centre, members, None, office), _Site(firm, members, applicant, office)


def _filled(site: _Site, title: str, **flags):
    application = services.create_application(site.applicant, title)
    services.update_application(site.applicant, application, {"title": title, **TEXTS, **flags})
    services.add_attachment(
        site.applicant,
        application,
        "consent_form",
        services.Upload(io.BytesIO(PDF + title.encode()), "知情同意书.pdf"),
    )
    services.add_attachment(
        site.applicant,
        application,
        "pledge",
        services.Upload(io.BytesIO(PDF + b"%pledge " + title.encode()), "诚信承诺书.pdf"),
    )
    return application


def _accepted(site: _Site, title: str, procedure="general", named=None, **flags):
    application = _filled(site, title, **flags)
    services.submit_application(site.applicant, application)
    services.accept_application(site.office, application, procedure)
    reviewing.open_review(application, named)
    return application


def _meeting(site: _Site, application, decision: str, reasons: str, against: int = 0):
    """A meeting of six of the seven members (one declares a conflict and is recused),
    the consultant advising; the decision is put, voted and taken by the count."""
    reviewing.propose(site.office, application, decision, today().isoformat())
    present = []
    for n, user in enumerate(site.members[:7]):
        if n == 6:
            reviewing.declare(user, application, True, "与申请人同一课题组")
            continue
        reviewing.declare(user, application, False)
        choice = "return" if n >= 6 - against else "endorse"
        reviewing.vote(user, application, choice, "同意" if choice == "endorse" else "不同意")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(site.office, application, present)
    reviewing.close_review(
        site.office, application, reasons, minutes="会议审议了研究方案、知情同意书和风险控制措施。"
    )


def _applications(demo: _Demo, sites: dict, listed) -> None:
    sh, js, zj, ah = sites["SH"], sites["JS"], sites["ZJ"], sites["AH"]
    # Shanghai: the early states and the review under way.
    draft = services.create_application(sh.applicant, "老年认知障碍早期筛查研究")
    services.update_application(
        sh.applicant, draft, {"title": draft.title, "purpose": TEXTS["purpose"]}
    )
    services.submit_application(sh.applicant, _filled(sh, "肠道菌群与代谢疾病队列研究"))
    returned = _filled(sh, "儿童哮喘基因关联研究")
    services.submit_application(sh.applicant, returned)
    services.return_application(
        sh.office,
        returned,
        ["funding", "consent_form"],
        "请补充经费来源证明，并提供儿童及监护人两个版本的知情同意书。",
    )
    _accepted(sh, "新型降压药物Ⅱ期临床试验", "general")
    simplified = _filled(sh, "已批准方案的样本量修正")
    services.submit_application(sh.applicant, simplified)
    services.accept_application(sh.office, simplified, "simplified")
    named = [s.id for s in simplified.panel.seats if s.expert.user in sh.members[1:3]]
    reviewing.open_review(simplified, named)
    reviewing.propose(sh.office, simplified, "approve")
    reviewing.declare(sh.members[1], simplified, False)
    reviewing.vote(sh.members[1], simplified, "endorse", "修正内容风险可控")
    _accepted(sh, "突发传染病快速诊断试剂评价", "emergency")
    in_review = _accepted(sh, "脑机接口辅助康复临床研究")
    reviewing.propose(sh.office, in_review, "approve_modified", today().isoformat())
    for n, user in enumerate(sh.members[:4]):
        reviewing.declare(user, in_review, n == 3, "本人为合作单位研究者" if n == 3 else None)
        if n < 2:
            reviewing.vote(user, in_review, "endorse", "建议修改知情同意书后批准")
    _rereviewed(demo, sh, listed)
    # Jiangsu: every decision type, an appeal, the follow-ups.
    approved = _accepted(js, "社区高血压综合干预研究")
    _meeting(js, approved, "approve", "方案科学，风险可控，知情同意充分。")
    modified = _accepted(js, "可穿戴设备睡眠监测研究")
    _meeting(js, modified, "approve_modified", "修改隐私保护条款后批准。")
    resubmit = _accepted(js, "新生儿遗传代谢病筛查新方法研究")
    _meeting(js, resubmit, "modify_resubmit", "风险评估不充分，修改后重新提交审查。")
    refused = _accepted(js, "精神疾病患者药物洗脱期研究")
    _meeting(js, refused, "disapprove", "洗脱期风险超出可接受范围。")
    appeals.lodge_appeal(js.applicant, refused, "洗脱期已由独立医师全程监护，请求委员会重新审查。")
    overdue = _accepted(js, "糖尿病足创面修复材料研究")
    _meeting(js, overdue, "approve", "风险可控。")
    with as_of(today() - dt.timedelta(days=75)):
        followup.set_interval(js.office, overdue, 2)  # due about two weeks ago
    due_soon = _accepted(js, "慢性肾病患者运动干预研究")
    _meeting(js, due_soon, "approve", "风险可控。")
    with as_of(today() - dt.timedelta(days=52)):
        followup.set_interval(js.office, due_soon, 2)  # due in about a week
    followup.file_followup(js.applicant, due_soon, "amendment", "增加一个随访时间点。")
    # Zhejiang: an approval at the university, and the firm's entrusted review at the centre.
    zj_approved = _accepted(zj, "人工智能辅助影像诊断研究")
    _meeting(zj, zj_approved, "approve", "数据合规，风险可控。")
    entrusted = _accepted(sites["firm"], "细胞治疗产品临床前转化研究")
    _meeting(sites["centre"], entrusted, "approve_modified", "补充细胞来源证明后批准。")
    # Anhui: a submitted application, and a listed activity waiting for its panel.
    services.submit_application(ah.applicant, _filled(ah, "中药注射剂安全性再评价"))
    waiting = _accepted(ah, "异种器官移植前期研究", listed_id=str(listed.id))
    _meeting(ah, waiting, "approve", "初步同意，报请专家复核。")
    rr.file_rereview(ah.applicant, waiting)


def _rereviewed(demo: _Demo, sh: _Site, listed) -> None:
    """A listed activity: preliminary approval, re-review by experts of two provinces,
    then the committee's decision."""
    application = _accepted(sh, "人类遗传资源基因编辑治疗研究", listed_id=str(listed.id))
    _meeting(sh, application, "approve_modified", "初步同意，修改后批准，报请专家复核。")
    review = rr.file_rereview(sh.applicant, application)
    db.session.flush()
    experts = []
    counts: dict[str, int] = {}
    for code, category in REREVIEW_EXPERTS:
        counts[code] = counts.get(code, 0) + 1
        username = f"{code.lower()}-rr-{counts[code]}"
        experts.append(
            demo.expert(
                code,
                username,
                f"复核专家{code}{counts[code]}",
                f"{demo.agencies[code].name_zh[:2]}科技伦理研究院",
                category,
                "female" if counts[code] % 2 else "male",
            )
        )
    supervisor = demo.users["sh-supervisor"]
    rr.form_panel(supervisor, review, [(e.id, e.categories[0]) for e in experts])
    for expert in experts:
        if expert.agency_id != review.agency_id:
            rr.answer_seat(expert.user, review, True)
        rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "风险控制措施可行，同意委员会初步审查意见。")
    rr.close_rereview(supervisor, review, "专家组一致同意初步审查意见。")
    rr.issue_after_rereview(sh.office, application, "经专家复核同意，修改后批准。")
