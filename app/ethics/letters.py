"""The decision letter: numbered by the committee at the decision, rendered in the
background with the dossiers' PDF machinery (WeasyPrint, the embedded CJK font, local files
only), stored with its SHA-256 and verifiable. `finalise_letter` is the one place where a
letter's bytes become final, so signing (PAdES) can be wired in there."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.models import User
from app.core import audit, node
from app.core.models import utcnow
from app.core.times import local_time, to_cst
from app.ethics import approval_numbers, items, reviewing
from app.ethics.models import Application, DecisionLetter
from app.extensions import db


def _number(application: Application) -> str:
    year = application.decided_at.year
    taken = db.session.scalar(
        select(func.count()).where(
            DecisionLetter.panel_id == application.panel_id,
            DecisionLetter.number.like(f"%〔{year}〕%"),
        )
    )
    return f"伦审〔{year}〕第{taken + 1}号"


def request_letter(application: Application, actor: User) -> DecisionLetter:
    """Numbers the letter now (the number is the committee's, in decision order) and queues
    its rendering; without Redis the job runs at once."""
    from app.ethics.tasks import generate_letter
    from app.jobs import enqueue

    letter = DecisionLetter(
        application_id=application.id,
        panel_id=application.panel_id,
        number=_number(application),
        requested_by_id=actor.id,
    )
    db.session.add(letter)
    db.session.flush()
    letter.code = approval_code(application, letter)
    db.session.flush()
    audit.record(
        "ethics.letter.requested",
        actor=actor,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, "number": letter.number},
    )
    enqueue(
        generate_letter,
        letter.id,
        queue="dossiers",
        description=f"{application.reference} {letter.number}",
        user=actor,
    )
    return letter


SIGNED_KIND = "ethics_letter"


def approval_code(application: Application, letter: DecisionLetter) -> str:
    """The letter's region-wide number: this node's id, the decision's year and the letter's
    id (`app.ethics.approval_numbers`). The node key is created if need be, as signing the
    letter would."""
    node_id = node.node_id() if node.is_initialised() else node.init_node()[0]
    return approval_numbers.form(node_id, to_cst(application.decided_at).year, letter.id)


def signed_code(letter: DecisionLetter) -> str:
    """The letter's verification code, which is the approval's number: its letter number
    repeats across committees, this code nowhere in the region."""
    return letter.code or approval_numbers.legacy_code(letter.id)


def old_codes(code: str) -> list[str]:
    """A letter signed before region-wide numbers is registered under its old code: its
    number finds it at the verify page too."""
    try:
        parsed = approval_numbers.parse(code)
    except ValueError:
        return []
    if parsed.legacy:
        return []
    letter_id = db.session.scalar(select(DecisionLetter.id).where(DecisionLetter.code == code))
    return [approval_numbers.legacy_code(letter_id)] if letter_id is not None else []


def finalise_letter(pdf: bytes, letter: DecisionLetter) -> bytes:
    """The letter's bytes as stored and handed out, signed (PAdES) with the node's key and
    registered under its verification code: whatever this returns is what the SHA-256 and
    verification speak for."""
    from app.core import pdfsign

    signed, _row = pdfsign.sign_and_record(
        pdf, kind=SIGNED_KIND, code=signed_code(letter), reason=letter.number
    )
    return signed


def render_letter(letter: DecisionLetter) -> tuple[bytes, int]:
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf

    application = db.session.get(Application, letter.application_id)
    with force_locale("zh"):
        html = render_template(
            "ethics/letter_pdf.html",
            a=application,
            letter=letter,
            code=signed_code(letter),
            decision=str(reviewing.DECISION_LABELS[application.decision]),
            decided_at=local_time(application.decided_at),
            items=items,
            font_css=font_css(),
        )
    rendered = html_to_pdf(html)
    return rendered.pdf, rendered.pages


def store_letter(letter: DecisionLetter, pdf: bytes, pages: int) -> None:
    if letter.sha256:
        return  # stored already (a retried job): the first stored letter is the letter
    pdf = finalise_letter(pdf, letter)
    relative = Path("ethics-letters") / f"{letter.application_id}-{letter.id}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    letter.sha256 = hashlib.sha256(pdf).hexdigest()
    letter.path = str(relative)
    letter.pages = pages
    letter.generated_at = utcnow()
    db.session.flush()


def letter_of(application: Application) -> DecisionLetter | None:
    """The letter of the latest decision (an upheld appeal's round ends in another)."""
    return db.session.scalar(
        select(DecisionLetter)
        .where(DecisionLetter.application_id == application.id)
        .order_by(DecisionLetter.id.desc())
        .limit(1)
    )


def letter_path(letter: DecisionLetter) -> Path:
    return Path(current_app.config["FILE_STORE"]) / letter.path
