"""Recording interviews and notes; what each reader may see of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.cases.models import Case
from app.cases.permissions import (
    agency_or_shared,
    can_contribute,
    check_case_open,
    reads_shared_level,
)
from app.core import audit
from app.core.calendar import today
from app.core.errors import InvalidInput, NotAllowed
from app.evidence.models import Visibility
from app.extensions import db
from app.notes.models import CaseNote, NoteKind

MAX_BODY = 20_000


@dataclass
class NoteInput:
    kind: str
    title: str
    happened_on: dt.date | None
    body: str
    visibility: str = Visibility.internal.value
    interviewee: str | None = None
    location: str | None = None


def add_note(case: Case, actor: User, data: NoteInput) -> CaseNote:
    """The case team records an interview or a note; it is audited and never edited."""
    if not can_contribute(actor, case):
        raise NotAllowed(_l("Only the case team can record interviews and notes."))
    check_case_open(case)
    try:
        kind = NoteKind(data.kind)
    except ValueError:
        raise InvalidInput(_l("Choose interview or note."), field="kind") from None
    try:
        visibility = Visibility(data.visibility or Visibility.internal)
        if reads_shared_level(actor, case):
            visibility = Visibility.shared  # a participant's note is shared with the lead
    except ValueError:
        raise InvalidInput(_l("Choose internal or shared."), field="visibility") from None
    title = (data.title or "").strip()
    body = (data.body or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_l("Give a title of at most 200 characters."), field="title")
    if not body:
        raise InvalidInput(_l("This field is required."), field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(_l("At most 20,000 characters."), field="body")
    if data.happened_on is None:
        raise InvalidInput(_l("This field is required."), field="happened_on")
    if data.happened_on > today():
        raise InvalidInput(_l("The date cannot be in the future."), field="happened_on")
    interviewee = (data.interviewee or "").strip()[:200] or None
    if kind == NoteKind.interview and not interviewee:
        raise InvalidInput(_l("Name who was interviewed."), field="interviewee")
    note = CaseNote(
        case_id=case.id,
        kind=kind,
        title=title,
        happened_on=data.happened_on,
        interviewee=interviewee,
        location=(data.location or "").strip()[:200] or None,
        body=body,
        visibility=visibility,
        author_id=actor.id,
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        f"note.add.{kind.value}",
        actor=actor,
        case=case,
        obj=note,
        details={"title": title, "visibility": visibility.value},
    )
    return note


def case_notes(case: Case, user: User):
    return (
        select(CaseNote)
        .where(CaseNote.case_id == case.id, agency_or_shared(user, case, CaseNote.visibility))
        .options(selectinload(CaseNote.author))
        .order_by(CaseNote.happened_on, CaseNote.id)
    )


def count_for_case(case: Case) -> int:
    """How many items the case holds, for the snapshot a transfer's sender keeps."""
    return db.session.scalar(select(func.count()).where(CaseNote.case_id == case.id)) or 0
