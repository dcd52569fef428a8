"""The archive: a gzip-compressed tar stream, optionally encrypted (app.backup.encryption).

Members, in this order:

    files/audit-checkpoints/…   the audit checkpoints (listed before the database dump, so
                                none covers entries the dump does not hold)
    database/postgresql.dump    pg_dump --format=custom, or
    database/sqlite.db          a SQLite online-backup copy
    files/…                     the rest of the file store (FILE_STORE)
    keys/…                      the node's keys and generated secrets
    manifest.json               last: the platform version, alembic revision, when, and each
                                member's path, size and SHA-256

The manifest comes last so the archive is written in one pass while each member is hashed;
a reader checks every member against it and refuses members it does not list, members it
lists that are missing, and anything after it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from app.backup import encryption
from app.backup.errors import BackupError

FORMAT = "yrd-backup/1"
MANIFEST = "manifest.json"
SECTIONS = ("database", "files", "keys")
COPY_CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class _Hashing:
    """Reads through, counting and hashing what passes."""

    def __init__(self, src: BinaryIO):
        self._src = src
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes members one by one; `finish(fields)` appends the manifest."""

    def __init__(self, out: BinaryIO, recipient=None):
        self._sealer = encryption.EncryptingWriter(out, recipient) if recipient else None
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._sealer or out, compresslevel=6, mtime=0
        )
        self._tar = tarfile.open(  # noqa: SIM115 (closed by finish)
            fileobj=self._gzip, mode="w|", format=tarfile.PAX_FORMAT
        )
        self.members: list[dict] = []

    def _info(self, name: str, size: int, mtime: float, mode: int = 0o600) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), mode
        return info

    def add_file(self, name: str, path: Path) -> None:
        with open(path, "rb") as fh:
            stat = os.fstat(fh.fileno())
            reader = _Hashing(fh)
            mode = stat.st_mode & 0o777
            self._tar.addfile(self._info(name, stat.st_size, stat.st_mtime, mode), reader)
        self.members.append(
            {"path": name, "size": reader.size, "sha256": reader.digest.hexdigest()}
        )

    def add_bytes(self, name: str, data: bytes) -> None:
        self._tar.addfile(self._info(name, len(data), time.time()), io.BytesIO(data))
        self.members.append(
            {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )

    def finish(self, fields: dict) -> dict:
        manifest = {"format": FORMAT, **fields, "members": self.members}
        data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        self._tar.addfile(self._info(MANIFEST, len(data), time.time()), io.BytesIO(data))
        self._tar.close()
        self._gzip.close()
        if self._sealer is not None:
            self._sealer.close()
        return manifest


@dataclass
class Contents:
    manifest: dict
    members: dict[str, dict] = field(default_factory=dict)
    encrypted: bool = False

    @property
    def database(self) -> dict:
        return self.manifest.get("database") or {}

    def total_size(self) -> int:
        return sum(m["size"] for m in self.members.values())


def safe_name(name: str) -> str:
    """A member path the reader will write under a staging folder: relative, no '..',
    in one of the known sections; raises BackupError otherwise."""
    path = PurePosixPath(name)
    if (
        name != path.as_posix()
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in path.parts)
        or "\\" in name
        or "\x00" in name
        or (name != MANIFEST and (len(path.parts) < 2 or path.parts[0] not in SECTIONS))
    ):
        raise BackupError(f"the archive holds a member with an unsafe or unknown path: {name!r}")
    return name


def _open(path: Path, key: Path | None, fh: BinaryIO) -> tuple[BinaryIO, bool]:
    head = fh.read(len(encryption.MAGIC))
    fh.seek(0)
    if encryption.is_encrypted(head):
        if key is None:
            raise BackupError("the archive is encrypted: give the private key with --key")
        private = encryption.load_private_key(key)
        return encryption.DecryptingReader(fh, private, key_name=str(key)), True
    if not head.startswith(GZIP_MAGIC):
        raise BackupError(f"{path} is not a YRD backup (neither .tar.gz nor an encrypted backup)")
    return fh, False


Sink = Callable[[str, int], BinaryIO | None]


def read_archive(path: Path, key: Path | None, sink: Sink) -> Contents:
    """Reads the whole archive once, checking each member against the manifest;
    `sink(name, mode)` gives a file to copy a member into (or None to only check it).
    Raises BackupError saying what is wrong."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        stream, encrypted = _open(path, key, fh)
        try:
            manifest, seen = _read_members(stream, sink)
        except EOFError as exc:
            raise BackupError(f"the archive is truncated: {exc}") from None
        except (tarfile.TarError, zlib.error, gzip.BadGzipFile) as exc:
            raise BackupError(f"the archive is corrupt: {exc}") from None
    contents = Contents(manifest, check_manifest(manifest, seen), encrypted)
    return contents


def _read_members(stream: BinaryIO, sink) -> tuple[dict, dict[str, tuple[int, str]]]:
    seen: dict[str, tuple[int, str]] = {}
    manifest = None
    gz = gzip.GzipFile(fileobj=stream, mode="rb")
    with tarfile.open(fileobj=gz, mode="r|") as tar:
        for info in tar:
            name = safe_name(info.name)
            if manifest is not None:
                raise BackupError(f"the archive holds {name!r} after its manifest")
            if not info.isfile():
                raise BackupError(f"the archive holds {name!r}, which is not a regular file")
            if name in seen:
                raise BackupError(f"the archive holds {name!r} twice")
            src = tar.extractfile(info)
            if name == MANIFEST:
                manifest = _parse_manifest(src.read(MAX_MANIFEST + 1))
                continue
            seen[name] = _copy(src, sink(name, info.mode & 0o777))
        # the gzip trailer (CRC and length) is checked only once the stream is read to its end
        while gz.read(COPY_CHUNK):
            pass
    if manifest is None:
        raise BackupError("the archive has no manifest: it is truncated or not a YRD backup")
    return manifest, seen


def _copy(src: BinaryIO, out: BinaryIO | None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(COPY_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    if out is not None:
        out.close()
    return size, digest.hexdigest()


def _parse_manifest(data: bytes) -> dict:
    if len(data) > MAX_MANIFEST:
        raise BackupError("the archive's manifest is too large")
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BackupError(f"the archive's manifest is not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"the archive's manifest is not of format {FORMAT} (found {found!r})")
    if not isinstance(manifest.get("members"), list):
        raise BackupError("the archive's manifest lists no members")
    return manifest


def check_manifest(manifest: dict, seen: dict[str, tuple[int, str]]) -> dict[str, dict]:
    """Every listed member present with its size and SHA-256, and nothing unlisted."""
    listed: dict[str, dict] = {}
    for entry in manifest["members"]:
        try:
            name, size, sha = entry["path"], int(entry["size"]), str(entry["sha256"])
        except (KeyError, TypeError, ValueError):
            raise BackupError(f"the archive's manifest has a malformed entry: {entry!r}") from None
        if name in listed:
            raise BackupError(f"the archive's manifest lists {name!r} twice")
        listed[name] = {"path": name, "size": size, "sha256": sha}
    problems = []
    for name, entry in listed.items():
        if name not in seen:
            problems.append(f"{name}: listed in the manifest, missing from the archive")
            continue
        size, sha = seen[name]
        if size != entry["size"]:
            problems.append(f"{name}: {size} bytes, the manifest says {entry['size']}")
        elif sha != entry["sha256"]:
            problems.append(f"{name}: SHA-256 {sha} differs from the manifest's {entry['sha256']}")
    problems += [f"{name}: in the archive, not in the manifest" for name in seen.keys() - listed]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BackupError("checksum mismatch: " + "; ".join(problems[:5]) + more)
    database = manifest.get("database") or {}
    if database.get("member") not in listed:
        raise BackupError("the archive's manifest names no database member")
    return listed
