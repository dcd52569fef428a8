"""Demo joint investigations: one led by each agency, the next agency taking part, the one
after declining, and tasks in every state."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Agency, User
from app.cases.models import Case, CaseState
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
)


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
        partner, other = codes[(i + 1) % len(codes)], codes[(i + 2) % len(codes)]
        lead = users[f"{code.lower()}-supervisor"]
        p, q = invite_agencies(
            case, [agencies[partner], agencies[other]], "请协助核查贵省相关人员与材料。", lead, None
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
                actor = lead if step == "close" else officer
                act_on_task(task, step, actor, body="" if step == "accept" else "已办理。")
        made += 1
    db.session.flush()
    return made
