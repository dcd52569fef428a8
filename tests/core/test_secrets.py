"""Every secret is checked when the application starts: a malformed one stops it with the
setting's name and the reason, instead of a traceback at the first request that needs it."""

from __future__ import annotations

import base64
import json
import os
import secrets

import pytest

from app import create_app
from app.core.secrets import ConfigurationError, new_field_key
from tests.conftest import base_config


@pytest.fixture
def start(app, tmp_path):
    """create_app with the test settings and some changed, on the session's database."""

    def make(**changes):
        config = base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
        config.update(
            EXCHANGE_KEY_DIR=str(tmp_path / "exchange"),
            AUDIT_CHECKPOINT_KEY=str(tmp_path / "audit_checkpoint_key.pem"),
        )
        config.update(changes)
        return create_app(config)

    return make


def unpadded_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def test_an_unpadded_base64url_field_key_works_from_start_to_first_write(start):
    """What `secrets.token_urlsafe(32)` and most tools print: no `=` padding."""
    from app.core.crypto import decrypt, encrypt

    for key in (f"k1:{unpadded_key()}", f"k1:{secrets.token_urlsafe(32)}", new_field_key("k1")):
        app = start(FIELD_ENCRYPTION_KEYS=f"{key},old:{unpadded_key()}")
        with app.app_context():
            assert decrypt(encrypt("张伟 310101198001011234")) == "张伟 310101198001011234"


@pytest.mark.parametrize(
    ("keys", "why"),
    [
        ("k1:" + "!" * 43, "key 'k1' is not base64url"),
        ("k1:" + base64.urlsafe_b64encode(os.urandom(16)).decode(), "has 16 bytes"),
        (unpadded_key(), "needs the form keyid:base64key"),
        (":" + unpadded_key(), "needs the form keyid:base64key"),
        (f"k1:{unpadded_key()},k1:{unpadded_key()}", "'k1' is given twice"),
        (" , ", "no field encryption key"),
    ],
    # Named, not shown: the keys are drawn anew in each process, and pytest-xdist's workers
    # must collect the same tests.
    ids=["not-base64url", "16-bytes", "no-key-id", "empty-key-id", "given-twice", "blank"],
)
def test_a_malformed_field_key_stops_the_start_with_a_reason(start, keys, why):
    with pytest.raises(ConfigurationError) as refused:
        start(FIELD_ENCRYPTION_KEYS=keys)
    assert str(refused.value).startswith("FIELD_ENCRYPTION_KEYS: ")
    assert why in str(refused.value)


@pytest.mark.parametrize(
    ("key", "why"), [("short", "at least 16"), (" region-wide-matching-key", "spaces")]
)
def test_a_weak_or_padded_matching_key_stops_the_start(start, key, why):
    with pytest.raises(ConfigurationError, match=f"^MATCHING_KEY: .*{why}"):
        start(MATCHING_KEY=key)


def test_production_names_the_weak_secret_key(start):
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY: .*32 random characters"):
        start(PRODUCTION=True, SECRET_KEY="change-me")
    app = start(
        PRODUCTION=True, FIELD_ENCRYPTION_KEYS=f"k1:{unpadded_key()}", PASSWORD_HASH_COST="standard"
    )
    assert app.config["PRODUCTION"]


def test_broken_exchange_key_files_stop_the_start(start, tmp_path):
    app = start()
    with app.app_context():
        from app.core.node import init_node

        init_node("node-secrets")
    folder = tmp_path / "exchange"
    assert start() is not None  # a sound pair starts

    described = json.loads((folder / "node.json").read_text())
    (folder / "node.json").write_text(json.dumps({**described, "public_key": "A" * 43}))
    with pytest.raises(ConfigurationError, match=r"^EXCHANGE_KEY_DIR \(.*node.json is not that"):
        start()
    (folder / "node.json").write_text("{")
    with pytest.raises(ConfigurationError, match=r"node\.json is not JSON"):
        start()
    (folder / "node.json").write_text(json.dumps(described))
    (folder / "node_key.pem").write_text("-----BEGIN PRIVATE KEY-----\nnope\n")
    with pytest.raises(ConfigurationError, match=r"node_key\.pem is not a readable"):
        start()
    (folder / "node_key.pem").unlink()
    with pytest.raises(ConfigurationError, match=r"node_key\.pem is missing"):
        start()


def test_a_broken_audit_checkpoint_key_stops_the_start(start, tmp_path):
    (tmp_path / "audit_checkpoint_key.pem").write_text("not a key")
    with pytest.raises(ConfigurationError, match=r"^AUDIT_CHECKPOINT_KEY: .*not a readable"):
        start()
