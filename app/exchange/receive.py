"""The receiving side of the protocol: verify, store idempotently, answer with a receipt.

A refusal raises `ExchangeRefused` with a stable code before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import orjson
import rfc8785
from sqlalchemy import (
    JSON,
    Integer,
    String,
    bindparam,
    cast,
    column,
    func,
    insert,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.types import TypeEngine

from app.core import envelopes
from app.core.models import utcnow
from app.core.node import load_public_key
from app.exchange.envelopes import ID_PATTERN, EnvelopeShape, MalformedEnvelope, check_shape
from app.exchange.kinds import guest_kind
from app.exchange.models import ExchangePeer
from app.extensions import db
from app.records import policy
from app.records.models import (
    IntegrityRecord,
    Recognition,
    RecognitionDecision,
    RecordStatus,
    RecordVersion,
    in_force,
)

log = logging.getLogger("yrd.exchange")


class ExchangeRefused(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str | None = None):
        super().__init__(f"{code}: {detail or title}")
        self.status, self.code, self.title, self.detail = status, code, title, detail


_key_cache: dict[tuple[str, str], object] = {}
# The public key each peer had when a request last read its row, by node id: only a guess,
# which `_first_version_at_once` lets the database confirm in the statement that stores.
_last_keys: dict[str, str] = {}


def _noted(node_id: str, peer: Peer | None) -> Peer | None:
    if peer is None:
        _last_keys.pop(node_id, None)
    else:
        _last_keys[node_id] = peer.public_key
    return peer


class Peer(NamedTuple):
    """An active peer as receiving needs it: read afresh by every request (never cached
    across requests, so a peer deactivated or given a new key is refused at once; the one
    statement storing a new record's first version checks the key it was verified with is
    still the peer's, see `_first_version_at_once`)."""

    id: int
    node_id: str
    public_key: str


_records = IntegrityRecord.__table__
_versions = RecordVersion.__table__
_peers = ExchangePeer.__table__
# The per-request statements are built once; SQLAlchemy caches their compiled form, so a
# request pays only for binding and running them.
_peer_by_node = select(_peers.c.id, _peers.c.node_id, _peers.c.public_key).where(
    _peers.c.node_id == bindparam("node_id"), _peers.c.active
)
_stored_versions = (
    select(
        _records.c.record_uid,
        _records.c.id,
        _records.c.origin_node,
        _records.c.current_version,
        _versions.c.version,
        _versions.c.envelope_sha256,
        _versions.c.envelope,
    )
    .select_from(_records.outerjoin(_versions, _versions.c.record_id == _records.c.id))
    .where(_records.c.record_uid.in_(bindparam("uids", expanding=True)))
)
# Version rows name their record by uid, so new records and their versions are two
# executemany statements with no ids to fetch in between. (Multi-row INSERT … RETURNING,
# SQLAlchemy's "insertmanyvalues", measured no cheaper for a batch of 250 on the database
# and slightly dearer in Python, which renders and binds every row's parameters anew.)
_insert_versions = insert(_versions).values(
    record_id=select(_records.c.id)
    .where(_records.c.record_uid == bindparam("record_uid"))
    .scalar_subquery()
)
_update_record = update(_records).where(_records.c.id == bindparam("record_pk"))
_insert_records = insert(_records)
VERSION_COLUMNS = ("version", "is_local", "status", "envelope", "envelope_sha256", "reason")


@cache
def _record_with_version(record_columns: tuple[str, ...]):
    """A new record and its first version in one statement on PostgreSQL (data-modifying
    CTEs): what a single envelope for a record not seen before writes. The version's values
    are bound as `version_<column>`. The statement answers the supervisors its hand-offs go
    to (`handoffs.supervisors_statement`), which would otherwise be a round trip of their
    own: PostgreSQL runs a data-modifying CTE to completion whether or not the query reads
    it."""
    from app.records.handoffs import supervisors_statement

    record = (
        insert(_records)
        .values({c: bindparam(c) for c in record_columns})
        .returning(_records.c.id)
        .cte("new_record")
    )
    return supervisors_statement().add_cte(_version_of(record))


def _version_of(record):
    """The CTE inserting the version of the record the CTE `record` inserted (its values
    bound as `version_<column>`)."""
    columns = (*VERSION_COLUMNS, "stored_at")
    values = (bindparam(f"version_{c}", type_=_versions.c[c].type) for c in columns)
    version = insert(_versions).from_select(
        ["record_id", *columns], select(record.c.id, *values), include_defaults=False
    )
    return version.cte("new_version")


@cache
def _insert_from_json(table_name: str, columns: tuple[str, ...]):
    """INSERT … SELECT from one JSON document holding every row (PostgreSQL's
    json_to_recordset), bound as `rows` (see `_json_rows`): a batch's rows are one parameter
    and one statement, where an executemany binds and runs each row apart. Columns left out
    take their Python defaults, once for the statement. A `record_uid` column names the
    version's record (`record_versions`), whose id the statement joins in. Rows are inserted
    in their order in the document (`n`), so ids follow it as an executemany's would."""
    table = _records if table_name == _records.name else _versions
    source = (
        func.json_to_recordset(cast(bindparam("rows", type_=String), JSON))
        .table_valued(column("n", Integer), *(column(c, _json_type(table, c)) for c in columns))
        .render_derived(name="source", with_types=True)
    )
    if table is _versions:
        values = [source.c[c] for c in columns if c != "record_uid"]
        chosen = select(_records.c.id, *values).join_from(
            source, _records, _records.c.record_uid == source.c.record_uid
        )
        names = ["record_id", *(c for c in columns if c != "record_uid")]
    else:
        chosen, names = select(*(source.c[c] for c in columns)), list(columns)
    return insert(table).from_select(names, chosen.order_by(source.c.n))


def _json_type(table, name: str) -> TypeEngine:
    return _records.c.record_uid.type if name == "record_uid" else table.c[name].type


def _json_rows(table, columns: tuple[str, ...], rows: list[dict]) -> str:
    """The rows as the JSON document `_insert_from_json` reads: each value as its column's
    type binds it (an enum as its stored string), dates and times in ISO 8601, and JSON
    columns as nested JSON; `n` numbers the rows."""
    dialect = db.session.get_bind().dialect
    processors = {
        name: processor
        for name in columns
        if not isinstance(kind := _json_type(table, name), JSON)
        and (processor := kind.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    document = []
    for n, row in enumerate(rows):
        item = {name: processors[name](v) if name in processors else v for name, v in row.items()}
        item["n"] = n
        document.append(item)
    return orjson.dumps(document).decode()


def _insert_json(table, rows: list[dict]) -> None:
    columns = tuple(dict.fromkeys(name for row in rows for name in row))
    statement = _insert_from_json(table.name, columns)
    db.session.execute(statement, {"rows": _json_rows(table, columns, rows)})


@cache
def _first_version_statement(record_columns: tuple[str, ...]):
    """A record's first version, and the record, in one statement on PostgreSQL, if the
    sender is still an active peer with the key the caller verified with and no record has
    the uid yet (`ON CONFLICT DO NOTHING`: a concurrent insert of it is waited for, then
    skipped). Answers the new record's id beside each supervisor to tell (one row of nulls
    beside it if there are none), and no row if nothing was stored. The record's values are
    bound by name, the version's as `version_<column>`, the peer as `sender` and `key`."""
    from app.records.handoffs import supervisors_statement

    peer = (
        select(_peers.c.id)
        .where(
            _peers.c.node_id == bindparam("sender"),
            _peers.c.public_key == bindparam("key"),
            _peers.c.active,
        )
        .cte("sending_peer")
    )
    values = [bindparam(c, type_=_records.c[c].type) for c in record_columns]
    record = (
        pg_insert(_records)
        .from_select([*record_columns, "peer_id"], select(*values, peer.c.id))
        .on_conflict_do_nothing(index_elements=[_records.c.record_uid])
        .returning(_records.c.id)
        .cte("new_record")
    )
    told = supervisors_statement().subquery("told")
    return (
        select(record.c.id.label("record_id"), told.c.id, told.c.agency_id, told.c.active)
        .select_from(record.outerjoin(told, true()))
        .order_by(told.c.agency_id, told.c.id)
        .add_cte(peer, _version_of(record))
    )


def _first_version_at_once(envelope, intake: Intake) -> dict | None:
    """One envelope's receipt when it is a new record's first version, stored in one
    statement (`_first_version_statement`) without the record lock or the lookup; None when
    it is not such an envelope or the statement stored nothing (the sender's key is not the
    one last read, or the record exists): the caller then takes the usual path with
    `intake`, which refuses or stores it as it would have, the shape checked here noted in
    it so that it is not checked again (its signature is, with the key then read).
    PostgreSQL only."""
    if not isinstance(envelope, dict) or envelope.get("version") != 1 or not _postgres():
        return None
    try:
        shape, canonical = _shape(envelope)
    except ExchangeRefused:
        return None
    intake.checked[id(envelope)] = (shape, canonical, None)
    key = _last_keys.get(shape.sender)
    if shape.kind != "record" or shape.version != 1 or key is None:
        return None
    verifier = peer_key(Peer(0, shape.sender, key))
    if not envelopes.verify_canonical(canonical, envelope["signature"], verifier):
        return None
    sha = hashlib.sha256(canonical).hexdigest()
    record = {
        "record_uid": shape.record_id,
        "origin_node": shape.sender,
        "is_local": False,
        **_record_columns(shape.version, shape.payload),
    }
    version = {f"version_{c}": v for c, v in _version_row(shape, envelope, sha).items()}
    params = {**record, **version, "version_stored_at": utcnow(), "sender": shape.sender}
    statement = _first_version_statement(tuple(record))
    rows = db.session.execute(statement, {**params, "key": key}).all()
    if not rows:
        return None
    from app.records.handoffs import announce_received

    announce_received([shape.record_id], [row for row in rows if row.id is not None])
    return receipt_for(envelope, "stored", sha)


def _execute(statement, rows: list[dict]) -> None:
    """One row as a plain execute (an executemany of one costs a pipeline sync with
    psycopg), more as one executemany."""
    db.session.execute(statement, rows[0] if len(rows) == 1 else rows)


@dataclass
class KnownRecord:
    """A received record as one request sees it: stored before (`id` set) or first seen in
    this request. `changes` holds the columns the request will write for it."""

    origin_node: str
    current_version: int
    id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Intake:
    """What one request already knows: peers by node id, and the records and versions its
    envelopes name, loaded in one query up front. Accepted envelopes only note what they add;
    `write` then stores it all in a few statements, however many envelopes there were."""

    peers: dict[str, Peer | None] = field(default_factory=dict)
    records: dict[str, KnownRecord | None] = field(default_factory=dict)
    versions: dict[tuple[str, int], tuple[str, dict]] = field(default_factory=dict)
    new_versions: list[dict[str, Any]] = field(default_factory=list)
    # By envelope (its id(), the request holding every envelope): its shape, canonical form
    # and whether its signature is good, from `check_signatures` (None: not checked yet).
    checked: dict[int, tuple[EnvelopeShape, bytes, bool | None]] = field(default_factory=dict)
    # Receipts made unsigned, for the caller to sign at once (`envelopes.start_sign_all`);
    # None: each receipt is signed as it is made.
    unsigned: list[dict] | None = None

    def check_signatures(self, items: list) -> Intake:
        """Checks at once, on every core (`envelopes.verify_all`), the signatures of the
        envelopes that pass the cheap checks; `authenticate` then takes each verdict instead
        of verifying again. An envelope failing a cheap check is left to `authenticate`,
        which refuses it as it would have."""
        ready = []
        for envelope in items:
            try:
                shape, canonical = _shape(envelope)
            except ExchangeRefused:
                continue
            if (peer := self.peer(shape.sender)) is not None:
                ready.append((envelope, shape, canonical, peer))
        verdicts = envelopes.verify_all(
            [(canonical, e["signature"], peer_key(peer)) for e, _s, canonical, peer in ready]
        )
        for (envelope, shape, canonical, _peer), good in zip(ready, verdicts, strict=True):
            self.checked[id(envelope)] = (shape, canonical, good)
        return self

    def prefetch(self, items: list, lock: bool = True) -> Intake:
        """Reads the stored records and versions the envelopes name, after taking their
        locks (`lock=False`: the caller took them already, see `peer`)."""
        uids = sorted(
            {
                e["record_id"]
                for e in items
                if isinstance(e, dict) and _short_str(e.get("record_id"))
            }
        )
        if lock:
            _lock_records(uids)
        for start in range(0, len(uids), 500):
            rows = db.session.execute(_stored_versions, {"uids": uids[start : start + 500]})
            self._note_stored(rows)
        for uid in uids:
            self.records.setdefault(uid, None)
        return self

    def _note_stored(self, rows) -> None:
        """Notes stored records and versions from rows of (record uid, record id, origin,
        current version, version, its SHA-256, its envelope); a record with no versions
        read has a row whose version is null, and no record at all a row of nulls."""
        for uid, pk, origin, current, version, sha, stored in rows:
            if uid is None:
                continue
            if uid not in self.records:
                self.records[uid] = KnownRecord(origin, current, pk)
            if version is not None:
                self.versions[(uid, version)] = (sha, stored.get("payload"))

    def peer(self, node_id: str, lock_record: str | None = None) -> Peer | None:
        """The active peer registered as `node_id`. With `lock_record` (one envelope per
        request) the same statement takes that record's lock on PostgreSQL when the peer
        exists and then reads the record and its versions, as `prefetch` would (migration
        0031_exchrt_receive_lookup): one round trip instead of two."""
        if node_id not in self.peers:
            if lock_record is not None and _postgres():
                return self._peer_locking(node_id, lock_record)
            row = db.session.execute(_peer_by_node, {"node_id": node_id}).first()
            self.peers[node_id] = _noted(node_id, Peer(*row) if row is not None else None)
        return self.peers[node_id]

    def _peer_locking(self, node_id: str, uid: str) -> Peer | None:
        params = {"node_id": node_id, "cls": LOCK_CLASS, "bucket": _bucket(uid), "uid": uid}
        rows = db.session.execute(_receive_lookup, params).all()
        self.peers[node_id] = _noted(node_id, Peer(*rows[0][:3]) if rows else None)
        if rows:
            self._note_stored(row[3:] for row in rows)
            self.records.setdefault(uid, None)
        return self.peers[node_id]

    def write(self) -> None:
        """Stores what the accepted envelopes added, once, after the last of them: new
        records, changes to stored records, then the versions, a statement each (one in all
        for a single new record on PostgreSQL)."""
        new = [r.changes for r in self.records.values() if r is not None and r.id is None]
        changed = [
            {"record_pk": r.id, **r.changes}
            for r in self.records.values()
            if r is not None and r.id is not None and r.changes
        ]
        from app.records.handoffs import announce_received

        if len(new) == 1 and len(self.new_versions) == 1 and not changed and _postgres():
            (version,) = self.new_versions
            params = {f"version_{c}": version[c] for c in VERSION_COLUMNS}
            params["version_stored_at"] = utcnow()
            statement = _record_with_version(tuple(new[0]))
            supervisors = db.session.execute(statement, {**new[0], **params}).all()
            announce_received([new[0]["record_uid"]], supervisors)
            return
        self._write_apart(new, changed)
        announce_received([r["record_uid"] for r in new])

    def _write_apart(self, new: list[dict], changed: list[dict]) -> None:
        """On PostgreSQL, several new rows of a table are one statement reading them from
        one JSON document (`_insert_from_json`); otherwise an executemany."""
        many = _postgres()
        if new and many and len(new) > 1:
            _insert_json(_records, new)
        elif new:
            _execute(_insert_records, new)
        if changed:
            _execute(_update_record, changed)
        if self.new_versions:
            if many and len(self.new_versions) > 1:
                _insert_json(_versions, self.new_versions)
            else:
                _execute(_insert_versions, self.new_versions)


# Requests naming the same record are serialised from before they read it to their commit,
# so two peers (or one peer retrying) sending the same new record at the same moment do not
# both decide it is new. Records map onto a fixed number of lock buckets, taken in order so
# that overlapping batches cannot deadlock; a single envelope takes one bucket. SQLite needs
# none: its write transactions begin IMMEDIATE and are serialised already.
LOCK_CLASS = 0x59524458  # "YRDX"; two-key advisory locks do not collide with one-key ones
LOCK_BUCKETS = 256


_lock_buckets = text(
    "SELECT pg_advisory_xact_lock(:cls, b) FROM unnest(CAST(:buckets AS int[])) AS b"
)
# The peer's row, then (only when the peer exists: an unknown sender is refused without
# waiting for any lock) the lock of one record's bucket, then that record's stored versions
# read under the lock; a row of nulls after the peer's columns when the record is new.
_receive_lookup = text(
    "SELECT * FROM exchange_receive_lookup(:node_id, :cls, :bucket, :uid)"
).columns(
    peer_id=Integer,
    peer_node=String,
    peer_key=String,
    record_uid=String,
    record_id=Integer,
    origin_node=String,
    current_version=Integer,
    version=Integer,
    envelope_sha256=String,
    envelope=JSON,
)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _bucket(uid: str) -> int:
    return zlib.crc32(uid.encode()) % LOCK_BUCKETS


def _lock_records(uids: list[str]) -> None:
    if not uids or not _postgres():
        return
    buckets = sorted({_bucket(uid) for uid in uids})
    db.session.execute(_lock_buckets, {"cls": LOCK_CLASS, "buckets": buckets})


def _short_str(value) -> bool:
    """A plausible record id to look up; anything else is refused by the shape check later."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def authenticate(
    envelope: dict, intake: Intake, lock: bool = False
) -> tuple[EnvelopeShape, Peer, str]:
    """Shape, then sender, then signature: the cheap checks refuse junk before any crypto.
    Returns the shape, the peer and the SHA-256 of the canonical form. With `lock`, looking
    the peer up also takes the envelope's record lock (see `Intake.peer`). An envelope
    the intake checked already (`Intake.check_signatures`) is not checked again."""
    good: bool | None = None
    if (checked := intake.checked.get(id(envelope))) is not None:
        shape, canonical, good = checked
    else:
        shape, canonical = _shape(envelope)
    peer = intake.peer(shape.sender, shape.record_id if lock else None)
    if peer is None:
        raise ExchangeRefused(
            403, "unknown_peer", "Unknown peer", f"no active peer is registered as {shape.sender!r}"
        )
    if good is None:
        good = envelopes.verify_canonical(canonical, envelope["signature"], peer_key(peer))
    if not good:
        raise ExchangeRefused(
            401, "bad_signature", "Bad signature", "the signature does not match the peer's key"
        )
    return shape, peer, hashlib.sha256(canonical).hexdigest()


def _shape(envelope) -> tuple[EnvelopeShape, bytes]:
    """The envelope's shape and canonical form, or the refusal of a malformed one."""
    canonical: bytes | None = None
    unsigned: Exception | None = None
    if isinstance(envelope, dict):
        try:
            canonical = envelopes.canonical(envelope)
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            unsigned = exc  # refused after the shape, which is checked first
    try:
        shape = check_shape(envelope, canonical)
    except MalformedEnvelope as exc:
        raise ExchangeRefused(422, "malformed_envelope", "Malformed envelope", str(exc)) from exc
    if canonical is None:
        raise ExchangeRefused(
            422, "malformed_envelope", "Malformed envelope", f"not canonicalisable: {unsigned}"
        ) from unsigned
    return shape, canonical


def peer_key(peer: Peer | ExchangePeer):
    cache_key = (peer.node_id, peer.public_key)
    if cache_key not in _key_cache:
        _key_cache[cache_key] = load_public_key(peer.public_key)
    return _key_cache[cache_key]


def accept(envelope: dict, intake: Intake | None = None) -> dict:
    """Stores one envelope (record version, recognition or a registered guest kind);
    returns the signed receipt.

    Refusals happen before anything is noted or added to the session, so a batch needs no
    savepoint per envelope. A batch shares one intake and calls `intake.write()` after its
    last envelope; without one, the envelope is written here (a new record's first version
    in one statement on PostgreSQL, `_first_version_at_once`). A concurrent duplicate
    surfaces as IntegrityError and the caller retries, finding the stored version."""
    own_intake = intake is None
    if own_intake:
        intake = Intake()
        if (receipt := _first_version_at_once(envelope, intake)) is not None:
            return receipt
        shape, peer, sha = authenticate(envelope, intake, lock=True)
        if shape.kind == "record" and shape.record_id not in intake.records:
            intake.prefetch([envelope], lock=False)
    else:
        shape, peer, sha = authenticate(envelope, intake)
    if shape.kind == "record":
        result = store_record_version(shape, peer, envelope, sha, intake)
    elif shape.kind == "recognition":
        result = store_recognition(shape, peer, envelope)
    elif (guest := guest_kind(shape.kind)) is not None:
        result = guest.store(shape, peer, envelope, sha)
        if own_intake:
            intake.write()
        extra = guest.receipt(envelope, result) if guest.receipt else {}
        return _receipt(intake, envelope, result, sha, extra)
    else:
        raise ExchangeRefused(422, "unexpected_kind", "Unexpected kind", "receipts are not sent")
    if own_intake:
        intake.write()
    return _receipt(intake, envelope, result, sha)


def accept_all(items: list, sign: bool = True) -> list[dict | ExchangeRefused]:
    """Each envelope's receipt, or the refusal raised for it, in order: one intake for them
    all, their signatures checked at once on every core (`Intake.check_signatures`), their
    rows written after the last in a few statements (`Intake.write`). With `sign` the
    receipts are signed on the other cores while the rows are written; without, they are
    left unsigned (a pull has nobody to send them to). A concurrent duplicate surfaces as
    IntegrityError at the write, for the caller to retry."""
    intake = Intake(unsigned=[]).prefetch(items).check_signatures(items)
    results: list[dict | ExchangeRefused] = []
    for envelope in items:
        try:
            results.append(accept(envelope, intake))
        except ExchangeRefused as exc:
            results.append(exc)
    signed = envelopes.start_sign_all(intake.unsigned) if sign else None
    intake.write()
    if signed is not None:
        signed()
    return results


def _receipt(intake: Intake, envelope: dict, result: str, sha: str, extra=None) -> dict:
    """The receipt, signed now or, when the intake collects them, noted there unsigned."""
    receipt = receipt_for(envelope, result, sha, extra, signed=intake.unsigned is None)
    if intake.unsigned is not None:
        intake.unsigned.append(receipt)
    return receipt


def receipt_for(
    envelope: dict, result: str, sha: str | None = None, extra=None, signed: bool = True
) -> dict:
    return envelopes.seal(
        "receipt",
        envelope["record_id"],
        envelope["version"],
        {
            **(extra or {}),
            "envelope_sha256": sha or envelopes.digest(envelope),
            "result": result,
            "of": envelope["kind"],
        },
        signed=signed,
    )


def store_record_version(shape, peer: Peer, envelope: dict, sha: str, intake: Intake) -> str:
    """Returns "stored", "duplicate" (same version again: nothing changes) or "stale" (an
    older version after a newer one: kept in the history, the newer one stays current).
    The rows are noted in the intake and written by `Intake.write`."""
    record = intake.records.get(shape.record_id)
    if record is not None and record.origin_node != shape.sender:
        raise ExchangeRefused(
            409, "not_origin", "Not the origin", "the record belongs to another node"
        )
    known = intake.versions.get((shape.record_id, shape.version))
    if known is not None:
        if known[0] == sha or known[1] == shape.payload:
            return "duplicate"
        raise ExchangeRefused(
            409,
            "version_conflict",
            "Version conflict",
            "this version was received before with different content",
        )
    payload = shape.payload
    if record is None:
        record = KnownRecord(
            origin_node=shape.sender,
            current_version=0,
            changes={
                "record_uid": shape.record_id,
                "origin_node": shape.sender,
                "is_local": False,
                "peer_id": peer.id,
            },
        )
        intake.records[shape.record_id] = record
    stale = shape.version < record.current_version
    if not stale:
        record.current_version = shape.version
        record.changes.update(_record_columns(shape.version, payload))
    intake.new_versions.append(
        {"record_uid": shape.record_id, **_version_row(shape, envelope, sha)}
    )
    intake.versions[(shape.record_id, shape.version)] = (sha, payload)
    return "stale" if stale else "stored"


def _version_row(shape, envelope: dict, sha: str) -> dict[str, Any]:
    """The record_versions columns of a received version (`VERSION_COLUMNS`)."""
    payload = shape.payload
    return {
        "version": shape.version,
        "is_local": False,
        "status": RecordStatus(payload["status"]),
        "envelope": envelope,
        "envelope_sha256": sha,
        "reason": payload.get("revocation_reason")
        or payload.get("amendment_reason")
        or (payload.get("note") if isinstance(payload.get("note"), str) else None),
    }


def _record_columns(version: int, payload: dict) -> dict[str, Any]:
    """The integrity_records columns that follow the current version's payload."""
    subject = payload["subject"]
    raw_end = payload.get("term_end")
    term_end = dt.date.fromisoformat(str(raw_end)) if raw_end else None
    effective = dt.date.fromisoformat(str(payload["effective_date"]))
    return {
        **_period_columns(payload, effective),
        "current_version": version,
        "payload": payload,
        "subject_name": subject["name"][:200],
        "subject_hash": subject.get("matching_hash"),
        "subject_id_masked": (subject.get("id_masked") or None) and subject["id_masked"][:40],
        "deciding_agency": payload["deciding_agency"][:200],
        "effective_date": effective,
        "term_end": term_end,
        "lifetime": bool(payload.get("lifetime")),
        "status": in_force(RecordStatus(payload["status"]), term_end),
    }


def _date_or_none(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _period_columns(payload: dict, effective: dt.date) -> dict[str, Any]:
    """The periods as the origin computed them; a peer that sends none (an older release)
    gets this node's defaults for the record's severity."""
    return {
        "publish_until": _date_or_none(payload.get("publish_until"))
        or policy.publish_until(effective, payload.get("severity")),
        "query_until": _date_or_none(payload.get("query_until")) or policy.query_until(effective),
        "under_objection": payload.get("under_objection") is True,
        "repaired_on": _date_or_none(payload.get("repaired_on")),
    }


def store_recognition(shape, peer: Peer, envelope: dict) -> str:
    """A peer's agency reports its decision on one of our records; a later one replaces it."""
    record = db.session.scalar(
        select(IntegrityRecord).where(
            IntegrityRecord.record_uid == shape.record_id, IntegrityRecord.is_local
        )
    )
    if record is None:
        raise ExchangeRefused(404, "unknown_record", "Unknown record", "no such record here")
    payload = shape.payload
    row = db.session.scalar(
        select(Recognition).where(
            Recognition.record_id == record.id,
            Recognition.peer_id == peer.id,
            Recognition.agency_code == payload["agency_code"],
        )
    )
    decided_at = _parse_time(payload["decided_at"])
    if row is not None and _aware(row.decided_at) >= decided_at:
        return "duplicate"
    if row is None:
        row = Recognition(record=record, peer_id=peer.id, agency_code=payload["agency_code"])
        db.session.add(row)
    row.agency_name = payload.get("agency_name") or ""
    row.version = shape.version
    row.decision = RecognitionDecision(payload["decision"])
    row.modified_terms = payload.get("modified_terms")
    row.reason = payload.get("reason")
    row.decided_at = decided_at
    db.session.flush()
    from app.core import audit

    audit.record(
        "record.recognition_received",
        obj=record,
        agency_id=record.agency_id,
        details={"peer": peer.node_id, "agency": row.agency_code, "decision": row.decision.value},
    )
    return "stored"


def _parse_time(text: str) -> dt.datetime:
    try:
        return _aware(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as exc:
        raise ExchangeRefused(
            422, "malformed_envelope", "Malformed envelope", "decided_at is not a time"
        ) from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def verify_receipt(receipt: dict, peer: ExchangePeer, envelope: dict) -> bool:
    """A receipt counts only if the peer signed it and it names exactly what we sent."""
    try:
        check_shape(receipt)
    except MalformedEnvelope:
        return False
    return (
        receipt.get("kind") == "receipt"
        and receipt.get("sender") == peer.node_id
        and receipt["payload"].get("envelope_sha256") == envelopes.digest(envelope)
        and envelopes.verify(receipt, peer_key(peer))
    )
