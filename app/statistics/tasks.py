"""The background job that generates an annual report."""

from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from app.jobs import PermanentJobError, set_progress
from app.jobs.runner import current_job_id


def generate_report(user_id: int, scope_kind: str, year: int, locale: str) -> dict:
    from app.core.errors import ServiceError
    from app.statistics.reports import build_report, store_report

    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise PermanentJobError("the requester no longer exists")
    set_progress(5, "counting")
    try:
        pdf, pages, document_id = build_report(
            user, scope_kind, year, locale, on_loaded=lambda: set_progress(40, "rendering")
        )
    except ServiceError as err:  # the requester lost the role meanwhile
        raise PermanentJobError(str(err.message)) from None
    set_progress(90, "storing")
    report = store_report(
        user, scope_kind, year, locale, pdf, pages, document_id, job_id=current_job_id()
    )
    db.session.commit()
    return {"report_id": report.id, "document_id": document_id, "pages": pages}
