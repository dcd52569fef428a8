"""Auditors read their agency's audit entries; system administrators read the platform's
(entries that belong to no agency: failed logins with unknown user names, work of
background jobs, requests from exchange peers). The export streams, whatever its size."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required
from sqlalchemy import false, or_, select

from app.auditing import bp
from app.auditing.objects import describe_objects, references_at
from app.auth.models import Role, User
from app.cases.models import Case, CaseTransfer, TransferState
from app.core import audit
from app.core.exports import csv_writer
from app.core.labels import AUDIT_AREAS, object_type_label
from app.core.models import AuditEntry
from app.core.times import cst_day_start, local_iso
from app.extensions import db

EXPORT_BATCH = 1000


def is_auditor(user) -> bool:
    return user.has_role(Role.auditor) or user.has_role(Role.sysadmin)


def audit_scope(user):
    """Own agency's entries for an auditor; for a system administrator the platform's: those
    of no agency and those of the platform pseudo-agency (system administrators' own)."""
    clauses = []
    if user.has_role(Role.auditor):
        clauses.append(AuditEntry.agency_id == user.agency_id)
    if user.has_role(Role.sysadmin):
        clauses.append(AuditEntry.agency_id.is_(None))
        if user.agency.is_platform:
            clauses.append(AuditEntry.agency_id == user.agency_id)
    return or_(*clauses) if clauses else false()


@dataclass
class AuditFilters:
    user: str | None = None
    case: str | None = None
    action: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def filters_from_args() -> AuditFilters:
    def text(name):
        return (request.args.get(name) or "").strip()[:100] or None

    return AuditFilters(
        user=text("user"),
        case=text("case"),
        action=text("action"),
        date_from=_date("from"),
        date_to=_date("to"),
    )


def audit_query(user: User, f: AuditFilters):
    """What `audit_scope` allows, newest first, filtered inside SQL."""
    q = select(AuditEntry).where(audit_scope(user))
    if f.user:
        q = q.where(AuditEntry.actor_id.in_(select(User.id).where(User.username == f.user.lower())))
    if f.case:
        # A case transferred since is found by the reference it had here too.
        sent = select(CaseTransfer.case_id).where(
            CaseTransfer.sender_reference == f.case, CaseTransfer.state == TransferState.accepted
        )
        cases = select(Case.id).where(or_(Case.reference == f.case, Case.id.in_(sent)))
        q = q.where(AuditEntry.case_id.in_(cases))
    if f.action:
        q = q.where(AuditEntry.action.startswith(f.action, autoescape=True))
    if f.date_from:
        q = q.where(AuditEntry.at >= cst_day_start(f.date_from))
    if f.date_to:
        q = q.where(AuditEntry.at < cst_day_start(f.date_to + dt.timedelta(days=1)))
    return q.order_by(AuditEntry.id.desc())


def _require_auditor() -> None:
    if not is_auditor(current_user):
        abort(403)


@bp.route("/audit")
@login_required
def audit_log():
    _require_auditor()
    filters = filters_from_args()
    # Recorded and committed first: a commit after loading would expire the page's entries
    # and read each one again.
    audit.record("audit.view", actor=current_user)
    db.session.commit()
    page = db.paginate(
        audit_query(current_user, filters), per_page=50, max_per_page=200, error_out=False
    )
    actors = _names(User, {e.actor_id for e in page.items})
    references = references_at((e.id, _case_of(e), e.at) for e in page.items)
    objects = _entry_objects(page.items, describe_objects(page.items), references)
    return render_template(
        "auditing/log.html",
        page=page,
        filters=filters,
        actors=actors,
        references=references,
        objects=objects,
        areas=AUDIT_AREAS,
        own_agency=current_user.has_role(Role.auditor),
        platform=current_user.has_role(Role.sysadmin),
    )


def _case_of(e) -> int | None:
    if e.object_type == "Case" and (e.object_id or "").isdigit():
        return int(e.object_id)
    return e.case_id


def _entry_objects(entries, described: dict, references: dict) -> dict[int, str]:
    """Each entry's object in words; a case by the reference it had when the entry was
    written, like the entry's case column."""
    found = {}
    for e in entries:
        key = (e.object_type, e.object_id or "")
        if e.object_type == "Case" and e.id in references:
            found[e.id] = f"{object_type_label('Case')} {references[e.id]}"
        else:
            found[e.id] = described.get(key, "")
    return found


def _names(model, ids: set) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}


CSV_HEADER = ["id", "at", "actor", "action", "object_type", "object_id", "case", "ip", "details"]


@bp.route("/audit/export.csv")
@login_required
def export_csv():
    _require_auditor()
    filters = filters_from_args()
    audit.record("audit.export", actor=current_user, details={"filters": request.args.to_dict()})
    db.session.commit()
    query = audit_query(current_user, filters)
    return Response(
        stream_with_context(_csv_rows(query)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def _csv_rows(query):
    """Keyset pages by id over plain columns, so memory stays flat however long the log."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(CSV_HEADER)
    yield "\ufeff" + _drain(buffer)
    columns = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            User.username,
            AuditEntry.action,
            AuditEntry.object_type,
            AuditEntry.object_id,
            AuditEntry.case_id,
            AuditEntry.ip,
            AuditEntry.details,
        )
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.id.in_(query.with_only_columns(AuditEntry.id).order_by(None)))
        .order_by(AuditEntry.id.desc())
        .limit(EXPORT_BATCH)
    )
    last_id = None
    while True:
        page = columns if last_id is None else columns.where(AuditEntry.id < last_id)
        rows = db.session.execute(page).all()
        if not rows:
            return
        references = references_at((row.id, row.case_id, row.at) for row in rows)
        for row in rows:
            writer.writerow(_csv_row(row, references.get(row.id, "")))
        last_id = rows[-1].id
        yield _drain(buffer)


def _csv_row(row, reference: str) -> list:
    return [
        row.id,
        local_iso(row.at),
        row.username or "",
        row.action,
        row.object_type or "",
        row.object_id or "",
        reference,
        row.ip or "",
        json.dumps(row.details or {}, ensure_ascii=False, sort_keys=True),
    ]


def _drain(buffer: io.StringIO) -> str:
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
