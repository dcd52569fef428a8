"""The exchange's protocol around signed envelopes: what a received envelope must look
like before its signature is even checked, and the signed requests between nodes. Sealing
and verifying an envelope are `app.core.envelopes`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.core import node
from app.core.node import b64, unb64
from app.exchange.kinds import guest_kind

ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_ENVELOPE_BYTES = 64 * 1024
# RFC 3339 date-time with a zone: what `core.envelopes.now_iso` writes, and what every node
# must send.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # before the exchange existed
CLOCK_SKEW = dt.timedelta(days=1)  # how far ahead of this node's clock a peer's may run
REQUEST_WINDOW = dt.timedelta(minutes=5)  # how long a signed pull request stays valid


def parse_timestamp(text: Any) -> dt.datetime:
    """An RFC 3339 timestamp between 2020 and a day from now; ValueError says why not."""
    if not isinstance(text, str) or not RFC3339.fullmatch(text):
        raise ValueError("not an RFC 3339 timestamp such as 2026-05-01T08:00:00Z")
    try:
        at = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("not a valid date and time") from exc
    if not EARLIEST <= at <= dt.datetime.now(dt.UTC) + CLOCK_SKEW:
        raise ValueError("the time lies before 2020 or in the future")
    return at


def _timestamp(value: str) -> str:
    parse_timestamp(value)
    return value


class EnvelopeShape(BaseModel):
    """What every envelope must look like before its signature is even checked."""

    model_config = ConfigDict(extra="forbid", strict=True)

    protocol: Literal["yrd-exchange/1"]
    kind: Literal["record", "recognition", "receipt"]
    sender: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    record_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    version: int = Field(ge=1, le=1_000_000)
    issued_at: str = Field(min_length=20, max_length=40)
    payload: dict[str, Any]
    signature: str = Field(min_length=80, max_length=90)

    check_issued_at = field_validator("issued_at")(_timestamp)

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, data: Any, info: ValidationInfo) -> Any:
        """PostgreSQL text and JSON cannot hold U+0000; such an envelope is malformed. A
        caller holding the envelope's canonical JSON already knows when it has none."""
        if not (info.context or {}).get("nul_free") and _contains_nul(data):
            raise ValueError("strings must not contain U+0000")
        return data


class GuestEnvelopeShape(EnvelopeShape):
    """An envelope of a kind a guest feature registered (`app.exchange.kinds`): the same
    members and limits, its payload checked by the guest's model."""

    kind: str = Field(min_length=1, max_length=40)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


class SubjectShape(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    matching_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    id_masked: str | None = Field(default=None, max_length=40)


class RecordPayloadShape(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["active", "expired", "revoked"]
    subject: SubjectShape
    deciding_agency: str = Field(min_length=1, max_length=200)
    effective_date: dt.date
    term_end: dt.date | None = None
    lifetime: bool = False


class RecognitionPayloadShape(BaseModel):
    model_config = ConfigDict(extra="ignore")

    agency_code: str = Field(min_length=1, max_length=16)
    agency_name: str = Field(default="", max_length=200)
    decision: Literal["recognise", "recognise_modified", "decline"]
    modified_terms: str | None = Field(default=None, max_length=5000)
    reason: str | None = Field(default=None, max_length=5000)
    decided_at: str = Field(min_length=10, max_length=40)

    check_decided_at = field_validator("decided_at")(_timestamp)


class MalformedEnvelope(ValueError):
    pass


def check_shape(obj: Any, canonical: bytes | None = None) -> EnvelopeShape:
    """`canonical`, the envelope's canonical JSON if the caller made it, spares the walk
    for U+0000: JSON writes that character as the escape searched for, in keys and values
    alike (a literal backslash-u0000 in a string also matches, and is then walked)."""
    if not isinstance(obj, dict):
        raise MalformedEnvelope("an envelope is a JSON object")
    nul_free = canonical is not None and b"\\u0000" not in canonical
    context = {"nul_free": nul_free}
    guest = guest_kind(obj.get("kind"))
    try:
        if guest is not None:
            shape = GuestEnvelopeShape.model_validate(obj, context=context)
            guest.payload.model_validate(shape.payload)
            return shape
        shape = EnvelopeShape.model_validate(obj, context=context)
        if shape.kind == "record":
            RecordPayloadShape.model_validate(shape.payload)
        elif shape.kind == "recognition":
            RecognitionPayloadShape.model_validate(shape.payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedEnvelope(f"{where}: {first['msg']}") from exc
    return shape


def sign_request(method: str, path: str) -> dict[str, str]:
    """Headers that authenticate a GET from this node to a peer."""
    sender, private, _public = node.identity()
    # Microseconds, so two requests for the same page are two signatures, not a replay.
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    message = rfc8785.dumps({"method": method, "path": path, "node": sender, "at": stamp})
    return {
        "X-YRD-Node": sender,
        "X-YRD-Timestamp": stamp,
        "X-YRD-Signature": b64(private.sign(message)),
    }


def verify_request(
    method: str, path: str, sender: str, stamp: str, signature: str, key: Ed25519PublicKey
) -> bool:
    """Signed by `key` and stamped within five minutes of now (either way). The caller still
    has to refuse a signature it has answered before (`api.remember_request`)."""
    try:
        at = parse_timestamp(stamp)
        if abs(dt.datetime.now(dt.UTC) - at) > REQUEST_WINDOW:
            return False
        message = rfc8785.dumps({"method": method, "path": path, "node": sender, "at": stamp})
        key.verify(unb64(signature), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
