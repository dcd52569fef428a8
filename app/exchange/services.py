"""The exchange's state changes: peers, the deliveries of what records publishes, and
signing what was published before this node had a key. Every function checks who, changes
state, audits and flushes; the caller commits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.core import audit, envelopes, node
from app.core.errors import InvalidInput, NotAllowed
from app.core.node import load_public_key
from app.exchange import tasks
from app.exchange.models import Delivery, ExchangePeer
from app.extensions import db
from app.records.extension_points import Announcement
from app.records.models import IntegrityRecord, Recognition, RecordVersion


def deliver_published(version: RecordVersion) -> Announcement:
    """Records' `version_published` listener: a version this node publishes goes to every
    active peer. The deliveries are rows of the publishing transaction; they are scheduled
    once it is committed."""
    if not node.is_initialised():
        return Announcement(
            summary=_l(
                "This node has not joined the exchange yet, so no other deployment receives it."
            )
        )
    peers = db.session.scalars(select(ExchangePeer.id).where(ExchangePeer.active)).all()
    db.session.add_all(Delivery(version_id=version.id, peer_id=peer) for peer in peers)
    db.session.flush()
    deliveries = [(version.id, peer) for peer in peers]
    return Announcement(
        recipients=len(deliveries),
        after_commit=lambda: tasks.schedule_deliveries(deliveries),
        summary=(
            _l("Exchange peers it is sent to: %(count)s.", count=len(deliveries))
            if deliveries
            else _l("No exchange peer is registered, so no other deployment receives it.")
        ),
    )


def send_decided_recognition(recognition: Recognition) -> None:
    """Records' `recognition_decided` listener: a decision on a received record goes back to
    the record's origin (it waits for that when its acknowledgement is pending)."""
    if recognition.ack_status is not None:
        tasks.enqueue(tasks.send_recognition, recognition.id)


def sign_earlier_versions(batch: int = 500) -> tuple[int, list[tuple[int, int]]]:
    """Versions published before this node had a key were stored unsigned, which no peer
    accepts, so a deployment that joins the exchange late would share nothing it published
    before. Run once the key exists (`flask exchange init`, idempotent): seals each of them,
    oldest first, under this node's id and queues it for every active peer; later peers
    pull them like any other version. Returns how many were signed and the (version id,
    peer id) pairs to schedule."""
    node_id = node.node_id()
    db.session.execute(
        update(IntegrityRecord)
        .where(IntegrityRecord.is_local, IntegrityRecord.origin_node == "local")
        .values(origin_node=node_id)
    )
    peers = db.session.scalars(select(ExchangePeer.id).where(ExchangePeer.active)).all()
    signed: list[int] = []
    last_id = 0
    while rows := db.session.scalars(
        select(RecordVersion)
        .where(RecordVersion.is_local, RecordVersion.id > last_id)
        .options(selectinload(RecordVersion.record))
        .order_by(RecordVersion.id)
        .limit(batch)
    ).all():
        for row in rows:
            if "signature" not in row.envelope:
                row.envelope = envelopes.seal(
                    "record", row.record.record_uid, row.version, row.envelope["payload"]
                )
                row.envelope_sha256 = envelopes.digest(row.envelope)
                signed.append(row.id)
        last_id = rows[-1].id
        db.session.flush()
    db.session.add_all(Delivery(version_id=v, peer_id=p) for v in signed for p in peers)
    db.session.flush()
    if signed:
        audit.record(
            "exchange.sign_earlier_versions",
            details={"versions": len(signed), "peers": len(peers), "node": node_id},
        )
    return len(signed), [(v, p) for v in signed for p in peers]


def peer_keys() -> dict[str, str]:
    """The active peers' node keys: a PDF signed under one of them is that node's
    (`app.core.pdfsign`), as an envelope signed with it is."""
    rows = db.session.execute(
        select(ExchangePeer.node_id, ExchangePeer.public_key).where(ExchangePeer.active)
    )
    return dict(rows.all())


def can_manage_peers(user: User) -> bool:
    return user.has_role(Role.agency_admin, Role.sysadmin)


def add_peer(node_id: str, url: str, public_key: str, actor: User | None = None) -> ExchangePeer:
    """Registers (or re-keys) a peer whose envelopes this node will accept."""
    from urllib.parse import urlparse

    if actor is not None and not can_manage_peers(actor):
        raise NotAllowed(_l("Only an agency administrator can manage exchange peers."))
    node_id = (node_id or "").strip()
    if not node_id or len(node_id) > 64 or any(ch.isspace() for ch in node_id):
        raise InvalidInput(_l("A node id has 1 to 64 characters and no spaces."), field="node_id")
    url = (url or "").strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 300:
        raise InvalidInput(_l("Give the peer's http(s) base URL."), field="url")
    try:
        load_public_key(public_key or "")
    except ValueError as exc:
        raise InvalidInput(
            _l("The public key is not an Ed25519 key in base64url."), field="public_key"
        ) from exc
    if node.is_initialised() and node_id == node.node_id():
        raise InvalidInput(_l("That is this node's own id."), field="node_id")
    peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == node_id))
    if peer is None:
        peer = ExchangePeer(node_id=node_id, added_by_id=getattr(actor, "id", None))
        db.session.add(peer)
    peer.url, peer.public_key, peer.active = url, public_key.strip(), True
    db.session.flush()
    audit.record("exchange.add_peer", actor=actor, obj=peer, details={"node": node_id, "url": url})
    return peer


def set_peer_active(peer: ExchangePeer, active: bool, actor: User) -> None:
    if not can_manage_peers(actor):
        raise NotAllowed(_l("Only an agency administrator can manage exchange peers."))
    peer.active = active
    db.session.flush()
    audit.record(
        "exchange.enable_peer" if active else "exchange.disable_peer", actor=actor, obj=peer
    )
