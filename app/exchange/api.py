"""The node-to-node exchange API (/api/exchange/v1), the node's well-known description, and."""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core import node
from app.core.envelopes import PROTOCOL
from app.core.errors import problem
from app.core.ids import MAX_BIGINT
from app.core.json_input import loads_bounded
from app.core.models import utcnow
from app.exchange import envelopes
from app.exchange.models import ExchangePeer, SeenRequest
from app.exchange.receive import ExchangeRefused, accept, accept_all, peer_key
from app.extensions import db
from app.records.models import RecordVersion

log = logging.getLogger("yrd.exchange")

bp = Blueprint("exchange_api", __name__, url_prefix="/api/exchange/v1")
wellknown = Blueprint("exchange_wellknown", __name__)

MAX_BATCH = 500
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_PAGE = 500


def refused(exc: ExchangeRefused):
    log.warning(
        "exchange refused %s from %s: %s", exc.code, request.remote_addr, exc.detail or exc.title
    )
    return problem(exc.status, exc.code, exc.title, exc.detail)


def _json_body(limit: int):
    if not request.is_json:
        raise ExchangeRefused(
            415, "unsupported_media_type", "Unsupported media type", "send application/json"
        )
    if request.content_length is not None and request.content_length > limit:
        raise ExchangeRefused(
            413, "payload_too_large", "Payload too large", f"at most {limit} bytes"
        )
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise ExchangeRefused(
            413, "payload_too_large", "Payload too large", f"at most {limit} bytes"
        )
    try:
        return loads_bounded(raw)  # too deep is a ValueError as well
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExchangeRefused(400, "malformed_json", "Malformed JSON", str(exc)[:200]) from exc


def _node_ready():
    if not node.is_initialised():
        raise ExchangeRefused(
            503, "node_not_initialised", "Node not initialised", "this node has no key pair yet"
        )


@bp.post("/envelopes")
def receive_envelope():
    """One signed envelope in, one signed receipt out."""
    try:
        _node_ready()
        envelope = _json_body(envelopes.MAX_ENVELOPE_BYTES)
        receipt = _with_retry(lambda: accept(envelope))
    except ExchangeRefused as exc:
        db.session.rollback()
        return refused(exc)
    return jsonify({"receipt": receipt})


def _with_retry(work):
    """Runs and commits `work`; when a concurrent request stored the same version first, the
    second run finds it and answers "duplicate"."""
    for attempt in (1, 2):
        try:
            result = work()
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    return None


@bp.post("/envelopes/batch")
def receive_batch():
    """Many envelopes in one transaction; each gets its own receipt or problem."""
    try:
        _node_ready()
        body = _json_body(MAX_BATCH_BYTES)
        items = body.get("envelopes") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise ExchangeRefused(
                422,
                "malformed_batch",
                "Malformed batch",
                f"send {{'envelopes': [...]}} with 1 to {MAX_BATCH} envelopes",
            )
    except ExchangeRefused as exc:
        return refused(exc)
    return jsonify({"results": _with_retry(lambda: _accept_all(items))})


def _accept_all(items: list) -> list[dict]:
    """Every envelope's receipt or problem (`receive.accept_all`)."""
    results = []
    for outcome in accept_all(items):
        if isinstance(outcome, ExchangeRefused):
            log.warning("exchange batch item refused %s: %s", outcome.code, outcome.detail)
            problem_body = {
                "status": outcome.status,
                "code": outcome.code,
                "title": outcome.title,
                "detail": outcome.detail,
            }
            results.append({"problem": problem_body})
        else:
            results.append({"receipt": outcome})
    return results


def authenticate_request() -> ExchangePeer:
    sender = request.headers.get("X-YRD-Node", "")
    stamp = request.headers.get("X-YRD-Timestamp", "")
    signature = request.headers.get("X-YRD-Signature", "")
    if not (sender and stamp and signature):
        raise ExchangeRefused(
            401,
            "unsigned_request",
            "Unsigned request",
            "send X-YRD-Node, X-YRD-Timestamp and X-YRD-Signature",
        )
    peer = db.session.scalar(
        select(ExchangePeer).where(ExchangePeer.node_id == sender[:64], ExchangePeer.active)
    )
    if peer is None:
        raise ExchangeRefused(
            403, "unknown_peer", "Unknown peer", f"no active peer is registered as {sender[:64]!r}"
        )
    if not envelopes.verify_request(
        "GET", request.full_path.rstrip("?"), sender, stamp, signature, peer_key(peer)
    ):
        raise ExchangeRefused(
            401,
            "bad_signature",
            "Bad signature",
            "the request signature is wrong or older than five minutes",
        )
    remember_request(sender[:64], stamp, signature)
    return peer


def remember_request(sender: str, stamp: str, signature: str) -> None:
    """Refuses a signature answered before, while its stamp is still accepted; remembered in
    the database (and committed before answering) so every web process knows it. Expired
    rows are pruned on the way."""
    db.session.execute(delete(SeenRequest).where(SeenRequest.expires_at < utcnow()))
    seen = SeenRequest(
        signature_sha256=hashlib.sha256(signature.encode()).hexdigest(),
        node_id=sender,
        expires_at=envelopes.parse_timestamp(stamp) + envelopes.REQUEST_WINDOW,
    )
    try:
        with db.session.begin_nested():
            db.session.add(seen)
    except IntegrityError as exc:
        raise ExchangeRefused(
            401,
            "replayed_request",
            "Replayed request",
            "this signed request was answered before; sign every request anew",
        ) from exc
    db.session.commit()


@bp.get("/records")
def list_records():
    """Every version this node published after the cursor, oldest first, for catching up."""
    try:
        _node_ready()
        since = _int_arg("since", 0)
        limit = _int_arg("limit", 200)
        if since < 0 or not 1 <= limit <= MAX_PAGE:
            raise ExchangeRefused(
                400, "bad_cursor", "Bad cursor", f"since ≥ 0 and 1 ≤ limit ≤ {MAX_PAGE}"
            )
        authenticate_request()
    except ExchangeRefused as exc:
        db.session.rollback()
        return refused(exc)
    envelopes_out, next_cursor = signed_versions_after(since, limit)
    return jsonify({"envelopes": envelopes_out, "next": next_cursor})


def signed_versions_after(since: int, limit: int) -> tuple[list[dict], int]:
    """Up to `limit` signed local versions after the cursor, and the cursor after the last
    row read. Versions published before the node had a key carry no signature until
    `flask exchange init` signs them; they are skipped without shortening the page, so a
    short page always means there is nothing more."""
    found: list[dict] = []
    cursor = since
    while len(found) < limit:
        rows = db.session.execute(
            select(RecordVersion.id, RecordVersion.envelope)
            .where(RecordVersion.is_local, RecordVersion.id > cursor)
            .order_by(RecordVersion.id)
            .limit(limit)
        ).all()
        for row_id, envelope in rows:
            if len(found) == limit:
                break
            cursor = row_id
            if "signature" in envelope:
                found.append(envelope)
        if len(rows) < limit:
            break
    return found, cursor


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ExchangeRefused(400, "bad_cursor", "Bad cursor", f"{name} is not an integer") from exc
    if value > MAX_BIGINT:  # no version id reaches it; the database could not compare it
        raise ExchangeRefused(400, "bad_cursor", "Bad cursor", f"{name} is out of range")
    return value


@bp.get("/openapi.json")
def openapi():
    from app.exchange.openapi import document

    return jsonify(document())


@wellknown.get("/.well-known/yrd-node")
def describe_node():
    """What a peer administrator needs to register this node."""
    if not node.is_initialised():
        return problem(
            503, "node_not_initialised", "Node not initialised", "run `flask exchange init`"
        )
    node_id, _private, public = node.identity()
    return jsonify(
        {
            "node_id": node_id,
            "public_key": public,
            "algorithm": "Ed25519",
            "protocol": PROTOCOL,
            "api": request.host_url.rstrip("/") + bp.url_prefix,
        }
    )
