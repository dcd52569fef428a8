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


def ensure_instance_secrets(app: Flask) -> None:
    if app.config.get("PRODUCTION"):
        _require_production_secrets(app)
        return
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
        raise ConfigurationError("SECRET_KEY must be set to at least 32 random characters")
    for key in ("FIELD_ENCRYPTION_KEYS", "MATCHING_KEY"):
        if not app.config.get(key):
            raise ConfigurationError(f"{key} must be set in production")


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
