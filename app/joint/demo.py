"""Demo joint investigations: one led by each agency, the next agency taking part, the one
after declining, the last still to answer; tasks in every state, one of them sent back and
one overdue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.auth.models import Agency, User
from app.cases.models import Case, CaseState
from app.core.calendar import today
from app.extensions import db
from app.joint.services import (
    accept_invitation,
    act_on_task,
    create_task,
    decline_invitation,
    invite_agencies,
)

TASKS = (
    ("interview", "询问合作作者", ()),
    ("obtain_records", "调取原始实验记录", ("accept",)),
    ("expert_opinion", "委托图像鉴定", ("accept", "complete")),
    ("site_visit", "实地核查实验室", ("accept", "complete", "close")),
    ("other", "补充提供署名贡献说明", ("accept", "complete", "send_back")),
)
OVERDUE = "询问合作作者"  # due three days ago: on both agencies' dashboards and reminders


def demo_joint(agencies: dict[str, Agency], users: dict[str, User]) -> int:
    codes = list(agencies)
    made = 0
    for i, code in enumerate(codes):
        case = db.session.scalar(
            select(Case)
            .where(Case.agency_id == agencies[code].id, Case.state == CaseState.investigating)
            .order_by(Case.id)
        )
        if case is None:
            continue
        partner, other, last = (codes[(i + k) % len(codes)] for k in (1, 2, 3))
        lead = users[f"{code.lower()}-supervisor"]
        invited = [agencies[a] for a in dict.fromkeys((partner, other, last)) if a != code]
        p, q, *_pending = invite_agencies(
            case, invited, "请协助核查贵省相关人员与材料。", lead, None
        )
        officer = users[f"{partner.lower()}-officer"]
        accept_invitation(p, [officer], users[f"{partner.lower()}-supervisor"])
        decline_invitation(q, "本省无相关线索。", users[f"{other.lower()}-supervisor"])
        for kind, title, steps in TASKS:
            task = create_task(
                case,
                lead,
                agency=agencies[partner],
                kind=kind,
                title=title,
                description="",
                due_in_days=10,
                assignee=officer,
            )
            for step in steps:
                actor = lead if step in ("close", "send_back") else officer
                act_on_task(task, step, actor, body="" if step == "accept" else "已办理。")
            if title == OVERDUE:
                task.due_date = today() - dt.timedelta(days=3)
        made += 1
    db.session.flush()
    return made
