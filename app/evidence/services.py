"""Adding, withdrawing and handing out evidence; every step lands in the chain of custody."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import User
from app.cases.models import Case
from app.cases.permissions import (
    agency_or_shared,
    can_contribute,
    can_handle,
    check_case_open,
    reads_shared_level,
)
from app.core import audit
from app.core.errors import InvalidInput, NotAllowed, ServiceError
from app.core.labels import file_type_label
from app.core.models import utcnow
from app.evidence import storage
from app.evidence.models import (
    Blob,
    CustodyAction,
    CustodyEvent,
    EvidenceItem,
    EvidenceKind,
    Visibility,
)
from app.extensions import db


class FileTooLarge(ServiceError):
    status = 413
    code = "file_too_large"


class TypeNotAllowed(ServiceError):
    status = 415
    code = "type_not_allowed"


def size_label(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


@dataclass
class Upload:
    stream: BinaryIO
    filename: str | None


def _check_can_add(case: Case, actor: User) -> None:
    if not can_contribute(actor, case):
        raise NotAllowed(_l("Only the case team can add evidence."))
    check_case_open(case)


def _clean_title(title: str | None, fallback: str) -> str:
    title = (title or "").strip() or fallback
    if len(title) > 300:
        raise InvalidInput(_l("The title is longer than 300 characters."), field="title")
    return title


def material_visibility(case: Case, actor: User, value) -> Visibility:
    """A participating agency's material is shared with the lead (and the other
    participants), whatever the form said: it cannot hide material in someone else's case."""
    if reads_shared_level(actor, case):
        return Visibility.shared
    return _visibility(value)


def offered_visibilities(case: Case, actor: User) -> list[Visibility]:
    """What the evidence and note forms offer: a participating agency only adds shared
    material, so it is never offered "internal"."""
    if reads_shared_level(actor, case):
        return [Visibility.shared]
    return list(Visibility)


def _visibility(value) -> Visibility:
    try:
        return Visibility(value or Visibility.internal)
    except ValueError:
        raise InvalidInput(_l("Choose internal or shared."), field="visibility") from None


def add_file_evidence(
    case: Case,
    upload: Upload,
    actor: User,
    *,
    title: str | None = None,
    title_code: str | None = None,
    description: str | None = None,
    visibility: str | Visibility = Visibility.internal,
) -> EvidenceItem:
    """Stores the file (once per content) and references it from a new item of the case.
    With `title_code`, `title` is the value of a title the platform words for each reader
    (`app.evidence.labels.register_title_form`)."""
    _check_can_add(case, actor)
    name = storage.sanitise_name(upload.filename)
    title = _clean_title(title, name)
    vis = material_visibility(case, actor, visibility)
    stored = store_upload(upload, name)
    item = EvidenceItem(
        case_id=case.id,
        kind=EvidenceKind.file,
        title=title,
        title_code=title_code,
        description=(description or "").strip() or None,
        original_name=name,
        blob_sha256=stored.sha256,
        visibility=vis,
        added_by_id=actor.id,
    )
    return _finish_add(case, item, actor, {"sha256": stored.sha256, "size": stored.size})


def store_upload(upload: Upload, name: str | None = None) -> storage.Received:
    """Stores an upload under the evidence rules (size limit, types read from the content,
    one file per content) with its blob row; the caller references it by its hash. Other
    features keeping a file (a repair request's proof, a report's evidence) use it too.
    Refuses with `FileTooLarge` or `TypeNotAllowed`, naming the file, and then nothing is
    stored."""
    name = name or storage.sanitise_name(upload.filename)
    limit = current_app.config["EVIDENCE_MAX_FILE_SIZE"]
    try:
        with storage.receive(
            upload.stream, limit, current_app.config["EVIDENCE_ALLOWED_TYPES"]
        ) as stored:
            # The row first: from here on a sweep cannot remove this content's file.
            claim_blob_row(stored)
            storage.place(stored)
            return stored
    except storage.TooLarge:
        raise FileTooLarge(
            _l(
                "“%(name)s” is larger than the limit of %(limit)s a file; nothing was stored.",
                name=name,
                limit=size_label(limit),
            )
        ) from None
    except storage.TypeRejected as err:
        raise TypeNotAllowed(
            _l(
                "“%(name)s” is of a type not accepted as evidence: %(type)s.",
                name=name,
                type=file_type_label(err.mime_type),
            )
        ) from None


def claim_blob_row(stored: storage.Received) -> bool:
    """One row per content; a concurrent insert of the same hash waits, then does nothing.
    True when this call inserted the row."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.scalar(
        insert(Blob)
        .values(sha256=stored.sha256, size=stored.size, mime_type=stored.mime_type)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(Blob.sha256)
    )
    return inserted is not None


def register_physical_item(
    case: Case,
    title: str,
    actor: User,
    *,
    description: str | None = None,
    location: str | None = None,
    visibility: str | Visibility = Visibility.internal,
) -> EvidenceItem:
    """A physical item (lab notebook, original samples) recorded without a file."""
    _check_can_add(case, actor)
    if not (title or "").strip():
        raise InvalidInput(_l("Give the item a title."), field="title")
    item = EvidenceItem(
        case_id=case.id,
        kind=EvidenceKind.physical,
        title=_clean_title(title, ""),
        description=(description or "").strip() or None,
        location=(location or "").strip()[:300] or None,
        visibility=material_visibility(case, actor, visibility),
        added_by_id=actor.id,
    )
    return _finish_add(case, item, actor, {"physical": True})


def _finish_add(case: Case, item: EvidenceItem, actor: User, details: dict) -> EvidenceItem:
    db.session.add(item)
    db.session.flush()
    record_custody(item, CustodyAction.added, actor)
    audit.record(
        "evidence.add",
        actor=actor,
        case=case,
        obj=item,
        details={"title": item.stored_title, **details},
    )
    return item


def withdraw_evidence(item: EvidenceItem, reason: str, actor: User) -> None:
    """Evidence is never deleted; it is withdrawn with a reason and stays on record."""
    if not can_handle(actor, item.case):
        raise NotAllowed(_l("Only the case team can withdraw evidence."))
    check_case_open(item.case)
    if item.is_withdrawn:
        raise InvalidInput(_l("This item is already withdrawn."))
    if not (reason or "").strip():
        raise InvalidInput(_l("Give the reason for withdrawing this item."), field="reason")
    item.withdrawn_at = utcnow()
    item.withdrawn_by_id = actor.id
    item.withdrawn_reason = reason.strip()
    db.session.flush()
    record_custody(item, CustodyAction.withdrawn, actor, note=item.withdrawn_reason)
    audit.record("evidence.withdraw", actor=actor, case=item.case, obj=item)


def record_access(
    item: EvidenceItem, action: CustodyAction, actor: User, params: dict | None = None
) -> None:
    """Logs a view, download or export in the chain of custody and the audit log."""
    record_custody(item, action, actor, params=params)
    audit.record(f"evidence.{action.value}", actor=actor, case=item.case, obj=item, details=params)


def record_custody(
    item: EvidenceItem,
    action: CustodyAction,
    actor: User | None,
    note: str | None = None,
    params: dict | None = None,
) -> CustodyEvent:
    event = CustodyEvent(
        item_id=item.id,
        action=action,
        actor_id=getattr(actor, "id", None),
        note=note,
        params=params or None,
    )
    db.session.add(event)
    db.session.flush()
    return event


def case_evidence(case: Case, user: User):
    return (
        select(EvidenceItem)
        .where(
            EvidenceItem.case_id == case.id, agency_or_shared(user, case, EvidenceItem.visibility)
        )
        .order_by(EvidenceItem.id)
    )


def count_for_case(case: Case) -> int:
    """How many items the case holds, for the snapshot a transfer's sender keeps."""
    return db.session.scalar(select(func.count()).where(EvidenceItem.case_id == case.id)) or 0
