"""The dossier's joint-investigation section: agencies, invitations and answers, tasks."""

from __future__ import annotations

from app.core.labels import label
from app.core.times import local_time
from app.joint.models import ParticipationStatus
from app.joint.services import joint_of, tasks_of


def load_joint(ctx) -> dict | None:
    """A shared dossier shows what a participant's page shows: the agencies taking part,
    without the reasons agencies gave for declining or leaving, and no invitation of
    another agency still pending, declined or lapsed (the lead's correspondence)."""
    joint = joint_of(ctx.case)
    if joint is None:
        return None
    participations = [
        p
        for p in joint.participations
        if not ctx.shared or p.status == ParticipationStatus.accepted
    ]
    invitations = [
        {
            "agency": p.agency.name_zh,
            "status": str(label(p.status)),
            "invited_at": local_time(p.invited_at),
            "respond_by": p.respond_by.isoformat(),
            "message": p.message,
            "answered_at": local_time(p.answered_at) if p.answered_at else "",
            "reason": "" if ctx.shared else (p.answer_reason or p.end_reason or ""),
            "officers": "、".join(o.user.display_name for o in p.officers),
        }
        for p in participations
    ]
    tasks = [
        {
            "title": t.title,
            "kind": str(label(t.kind)),
            "agency": t.agency.name_zh,
            "assignee": t.assignee.display_name if t.assignee else "",
            "due": t.due_date.isoformat(),
            "status": str(label(t.status)),
            "reports": [
                {
                    "at": local_time(r.at),
                    "author": r.author.display_name,
                    "body": r.body,
                    "attachment": (
                        f"{r.evidence_item.original_name} SHA-256 {r.evidence_item.blob_sha256}"
                        if r.evidence_item
                        else ""
                    ),
                }
                for r in t.reports
            ],
        }
        for t in tasks_of(ctx.case)
    ]
    return {"invitations": invitations, "tasks": tasks, "ended": not joint.active}
