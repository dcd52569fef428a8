"""Archives encrypted to an operator's X25519 public key, streamed in authenticated chunks.

The format (`yrd-backup-encrypted/1`), age-like and small enough to reimplement:

    magic       8 bytes   b"YRDBKE01"
    recipient   8 bytes   first 8 bytes of SHA-256 of the recipient's raw X25519 public key
    ephemeral  32 bytes   a fresh X25519 public key, one per archive
    chunks                AES-256-GCM, each 64 KiB of plaintext + 16-byte tag; the last one
                          shorter or equal (never empty unless the plaintext is)

The key is HKDF-SHA256 over X25519(ephemeral private, recipient public), salt = ephemeral
public ‖ recipient public, info = b"yrd-backup/1", 32 bytes. Chunk i's nonce is i as 11
big-endian bytes followed by 1 for the last chunk and 0 otherwise; every chunk
authenticates the 48-byte header as associated data. So a chunk cannot be altered, moved
or dropped, and an archive cut at a chunk boundary is told apart from a whole one (its
last chunk was not sealed as last). A wrong key is named before any decryption, by the
recipient fingerprint. The key is unique per archive (fresh ephemeral key), so counter
nonces never repeat.

Key files are PEM: the private key PKCS#8 (mode 0600), the public key SubjectPublicKeyInfo,
as `flask backup keygen` writes them.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.backup.errors import BackupError

MAGIC = b"YRDBKE01"
HEADER_SIZE = len(MAGIC) + 8 + 32
CHUNK = 64 * 1024
TAG = 16
INFO = b"yrd-backup/1"


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: X25519PublicKey) -> str:
    """The key's short name in messages and in the archive header (16 hex digits)."""
    return hashlib.sha256(_raw(public)).digest()[:8].hex()


def generate_key_pair(private_path: Path) -> tuple[Path, str]:
    """Writes PRIVATE_PATH (0600) and PRIVATE_PATH.pub; refuses to overwrite either.
    Returns the public key's path and fingerprint."""
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise BackupError(f"{path} exists; not overwritten (choose another name)")
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = private.public_key()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path, fingerprint(public)


def load_public_key(path: Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{path} is not a readable PEM public key ({exc})") from None
    if not isinstance(key, X25519PublicKey):
        raise BackupError(f"{path} is not an X25519 public key (make one: flask backup keygen)")
    return key


def load_private_key(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(
            f"{path} is not a readable, unencrypted PEM private key ({exc})"
        ) from None
    if not isinstance(key, X25519PrivateKey):
        raise BackupError(f"{path} is not an X25519 private key (made by flask backup keygen)")
    return key


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=INFO).derive(
        shared
    )
    return AESGCM(key)


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that seals what is written to it into `out`; `close()` seals
    the last chunk (and does not close `out`)."""

    def __init__(self, out: BinaryIO, recipient: X25519PublicKey):
        super().__init__()
        ephemeral = X25519PrivateKey.generate()
        ephemeral_raw = _raw(ephemeral.public_key())
        recipient_raw = _raw(recipient)
        self._header = MAGIC + bytes.fromhex(fingerprint(recipient)) + ephemeral_raw
        self._aead = _derive(ephemeral.exchange(recipient), ephemeral_raw, recipient_raw)
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back for the last chunk
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._index, last), plain, self._header))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


def _read_exactly(src: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = src.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext; raises BackupError naming what is wrong: a key
    that is not the recipient's, an altered chunk, an archive cut short."""

    def __init__(self, src: BinaryIO, private: X25519PrivateKey, key_name: str = "the key"):
        super().__init__()
        header = _read_exactly(src, HEADER_SIZE)
        if len(header) < HEADER_SIZE or not is_encrypted(header):
            raise BackupError("not an encrypted YRD backup (its header is missing or cut short)")
        wanted = header[len(MAGIC) : len(MAGIC) + 8].hex()
        mine = fingerprint(private.public_key())
        if wanted != mine:
            raise BackupError(
                f"wrong decryption key: the archive is encrypted to key {wanted}, "
                f"{key_name} is key {mine}"
            )
        ephemeral = header[len(MAGIC) + 8 :]
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        self._aead = _derive(shared, ephemeral, _raw(private.public_key()))
        self._header = header
        self._src = src
        self._index = 0
        self._plain = b""
        self._at = 0
        self._next = _read_exactly(src, CHUNK + TAG)
        self._done = False

    def readable(self) -> bool:
        return True

    def _open_next(self) -> None:
        sealed = self._next
        if not sealed:
            raise BackupError("the archive is truncated: it ends before its last chunk")
        self._next = _read_exactly(self._src, CHUNK + TAG)
        last = not self._next
        try:
            self._plain = self._aead.decrypt(_nonce(self._index, last), sealed, self._header)
            self._at = 0
        except InvalidTag:
            raise BackupError(self._why_not(sealed, last)) from None
        self._index += 1
        self._done = last

    def _why_not(self, sealed: bytes, last: bool) -> str:
        offset = HEADER_SIZE + self._index * (CHUNK + TAG)
        if last:
            try:
                self._aead.decrypt(_nonce(self._index, False), sealed, self._header)
            except InvalidTag:
                pass
            else:
                return f"the archive is truncated: it ends after {offset + len(sealed)} bytes"
        return (
            f"the archive is corrupt: chunk {self._index} (at byte {offset}) fails its "
            "authentication (altered or cut short)"
        )

    def readinto(self, buffer) -> int:
        while self._at == len(self._plain) and not self._done:
            self._open_next()
        size = min(len(buffer), len(self._plain) - self._at)
        buffer[:size] = self._plain[self._at : self._at + size]
        self._at += size
        return size
