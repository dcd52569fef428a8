"""Signed envelopes: a record's published version as it travels between nodes.

An envelope is a JSON object; its signature is Ed25519 over the RFC 8785 canonical form of
the object without its `signature` member. Canonical JSON makes the signature independent
of key order, whitespace and number formatting, so any JSON library can verify it.

Sealing and verifying live in core because records seals each version it publishes and the
exchange verifies what peers send; what a received envelope must look like, and the signed
requests between nodes, are the exchange's protocol (`app.exchange.envelopes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

import orjson
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

from app.core import node
from app.core.node import b64, unb64

PROTOCOL = "yrd-exchange/1"
SAFE_INTEGER = 2**53 - 1  # RFC 8785 refuses integers a double cannot hold exactly


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# For plain JSON (see `_plain_json`) orjson's compact, key-sorted output is byte for byte
# the RFC 8785 form: code-point order is UTF-16 order for ASCII keys, integers are plain
# digits, and strings carry only the mandatory escapes, other control characters as
# lower-case \u00xx (tests/exchange compare the two over every code point). It is over ten
# times faster than the standard library's encoder, and rfc8785 handles the rest.
def canonical(obj: dict) -> bytes:
    body = {k: v for k, v in obj.items() if k != "signature"}
    if _plain_json(body):
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate, which rfc8785 refuses below
    return rfc8785.dumps(body)


def _plain_json(value: Any) -> bool:
    """Objects with ASCII keys, arrays, strings, safe integers, booleans and null: no floats,
    no subclasses, nothing whose canonical form orjson would write otherwise."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    return False


def digest(envelope: dict) -> str:
    return hashlib.sha256(canonical(envelope)).hexdigest()


def seal(kind: str, record_id: str, version: int, payload: dict, signed: bool = True) -> dict:
    """A new envelope from this node, signed (`signed=False`: to be signed by `start_sign_all`
    with others)."""
    sender, private, _public = node.identity()
    envelope = {
        "protocol": PROTOCOL,
        "kind": kind,
        "sender": sender,
        "record_id": record_id,
        "version": version,
        "issued_at": now_iso(),
        "payload": payload,
    }
    if signed:
        envelope["signature"] = b64(_signing_key(private).sign(canonical(envelope)).signature)
    return envelope


# Envelopes are signed and verified with libsodium (PyNaCl) rather than OpenSSL (pyca's
# cryptography, which keeps the node's key file and makes its other signatures): the same
# Ed25519 and, signing being deterministic, the very same signature bytes (tests compare
# them), but libsodium verifies about 1.6 times and signs about 1.25 times as fast, and a
# batch of 250 envelopes verifies 250 signatures and signs 250 receipts.
@lru_cache(maxsize=8)
def _signing_key(private: Ed25519PrivateKey) -> SigningKey:
    return SigningKey(private.private_bytes_raw())


@lru_cache(maxsize=256)
def _verify_key(raw: bytes) -> VerifyKey:
    return VerifyKey(raw)


# libsodium releases the GIL while it signs and verifies, so the many signatures of a batch
# are made and checked on every core at once (its receipts are signed while the calling
# thread waits for the database). Fewer than PARALLEL_FROM are done in the calling thread:
# handing them off costs more than it saves.
PARALLEL_FROM = 32
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()  # two requests' first batches at once start one pool
T = TypeVar("T")
R = TypeVar("R")


def _in_parallel(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`work` over `items`, in order, in as many slices as the machine has cores."""
    return _start_in_parallel(work, items)()


def _start_in_parallel(work: Callable[[T], R], items: Sequence[T]) -> Callable[[], list[R]]:
    """Starts `work` over `items` in as many slices as the machine has cores; the returned
    callable waits for the results, in order (and raises what the work raised). Too few
    items to hand off are done at once, in the calling thread."""
    global _pool
    cores = os.cpu_count() or 1
    if len(items) < PARALLEL_FROM or cores == 1:
        results = [work(item) for item in items]
        return lambda: results
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():  # a forked child starts its own pool
            _pool = (os.getpid(), ThreadPoolExecutor(cores, thread_name_prefix="ed25519"))
    step = -(-len(items) // cores)
    futures = [
        _pool[1].submit(lambda part: [work(item) for item in part], items[i : i + step])
        for i in range(0, len(items), step)
    ]
    return lambda: [result for future in futures for result in future.result()]


def start_sign_all(unsigned: list[dict]) -> Callable[[], None]:
    """Starts signing envelopes sealed with `signed=False` on every core, so that the
    caller can wait for the database meanwhile; the returned callable waits for the
    signatures and puts each in its envelope."""
    _sender, private, _public = node.identity()
    key = _signing_key(private)
    messages = [canonical(envelope) for envelope in unsigned]
    signatures = _start_in_parallel(lambda message: key.sign(message).signature, messages)

    def finish() -> None:
        for envelope, signature in zip(unsigned, signatures(), strict=True):
            envelope["signature"] = b64(signature)

    return finish


def verify_all(checks: Sequence[tuple[bytes, str, Ed25519PublicKey]]) -> list[bool]:
    """`verify_canonical` over (message, signature, key) triples, on every core."""
    return _in_parallel(lambda check: verify_canonical(*check), checks)


def verify(envelope: dict, public_key: Ed25519PublicKey) -> bool:
    try:
        return verify_canonical(canonical(envelope), envelope["signature"], public_key)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        return False


def verify_canonical(message: bytes, signature: str, public_key: Ed25519PublicKey) -> bool:
    try:
        _verify_key(public_key.public_bytes_raw()).verify(message, unb64(signature))
    except (CryptoError, ValueError, TypeError):
        return False
    return True
