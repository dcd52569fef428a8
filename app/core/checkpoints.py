"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain shows that no entry was altered or removed before the newest one, but not
that the newest entries are all still there: deleting the last rows leaves a shorter chain
that is still intact. A checkpoint records the head (last id, its hash, how many entries
up to it), signed with Ed25519, as a file in the file store, where someone with only
database access cannot reach it. `flask audit verify` then also requires that the newest
valid checkpoint's entry is still there, unchanged and with as many entries before it, and
reports every checkpoint whose signature does not hold. The daily periodic job and
`flask audit checkpoint` write them, and only over an intact log.

The key: this node's key (`app.core.node`) once it has one (`flask exchange init`). Before
that, a dedicated key, created on first use at AUDIT_CHECKPOINT_KEY (default
instance/audit_checkpoint_key.pem, mode 0600), so a deployment that never joins the
exchange still checkpoints. Each checkpoint names its signer ("node" or "checkpoint-key")
and that key's public half; only keys this node holds are trusted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import func, select

from app.core import node
from app.core.audit import START, Head, walk_chain
from app.core.models import AuditEntry, utcnow
from app.core.node import b64, load_public_key, public_key_text, unb64
from app.extensions import db

FORMAT = "yrd-audit-checkpoint/1"
FOLDER = "audit-checkpoints"


class CheckpointRefused(RuntimeError):
    """The log is not intact, so its head is not signed."""


@dataclass
class Checkpoint:
    path: Path
    head: Head | None
    at: str
    problem: str  # empty when the file is well-formed and signed by a key this node holds


@dataclass
class Report:
    ok: bool
    checked: int
    problems: list[str]
    bad: AuditEntry | None  # the first entry of the chain that does not match, if any
    why: str
    covered: Checkpoint | None  # the newest valid checkpoint


def checkpoint_dir() -> Path:
    return Path(current_app.config["FILE_STORE"]) / FOLDER


def key_file() -> Path:
    configured = current_app.config.get("AUDIT_CHECKPOINT_KEY")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "audit_checkpoint_key.pem"


def _public_text(private: Ed25519PrivateKey) -> str:
    return public_key_text(private.public_key())


def _dedicated_key(create: bool) -> Ed25519PrivateKey | None:
    path = key_file()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; use theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _signer() -> tuple[str, Ed25519PrivateKey]:
    if node.is_initialised():
        return "node", node.identity()[1]
    return "checkpoint-key", _dedicated_key(create=True)


def _trusted_keys() -> dict[str, str]:
    """Signer name → public key text, for the keys this node holds."""
    trusted = {}
    if node.is_initialised():
        trusted["node"] = node.identity()[2]
    dedicated = _dedicated_key(create=False)
    if dedicated is not None:
        trusted["checkpoint-key"] = _public_text(dedicated)
    return trusted


def _body(head: Head, at: str, signer: str, public: str) -> dict:
    return {
        "format": FORMAT,
        "last_id": head.last_id,
        "hash": head.hash,
        "count": head.count,
        "at": at,
        "signer": signer,
        "public_key": public,
    }


def load_checkpoints() -> list[Checkpoint]:
    """Every checkpoint file, oldest head first; a bad one carries its problem."""
    folder = checkpoint_dir()
    if not folder.is_dir():
        return []
    trusted = _trusted_keys()
    found = [_read(path, trusted) for path in sorted(folder.glob("*.json"))]
    return sorted(found, key=lambda c: (c.head.last_id if c.head else -1, c.at))


def _read(path: Path, trusted: dict[str, str]) -> Checkpoint:
    try:
        data = json.loads(path.read_text())
        head = Head(int(data["last_id"]), str(data["hash"]), int(data["count"]))
        body = _body(head, str(data["at"]), str(data["signer"]), str(data["public_key"]))
        signature = str(data["signature"])
    except (OSError, ValueError, KeyError, TypeError):
        return Checkpoint(path, None, "", "is not a readable checkpoint")
    public = trusted.get(body["signer"])
    if public is None or public != body["public_key"]:
        return Checkpoint(path, head, body["at"], "is signed by a key this node does not hold")
    try:
        load_public_key(public).verify(unb64(signature), rfc8785.dumps(body))
    except (InvalidSignature, ValueError, TypeError):
        return Checkpoint(path, head, body["at"], "has a bad signature (altered)")
    return Checkpoint(path, head, body["at"], "")


def _check_head(checkpoint: Checkpoint) -> str:
    """What is wrong between a valid checkpoint and the table, or ''."""
    head = checkpoint.head
    if head.last_id == 0:
        return ""
    stored = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.id == head.last_id))
    where = f"the checkpoint of {checkpoint.at} ({checkpoint.path.name})"
    if stored is None:
        return f"entry {head.last_id}, covered by {where}, is gone (newest entries removed)"
    if stored != head.hash:
        return f"entry {head.last_id} differs from {where}"
    count = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= head.last_id)
    )
    if count != head.count:
        return f"{count} entries up to entry {head.last_id}, {where} counted {head.count}"
    return ""


@dataclass
class Status:
    """The checkpoints at a glance, without walking the chain (the dashboard's view)."""

    latest: Checkpoint | None  # the newest valid checkpoint
    problems: list[str]  # bad checkpoint files, and the newest one against the table
    entries_since: int  # entries written after the newest valid checkpoint's head

    @property
    def latest_at(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.latest.at) if self.latest else None
        except ValueError:
            return None


def _checkpoints_checked() -> tuple[Checkpoint | None, list[str]]:
    """The newest valid checkpoint, and what is wrong: bad checkpoint files, and the newest
    valid one against the table."""
    checkpoints = load_checkpoints()
    problems = [f"checkpoint {c.path.name} {c.problem}" for c in checkpoints if c.problem]
    valid = [c for c in checkpoints if not c.problem]
    latest = valid[-1] if valid else None
    if latest is not None and (mismatch := _check_head(latest)):
        problems.append(mismatch)
    return latest, problems


def checkpoint_status() -> Status:
    latest, problems = _checkpoints_checked()
    after = latest.head.last_id if latest is not None else 0
    since = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.id > after)
    )
    return Status(latest, problems, since or 0)


def verify_audit_log() -> Report:
    """The whole chain from genesis, every checkpoint's signature, and the newest valid
    checkpoint against the table."""
    covered, problems = _checkpoints_checked()
    walk = walk_chain()
    ok = walk.ok and not problems
    return Report(ok, walk.checked, problems, walk.bad, walk.why, covered)


def write_checkpoint() -> Checkpoint | None:
    """Signs the current head after checking the log since the newest valid checkpoint;
    returns None when nothing was added since. Reads only committed entries: call it on
    a fresh session, never after writing audit entries in the same transaction."""
    checkpoints = load_checkpoints()
    bad = [c for c in checkpoints if c.problem]
    if bad:
        raise CheckpointRefused(f"checkpoint {bad[0].path.name} {bad[0].problem}")
    latest = checkpoints[-1] if checkpoints else None
    start = latest.head if latest else START
    if latest is not None and (mismatch := _check_head(latest)):
        raise CheckpointRefused(mismatch)
    walk = walk_chain(start)
    if not walk.ok:
        raise CheckpointRefused(f"entry {walk.bad.id}: {walk.why}")
    if latest is not None and walk.head == latest.head:
        return None
    return _write(walk.head)


def _write(head: Head) -> Checkpoint:
    signer, private = _signer()
    now = utcnow()
    body = _body(head, now.isoformat(timespec="seconds"), signer, _public_text(private))
    signed = {**body, "signature": b64(private.sign(rfc8785.dumps(body)))}
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{head.last_id}.json"
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(signed, indent=2))
    os.link(tmp, folder / name)  # never overwrites an existing checkpoint
    tmp.unlink()
    return Checkpoint(folder / name, head, body["at"], "")


def checkpoint_job() -> dict:
    """Periodic (daily): checkpoint the head; a refusal fails the job, which is the alarm."""
    written = write_checkpoint()
    db.session.commit()
    if written is None:
        return {"checkpoint": None}
    return {"checkpoint": written.path.name, "last_id": written.head.last_id}
