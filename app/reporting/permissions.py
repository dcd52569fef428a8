"""Who may see and act on reports in the intake: one answer per question, in SQL for lists."""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, and_, false, select

from app.auth.models import Role, User
from app.extensions import db
from app.reporting.models import Report

READERS = (Role.officer, Role.supervisor, Role.auditor)
HANDLERS = (Role.officer, Role.supervisor)


def may_use_intake(user: User) -> bool:
    return user.is_authenticated and user.has_role(*READERS)


def visible_clause(user: User) -> ColumnElement[bool]:
    """The reports a user sees: their own agency's, for its officers, supervisors, auditors."""
    if not user.has_role(*READERS):
        return false()
    return and_(Report.agency_id == user.agency_id)


def can_act(user: User, report: Report) -> bool:
    return user.has_role(*HANDLERS) and user.agency_id == report.agency_id


def may_see_reporter(user: User, report: Report) -> bool:
    """Need-to-know at intake: the agency's supervisors. Once the report is a case the
    complainant's identity is the case's, granted per team member (app.protection)."""
    return user.has_role(Role.supervisor) and user.agency_id == report.agency_id


NEEDS = {"view": lambda user, report: True, "act": can_act}


def get_report_or_404(report_id: int, user: User, need: str = "view") -> Report:
    """Another agency's report is 404 (its existence is not confirmed); visible but not
    allowed, 403."""
    report = db.session.scalar(select(Report).where(Report.id == report_id, visible_clause(user)))
    if report is None:
        abort(404)
    if not NEEDS[need](user, report):
        abort(403)
    return report
