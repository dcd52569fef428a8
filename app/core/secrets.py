"""Secrets: generated once into instance/ for the zero-configuration setup; required in
production."""

import base64
import contextlib
import json
import os
import secrets
from pathlib import Path

from flask import Flask

from app.config import WEAK_SECRETS


class ConfigurationError(RuntimeError):
    pass


MIN_MATCHING_KEY = 16


def ensure_instance_secrets(app: Flask) -> None:
    """Fills what is missing (outside production) and then checks every secret, so a
    malformed one stops the start with its name and the reason, not a traceback at the
    first request that needs it."""
    if app.config.get("PRODUCTION"):
        _require_production_secrets(app)
    else:
        _fill_from_instance(app)
    check_secrets(app)


def _fill_from_instance(app: Flask) -> None:
    needed = [k for k in ("FIELD_ENCRYPTION_KEYS", "MATCHING_KEY") if not app.config.get(k)]
    weak_secret = app.config.get("SECRET_KEY") in WEAK_SECRETS
    if not needed and not weak_secret:
        return
    stored = _load_or_create(Path(app.instance_path) / "secrets.json")
    if weak_secret:
        app.config["SECRET_KEY"] = stored["SECRET_KEY"]
    for key in needed:
        app.config[key] = stored[key]


def _require_production_secrets(app: Flask) -> None:
    secret = app.config.get("SECRET_KEY") or ""
    if secret in WEAK_SECRETS or len(secret) < 32:
        raise ConfigurationError(
            "SECRET_KEY: in production it must be at least 32 random characters "
            f"(it has {len(secret)}{', a well-known value' if secret in WEAK_SECRETS else ''})"
        )
    for key in ("FIELD_ENCRYPTION_KEYS", "MATCHING_KEY"):
        if not app.config.get(key):
            raise ConfigurationError(f"{key}: must be set in production")


def check_secrets(app: Flask) -> None:
    """Field keys, matching key and the audit checkpoint key file; the node's key files are
    checked when the exchange starts (app.core.node.check_key_files)."""
    from app.core.crypto import KeyError_, parse_keys

    try:
        parse_keys(app.config.get("FIELD_ENCRYPTION_KEYS") or "")
    except KeyError_ as exc:
        raise ConfigurationError(
            f"FIELD_ENCRYPTION_KEYS: {exc} (a new key: "
            """python -c 'import secrets; print("k1:" + secrets.token_urlsafe(32))')"""
        ) from None
    matching = app.config.get("MATCHING_KEY")
    if not isinstance(matching, str) or len(matching) < MIN_MATCHING_KEY:
        raise ConfigurationError(
            f"MATCHING_KEY: must be at least {MIN_MATCHING_KEY} characters, the same on every "
            "node of the region"
        )
    if matching != matching.strip():
        raise ConfigurationError(
            "MATCHING_KEY: has leading or trailing spaces, which would make its hashes differ "
            "from the other nodes'"
        )
    _check_checkpoint_key(app)


def _check_checkpoint_key(app: Flask) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    configured = app.config.get("AUDIT_CHECKPOINT_KEY")
    path = Path(configured) if configured else Path(app.instance_path) / "audit_checkpoint_key.pem"
    if not path.exists():
        return  # created on first use
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"AUDIT_CHECKPOINT_KEY: {path} is not a readable, unencrypted PEM private key ({exc})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"AUDIT_CHECKPOINT_KEY: {path} is not an Ed25519 key")


def new_field_key(key_id: str = "k1") -> str:
    return f"{key_id}:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


def _load_or_create(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": new_field_key(),
        "MATCHING_KEY": secrets.token_urlsafe(32),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(values, fh, indent=2)
    with contextlib.suppress(FileExistsError):
        os.link(tmp, path)  # first writer wins when several processes start at once
    tmp.unlink(missing_ok=True)
    return json.loads(path.read_text())
