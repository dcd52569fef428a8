"""Loads the demo: agencies, demo users, and cases walked through the real workflow."""

from __future__ import annotations

import datetime as dt
import random

import pyotp
from sqlalchemy import func, select

from app.auth import totp
from app.auth.agencies import platform_agency
from app.auth.models import Agency, DeadlinePolicy, Role, User
from app.auth.passwords import DEMO_PASSWORD, hash_password
from app.cases.models import (
    DECIDED_STATES,
    TERMINAL_STATES,
    Case,
    CaseSource,
    CaseState,
    FindingOutcome,
    MisconductType,
    PartyType,
    SanctionType,
    Severity,
)
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    register_case,
)
from app.committees.material import mark_note_for_panel
from app.committees.queries import open_review_of
from app.core.calendar import as_of, today
from app.demo import data, scenario
from app.demo.committees import ensure_demo_panels
from app.demo.conduct import progress_review
from app.extensions import db
from app.notes.services import NoteInput, add_note

DEMO_DAYS = 720  # the two years the demo's concluded cases spread over

REASONS = {
    "not_accept": "举报内容不属于本机关管辖范围且缺乏具体线索。",
    "transfer_case": "被举报人所在单位属地管辖，依规移送。",
    "open_investigation": "初核认为举报线索具体，符合立案条件。",
    "suspend_investigation": "关键证人出国访学，调查暂时无法进行。",
    "terminate_investigation": "被举报人已去世，依规终止调查。",
    "committee": "学术委员会审议同意调查组认定意见。",
    "request_review": "被处理人对处理决定不服，申请复查。",
}


def ensure_agencies() -> dict[str, Agency]:
    agencies = {}
    for code, zh, en in data.AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            agency = Agency(code=code, name_zh=zh, name_en=en)
            agency.policy = DeadlinePolicy()
            db.session.add(agency)
        agencies[code] = agency
    db.session.flush()
    return agencies


def ensure_demo_users(agencies: dict[str, Agency]) -> dict[str, User]:
    users = {}
    password_hash = hash_password(DEMO_PASSWORD)
    for code, agency in agencies.items():
        prefix = code.lower()
        for suffix, title, roles in data.DEMO_USERS:
            username = f"{prefix}-{suffix}"
            users[username] = scenario.ensure_account(agency, username, title, roles, password_hash)
    sysadmin = db.session.scalar(select(User).where(User.username == "sysadmin"))
    if sysadmin is None:
        sysadmin = User(
            username="sysadmin",
            display_name="平台运维",
            agency=platform_agency(),
            password_hash=password_hash,
        )
        sysadmin.set_roles([Role.sysadmin])
        db.session.add(sysadmin)
    users["sysadmin"] = sysadmin
    db.session.flush()
    return users


def ensure_demo_second_factor(agencies: dict[str, Agency], users: dict[str, User]) -> None:
    """The demo stays password-only, but for one account that shows the second factor;
    `flask demo-logins` prints its secret and current code."""
    for agency in [*agencies.values(), platform_agency()]:
        agency.policy.totp_required = False
    user = users[data.DEMO_TOTP_USER]
    if totp.is_enrolled(user):
        return
    row = totp.start_enrolment(user)
    totp.confirm_enrolment(user, pyotp.TOTP(row.secret).now(), DEMO_PASSWORD)


def load_demo(seed: int = 2026) -> int:
    """Creates what is missing; returns how many cases were added."""
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    ensure_demo_second_factor(agencies, users)
    ensure_demo_panels(agencies, users)
    if db.session.scalar(select(func.count()).select_from(Case)):
        return 0
    rng = random.Random(seed)
    plan = [state for state, n in data.STATE_SPREAD.items() for _ in range(n)]
    rng.shuffle(plan)
    codes = list(agencies)
    # The first decided case of the plan is the one against two respondents.
    pair = next((i for i, state in enumerate(plan) if state in DECIDED_STATES), None)
    for index, state in enumerate(plan):
        code = codes[index % len(codes)]
        if index == pair:
            _demo_two_respondents(agencies[code], users, state)
        else:
            _demo_case(rng, agencies[code], users, state)
        if index % 20 == 19:
            db.session.commit()
    _demo_accept_transfer(users)
    publications = _demo_records(agencies, users)
    from app.joint.demo import demo_joint

    demo_joint(agencies, users)
    from app.reports.demo import demo_reports as demo_integrity_reports

    demo_integrity_reports(users)
    from app.reporting.demo import demo_reports as demo_online_reports

    demo_online_reports(agencies, users)
    db.session.commit()
    from app.documents.demo import demo_documents

    demo_documents(agencies, users)
    for publication in publications:
        publication.dispatch()
    from app.screening.demo import demo_screening

    demo_screening(users["zj-screener"])
    db.session.commit()
    return len(plan)


def load_ethics_demo() -> bool:
    """The ethics review's demo (research units, applications in every state, a multi-site
    activity, the committee registry), beside the cases' own; creates what is missing and
    returns whether anything was added."""
    from app.ethics.demo import demo_ethics
    from app.ethics.demo_registry import demo_registry
    from app.ethics.demo_sites import demo_sites

    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    added = demo_ethics(agencies, users)
    added = demo_sites() or added
    added = bool(demo_registry(agencies)) or added
    db.session.commit()
    return added


def _demo_accept_transfer(users: dict[str, User]) -> None:
    """The oldest offered transfer is accepted by the receiving supervisor, so the demo shows
    a completed transfer beside those still waiting for an answer."""
    from app.cases.models import CaseTransfer, TransferState
    from app.cases.transfers import accept_transfer

    transfer = db.session.scalar(
        select(CaseTransfer)
        .where(CaseTransfer.state == TransferState.pending)
        .order_by(CaseTransfer.id)
        .limit(1)
    )
    if transfer is not None:
        accept_transfer(transfer, users[f"{transfer.to_agency.code.lower()}-supervisor"])


def _demo_records(agencies: dict[str, Agency], users: dict[str, User]) -> list:
    """Per agency, one integrity record published (drafted and approved through the
    services), so the records pages and the integrity check have something to show, and one
    more drafted that waits in the administrator's "records to approve". Each published
    record is decided on by the next agency (recognised, with modified terms, or declined in
    turn) and waits for the other two. Returns the publications, dispatched after the commit
    like any other."""
    from app.records.services import (
        DECIDED,
        approve_record,
        draft_record,
        record_recognition,
        suggested_draft,
    )

    publications = []
    published = []
    for code, agency in agencies.items():
        decided = db.session.scalars(
            select(Case)
            .where(Case.agency_id == agency.id, Case.state.in_(DECIDED))
            .order_by(Case.id)
        )
        drafts = []
        for case in decided:
            sanctioned = [
                p
                for p in case.respondents_at_fault
                if any(s.party_id == p.id for s in case.sanctions)
            ]
            if sanctioned:
                drafts.append(
                    draft_record(case, case.created_by, suggested_draft(case, sanctioned[0]))
                )
                if len(drafts) == 2:
                    break
        if drafts:
            # Published now: where the decision's review window is still open, with the
            # reason why it may not wait (a record approved inside the window is held).
            publications.append(
                approve_record(
                    drafts[0],
                    users[f"{code.lower()}-admin"],
                    publish_now=True,
                    reason=DEMO_EARLY_REASON,
                )
            )
            published.append(drafts[0])
    codes = list(agencies)
    for n, record in enumerate(published):
        decider = codes[(codes.index(record.agency.code) + 1) % len(codes)]
        decision, terms, reason = RECOGNITIONS[n % len(RECOGNITIONS)]
        record_recognition(record, users[f"{decider.lower()}-supervisor"], decision, terms, reason)
    publications.extend(_demo_remedies(published, users))
    return publications


def _demo_remedies(published: list, users: dict[str, User]) -> list:
    """An objection waiting for its decision, one dismissed, and a repair approved, on the
    first three published records: each a new version that travels like any other."""
    import io

    from app.core.calendar import as_of, today
    from app.records.models import RecordStatus, in_force
    from app.records.remedies import (
        ObjectionDecision,
        RepairFile,
        decide_objection,
        decide_repair,
        register_objection,
        repair_from,
        request_repair,
    )

    # Objections go to records in force; the repair to the record whose minimum period ends
    # first (one still inside it is registered as of the day the period ends).
    active = [r for r in published if in_force(r.status, r.term_end) == RecordStatus.active]
    if len(active) < 2 or len(published) < 3:
        return []
    pending, dismissed = active[:2]
    repaired = min((r for r in published if r not in (pending, dismissed)), key=repair_from)

    def staff(record, role: str) -> User:
        return users[f"{record.agency.code.lower()}-{role}"]

    _o, first = register_objection(
        pending,
        staff(pending, "officer"),
        "当事人称处理决定认定的论文并非其本人署名。",
        "邮寄至单位地址",
    )
    objection, second = register_objection(
        dismissed, staff(dismissed, "officer"), "当事人称处罚期限计算有误。", "电子邮件"
    )
    third = decide_objection(
        objection,
        staff(dismissed, "supervisor"),
        ObjectionDecision("dismissed", "经核对处理决定书，期限计算无误。"),
    )
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with as_of(max(today(), repair_from(repaired))):
        repair = request_repair(
            repaired,
            staff(repaired, "officer"),
            "已退回全部项目经费，并在原刊物发表撤稿声明。",
            RepairFile(io.BytesIO(pdf), "整改证明.pdf"),
            RepairFile(io.BytesIO(pdf + b"%commitment\n"), "信用承诺书.pdf"),
        )
        fourth = decide_repair(
            repair, staff(repaired, "supervisor"), True, "纠正到位，信用承诺已签署。"
        )
    return [first, second, third, fourth]


DEMO_EARLY_REASON = "当事人正在申报多省科技计划项目，需及时向各地共享。"


# (decision, modified terms, reason) the demo's agencies take on each other's records in turn.
RECOGNITIONS = [
    ("recognise", None, None),
    ("recognise_modified", "在本省范围内限制申报科技计划项目三年。", None),
    ("recognise", None, None),
    ("decline", None, "当事人已调离本省科研单位，本省暂无执行对象。"),
]


def _demo_case(rng: random.Random, agency: Agency, users: dict[str, User], state: CaseState):
    prefix = agency.code.lower()
    officer = users[f"{prefix}-officer" if rng.random() < 0.6 else f"{prefix}-officer2"]
    span = scenario.duration(state)
    latest = today() - dt.timedelta(days=span + 1)
    received = latest - dt.timedelta(days=rng.randrange(0, _window(state, span)))
    kind = rng.choice(list(MisconductType))
    respondent = data.person_name(rng)
    institution = rng.choice(data.INSTITUTIONS[agency.code])
    topic = rng.choice(data.TOPICS)
    with as_of(received):
        case = register_case(
            CaseInput(
                title=data.TITLE_PATTERNS[kind].format(
                    name=f"{institution}{respondent}", topic=topic
                ),
                source=rng.choice(list(CaseSource)),
                received_date=received,
                summary=f"{data.DESCRIPTIONS[kind]}涉及成果：{topic}。",
                respondents=[
                    RespondentInput(
                        name=respondent,
                        party_type=PartyType.person,
                        id_type="resident_id",
                        id_number=data.resident_id(rng),
                        institution=institution,
                        position=rng.choice(data.POSITIONS),
                    )
                ],
                allegations=[
                    AllegationInput(
                        misconduct_type=kind,
                        description=data.DESCRIPTIONS[kind],
                        work_reference=_doi(rng),
                    )
                ],
                complainant=_complainant(rng),
            ),
            officer,
        )
    actors = scenario.Actors(
        agency=agency,
        officer=officer,
        lead=users[f"{prefix}-officer"],
        investigator=users[f"{prefix}-officer2"],
        supervisor=users[f"{prefix}-supervisor"],
    )
    scenario.walk(case, state, actors, params=_demo_params(rng))
    if state == CaseState.committee_review:
        _demo_panel_note(case, actors.lead)
    if state == CaseState.committee_review and case.id % 2:  # half the open reviews under way
        review = open_review_of(case)
        progress_review(review, declared=rng.randrange(2, 6), voted=rng.randrange(0, 3))


def _demo_panel_note(case: Case, lead: User) -> None:
    """An internal note of the investigators that the team marked for the panel: it stays
    internal, but the review package carries it."""
    note = add_note(
        case,
        lead,
        NoteInput(
            kind="note",
            title="调查组内部研判意见",
            happened_on=min(today(), case.received_date + dt.timedelta(days=100)),
            body="调查组内部研判：原始实验记录与论文图表的时间线存在矛盾，建议委员会重点审查。",
            visibility="internal",
        ),
    )
    mark_note_for_panel(note, lead)


def _window(state: CaseState, span: int) -> int:
    """How far back a case may have been received: concluded cases spread over the past two
    years, so the statistics and an annual report have figures for both; open ones are
    recent, as open cases are."""
    concluded = state in TERMINAL_STATES or state in (CaseState.decided, CaseState.under_review)
    if concluded:
        return max(120, DEMO_DAYS - span)
    return 300 if span < 200 else 120


def _doi(rng: random.Random) -> str:
    return f"10.{rng.randrange(1000, 9999)}/yrd.{rng.randrange(10**5, 10**6)}"


def _complainant(rng: random.Random) -> ComplainantInput:
    if rng.random() < 0.4:
        return ComplainantInput(anonymous=True)
    return ComplainantInput(
        anonymous=False,
        name=data.person_name(rng),
        contact=f"1{rng.randrange(3, 9)}{rng.randrange(10**8, 10**9)}",
    )


def _demo_params(rng: random.Random) -> dict:
    """The demo's own texts and choices for the scenario's steps."""
    params: dict = {name: {"reason": text} for name, text in REASONS.items()}
    params["team"] = {"complainant_access": True}
    params["defence"] = {"statement": "被处理人提交书面陈述，对认定事实无异议。"}
    params["transfer_case"] = lambda case: {
        "reason": REASONS["transfer_case"],
        "target_agency": rng.choice([a for a in ("SH", "JS", "ZJ", "AH") if a != case.agency.code]),
    }
    params["submit_findings"] = lambda case: _demo_findings(rng, case)
    params["issue_decision"] = lambda case: _demo_decision(rng, case)
    return params


REPORT = "调查组经调取原始数据、比对文献并约谈相关人员，形成调查报告。"


def _demo_findings(rng: random.Random, case: Case) -> dict:
    misconduct = rng.random() < 0.8
    return {
        "report": REPORT,
        "findings": [
            {
                "allegation_id": a.id,
                "party_id": p.id,
                "outcome": FindingOutcome.misconduct
                if misconduct
                else FindingOutcome.no_misconduct,
                "severity": rng.choice(list(Severity)) if misconduct else None,
                "mitigating": "主动承认错误并配合调查"
                if misconduct and rng.random() < 0.5
                else None,
            }
            for a in case.allegations
            for p in case.respondents
        ],
    }


def _demo_decision(rng: random.Random, case: Case) -> dict:
    if not case.respondents_at_fault:
        return {"decision_text": "经调查，举报事项不成立，予以澄清。", "sanctions": []}
    years = rng.choice([1, 2, 3, 5])
    sanction = rng.choice(
        [
            SanctionType.notice_of_criticism,
            SanctionType.ban_state_funded_activity,
            SanctionType.bar_awards_titles_promotion,
        ]
    )
    return {
        "decision_text": "认定被处理人存在科研失信行为，作出如下处理。",
        "sanctions": [
            {
                "party_id": p.id,
                "sanction_type": sanction,
                "start_date": today().isoformat(),
                "end_date": (today() + dt.timedelta(days=365 * years)).isoformat(),
            }
            for p in case.respondents_at_fault
        ],
    }


def _demo_two_respondents(agency: Agency, users: dict[str, User], state: CaseState) -> None:
    """A paper with two authors: the first is found to have falsified its data and is both
    banned and criticised; the co-author is cleared. Each is served a notice and answers it.
    As the first decided case of its agency, it is the one whose record the demo publishes:
    only the first author gets one."""
    prefix = agency.code.lower()
    officer = users[f"{prefix}-officer"]
    institution = data.INSTITUTIONS[agency.code][0]
    received = today() - dt.timedelta(days=scenario.duration(state) + 30)
    with as_of(received):
        case = register_case(
            CaseInput(
                title=f"关于{institution}王磊、陈静论文数据造假的举报",
                source=CaseSource.letter,
                received_date=received,
                summary="举报称两名作者合著论文中的实验数据系伪造。",
                respondents=[
                    RespondentInput(name="王磊", institution=institution, position="副教授"),
                    RespondentInput(name="陈静", institution=institution, position="博士研究生"),
                ],
                allegations=[
                    AllegationInput(
                        misconduct_type=MisconductType.fabrication_falsification,
                        description=data.DESCRIPTIONS[MisconductType.fabrication_falsification],
                    )
                ],
                complainant=ComplainantInput(anonymous=True),
            ),
            officer,
        )
    actors = scenario.Actors(
        agency=agency,
        officer=officer,
        lead=officer,
        investigator=users[f"{prefix}-officer2"],
        supervisor=users[f"{prefix}-supervisor"],
    )
    first, second = case.respondents
    start, end = today(), today() + dt.timedelta(days=3 * 365)
    scenario.walk(
        case,
        state,
        actors,
        params={
            "submit_findings": lambda c: {
                "report": REPORT + "经核查，数据系第一作者王磊伪造，合作者陈静不知情。",
                "findings": scenario.findings_for(c, cleared=lambda p: p is second),
            },
            "defence": {"statement": "被处理人提交书面陈述。"},
            "issue_decision": {
                "decision_text": "认定王磊存在科研失信行为，作出如下处理；陈静不存在科研失信行为。",
                "sanctions": [
                    {
                        "party_id": first.id,
                        "sanction_type": SanctionType.ban_state_funded_activity,
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                    },
                    {
                        "party_id": first.id,
                        "sanction_type": SanctionType.notice_of_criticism,
                        "start_date": start.isoformat(),
                    },
                ],
            },
        },
    )
