"""Background work of the exchange: push with retries, pull to catch up, acknowledgements,
and the daily expiry. Jobs take ids, reload what they need and commit themselves."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.core import envelopes
from app.core.models import utcnow
from app.exchange.envelopes import sign_request
from app.exchange.models import Delivery, DeliveryStatus, ExchangePeer
from app.exchange.receive import ExchangeRefused, accept_all, verify_receipt
from app.extensions import db
from app.records.models import AckStatus, IntegrityRecord, Recognition

log = logging.getLogger("yrd.exchange")
QUEUE = "default"
BACKOFF_SECONDS = [10, 30, 90, 270, 810, 2430]
TIMEOUT = 10


class DeliveryFailed(RuntimeError):
    """Raised so that RQ retries the job with its backoff."""


def enqueue(fn, *args, description: str = "") -> None:
    """Through the jobs layer: on RQ with exponential backoff when Redis is configured;
    otherwise now, in-process, once (a failure is retried by `retry_due_deliveries`, a
    periodic job, so a web request never waits through the backoff)."""
    from app.jobs import NO_RETRY, Retry
    from app.jobs import enqueue as enqueue_job

    with_redis = bool(current_app.config.get("REDIS_URL"))
    retry = Retry(max=len(BACKOFF_SECONDS), intervals=tuple(BACKOFF_SECONDS))
    enqueue_job(
        fn,
        *args,
        queue=QUEUE,
        description=description or fn.__name__,
        track=False,
        retry=retry if with_redis else NO_RETRY,
    )


def schedule_deliveries(deliveries: list[tuple[int, int]]) -> None:
    """Call with (version id, peer id) pairs after the publishing transaction committed."""
    for version_id, peer_id in deliveries:
        enqueue(
            deliver_version,
            version_id,
            peer_id,
            description=f"deliver version {version_id} to peer {peer_id}",
        )


def _post(url: str, body: dict) -> tuple[int, dict]:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    return _send(request)


def _send(request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryFailed(f"unreachable: {exc}") from exc


def endpoint(peer: ExchangePeer, path: str) -> str:
    return peer.url.rstrip("/") + "/api/exchange/v1/" + path


def deliver_version(version_id: int, peer_id: int) -> str:
    delivery = db.session.scalar(
        select(Delivery).where(Delivery.version_id == version_id, Delivery.peer_id == peer_id)
    )
    if delivery is None or delivery.status == DeliveryStatus.delivered:
        return "nothing to do"
    return push(delivery, delivery.version.envelope, delivery.peer)


def push(row, envelope: dict, peer: ExchangePeer) -> str:
    """Posts one envelope to its peer and keeps the outcome on `row` (a record version's
    delivery or an outbox row, which share their delivery columns): delivered with the
    peer's signed receipt, or the failure and its next attempt. Returns the receipt's
    result; raises DeliveryFailed for the job's retry."""
    url = endpoint(peer, "envelopes")
    db.session.commit()  # no lock held while the peer answers
    try:
        status, body = _post(url, envelope)
        if status != 200:
            raise DeliveryFailed(f"HTTP {status} {body.get('code', '')}: {body.get('detail', '')}")
        receipt = body.get("receipt")
        if not verify_receipt(receipt, peer, envelope):
            raise DeliveryFailed("the receipt is missing or not signed by the peer")
    except DeliveryFailed as exc:
        _record_failure(row, str(exc))
        raise
    row.status = DeliveryStatus.delivered
    row.attempts += 1
    row.last_attempt_at = row.delivered_at = utcnow()
    row.next_attempt_at = None
    row.last_error = None
    row.receipt = receipt
    db.session.commit()
    return receipt["payload"]["result"]


def _record_failure(row, error: str) -> None:
    """A delivery's or an outbox row's failed attempt, and when the next one is due."""
    row.attempts += 1
    row.status = DeliveryStatus.failed
    row.last_error = error[:2000]
    row.last_attempt_at = utcnow()
    wait = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
    row.next_attempt_at = utcnow() + dt.timedelta(seconds=wait)
    db.session.commit()


def retry_due_deliveries(now: dt.datetime | None = None) -> int:
    """Periodic: hands every undelivered, due delivery back to the queue."""
    now = now or utcnow()
    due = db.session.execute(
        select(Delivery.version_id, Delivery.peer_id)
        .join(ExchangePeer)
        .where(
            ExchangePeer.active,
            Delivery.status != DeliveryStatus.delivered,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.id)
        .limit(1000)
    ).all()
    db.session.commit()
    for version_id, peer_id in due:
        enqueue(deliver_version, version_id, peer_id)
    return len(due)


MAX_PULL_PAGES = 1000  # per run; the next run continues from the stored cursor


def pull_from_peer(peer_id: int, page_size: int = 200) -> int:
    """Catches up on everything the peer published since the last pull.

    Stops at an empty or short page (the peer has no more), when the peer's `next` does not
    move past the cursor (a peer that would otherwise be asked for the same page forever),
    or after MAX_PULL_PAGES pages. While a full page is received, the next one is already
    being fetched (the peer's serving and the network overlap this node's work); a page
    is stored, and the cursor after it, before the next one is received."""
    stored = 0
    peer = db.session.get(ExchangePeer, peer_id)
    url, node_id, cursor = peer.url, peer.node_id, peer.pull_cursor
    db.session.commit()  # no transaction held while the peer answers
    app = current_app._get_current_object()

    def fetch(since: int) -> dict:
        with app.app_context():
            return _fetch_page(url, node_id, since, page_size)

    with ThreadPoolExecutor(1, thread_name_prefix="pull") as fetcher:
        pending = fetcher.submit(fetch, cursor)
        for page in range(1, MAX_PULL_PAGES + 1):
            body = pending.result()
            items = body.get("envelopes")
            items = items if isinstance(items, list) else []
            next_cursor = _cursor(body.get("next"))
            full = bool(items) and len(items) >= page_size
            advances = next_cursor is not None and next_cursor > cursor
            if full and advances and page < MAX_PULL_PAGES:
                pending = fetcher.submit(fetch, next_cursor)
            stored += _accept_pulled(node_id, items)
            peer = db.session.get(ExchangePeer, peer_id)
            peer.pull_cursor = max(peer.pull_cursor, next_cursor or 0)
            db.session.commit()
            if not full:
                return stored
            if not advances:
                log.warning(
                    "pull from %s: a full page did not advance the cursor past %s (next=%r); "
                    "stopped",
                    node_id,
                    cursor,
                    body.get("next"),
                )
                return stored
            cursor = next_cursor
    log.warning("pull from %s: stopped after %s pages; the next run continues", node_id, page)
    return stored


def _fetch_page(url: str, node_id: str, cursor: int, page_size: int) -> dict:
    path = f"/api/exchange/v1/records?since={cursor}&limit={page_size}"
    request = urllib.request.Request(url.rstrip("/") + path, headers=sign_request("GET", path))
    status, body = _send(request)
    if status != 200 or not isinstance(body, dict):
        code = body.get("code") if isinstance(body, dict) else None
        raise DeliveryFailed(f"pull from {node_id}: HTTP {status} {code}")
    return body


def _accept_pulled(node_id: str, items: list) -> int:
    """A page as one batch (`receive.accept_all`, its receipts left unsigned); a refused
    envelope is logged and skipped. When a concurrent request stored one of its versions
    first, the page is read again and finds it stored."""
    for attempt in (1, 2):
        try:
            outcomes = accept_all(items, sign=False) if items else []
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    stored = 0
    for outcome in outcomes:
        if isinstance(outcome, ExchangeRefused):
            log.warning("pull from %s: refused %s", node_id, outcome)
        else:
            stored += outcome["payload"]["result"] == "stored"
    return stored


def _cursor(value) -> int | None:
    """The peer's `next`, if it is a plain non-negative integer."""
    if type(value) is int and 0 <= value < 2**63:
        return value
    return None


def pull_all() -> int:
    ids = db.session.scalars(select(ExchangePeer.id).where(ExchangePeer.active)).all()
    total = 0
    for peer_id in ids:
        try:
            total += pull_from_peer(peer_id)
        except DeliveryFailed as exc:
            log.warning("%s", exc)
    return total


def send_recognition(recognition_id: int) -> str:
    """Tells the origin node what this agency decided, as a signed acknowledgement."""
    row = db.session.get(Recognition, recognition_id)
    record: IntegrityRecord = row.record
    if record.peer is None:
        return "local record"
    payload = {
        "agency_code": row.agency_code,
        "agency_name": row.agency_name,
        "decision": row.decision.value,
        "modified_terms": row.modified_terms,
        "reason": row.reason,
        "decided_at": row.decided_at.replace(tzinfo=row.decided_at.tzinfo or dt.UTC).isoformat(),
    }
    envelope = envelopes.seal("recognition", record.record_uid, row.version, payload)
    peer = record.peer
    url = endpoint(peer, "envelopes")
    db.session.commit()
    try:
        status, body = _post(url, envelope)
        if status != 200:
            raise DeliveryFailed(f"HTTP {status} {body.get('code', '')}: {body.get('detail', '')}")
        if not verify_receipt(body.get("receipt"), peer, envelope):
            raise DeliveryFailed("the receipt is missing or not signed by the peer")
    except DeliveryFailed as exc:
        row.ack_status, row.ack_error = AckStatus.failed, str(exc)[:2000]
        db.session.commit()
        raise
    row.ack_status, row.ack_error, row.ack_receipt = AckStatus.delivered, None, body["receipt"]
    db.session.commit()
    return body["receipt"]["payload"]["result"]


def retry_recognitions() -> int:
    ids = db.session.scalars(
        select(Recognition.id).where(
            Recognition.peer_id.is_(None), Recognition.ack_status == AckStatus.failed
        )
    ).all()
    db.session.commit()
    for rid in ids:
        enqueue(send_recognition, rid)
    return len(ids)


def expire_records_job() -> int:
    from app.records.services import expire_records

    count = expire_records()
    db.session.commit()
    return count


def retry_outbox() -> int:
    """Periodic: the guest kinds' undelivered envelopes back to the queue (`outbox`)."""
    from app.exchange.outbox import retry_due_envelopes

    return retry_due_envelopes()
