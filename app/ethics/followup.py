"""Follow-up review (跟踪审查) of an approved activity: an interval of at most the policy's
months, the unit's reports, amendments, reportable events and final report, and the
committee's suspension or termination. Overdue follow-ups are on the office's queue."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.auth.models import User
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import permissions as perm
from app.ethics import policy
from app.ethics.lookup import announce_change
from app.ethics.models import Application, AppState, FollowUp, FollowUpKind
from app.ethics.reviewing import _audited
from app.extensions import db

APPROVED = ("approve", "approve_modified")


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def start_followup(application: Application) -> None:
    """At an approving decision: follow-up every policy interval from today."""
    if application.decision not in APPROVED:
        return
    months = policy.value(application.unit.agency_id, "followup_months")
    application.activity = "active"
    application.followup_months = months
    application.followup_due = _months_later(today(), months)


def set_interval(actor: User, application: Application, months) -> None:
    """The office sets a shorter interval (a listed activity's, say); never above the
    policy's longest."""
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office sets the follow-up interval."))
    longest = policy.value(application.unit.agency_id, "followup_months")
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= longest:
        raise InvalidInput(_l("Follow-up every 1 to %(n)s months.", n=longest), field="months")
    _require_running(application)
    application.followup_months = months
    application.followup_due = _months_later(today(), months)
    _audited("ethics.followup.interval", actor, application, {"months": months})
    announce_change(application)


def _require_running(application: Application) -> None:
    if application.state is not AppState.decided or application.activity is None:
        raise GuardFailed(_l("Only an approved activity is followed up."))
    if application.activity == "terminated":
        raise GuardFailed(
            _l("The activity was terminated: nothing more is filed."), code="terminated"
        )


def file_followup(actor: User, application: Application, kind, text) -> FollowUp:
    if not perm.is_applicant_of(actor, application):
        raise NotAllowed(_l("Only the unit's applicant files follow-up material."))
    try:
        kind = FollowUpKind(kind)
    except ValueError:
        raise InvalidInput(_l("Choose what you file."), field="kind") from None
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_l("Write the report."), field="text")
    _require_running(application)
    row = FollowUp(application_id=application.id, kind=kind.value, text=text, by_id=actor.id)
    db.session.add(row)
    if kind is FollowUpKind.report:
        application.followup_due = _months_later(today(), application.followup_months)
    if kind is FollowUpKind.final:
        application.activity = "completed"
        application.followup_due = None
    _audited("ethics.followup.file", actor, application, {"kind": kind.value})
    if kind in (FollowUpKind.report, FollowUpKind.final):
        announce_change(application)  # the approval's period moved, or it ended
    return row


def stop_activity(actor: User, application: Application, terminate: bool, reason) -> None:
    """The committee suspends or terminates the activity, with its reason."""
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office suspends or terminates an activity."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason."), field="reason")
    _require_running(application)
    kind = "terminate" if terminate else "suspend"
    application.activity = "terminated" if terminate else "suspended"
    if terminate:
        application.followup_due = None
    db.session.add(FollowUp(application_id=application.id, kind=kind, text=reason, by_id=actor.id))
    _audited(f"ethics.followup.{kind}", actor, application, {})
    from app.ethics.sites import on_stopped

    on_stopped(application, actor, terminate, reason)
    announce_change(application)


def overdue_for_office(user: User):
    """The office's queue: approved activities before its committee whose follow-up is
    overdue, oldest first."""
    return db.session.scalars(
        select(Application)
        .where(
            and_(
                Application.panel_id.in_(perm.office_panel_ids(user)),
                Application.followup_due < today(),
                Application.activity.in_(("active", "suspended")),
            )
        )
        .order_by(Application.followup_due)
    ).all()


def followups_of(application: Application) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.application_id == application.id).order_by(FollowUp.id)
        )
    )
