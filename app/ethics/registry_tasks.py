"""The registry's periodic job: reminders of registrations and annual reports due and
notices of reports overdue (declared in `app.jobs.schedule`)."""

from __future__ import annotations

from app.extensions import db


def remind_annual_reports() -> dict:
    from app.ethics.annual import remind
    from app.ethics.registry import remind_due

    added = remind() + remind_due()
    db.session.commit()
    return {"notified": added}
