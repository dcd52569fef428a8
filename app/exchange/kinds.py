"""Registration point for envelope kinds beyond records: a guest feature adds a kind of
envelope to the exchange without the exchange importing it.

The protocol stays `yrd-exchange/1`: a guest envelope has the same members as a record's
(`protocol`, `kind`, `sender`, `record_id`, `version`, `issued_at`, `payload`, `signature`),
is sealed by `app.core.envelopes.seal` and verified against the sending peer's key in
`app.exchange.receive.authenticate`, exactly as records are. `record_id` is the guest's own
key for what the envelope is about (up to 64 characters of `[A-Za-z0-9._:-]`) and `version`
its sequence number for that key (1, 2, ...).

A guest registers in its `init_app` (registration is idempotent; the same name with other
callables is a programming error and raises):

    from app.exchange.kinds import register_envelope_kind

    register_envelope_kind(
        "ethics_approval",           # the envelope's `kind`; not record/recognition/receipt
        payload=ApprovalPayload,     # a pydantic model: the payload must validate, or the
                                     # envelope is refused 422 `malformed_envelope`
        store=store_approval,        # store(shape, peer, envelope, sha256) -> result
        receipt=None,                # optional receipt(envelope, result) -> dict
    )

- `store` runs after the shape, the sender (an active peer) and the signature were checked.
  It stores what the envelope says and returns the receipt's `result`: "stored" or
  "duplicate" (the same envelope again must change nothing). It refuses with
  `app.exchange.receive.ExchangeRefused(status, code, title, detail)` *before* it adds
  anything to the session (e.g. 404 `unknown_committee`, 409 `already_confirmed`); the
  request is rolled back and answered with that problem.
- `receipt`, if given, returns extra members for the signed receipt's payload (never
  `envelope_sha256`, `result` or `of`, which every receipt carries).
- Sending: `app.exchange.outbox.send_envelope(peer_id, kind, key, version, payload)` seals
  the envelope, keeps it in the outbox with its delivery state, and pushes it with the same
  backoff and periodic retry as record versions; the peer's signed receipt is kept on the
  outbox row (`OutboundEnvelope.status`, `receipt`). Guest kinds are pushed, never pulled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

RESERVED = frozenset({"record", "recognition", "receipt"})


@dataclass(frozen=True)
class EnvelopeKind:
    name: str
    payload: type[BaseModel]
    store: Callable[..., str]
    receipt: Callable[[dict, str], dict] | None = None


_KINDS: dict[str, EnvelopeKind] = {}


def register_envelope_kind(
    name: str,
    *,
    payload: type[BaseModel],
    store: Callable[..., str],
    receipt: Callable[[dict, str], dict] | None = None,
) -> EnvelopeKind:
    if name in RESERVED or not name.replace("_", "").isalnum() or len(name) > 40:
        raise ValueError(f"{name!r} cannot be registered as an envelope kind")
    kind = EnvelopeKind(name, payload, store, receipt)
    known = _KINDS.get(name)
    if known is not None and known != kind:
        raise ValueError(f"envelope kind {name!r} is registered already, differently")
    _KINDS[name] = kind
    return kind


def guest_kind(name: Any) -> EnvelopeKind | None:
    """The registered guest kind of that name (None for records' kinds and unknown ones)."""
    return _KINDS.get(name) if isinstance(name, str) else None


def registered() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))
