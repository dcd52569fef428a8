"""The intake's hand-offs: a new report and a reporter's message reach the officers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.notifications.handoffs import register_handoff, users_with_role


def intake_people(report) -> list[User]:
    return users_with_role(report.agency_id, Role.officer, Role.supervisor)


def report_link(report) -> dict:
    return {"endpoint": "reporting.intake_detail", "values": {"report_id": report.id}}


def report_params(report) -> dict:
    return {"ref": report.number or "", "due": report.outcome_due.isoformat()}


def message_recipients(report) -> list[User]:
    """The officer who decided the report, else the agency's intake officers."""
    if report.decided_by is not None and report.decided_by.active:
        return [report.decided_by, *users_with_role(report.agency_id, Role.supervisor)]
    return intake_people(report)


def register() -> None:
    register_handoff(
        "report.received",
        text=_l("Online report %(ref)s arrived: register it, attach it or record why not."),
        recipients=intake_people,
        link=report_link,
        params=report_params,
        todo=lambda report: f"report:{report.id}",
    )
    register_handoff(
        "report.message",
        text=_l("The reporter of %(ref)s wrote a message: read it and answer."),
        recipients=message_recipients,
        link=report_link,
        params=report_params,
        todo=lambda report: f"report:{report.id}:message",
    )
    register_handoff(
        "report.overdue",
        text=_l("Online report %(ref)s is still in intake past %(due)s: decide it now."),
        recipients=lambda report: users_with_role(report.agency_id, Role.supervisor),
        link=report_link,
        params=report_params,
        todo=lambda report: f"report:{report.id}",
    )
