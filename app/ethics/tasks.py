"""Background jobs of ethics review."""

from __future__ import annotations

from app.extensions import db
from app.jobs import PermanentJobError, set_progress
from app.jobs.runner import current_job_id


def generate_letter(letter_id: int) -> dict:
    from app.ethics.letters import render_letter, store_letter
    from app.ethics.models import DecisionLetter

    letter = db.session.get(DecisionLetter, letter_id)
    if letter is None:
        raise PermanentJobError("the decision letter no longer exists")
    set_progress(10, "rendering")
    pdf, pages = render_letter(letter)
    letter.job_id = current_job_id()
    store_letter(letter, pdf, pages)
    db.session.commit()
    return {"letter_id": letter.id, "number": letter.number, "pages": pages}


def send_decision_reminders() -> dict:
    """Daily: the committee offices are told of decisions due soon and overdue."""
    from app.ethics.clocks import send_reminders

    sent = send_reminders()
    db.session.commit()
    return {"notified": sent}
