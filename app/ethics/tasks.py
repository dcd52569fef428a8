"""Background jobs of ethics review."""

from __future__ import annotations

from app.extensions import db
from app.jobs import PermanentJobError, set_progress
from app.jobs.runner import current_job_id


def generate_letter(letter_id: int) -> dict:
    """Renders and stores the letter, then sends the notices to sites on other nodes that
    waited for it (`app.ethics.sites.send_held`)."""
    from app.ethics.letters import render_letter, store_letter
    from app.ethics.models import Application, DecisionLetter
    from app.ethics.sites import send_held

    letter = db.session.get(DecisionLetter, letter_id)
    if letter is None:
        raise PermanentJobError("the decision letter no longer exists")
    set_progress(10, "rendering")
    pdf, pages = render_letter(letter)
    letter.job_id = current_job_id()
    store_letter(letter, pdf, pages)
    notices = send_held(db.session.get(Application, letter.application_id))
    db.session.commit()
    return {"letter_id": letter.id, "number": letter.number, "pages": pages, "notices": notices}


def send_followup_reminders() -> dict:
    """Daily (app.jobs.schedule): follow-up reports falling due soon or overdue."""
    from app.ethics.queues import remind_followups

    result = remind_followups()
    db.session.commit()
    return result


def generate_review_record(record_id: int) -> dict:
    from app.ethics.review_record import ReviewRecord, render_record, store_record

    row = db.session.get(ReviewRecord, record_id)
    if row is None:
        raise PermanentJobError("the review record no longer exists")
    set_progress(10, "rendering")
    pdf, pages = render_record(row)
    row.job_id = current_job_id()
    store_record(row, pdf, pages)
    db.session.commit()
    return {"record_id": row.id, "pages": pages}


def send_decision_reminders() -> dict:
    """Daily: the committee offices are told of decisions due soon and overdue."""
    from app.ethics.clocks import send_reminders

    sent = send_reminders()
    db.session.commit()
    return {"notified": sent}


def send_site_reminders() -> dict:
    """Daily: the offices of sites whose confirmation falls due soon (once per site)."""
    from app.ethics.sites import remind_unconfirmed

    result = remind_unconfirmed()
    db.session.commit()
    return result


def fetch_site_files() -> dict:
    """Every minute (app.jobs.schedule): the lead's files listed for sites here whose fetch
    is due, from the lead's node (`app.ethics.site_files`)."""
    from app.ethics.site_files import fetch_due

    return fetch_due()
