"""Who may request and see integrity reports, and who may verify a signed document.

A report is an integrity check put in writing: the check's roles request it, for any person
or institution, and the requesting agency's checking roles see the reports it issued."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.records.permissions import CHECK_ROLES
from app.reports.models import IntegrityReport


def can_request_report(user: User) -> bool:
    return user.is_authenticated and user.has_role(*CHECK_ROLES)


def visible_reports(user: User):
    if not can_request_report(user):
        return select(IntegrityReport).where(IntegrityReport.id.is_(None))
    return select(IntegrityReport).where(IntegrityReport.agency_id == user.agency_id)


def get_report_or_404(code: str, user: User) -> IntegrityReport:
    """Another agency's report is as absent as an unknown code."""
    report = db.session.scalar(visible_reports(user).where(IntegrityReport.code == code))
    if report is None:
        abort(404)
    return report


def can_verify(user: User) -> bool:
    """Any signed-in user: the answer says whether a document is genuine and current, never
    what it contains."""
    return user.is_authenticated
