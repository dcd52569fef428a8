"""The review record (审查记录) of an application: its acceptance and notices, the procedure,
the members with their declarations, recusals and attendance, the votes as counted (never
who voted what), the minutes, the decision and the re-review's result — a PDF rendered in
the background like the decision letter, signed (PAdES) with the node's key and registered
under its verification code, so it verifies on the platform's verify page and offline.

Each request renders the record as it stands then, as a new version; the committee office
and the authority's supervisors, auditors and administrators read it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import Role, User
from app.core import audit
from app.core.errors import NotAllowed
from app.core.models import utcnow
from app.core.times import local_time
from app.ethics import appeals, followup, permissions, reviewing, services
from app.ethics.models import Application
from app.extensions import db

SIGNED_KIND = "ethics_review_record"


class ReviewRecord(db.Model):
    """One rendering of an application's review record, stored with its SHA-256."""

    __tablename__ = "ethics_review_records"
    __table_args__ = (Index("ix_ethics_review_records_app", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("ethics_applications.id"))
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(String(300))
    pages: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(36))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    generated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def register() -> None:
    from app.core.labels import register_labels
    from app.core.pdfsign import register_document_kind

    register_document_kind(SIGNED_KIND, _l("Ethics review record"))
    register_labels(
        audit={
            "ethics.record.requested": _l("Ethics review record requested"),
            "ethics.record.downloaded": _l("Ethics review record downloaded"),
        }
    )


def may_read(user: User, application: Application) -> bool:
    """The committee's office, and the staff of the authority the unit is under."""
    if user is None or not user.is_authenticated:
        return False
    if permissions.is_office_of(user, application):
        return True
    return user.agency_id == application.unit.agency_id and user.has_role(
        Role.supervisor, Role.auditor, Role.agency_admin
    )


def records_of(application: Application) -> list[ReviewRecord]:
    return list(
        db.session.scalars(
            select(ReviewRecord)
            .where(ReviewRecord.application_id == application.id)
            .order_by(ReviewRecord.id.desc())
        )
    )


def request_record(actor: User, application: Application) -> ReviewRecord:
    """Queues a rendering of the record as it stands; without Redis the job runs at once."""
    from app.ethics.tasks import generate_review_record
    from app.jobs import enqueue

    if not may_read(actor, application):
        raise NotAllowed(_l("Only the committee office and the authority read the review record."))
    row = ReviewRecord(application_id=application.id, requested_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "ethics.record.requested",
        actor=actor,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, "record": row.id},
    )
    enqueue(
        generate_review_record,
        row.id,
        queue="dossiers",
        description=f"{application.reference} review record",
        user=actor,
    )
    return row


def signed_code(row: ReviewRecord) -> str:
    return f"ETHREC-{row.id:06d}"


def _members(application: Application) -> list[dict]:
    rows = []
    for m in reviewing.members_of(application):
        expert = m.seat.expert
        rows.append(
            {
                "name": expert.name,
                "role": m.role,
                "category": m.category,
                "named": m.named,
                "declared_at": local_time(m.declared_at) if m.declared_at else None,
                "recused": m.recused,
                "reason": m.recusal_reason,
                "attendance": m.attendance,
                "voted": m.voted_at is not None,
            }
        )
    return rows


def _rereview(application: Application) -> dict | None:
    from app.ethics.rereview import rereview_of

    review = rereview_of(application)
    if review is None:
        return None
    return {
        "state": review.state,
        "filed_at": local_time(review.filed_at),
        "experts": [
            {
                "name": s.expert.name,
                "agency": s.expert.agency.name_zh,
                "category": s.category,
                "status": s.status,
                "declared": s.declared_at is not None,
                "recused": s.recused,
                "answered": s.voted_at is not None,
            }
            for s in review.experts
        ],
        "tally": review.tally,
        "reasons": review.reasons,
        "decided_at": local_time(review.decided_at) if review.decided_at else None,
    }


def record_data(application: Application) -> dict:
    """Plain data for the layout: what the record states, nothing the template looks up."""
    from app.ethics.letters import letter_of

    letter = letter_of(application)
    tally = application.tally
    if tally is None and application.procedure is not None and application.panel is not None:
        members = reviewing.members_of(application)
        tally = {"votes_cast": sum(1 for m in members if m.voted_at is not None), "open": True}
    return {
        "a": application,
        "notices": services.notices_of(application),
        "versions": services.versions_of(application),
        "members": _members(application),
        "tally": tally,
        "proposed": reviewing.DECISION_LABELS.get(application.proposed_decision or ""),
        "decision": reviewing.DECISION_LABELS.get(application.decision or ""),
        "decided_at": local_time(application.decided_at) if application.decided_at else None,
        "accepted_at": local_time(application.accepted_at) if application.accepted_at else None,
        "letter": letter,
        "rereview": _rereview(application),
        "appeals": appeals.appeals_of(application),
        "followups": followup.followups_of(application),
    }


def render_record(row: ReviewRecord) -> tuple[bytes, int]:
    from app.dossiers.fonts import font_css
    from app.dossiers.render import html_to_pdf

    application = db.session.get(Application, row.application_id)
    with force_locale("zh"):
        html = render_template(
            "ethics/review_record_pdf.html",
            row=row,
            code=signed_code(row),
            generated=local_time(utcnow()),
            font_css=font_css(),
            **record_data(application),
        )
    rendered = html_to_pdf(html)
    return rendered.pdf, rendered.pages


def store_record(row: ReviewRecord, pdf: bytes, pages: int) -> None:
    """Signs, registers and stores the record once (a retried job keeps the first)."""
    from app.core import pdfsign

    if row.sha256:
        return
    pdf, _signed = pdfsign.sign_and_record(
        pdf, kind=SIGNED_KIND, code=signed_code(row), reason=signed_code(row)
    )
    relative = Path("ethics-records") / f"{row.application_id}-{row.id}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    row.sha256 = hashlib.sha256(pdf).hexdigest()
    row.path = str(relative)
    row.pages = pages
    row.generated_at = utcnow()
    db.session.flush()


def record_path(row: ReviewRecord) -> Path:
    return Path(current_app.config["FILE_STORE"]) / row.path
