"""This node's identity: its id and Ed25519 key pair, kept in the instance folder.

The private key never leaves the file it is written to (mode 0600); only the public key is
published, at /.well-known/yrd-node. In core because more than the exchange signs with it:
a record's published versions (`app.core.envelopes`) and the audit checkpoints.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

KEY_FILE = "node_key.pem"
ID_FILE = "node.json"


class NodeNotInitialised(RuntimeError):
    pass


def key_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("EXCHANGE_KEY_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "exchange"


def check_key_files(app: Flask) -> None:
    """At start-up: a node folder holds both files or neither (not initialised yet), the
    key is an Ed25519 private key and node.json names a node and that key's public half.
    Raises ConfigurationError naming the file and what is wrong."""
    from app.core.secrets import ConfigurationError

    folder = key_dir(app)
    key_path, id_path = folder / KEY_FILE, folder / ID_FILE
    if not key_path.exists() and not id_path.exists():
        return
    where = f"EXCHANGE_KEY_DIR ({folder})"
    for path in (key_path, id_path):
        if not path.exists():
            raise ConfigurationError(f"{where}: {path.name} is missing; restore it from backup")
    try:
        private = serialization.load_pem_private_key(key_path.read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{where}: {KEY_FILE} is not a readable, unencrypted PEM private key ({exc})"
        ) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{where}: {KEY_FILE} is not an Ed25519 key")
    try:
        described = json.loads(id_path.read_text())
        node_id, public = described["node_id"], described["public_key"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigurationError(
            f"{where}: {ID_FILE} is not JSON with node_id and public_key"
        ) from None
    if not isinstance(node_id, str) or not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", node_id):
        raise ConfigurationError(f"{where}: {ID_FILE} names no valid node id")
    if public != public_key_text(private.public_key()):
        raise ConfigurationError(f"{where}: the public key in {ID_FILE} is not that of {KEY_FILE}")


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


def forget_loaded_keys() -> None:
    """The key files were replaced (a restore): read them again at the next use."""
    _load.cache_clear()


def identity() -> tuple[str, Ed25519PrivateKey, str]:
    """(node id, private key, public key text) of this node."""
    # The folder as text, without building a Path: every sealed envelope (each receipt of a
    # batch) asks for the identity.
    configured = current_app.config.get("EXCHANGE_KEY_DIR")
    return _load(
        str(configured) if configured else os.path.join(current_app.instance_path, "exchange")
    )


def node_id() -> str:
    return identity()[0]


def is_initialised() -> bool:
    try:
        identity()
    except NodeNotInitialised:
        return False
    return True
