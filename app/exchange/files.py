"""Files between nodes: a guest feature whose envelopes name files by SHA-256 lets the
peer it sent them to fetch those files, over the same signed GET as the records' pull.

Serving. A guest registers a source in its `init_app` (idempotent, like envelope kinds):

    from app.exchange.files import register_file_source

    register_file_source("ethics_site", serve_site_file)

and `GET /api/exchange/v1/files/<source>/<key>/<sha256>` answers a peer's request signed
with X-YRD-Node, X-YRD-Timestamp and X-YRD-Signature (`envelopes.sign_request`; checked,
and its signature remembered against replay, by `api.authenticate_request`): after the
peer was authenticated, `serve(peer, key, sha256)` returns the `ServedFile` (a path on
this node's store) the guest sent that peer a signed envelope listing under that key, or
None — then the answer is 404 `unknown_file`, the same whether the key, the file or the
peer's right to it is missing, so a peer learns nothing of what it was not sent. The file
is streamed from disk, never read whole. The guest audits what it served; the route
commits it.

Fetching. `open_peer_file(peer_id, source, key, sha256)` signs the request and yields the
response as a stream, or raises `FileUnavailable` (a `DeliveryFailed`: the peer down, or
its problem's code). The caller reads it in chunks, checks the digest and size against
what the signed envelope said and stores it itself; retries use `next_attempt`, the
outbox's backoff.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import send_file
from sqlalchemy import select

from app.core.models import utcnow
from app.exchange.api import _node_ready, authenticate_request, bp, refused
from app.exchange.envelopes import ID_PATTERN, sign_request
from app.exchange.models import ExchangePeer
from app.exchange.receive import ExchangeRefused
from app.exchange.tasks import BACKOFF_SECONDS, TIMEOUT, DeliveryFailed
from app.extensions import db

SHA256 = r"[0-9a-f]{64}"


@dataclass(frozen=True)
class ServedFile:
    path: Path
    size: int


_SOURCES: dict[str, Callable[..., ServedFile | None]] = {}


def register_file_source(name: str, serve: Callable[..., ServedFile | None]) -> None:
    if not name.replace("_", "").isalnum() or len(name) > 40:
        raise ValueError(f"{name!r} cannot be registered as a file source")
    known = _SOURCES.get(name)
    if known is not None and known is not serve:
        raise ValueError(f"file source {name!r} is registered already, differently")
    _SOURCES[name] = serve


def _unknown_file() -> ExchangeRefused:
    return ExchangeRefused(
        404, "unknown_file", "Unknown file", "no such file was sent to your node under this key"
    )


@bp.get("/files/<source>/<key>/<sha256>")
def serve_file(source: str, key: str, sha256: str):
    import re

    try:
        _node_ready()
        peer = authenticate_request()
        serve = _SOURCES.get(source)
        if serve is None or not ID_PATTERN.fullmatch(key) or not re.fullmatch(SHA256, sha256):
            raise _unknown_file()
        served = serve(peer, key, sha256)
        if served is None or not served.path.is_file():
            raise _unknown_file()
    except ExchangeRefused as exc:
        db.session.rollback()
        return refused(exc)
    db.session.commit()  # the guest's audit of what it served
    response = send_file(
        served.path, mimetype="application/octet-stream", conditional=False, etag=False
    )
    response.headers["X-YRD-Content-SHA256"] = sha256
    return response


# --- fetching -----------------------------------------------------------------------


class FileUnavailable(DeliveryFailed):
    """The peer did not hand the file over: `code` is its problem's code, or
    "unreachable"."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code


def file_path(source: str, key: str, sha256: str) -> str:
    return f"/api/exchange/v1/files/{source}/{key}/{sha256}"


@contextlib.contextmanager
def open_peer_file(peer_id: int, source: str, key: str, sha256: str) -> Iterator[BinaryIO]:
    """The peer's file as a stream to read in chunks (closed when the block ends)."""
    peer = db.session.scalar(
        select(ExchangePeer).where(ExchangePeer.id == peer_id, ExchangePeer.active)
    )
    if peer is None:
        raise FileUnavailable("unknown_peer", "the node is no longer an active peer here")
    path = file_path(source, key, sha256)
    request = urllib.request.Request(peer.url.rstrip("/") + path, headers=sign_request("GET", path))
    db.session.commit()  # no transaction held while the peer answers
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read(4096) or b"{}")
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        raise FileUnavailable(
            str(body.get("code") or f"http_{exc.code}")[:60],
            f"HTTP {exc.code} {str(body.get('detail') or '')[:300]}",
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FileUnavailable("unreachable", str(exc)[:300]) from exc
    with response:
        yield response


def next_attempt(attempts: int, now: dt.datetime | None = None) -> dt.datetime:
    """When the next try is due after `attempts` failed ones: the outbox's backoff."""
    wait = BACKOFF_SECONDS[min(max(attempts, 1) - 1, len(BACKOFF_SECONDS) - 1)]
    return (now or utcnow()) + dt.timedelta(seconds=wait)
