"""Field encryption (AES-256-GCM with key ids) and keyed matching hashes for identifiers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class KeyError_(ValueError):
    pass


KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def decode_b64url(text: str) -> bytes:
    """Base64url with or without its `=` padding (most tools print it without); characters
    outside the alphabet are an error, not silently dropped."""
    text = text.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyError_("is not base64url") from exc


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """`kid:base64key[,kid2:base64key]`; the first key encrypts, all keys decrypt. Raises
    KeyError_ naming the key and what is wrong with it."""
    keys: list[tuple[str, bytes]] = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        if not sep or not KEY_ID.fullmatch(kid):
            raise KeyError_(
                f"entry {part[:8]!r}… needs the form keyid:base64key "
                "(key id of letters, digits, '.', '_' or '-')"
            )
        if any(kid == known for known, _key in keys):
            raise KeyError_(f"key id {kid!r} is given twice")
        try:
            raw = decode_b64url(b64)
        except KeyError_ as exc:
            raise KeyError_(f"key {kid!r} {exc}") from exc
        if len(raw) != 32:
            raise KeyError_(f"key {kid!r} has {len(raw)} bytes; AES-256 needs 32")
        keys.append((kid, raw))
    if not keys:
        raise KeyError_("no field encryption key configured")
    return keys


def _keys() -> list[tuple[str, bytes]]:
    return parse_keys(current_app.config["FIELD_ENCRYPTION_KEYS"])


def encrypt(plaintext: str, keys: list[tuple[str, bytes]] | None = None) -> str:
    kid, key = (keys or _keys())[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), kid.encode())
    return f"{kid}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, keys: list[tuple[str, bytes]] | None = None) -> str:
    kid, _, b64 = token.partition(":")
    for candidate_id, key in keys or _keys():
        if candidate_id == kid:
            blob = base64.urlsafe_b64decode(b64.encode())
            return AESGCM(key).decrypt(blob[:12], blob[12:], kid.encode()).decode()
    raise KeyError_(f"no key {kid!r} to decrypt this value")


def key_id_of(token: str) -> str:
    return token.partition(":")[0]


class EncryptedText(TypeDecorator):
    """A string column stored encrypted; reads give back plain text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


def normalise_identifier(id_type: str, number: str) -> str:
    from app.core.identifiers import normalise

    return f"{(id_type or '').strip().lower()}|{normalise(number)}"


def matching_hash(id_type: str, number: str, key: str | None = None) -> str:
    """HMAC-SHA256 under the region-wide matching key: equal across nodes, useless without it."""
    secret = (key or current_app.config["MATCHING_KEY"]).encode()
    return hmac.new(
        secret, normalise_identifier(id_type, number).encode(), hashlib.sha256
    ).hexdigest()


def encrypted_columns(metadata) -> list[tuple]:
    """Every (table, column) stored as EncryptedText, whichever feature declared it."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_column(session, table, column, batch: int = 500) -> int:
    """Re-encrypts, in committed batches, every value not under the current key.

    Each row is updated only if its ciphertext is still the one read, so a concurrent
    write is never overwritten; the app keeps running throughout (old keys still decrypt).
    Raw SQL on purpose: the ciphertext must be read and written without the column type.
    """
    from sqlalchemy import text

    keys = _keys()
    current = keys[0][0]
    t, c = table.name, column.name
    read = text(
        f"SELECT id, {c} FROM {t} WHERE id > :last AND {c} IS NOT NULL ORDER BY id LIMIT :n"
    )
    write = text(f"UPDATE {t} SET {c} = :new WHERE id = :id AND {c} = :old")
    done, last_id = 0, 0
    while rows := session.execute(read, {"last": last_id, "n": batch}).all():
        for row_id, token in rows:
            if key_id_of(token) != current:
                fresh = encrypt(decrypt(token, keys), keys)
                done += session.execute(write, {"new": fresh, "id": row_id, "old": token}).rowcount
        session.commit()
        last_id = rows[-1][0]
    return done


def key_usage(session, table, column) -> dict[str, int]:
    from sqlalchemy import text

    counts: dict[str, int] = {}
    query = text(f"SELECT {column.name} FROM {table.name} WHERE {column.name} IS NOT NULL")
    for (token,) in session.execute(query):
        counts[key_id_of(token)] = counts.get(key_id_of(token), 0) + 1
    return counts
