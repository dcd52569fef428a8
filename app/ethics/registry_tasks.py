"""The registry's periodic job: reminders of annual reports due and notices of those
overdue (declared in `app.jobs.schedule`)."""

from __future__ import annotations

from app.extensions import db


def remind_annual_reports() -> dict:
    from app.ethics.annual import remind

    added = remind()
    db.session.commit()
    return {"notified": added}
