"""Matching people against the records this node holds, one person or a whole list at once.

The single integrity check and batch screening (`app.screening`) both go through
`match_subjects`, so a person found by one is found by the other: the same keyed hash, the
same clause of what is in force, the same order. What a match means for a person (clear,
a record in force, a record under objection) is decided once, in `subject_state`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, or_, select

from app.core.calendar import today
from app.extensions import db
from app.records.models import IntegrityRecord, Recognition, RecordStatus

# Hashes per query: well under every database's bound-parameter limit, and each chunk is
# an index range scan of `ix_integrity_records_subject`.
CHUNK = 1000


class SubjectState(enum.StrEnum):
    clear = "clear"
    record = "record"  # a record in force
    objection = "objection"  # a record in force, under objection


def in_force_clause(on: dt.date | None = None):
    """Active and its term not ended (China Standard Time), as `models.in_force` reads one
    record: the nightly expiry job may not have run yet today; and one a check returns
    that day (not repaired, within its query limit: `IntegrityRecord.checkable_at`)."""
    on = on or today()
    return (
        IntegrityRecord.status == RecordStatus.active,
        or_(IntegrityRecord.term_end.is_(None), IntegrityRecord.term_end >= on),
        IntegrityRecord.checkable_at(on),
    )


def records_in_force() -> Select:
    """Every record in force this node holds, local and received."""
    return select(IntegrityRecord).where(*in_force_clause())


def match_subjects(
    hashes: Iterable[str], base: Select | None = None
) -> dict[str, list[IntegrityRecord]]:
    """The records of `base` (default: those in force) per matching hash, newest first.
    Set-based: one indexed query per `CHUNK` hashes, whatever the length of the list."""
    base = records_in_force() if base is None else base
    wanted = sorted({h for h in hashes if h})
    found: dict[str, list[IntegrityRecord]] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = base.where(IntegrityRecord.subject_hash.in_(chunk)).order_by(
            IntegrityRecord.effective_date.desc(), IntegrityRecord.id.desc()
        )
        for record in db.session.scalars(query):
            found.setdefault(record.subject_hash, []).append(record)
    return found


def under_objection(record: IntegrityRecord) -> bool:
    """Whether the record carries an objection mark (a new version marks and clears it)."""
    return bool(record.under_objection)


def subject_state(records: Sequence[IntegrityRecord]) -> SubjectState:
    """What a person's matches mean: any record in force under objection makes the row
    "under objection"; else any record in force makes it "record"; else clear."""
    if not records:
        return SubjectState.clear
    if any(under_objection(r) for r in records):
        return SubjectState.objection
    return SubjectState.record


def recognitions_of(records: Iterable[IntegrityRecord], agency_id: int) -> dict[int, Recognition]:
    """The recognition decision `agency_id` took on each record (taken here, not reported
    back by a peer), by record id: one query for the whole list."""
    ids = sorted({r.id for r in records})
    found: dict[int, Recognition] = {}
    for start in range(0, len(ids), CHUNK):
        for row in db.session.scalars(
            select(Recognition).where(
                Recognition.record_id.in_(ids[start : start + CHUNK]),
                Recognition.peer_id.is_(None),
                Recognition.agency_id == agency_id,
            )
        ):
            found[row.record_id] = row
    return found
