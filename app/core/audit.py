"""The append-only, hash-chained audit log.

Each entry stores the hash of the previous entry and the SHA-256 of its own canonical
content, so altering or removing any row breaks the chain from that row on. Writers are
serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite transactions begin
IMMEDIATE), and `prev_hash` is unique, so the chain can never fork.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text

from app.core.models import AuditEntry, utcnow
from app.extensions import db

GENESIS = "0" * 64
_LOCK_KEY = 7_240_311  # arbitrary constant naming the audit-chain advisory lock (0030's)


def canonical_content(entry: AuditEntry) -> bytes:
    at = entry.at
    if at.tzinfo is None:  # SQLite returns naive datetimes; they are stored as UTC
        at = at.replace(tzinfo=dt.UTC)
    content = {
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "agency_id": entry.agency_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "case_id": entry.case_id,
        "ip": entry.ip,
        "details": entry.details or {},
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()


_HEAD = select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
# The lock, then the head read under it, in one round trip: a function's queries each take
# a fresh snapshot (migration 0030_reqcost_audit_chain_head), a single statement's would not.
_LOCKED_HEAD = text("SELECT audit_chain_head()")


def _locked_head() -> str:
    """The newest entry's hash, read while holding the chain's lock until the transaction
    ends (PostgreSQL: an advisory lock; SQLite: the write lock its BEGIN IMMEDIATE took)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.flush()  # the lock's statement is no ORM query: it would not autoflush
        return db.session.scalar(_LOCKED_HEAD) or GENESIS
    return db.session.scalar(_HEAD) or GENESIS


def record(
    action: str,
    *,
    actor=None,
    case=None,
    obj=None,
    details: dict[str, Any] | None = None,
    agency_id: int | None = None,
    keep_address: bool = True,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits). Without
    `keep_address` the entry holds no network address: the public portal keeps a visitor's
    address only for a time, and a chained entry cannot forget it later."""
    (entry,) = record_each(
        action,
        [obj],
        actor=actor,
        case=case,
        details=details,
        agency_id=agency_id,
        keep_address=keep_address,
    )
    return entry


def record_each(
    action: str,
    objs: list,
    *,
    actor=None,
    case=None,
    details: dict[str, Any] | None = None,
    agency_id: int | None = None,
    keep_address: bool = True,
) -> list[AuditEntry]:
    """One entry per object, chained in memory under one lock and written in one statement:
    for a step that touches hundreds of objects at once (a dossier exporting evidence). The
    entries returned are not in the session (read them back by their hash)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    prev = _locked_head()
    entries = []
    for obj in objs:
        entry = AuditEntry(
            at=utcnow(),
            actor_id=getattr(actor, "id", None),
            agency_id=agency_id or getattr(actor, "agency_id", None),
            action=action,
            object_type=type(obj).__name__ if obj is not None else None,
            object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) else None,
            case_id=getattr(case, "id", None),
            ip=request.remote_addr if has_request_context() and keep_address else None,
            details=details or {},
            prev_hash=prev,
        )
        entry.hash = prev = compute_hash(entry)
        entries.append(entry)
    # What the caller left pending first (an entry may name a case made in this
    # transaction), then the entries as plain rows: the unit of work's bookkeeping for an
    # object no one reads again was a fifth of an integrity check's CPU.
    db.session.flush()
    db.session.execute(AuditEntry.__table__.insert(), [_row(entry) for entry in entries])
    return entries


_COLUMNS = tuple(c.key for c in AuditEntry.__table__.columns if c.key != "id")


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {key: getattr(entry, key) for key in _COLUMNS}


@dataclass(frozen=True)
class Head:
    """A point of the chain: the id and hash of an entry and how many entries lead up to it
    (ids have gaps, so the count is not the id). Genesis is (0, GENESIS, 0)."""

    last_id: int
    hash: str
    count: int


START = Head(0, GENESIS, 0)


@dataclass
class Walk:
    ok: bool
    checked: int
    bad: AuditEntry | None
    why: str
    head: Head


def walk_chain(start: Head = START, batch: int = 5000) -> Walk:
    """Walks the chain from `start` (an entry known to be good, such as a checkpoint's) to
    the newest entry; stops at the first entry that does not match."""
    expected_prev, last_id, count = start.hash, start.last_id, start.count
    checked = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return Walk(True, checked, None, "", Head(last_id, expected_prev, count))
        for entry in rows:
            why = _mismatch(entry, expected_prev)
            if why:
                return Walk(False, checked, entry, why, Head(last_id, expected_prev, count))
            expected_prev = entry.hash
            checked += 1
            count += 1
            last_id = entry.id
        db.session.expunge_all()


def _mismatch(entry: AuditEntry, expected_prev: str) -> str:
    if entry.prev_hash != expected_prev:
        return "previous-hash link broken (entry removed or reordered)"
    if compute_hash(entry) != entry.hash:
        return "content does not match its hash (entry altered)"
    return ""


def verify_chain(batch: int = 5000) -> tuple[bool, int, AuditEntry | None, str]:
    """Walk the whole chain; returns (ok, entries checked, first bad entry, what is wrong).
    The newest entries' removal is found by `app.core.checkpoints.verify_audit_log`."""
    walk = walk_chain(START, batch)
    return walk.ok, walk.checked, walk.bad, walk.why
