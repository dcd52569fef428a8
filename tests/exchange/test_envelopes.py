"""The canonical form that signatures cover: the fast path for plain JSON must write exactly
what rfc8785 writes, and refuse what it refuses."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core import envelopes

# Every kind of character, lone surrogates included, and the ones that need care more often.
characters = st.characters(exclude_categories=()) | st.sampled_from(
    ['"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "\ue000", "\U0001f600", "吴"]
)
text = st.text(characters, max_size=8)
keys = text | st.text("abcXYZ_-", max_size=3)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.integers() | st.floats() | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(keys | st.just("signature"), values, max_size=5))
@example({"payload": {"\ue000": 1, "\U0001f600": 2}})  # UTF-16 order differs from code points
@example({"payload": {"a": 1.0, "b": -0.0, "c": 1e21}})
@example({"payload": {1: "not a string key"}})
@example({"version": 2**53 - 1, "next": -(2**53 - 1), "payload": {"n": 2**53}})
@example({"subject": "吴刚\n\t\x01\x7f\u2028", "signature": "ignored"})
@settings(max_examples=400, deadline=None, database=None)
def test_canonical_form_is_rfc8785s(obj):
    body = {k: v for k, v in obj.items() if k != "signature"}
    try:
        expected = rfc8785.dumps(body)
    except ValueError as refusal:  # CanonicalizationError, or UnicodeEncodeError for some keys
        with pytest.raises(type(refusal)):
            envelopes.canonical(obj)
        return
    assert envelopes.canonical(obj) == expected


def test_a_signed_envelope_verifies_by_its_canonical_form():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.core.node import b64

    key = Ed25519PrivateKey.generate()
    envelope = {
        "protocol": envelopes.PROTOCOL,
        "kind": "record",
        "sender": "node-peer",
        "record_id": "rec-1",
        "version": 1,
        "issued_at": "2026-05-01T00:00:00Z",
        "payload": {"subject": {"name": "吴刚"}, "lifetime": False, "note": None},
    }
    envelope["signature"] = b64(key.sign(rfc8785.dumps(envelope)))
    assert envelopes.verify(envelope, key.public_key())
    assert not envelopes.verify({**envelope, "version": 2}, key.public_key())


def test_every_code_point_is_written_as_rfc8785_writes_it():
    """The fast path (orjson) escapes exactly what RFC 8785 escapes, in the same form, over
    every code point but the surrogates (a lone one is refused by both, above)."""
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 8192):
        chunk = "".join(map(chr, points[start : start + 8192]))
        obj = {"payload": {"text": chunk, "keys": {chr(c): c for c in range(0x80)}}}
        assert envelopes.canonical(obj) == rfc8785.dumps(obj)


def test_libsodium_signs_as_openssl_does_and_each_verifies_the_other(monkeypatch):
    """Envelopes are signed and verified with libsodium (PyNaCl), the node's key kept and its
    other signatures made with OpenSSL (cryptography): Ed25519 signing is deterministic, so
    both must make the very same bytes, and each accept only what the other accepts."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.core import node
    from app.core.node import b64, unb64

    for n in range(50):
        key = Ed25519PrivateKey.generate()
        monkeypatch.setattr(node, "identity", lambda key=key: ("node-test", key, ""))
        envelope = envelopes.seal("record", f"rec-{n}", 1, {"subject": {"name": "吴刚"}})
        # as many receipts as are signed on every core at once
        receipts = [
            envelopes.seal("receipt", f"rec-{n}", 1, {"n": i}, signed=False)
            for i in range(envelopes.PARALLEL_FROM)
        ]
        envelopes.start_sign_all(receipts)()
        for sealed in (envelope, *receipts):
            message = envelopes.canonical(sealed)
            assert unb64(sealed["signature"]) == key.sign(message)
            assert envelopes.verify(sealed, key.public_key())
            key.public_key().verify(unb64(sealed["signature"]), message)
        forged = {**envelope, "version": 2}
        assert not envelopes.verify(forged, key.public_key())
        with pytest.raises(InvalidSignature):
            key.public_key().verify(unb64(forged["signature"]), envelopes.canonical(forged))
        other = Ed25519PrivateKey.generate().public_key()
        assert not envelopes.verify(envelope, other)
        for signature in ("", "AAAA", b64(b"\0" * 64), b64(b"\0" * 65), "not base64!"):
            assert not envelopes.verify({**envelope, "signature": signature}, key.public_key())
