"""The content-addressed file store: each blob written once, completely, or not at all.

A blob is streamed into a temporary file in the store's own directory (same file system),
hashed and measured on the way and fsynced (`receive`); then the caller inserts the blob's
database row and only after that hard-links the file to its final name (`place`). `os.link`
fails if the name exists, so a blob is never overwritten and two concurrent uploads of
the same content end with one file. The temporary file is always removed.

The row first, the file second: `sweep_orphans` removes a file only while it holds that
content's row itself, so it can never remove a file an upload is about to reference.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import magic
from flask import current_app

CHUNK = 1024 * 1024
SNIFF_BYTES = 8192


class TooLarge(Exception):
    pass


class TypeRejected(Exception):
    def __init__(self, mime_type: str):
        super().__init__(mime_type)
        self.mime_type = mime_type


@dataclass
class StoredBlob:
    sha256: str
    size: int
    mime_type: str
    created: bool


def store_root() -> Path:
    root = Path(current_app.config["FILE_STORE"]) / "blobs"
    root.mkdir(parents=True, exist_ok=True)
    return root


def blob_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256 hex digest")
    return store_root() / sha256[:2] / sha256


@dataclass
class Received:
    """An upload hashed and fsynced into a temporary file, not yet in place."""

    sha256: str
    size: int
    mime_type: str
    tmp_path: str


@contextmanager
def receive(stream: BinaryIO, max_size: int, allowed_types) -> Iterator[Received]:
    """Reads the stream into a temporary file; past max_size bytes raises TooLarge, for a
    type not allowed TypeRejected. The temporary file is removed when the block ends."""
    root = store_root()
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = _temp_file(root)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_size:
                    raise TooLarge
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        mime_type = detect_type(head)
        if mime_type not in allowed_types:
            raise TypeRejected(mime_type)
        yield Received(digest.hexdigest(), size, mime_type, tmp_name)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def place(received: Received) -> bool:
    """Links the received file to its final name; False when that content is there already."""
    return _link_into_place(received.tmp_path, blob_path(received.sha256))


def store_stream(stream: BinaryIO, max_size: int, allowed_types) -> StoredBlob:
    """Receives and places in one step, for callers that keep no database row."""
    with receive(stream, max_size, allowed_types) as received:
        created = place(received)
        return StoredBlob(received.sha256, received.size, received.mime_type, created)


def _temp_file(root: Path) -> tuple[int, str]:
    import tempfile

    tmp_dir = root / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    return tempfile.mkstemp(dir=tmp_dir, prefix="upload-")


def _link_into_place(tmp_name: str, final: Path) -> bool:
    final.parent.mkdir(exist_ok=True)
    try:
        os.link(tmp_name, final)
    except FileExistsError:
        return False
    os.chmod(final, 0o440)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True


def detect_type(head: bytes) -> str:
    """The type libmagic reads from the content; the name's extension is never trusted."""
    if not head:
        return "application/x-empty"
    return magic.from_buffer(head, mime=True) or "application/octet-stream"


# Categories no file name needs: controls, format characters (U+202E RIGHT-TO-LEFT OVERRIDE
# shows "‮gnp.exe" as "exe.png"; zero-width joiners hide what the name says), surrogates,
# line and paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def sanitise_name(name: str | None) -> str:
    """Keeps the last path part, drops invisible characters and leading dots; never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE)
    name = name.strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else name[:200]
    return name or "file"


# Extensions a name may keep for the type libmagic found, the first one added otherwise.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/gif": (".gif",),
    "image/tiff": (".tif", ".tiff"),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".text", ".log"),
    "text/csv": (".csv",),
    "application/msword": (".doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/zip": (".zip",),
    "message/rfc822": (".eml",),
    "audio/mpeg": (".mp3",),
    "audio/x-wav": (".wav",),
    "video/mp4": (".mp4", ".m4v"),
}


def download_name(name: str | None, mime_type: str) -> str:
    """The name a download is saved under: sanitised, ending in an extension of the type the
    content really has, so "x.js" that is plain text opens as "x.js.txt", never as script."""
    name = sanitise_name(name)
    allowed = EXTENSIONS.get(mime_type) or tuple(mimetypes.guess_all_extensions(mime_type))
    if not allowed:
        allowed = (".bin",)
    if name.lower().endswith(allowed):
        return name
    return name + allowed[0]
