"""Signed checkpoints of the audit chain's head: removing the newest entries, which leaves a
shorter chain that is still intact, is found; so is a checkpoint that was altered or signed
by a key this node does not hold."""

from __future__ import annotations

import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text

from app.core.models import AuditEntry
from app.core.node import b64, init_node, public_key_text


@pytest.fixture
def store(app, tmp_path):
    """A file store, node folder and checkpoint key of this test's own, since checkpoints
    outlive the test's rolled-back transaction."""
    keys = ("FILE_STORE", "EXCHANGE_KEY_DIR", "AUDIT_CHECKPOINT_KEY")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        FILE_STORE=str(tmp_path / "files"),
        EXCHANGE_KEY_DIR=str(tmp_path / "exchange"),
        AUDIT_CHECKPOINT_KEY=str(tmp_path / "instance" / "audit_checkpoint_key.pem"),
    )
    yield tmp_path / "files" / "audit-checkpoints"
    app.config.update(saved)


def cli(app, *args):
    """The command on what is committed, as an operator would run it."""
    from app.extensions import db

    db.session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def delete_newest(db, n: int) -> None:
    """What someone with direct database access would do: bypass the append-only trigger
    (undone when the test's transaction rolls back) and delete the last entries."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
        )
    else:
        db.session.execute(text("DROP TRIGGER audit_entries_no_delete"))
    newest = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(n)).all()
    db.session.execute(
        text(f"DELETE FROM audit_entries WHERE id IN ({','.join(map(str, newest))})")
    )
    db.session.commit()


def test_deleting_the_newest_entries_is_found_after_a_checkpoint(app, db, make_case, store):
    make_case()
    make_case()
    written = cli(app, "audit", "checkpoint")
    assert written.exit_code == 0, written.output
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert f"{total} entries up to entry" in written.output
    intact = cli(app, "audit", "verify")
    assert intact.exit_code == 0 and "intact" in intact.output and "checkpoint of" in intact.output

    delete_newest(db, 3)
    result = cli(app, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert "intact" not in result.output and "newest entries removed" in result.output
    refused = cli(app, "audit", "checkpoint")
    assert refused.exit_code != 0 and "not intact" in refused.output
    assert len(list(store.glob("*.json"))) == 1


def test_entries_after_the_checkpoint_keep_the_log_intact(app, db, make_case, store):
    make_case()
    assert cli(app, "audit", "checkpoint").exit_code == 0
    assert "no entries since" in cli(app, "audit", "checkpoint").output
    make_case()
    assert cli(app, "audit", "verify").exit_code == 0
    assert cli(app, "audit", "checkpoint").exit_code == 0
    assert len(list(store.glob("*.json"))) == 2
    delete_newest(db, 1)
    assert cli(app, "audit", "verify").exit_code == 1


def test_removed_entries_replaced_by_new_ones_are_found(app, db, make_case, store):
    make_case()
    cli(app, "audit", "checkpoint")
    delete_newest(db, 2)
    make_case()  # the application goes on writing; the chain links to what is left
    result = cli(app, "audit", "verify")
    assert result.exit_code == 1 and "checkpoint of" in result.output


def test_an_altered_checkpoint_is_reported(app, db, make_case, store):
    make_case()
    cli(app, "audit", "checkpoint")
    [path] = store.glob("*.json")
    data = json.loads(path.read_text())
    data["count"] -= 3
    path.write_text(json.dumps(data))
    result = cli(app, "audit", "verify")
    assert result.exit_code == 1 and "bad signature" in result.output
    assert path.name in result.output
    assert cli(app, "audit", "checkpoint").exit_code != 0


def test_a_checkpoint_signed_by_a_stranger_is_reported(app, db, make_case, store):
    make_case()
    cli(app, "audit", "checkpoint")
    [path] = store.glob("*.json")
    data = json.loads(path.read_text())
    stranger = Ed25519PrivateKey.generate()
    data.pop("signature")
    data["public_key"] = public_key_text(stranger.public_key())
    data["signature"] = b64(stranger.sign(rfc8785.dumps(data)))
    path.write_text(json.dumps(data))
    result = cli(app, "audit", "verify")
    assert result.exit_code == 1 and "does not hold" in result.output


def test_the_node_key_signs_once_there_is_one_and_earlier_checkpoints_still_hold(
    app, db, make_case, store
):
    make_case()
    cli(app, "audit", "checkpoint")
    [first] = store.glob("*.json")
    assert json.loads(first.read_text())["signer"] == "checkpoint-key"
    _node, public, _created = init_node("node-checkpoint")
    make_case()
    cli(app, "audit", "checkpoint")
    newest = max(store.glob("*.json"))
    data = json.loads(newest.read_text())
    assert data["signer"] == "node" and data["public_key"] == public
    assert cli(app, "audit", "verify").exit_code == 0


def test_the_daily_job_writes_a_checkpoint(app, db, make_case, store):
    from app.jobs.schedule import PERIODIC

    [entry] = [p for p in PERIODIC if p.name == "audit-checkpoint"]
    assert entry.cron.split()[2:] == ["*", "*", "*"]  # every day
    make_case()
    result = cli(app, "jobs", "run-periodic", "--name", "audit-checkpoint")
    assert result.exit_code == 0, result.output
    assert len(list(store.glob("*.json"))) == 1
