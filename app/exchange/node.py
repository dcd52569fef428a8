"""This node's identity: its id and Ed25519 key pair, kept in the instance folder.

The private key never leaves the file it is written to (mode 0600); only the public key is
published, at /.well-known/yrd-node.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app

KEY_FILE = "node_key.pem"
ID_FILE = "node.json"


class NodeNotInitialised(RuntimeError):
    pass


def key_dir() -> Path:
    configured = current_app.config.get("EXCHANGE_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "exchange"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_text(key: Ed25519PublicKey) -> str:
    return b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public_key(text: str) -> Ed25519PublicKey:
    """Raises ValueError for anything that is not a raw 32-byte key in base64url."""
    try:
        raw = unb64(text.strip())
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def init_node(node_id: str | None = None) -> tuple[str, str, bool]:
    """Creates the key pair once; returns (node id, public key, created now)."""
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key_path, id_path = folder / KEY_FILE, folder / ID_FILE
    if key_path.exists() and id_path.exists():
        identity = json.loads(id_path.read_text())
        return identity["node_id"], identity["public_key"], False
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    node_id = (
        node_id or current_app.config.get("EXCHANGE_NODE_ID") or f"node-{secrets.token_hex(4)}"
    )
    public = public_key_text(private.public_key())
    id_path.write_text(json.dumps({"node_id": node_id, "public_key": public}, indent=2))
    _load.cache_clear()
    return node_id, public, True


@lru_cache(maxsize=8)
def _load(folder: str) -> tuple[str, Ed25519PrivateKey, str]:
    path = Path(folder)
    try:
        identity = json.loads((path / ID_FILE).read_text())
        private = serialization.load_pem_private_key((path / KEY_FILE).read_bytes(), None)
    except FileNotFoundError as exc:
        raise NodeNotInitialised("run `flask exchange init` first") from exc
    return identity["node_id"], private, identity["public_key"]


def identity() -> tuple[str, Ed25519PrivateKey, str]:
    """(node id, private key, public key text) of this node."""
    return _load(str(key_dir()))


def node_id() -> str:
    return identity()[0]


def is_initialised() -> bool:
    try:
        identity()
    except NodeNotInitialised:
        return False
    return True
