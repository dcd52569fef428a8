"""Batch screening: a programme office submits an applicant list with its purpose; a
background job matches every row against the records in force (`app.records.matching`, the
single integrity check's own path) and writes the result workbook.

ID numbers are read, checked and hashed in the request that submits the list; only the
hash is stored, and only until the job ends. Bad rows are kept with the reason and never
stop the rest. Every screening is audited with its purpose, its requester and its counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from app.auth.models import Role, User
from app.core import audit
from app.core.crypto import matching_hash
from app.core.errors import NotAllowed, Problems
from app.core.identifiers import IdType, id_number_problem, mask_id_number, normalise
from app.core.models import utcnow
from app.extensions import db
from app.records.matching import match_subjects, recognitions_of, subject_state
from app.records.models import IntegrityRecord, Recognition
from app.screening.models import RowState, Screening, ScreeningRow, ScreeningStatus
from app.screening.reading import ListRow

PURPOSE_MAX = 300
INSERT_BATCH = 5000

# What a list may write in its ID type column, in either language; empty means resident ID.
ID_TYPES = {
    "": IdType.resident_id,
    "resident_id": IdType.resident_id,
    "居民身份证": IdType.resident_id,
    "身份证": IdType.resident_id,
    "resident id": IdType.resident_id,
    "passport": IdType.passport,
    "护照": IdType.passport,
    "uscc": IdType.uscc,
    "统一社会信用代码": IdType.uscc,
    "other": IdType.other,
    "其他": IdType.other,
}

# Why a row could not be screened (shown by `labels`).
PROBLEMS = ("missing_name", "too_long", "missing_id", "unknown_id_type", "invalid_id")


def may_screen(user: User) -> bool:
    return user.has_role(Role.screener) and not user.agency.is_platform


def check_row(row: ListRow) -> tuple[str | None, IdType | None, str]:
    """(problem, ID type, normalised number): the problem is None for a row to match."""
    id_type = ID_TYPES.get(row.id_type.strip().lower())
    number = normalise(row.id_number)
    if not row.name:
        return "missing_name", id_type, number
    if len(row.name) > 200 or len(row.institution) > 200:
        return "too_long", id_type, number
    if not number:
        return "missing_id", id_type, number
    if id_type is None:
        return "unknown_id_type", None, number
    if id_number_problem(id_type.value, number) is not None:
        return "invalid_id", id_type, number
    return None, id_type, number


def _row_values(screening_id: int, row: ListRow) -> dict:
    problem, id_type, number = check_row(row)
    good = problem is None
    return {
        "screening_id": screening_id,
        "line": row.line,
        "name": row.name[:200],
        "id_type": id_type.value if id_type else row.id_type[:32],
        "id_masked": mask_id_number(number) if good else None,
        "institution": row.institution[:200],
        "subject_hash": matching_hash(id_type.value, number) if good else None,
        "state": RowState.pending if good else RowState.bad,
        "problem": problem,
    }


def submit_screening(
    actor: User, purpose: str | None, read: Callable[[], list[ListRow]], source: str = ""
) -> Screening:
    """Checks the purpose and reads the list (`read`), all problems at once; stores the
    rows (hashes, never ID numbers). The caller starts the job (`start_screening`)."""
    if not may_screen(actor):
        raise NotAllowed(_l("Only a screener of an agency can screen applicant lists."))
    purpose = (purpose or "").strip()
    problems = Problems()
    if not purpose:
        problems.add(
            "purpose",
            _l("Say what the screening is for (call, award, title)."),
            label=_l("Purpose"),
        )
    elif len(purpose) > PURPOSE_MAX:
        problems.add(
            "purpose", _l("At most %(max)s characters.", max=PURPOSE_MAX), label=_l("Purpose")
        )
    rows = problems.attempt(read, default=[])
    problems.check()
    screening = Screening(
        agency_id=actor.agency_id,
        requested_by_id=actor.id,
        purpose=purpose,
        source=(source or "")[:200],
        rows_total=len(rows),
    )
    db.session.add(screening)
    db.session.flush()
    values = [_row_values(screening.id, row) for row in rows]
    for start in range(0, len(values), INSERT_BATCH):
        db.session.execute(insert(ScreeningRow), values[start : start + INSERT_BATCH])
    screening.rows_bad = sum(1 for v in values if v["state"] == RowState.bad)
    audit.record(
        "screening.submit",
        actor=actor,
        obj=screening,
        details={"purpose": purpose, "rows": len(rows), "bad": screening.rows_bad},
    )
    db.session.flush()
    return screening


def start_screening(screening: Screening, actor: User) -> Screening:
    """Puts the matching on the queue (commits with Redis; runs here without)."""
    from app.jobs import NO_RETRY, enqueue
    from app.screening.tasks import run_screening

    job = enqueue(
        run_screening,
        screening.id,
        description=f"screening {screening.id}",
        user=actor,
        retry=NO_RETRY,
    )
    screening.job_id = job.id
    db.session.flush()
    return screening


def progress_of(screening: Screening) -> int:
    """What the page and the API show of a screening's progress: every screener who sees
    the screening (`permissions.visible_screenings`) sees it, not only the one who ran it,
    as the job's own status is (app.jobs: its requester only)."""
    from app.jobs.models import Job

    if screening.done:
        return 100
    job = db.session.get(Job, screening.job_id) if screening.job_id else None
    return job.progress if job else 0


def match_json(record: IntegrityRecord, own_agency_id: int, decision: Recognition | None) -> dict:
    """What a row shows of a record: what a single integrity check shows, no case, no
    complainant, no evidence."""
    payload = record.payload or {}
    if record.agency_id == own_agency_id:
        recognition = "own"
    else:
        recognition = decision.decision.value if decision else None
    return {
        "record_id": record.record_uid,
        "subject_name": record.subject_name,
        "deciding_agency": record.deciding_agency,
        "origin_node": record.origin_node,
        "local": record.is_local,
        "outcome": payload.get("outcome"),
        "severity": payload.get("severity"),
        "effective_date": _iso(record.effective_date),
        "term_end": _iso(record.term_end),
        "lifetime": record.lifetime,
        "recognition": recognition,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def match_rows(screening: Screening, progress: Callable[[int], None] = lambda _p: None) -> int:
    """Matches the screening's pending rows, set-based; returns the rows with a hit."""
    pending = db.session.execute(
        select(ScreeningRow.id, ScreeningRow.subject_hash).where(
            ScreeningRow.screening_id == screening.id, ScreeningRow.state == RowState.pending
        )
    ).all()
    rows_of: dict[str, list[int]] = {}
    for row_id, subject in pending:
        rows_of.setdefault(subject, []).append(row_id)
    progress(20)
    # No progress (a commit) from here until the updates are built: it would expire the
    # matched records and reload each one.
    found = match_subjects(rows_of)
    decisions = recognitions_of(
        (r for records in found.values() for r in records), screening.agency_id
    )
    updates = []
    for subject, records in found.items():
        state = RowState(subject_state(records).value)
        matches = [match_json(r, screening.agency_id, decisions.get(r.id)) for r in records]
        updates += [{"id": i, "state": state, "matches": matches} for i in rows_of[subject]]
    if updates:
        db.session.execute(update(ScreeningRow), updates)
    db.session.execute(
        update(ScreeningRow)
        .where(ScreeningRow.screening_id == screening.id, ScreeningRow.state == RowState.pending)
        .values(state=RowState.clear)
    )
    progress(70)
    return len(updates)


def forget_hashes(screening_id: int) -> None:
    """The hashes of the list live as long as the job: gone when it ends, however."""
    db.session.execute(
        update(ScreeningRow)
        .where(ScreeningRow.screening_id == screening_id, ScreeningRow.subject_hash.is_not(None))
        .values(subject_hash=None)
    )


def count_rows(screening: Screening) -> None:
    counts = dict(
        db.session.execute(
            select(ScreeningRow.state, func.count())
            .where(ScreeningRow.screening_id == screening.id)
            .group_by(ScreeningRow.state)
        ).all()
    )
    screening.rows_bad = counts.get(RowState.bad, 0)
    screening.rows_clear = counts.get(RowState.clear, 0)
    screening.rows_record = counts.get(RowState.record, 0)
    screening.rows_objection = counts.get(RowState.objection, 0)


def finish_screening(screening: Screening, excel_path: str | None) -> None:
    forget_hashes(screening.id)
    count_rows(screening)
    screening.status = ScreeningStatus.finished
    screening.excel_path = excel_path
    screening.finished_at = utcnow()
    audit.record(
        "screening.finish",
        actor=screening.requested_by,
        obj=screening,
        details={"purpose": screening.purpose, **screening.counts()},
    )
    db.session.flush()


def fail_screening(screening_id: int) -> None:
    """After a failure: the hashes go all the same, and the page says it failed."""
    db.session.rollback()
    forget_hashes(screening_id)
    screening = db.session.get(Screening, screening_id)
    if screening is not None:
        screening.status = ScreeningStatus.failed
        screening.finished_at = utcnow()
        audit.record(
            "screening.fail",
            actor=screening.requested_by,
            obj=screening,
            details={"purpose": screening.purpose, "rows": screening.rows_total},
        )
    db.session.commit()


def record_download(screening: Screening, actor: User, kind: str) -> None:
    audit.record(
        "screening.download",
        actor=actor,
        obj=screening,
        details={"purpose": screening.purpose, "format": kind},
    )
