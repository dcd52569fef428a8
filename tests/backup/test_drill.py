"""The restore drill: a node with evidence, a stored dossier, audit checkpoints and
published records is backed up (encrypted to an operator's key), restored into a new,
empty database and file store, and then verifies as the original did: the audit chain and
its checkpoints, every evidence file and dossier by its SHA-256, and a peer that pulls
since its cursor gets exactly the versions it had not pulled, signed by the same node."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import envelopes
from app.core.node import load_public_key, unb64
from app.extensions import db
from tests.backup.support import Deployment, World, build_world, node_secrets, pull, row_counts


@pytest.fixture
def root():
    with tempfile.TemporaryDirectory(prefix="yrd-backup-drill-") as path:
        yield Path(path)


def test_restore_drill(root):
    secrets = node_secrets()
    source = Deployment("drill_src", root, secrets)
    target = None
    try:
        world = build_world(source)
        secrets_file = source.write_instance_secrets()
        operator = root / "operator.key"
        assert source.cli("backup", "keygen", str(operator)).exit_code == 0
        archive = root / "node.tar.gz.enc"
        made = source.cli(
            "backup", "create", "--output", str(archive), "--encrypt-to", f"{operator}.pub"
        )
        assert made.exit_code == 0, made.output
        with source.app.app_context():
            rows_before = row_counts()

        # a new machine: a newly created database, an empty file store, no keys
        target = Deployment("drill_dst", root, secrets)
        restored = target.cli("backup", "restore", str(archive), "--key", str(operator))
        assert restored.exit_code == 0, restored.output
        target.restart()

        assert json.loads((Path(target.app.instance_path) / "secrets.json").read_text()) == (
            json.loads(secrets_file.read_text())
        )
        with target.app.app_context():
            assert row_counts() == rows_before
        audit = target.cli("audit", "verify")
        assert audit.exit_code == 0, audit.output
        assert "audit log intact" in audit.output and "checkpoint of" in audit.output
        _evidence_and_dossiers_verify(target, world)
        _peer_gets_what_it_missed(target, world)
    finally:
        source.dispose()
        if target is not None:
            target.dispose()


def _evidence_and_dossiers_verify(target: Deployment, world: World) -> None:
    from app.dossiers.models import Dossier
    from app.dossiers.services import dossier_path
    from app.evidence.models import Blob, EvidenceItem
    from app.evidence.storage import blob_path

    def sha256(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    with target.app.app_context():
        items = {i.id: i.blob_sha256 for i in db.session.scalars(select(EvidenceItem))}
        assert items == world.evidence
        blobs = db.session.scalars(select(Blob)).all()
        assert {b.sha256 for b in blobs} == set(world.evidence.values())
        for blob in blobs:
            assert sha256(blob_path(blob.sha256)) == blob.sha256
        dossiers = db.session.scalars(select(Dossier)).all()
        assert {d.document_id: d.sha256 for d in dossiers} == world.dossiers
        paths = [dossier_path(d) for d in dossiers]
        assert [sha256(p) for p in paths] == [d.sha256 for d in dossiers]
        from app.core import pdfsign

        # The signing key came back with the node key: a new PDF signed on the restored
        # node carries the same certificate as the dossier signed before the backup.
        signed_before = pdfsign.verify_signed_pdf(paths[0].read_bytes())
        assert signed_before.ok and signed_before.node_id == world.node_id
        assert (Path(target.config["EXCHANGE_KEY_DIR"]) / pdfsign.SIGNING_FILE).exists()
    for path in paths:
        verified = target.cli("dossier", "verify", str(path))
        assert verified.exit_code == 0 and verified.output.startswith("VERIFIED"), verified.output


def _peer_gets_what_it_missed(target: Deployment, world: World) -> None:
    client = target.app.test_client()
    described = client.get("/.well-known/yrd-node").json
    assert (described["node_id"], described["public_key"]) == (world.node_id, world.node_public)
    with target.app.app_context():
        got, cursor = pull(client, world.peer_key, world.cursor)
        assert [(e["record_id"], e["version"]) for e in got] == world.missed != []
        key = load_public_key(world.node_public)
        for envelope in got:
            body = {k: v for k, v in envelope.items() if k != "signature"}
            key.verify(unb64(envelope["signature"]), envelopes.canonical(body))
        assert pull(client, world.peer_key, cursor)[0] == []
