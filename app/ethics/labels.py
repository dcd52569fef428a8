"""Display names of ethics review's closed sets and audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.core.labels import register_labels
from app.ethics.models import (
    AppealState,
    AppState,
    NoticeKind,
    Procedure,
    RereviewState,
    UnitKind,
    UnitRole,
)

VALUES = [
    (UnitKind.university, _l("University")),
    (UnitKind.institute, _l("Research institute")),
    (UnitKind.hospital, _l("Hospital")),
    (UnitKind.firm, _l("Firm")),
    (UnitKind.centre, _l("Regional review centre")),
    (UnitRole.applicant, _l("Applicant")),
    (UnitRole.office, _l("Committee office")),
    (Procedure.general, _l("General procedure (meeting)")),
    (Procedure.simplified, _l("Simplified procedure")),
    (Procedure.emergency, _l("Emergency procedure")),
    (AppState.draft, _lp("ethics", "Draft")),
    (AppState.submitted, _lp("ethics", "Submitted")),
    (AppState.returned, _lp("ethics", "Returned for completion")),
    (AppState.accepted, _lp("ethics", "Under review")),
    (AppState.preliminary, _lp("ethics", "Approved preliminarily: waits for re-review")),
    (AppState.decided, _lp("ethics", "Decided")),
    (AppealState.lodged, _lp("appeal", "Lodged")),
    (AppealState.upheld, _lp("appeal", "Upheld")),
    (AppealState.dismissed, _lp("appeal", "Dismissed")),
    (RereviewState.filed, _lp("rereview", "Filed with the authority")),
    (RereviewState.panel, _lp("rereview", "Before the expert panel")),
    (RereviewState.agreed, _lp("rereview", "Agreed")),
    (RereviewState.disagreed, _lp("rereview", "Disagreed")),
    (AppState.withdrawn, _lp("ethics", "Withdrawn")),
    (NoticeKind.accepted, _lp("ethics", "Accepted")),
    (NoticeKind.returned, _lp("ethics", "Missing items")),
]

AUDIT = {
    "ethics.unit.create": _l("Research unit added"),
    "ethics.unit.user": _l("Research unit account added"),
    "ethics.unit.committee": _l("Unit's ethics committee set"),
    "ethics.entrust": _l("Ethics review entrusted to a committee"),
    "ethics.list.add": _l("Activity added to the re-review list"),
    "ethics.policy": _l("Ethics review policy changed"),
    "ethics.app.create": _l("Ethics application opened"),
    "ethics.app.edit": _l("Ethics application edited"),
    "ethics.app.attach": _l("File attached to an ethics application"),
    "ethics.app.detach": _l("File removed from an ethics application"),
    "ethics.app.download": _l("Ethics application file downloaded"),
    "ethics.app.submit": _l("Ethics application submitted"),
    "ethics.app.resubmit": _l("Ethics application resubmitted"),
    "ethics.app.accept": _l("Ethics application accepted"),
    "ethics.app.return": _l("Ethics application returned with missing items"),
    "ethics.review.declare": _l("Ethics committee member declared"),
    "ethics.review.recuse": _l("Ethics committee member recused"),
    "ethics.review.propose": _l("Decision put to the ethics committee"),
    "ethics.review.vote": _l("Ethics committee member voted"),
    "ethics.review.to_meeting": _l("Simplified review sent to a meeting"),
    "ethics.review.attendance": _l("Ethics meeting attendance recorded"),
    "ethics.review.decide": _l("Ethics review decided"),
    "ethics.letter.requested": _l("Ethics decision letter numbered and queued"),
    "ethics.letter.downloaded": _l("Ethics decision letter downloaded"),
    "ethics.review.preliminary": _l("Listed activity approved preliminarily"),
    "ethics.rereview.file": _l("Expert re-review filed"),
    "ethics.followup.interval": _l("Follow-up interval set"),
    "ethics.followup.file": _l("Follow-up material filed"),
    "ethics.followup.suspend": _l("Activity suspended by the ethics committee"),
    "ethics.followup.terminate": _l("Activity terminated by the ethics committee"),
    "ethics.extend": _l("Time to decide on an ethics application extended"),
    "ethics.appeal.lodge": _l("Appeal against an ethics decision lodged"),
    "ethics.appeal.answer": _l("Appeal against an ethics decision answered"),
    "ethics.rereview.panel": _l("Expert re-review panel formed"),
    "ethics.rereview.seat": _l("Re-review seat answered"),
    "ethics.rereview.declare": _l("Re-review expert declared"),
    "ethics.rereview.vote": _l("Re-review expert voted"),
    "ethics.rereview.close": _l("Expert re-review answered"),
    "ethics.site.file_served": _l("Lead's file served to a site's node"),
    "ethics.site.file_arrived": _l("Lead's file arrived at the site, verified"),
    "ethics.site.file_failed": _l("Lead's file not received by the site"),
    "ethics.site.file_download": _l("Lead's file downloaded at the site"),
}
OBJECTS = {
    "Unit": _l("Research unit"),
    "Application": _l("Ethics application"),
    "ListedActivity": _l("Listed activity"),
}


def register() -> None:
    from app.core.pdfsign import code_aliases, register_document_kind
    from app.ethics.letters import SIGNED_KIND, old_codes

    register_document_kind(SIGNED_KIND, _l("Ethics review decision letter"))
    code_aliases.register(old_codes, key="ethics.letter_codes")
    register_labels(values=VALUES, audit=AUDIT, objects=OBJECTS)
