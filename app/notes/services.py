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
from app.core.errors import NotAllowed, Problems
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
    problems = note_problems(data)
    problems.check()
    kind = NoteKind(data.kind)
    visibility = Visibility(data.visibility or Visibility.internal)
    if reads_shared_level(actor, case):
        visibility = Visibility.shared  # a participant's note is shared with the lead
    title = data.title.strip()
    body = data.body.strip()
    interviewee = (data.interviewee or "").strip()[:200] or None
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


def note_problems(data: NoteInput) -> Problems:
    """Every problem of a note as typed (all of them: the form is corrected in one round)."""
    problems = Problems()
    try:
        kind = NoteKind(data.kind)
    except ValueError:
        kind = None
        problems.add("kind", _l("Choose interview or note."), label=_l("Kind"))
    try:
        Visibility(data.visibility or Visibility.internal)
    except ValueError:
        problems.add("visibility", _l("Choose internal or shared."), label=_l("Visibility"))
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        problems.add("title", _l("Give a title of at most 200 characters."), label=_l("Title"))
    body = (data.body or "").strip()
    if not body:
        problems.add("body", _l("This field is required."), label=_l("Record"))
    elif len(body) > MAX_BODY:
        problems.add("body", _l("At most 20,000 characters."), label=_l("Record"))
    if data.happened_on is None:
        problems.add("happened_on", _l("This field is required."), label=_l("Date"))
    elif data.happened_on > today():
        problems.add("happened_on", _l("The date cannot be in the future."), label=_l("Date"))
    if kind == NoteKind.interview and not (data.interviewee or "").strip():
        problems.add("interviewee", _l("Name who was interviewed."), label=_l("Interviewee"))
    return problems


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
