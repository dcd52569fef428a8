"""Demo online reports: one in each intake state for every agency (waiting, overdue,
registered as a case, added to a case, not accepted), and a conversation with a reporter."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from app.auth.models import Agency, User
from app.cases.models import Case, CaseState
from app.evidence.services import Upload
from app.extensions import db
from app.reporting import services
from app.reporting.models import Report

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _submit(code: str, name: str, named: bool, description: str) -> Report:
    data = services.ReportInput(
        agency=code,
        respondents=[{"name": name, "institution": "示范大学"}],
        misconduct_types=["fabrication_falsification"],
        description=description,
        leads="论文 DOI 10.1000/demo，图 3 与原始数据不符。",
        anonymous=not named,
        name="周芳" if named else "",
        contact="13700000000" if named else "",
        files=[Upload(io.BytesIO(PDF), "线索.pdf")],
    )
    return services.submit_report(data, None)[0]


def demo_reports(agencies: dict[str, Agency], users: dict[str, User]) -> int:
    if db.session.scalar(select(Report.id).limit(1)) is not None:
        return 0
    made = 0
    for code in agencies:
        officer = users[f"{code.lower()}-officer"]
        _submit(code, "孙磊", True, "孙磊在项目结题报告中伪造实验数据。")  # waiting
        overdue = _submit(code, "钱程", False, "钱程的论文图片重复使用。")
        overdue.outcome_due = dt.date(2026, 1, 5)  # past: on the supervisors' queue
        talked = _submit(code, "李娟", True, "李娟的学位论文大段抄袭他人成果。")
        services.register_report_as_case(talked, officer)
        services.post_reporter_message(talked, "请问是否需要我补充原始邮件？", None)
        services.post_officer_message(talked, "您好，已登记受理。请通过本页上传原始邮件。", officer)
        services.not_accept_report(
            _submit(code, "王刚", True, "王刚的职称评审材料有问题。"),
            "所举报事项不属于科研失信行为，请向所在单位人事部门反映。",
            officer,
            "举报内容与科研活动无关。",
        )
        open_case = db.session.scalar(
            select(Case)
            .where(Case.agency_id == officer.agency_id, Case.state == CaseState.investigating)
            .limit(1)
        )
        if open_case is not None:
            services.attach_report(
                _submit(code, open_case.respondents[0].name, False, "同一事项的补充举报。"),
                open_case.reference,
                users[f"{code.lower()}-supervisor"],
            )
        made += 5
    db.session.flush()
    return made
