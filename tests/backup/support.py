"""Deployments for the backup tests: each its own database (SQLite file, or a PostgreSQL
database named after TEST_DATABASE_URL's plus a suffix), file store, key folder and
instance folder, so a backup of one is restored into another as an operator would on a
new machine; and a small world in one of them with what a backup must keep: evidence
files, a stored dossier, audit checkpoints, published records and a peer's pull cursor."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.core import envelopes
from app.core.node import b64, public_key_text
from app.core.secrets import new_field_key
from app.extensions import db
from tests.nodes import database_for, drop_database

PEER = "node-peer"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def node_secrets() -> dict:
    return {
        "SECRET_KEY": "backup-test-secret-key-long-enough-0123456789",
        "FIELD_ENCRYPTION_KEYS": new_field_key("k1"),
        "MATCHING_KEY": "backup-test-matching-key",
    }


class Deployment:
    """One node's database, file store and folders, and an app bound to them."""

    def __init__(self, name: str, root: Path, secrets: dict, **config):
        self.folder = root / name
        self.folder.mkdir(parents=True)
        self.url = database_for(name, self.folder)
        self.secrets = secrets
        self.config = {
            **secrets,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": self.url,
            "DATABASE_URL": self.url,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "FILE_STORE": str(self.folder / "files"),
            "EXCHANGE_KEY_DIR": str(self.folder / "exchange"),
            **config,
        }
        self.app = self._start()

    def _start(self):
        app = create_app(self.config)
        app.instance_path = str(self.folder / "instance")
        return app

    def restart(self) -> None:
        """A new process on the same database, store and keys (nothing cached)."""
        from app.core import node

        self._close()
        node.forget_loaded_keys()
        self.app = self._start()

    @property
    def store(self) -> Path:
        return Path(self.app.config["FILE_STORE"])

    def cli(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))

    def migrate(self) -> None:
        with self.app.app_context():
            upgrade()

    def write_instance_secrets(self) -> Path:
        """The secrets a zero-configuration node generates into instance/secrets.json."""
        path = Path(self.app.instance_path) / "secrets.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.secrets, indent=2))
        return path

    def _close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def dispose(self) -> None:
        """Closes the app and drops its PostgreSQL database (the folder goes with the
        test's temporary root)."""
        self._close()
        drop_database(self.url)


def store_snapshot(store: Path) -> dict[str, str]:
    """Every file of a store: relative path → SHA-256."""
    if not store.exists():
        return {}
    return {
        p.relative_to(store).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*"))
        if p.is_file()
    }


def row_counts() -> dict[str, int]:
    from sqlalchemy import func, inspect, table

    return {
        name: db.session.scalar(select(func.count()).select_from(table(name)))
        for name in sorted(inspect(db.engine).get_table_names())
    }


@dataclass
class World:
    """What the drill checks after a restore."""

    peer_key: Ed25519PrivateKey
    node_id: str
    node_public: str
    cursor: int  # where the peer's pull stopped before the backup
    missed: list[tuple[str, int]] = field(default_factory=list)  # (record id, version) after it
    evidence: dict[int, str] = field(default_factory=dict)  # item id → SHA-256
    dossiers: dict[str, str] = field(default_factory=dict)  # document id → SHA-256


def _case(officer, respondents: list[tuple[str, str]]):
    from app.cases.models import CaseSource, MisconductType, PartyType
    from app.cases.services import (
        AllegationInput,
        CaseInput,
        ComplainantInput,
        RespondentInput,
        register_case,
    )

    return register_case(
        CaseInput(
            title="关于张伟、赵敏论文涉嫌抄袭的举报",
            source=CaseSource.letter,
            received_date=dt.date(2026, 3, 2),
            summary="举报称论文与他人成果高度重合。",
            respondents=[
                RespondentInput(
                    name=name,
                    party_type=PartyType.person,
                    id_type="resident_id",
                    id_number=id_number,
                    institution="复旦大学",
                )
                for name, id_number in respondents
            ],
            allegations=[
                AllegationInput(misconduct_type=MisconductType.plagiarism, description="抄袭")
            ],
            complainant=ComplainantInput(anonymous=False, name="举报人李娜", contact="138"),
        ),
        officer,
    )


def _user(agency_code: str, role, name: str):
    from app.auth.models import Agency, User
    from tests.conftest import password_hash

    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    user = User(username=name, display_name=name, agency=agency, password_hash=password_hash())
    user.set_roles([role])
    db.session.add(user)
    db.session.flush()
    return user


def _publish(case, respondent, admin) -> None:
    from app.records.services import approve_record, draft_record, suggested_draft

    record = draft_record(case, case.created_by, suggested_draft(case, respondent))
    approve_record(record, admin)


def build_world(deployment: Deployment) -> World:
    """A decided case of two respondents on a node with a peer, with evidence files and a
    stored dossier: the first respondent's record published and pulled by the peer, a
    checkpoint of the audit log, then the second's record published, which the peer has
    not pulled when the backup is made."""
    from app.auth.models import Role, User
    from app.cases.models import Case, CaseState
    from app.core.checkpoints import write_checkpoint
    from app.core.node import init_node
    from app.demo import scenario
    from app.demo.loader import ensure_agencies
    from app.dossiers.models import DossierLevel
    from app.dossiers.services import build_dossier, store_dossier
    from app.evidence.services import Upload, add_file_evidence
    from app.exchange.services import add_peer

    peer_key = Ed25519PrivateKey.generate()
    deployment.migrate()
    with deployment.app.app_context():
        ensure_agencies()
        node_id, node_public, _created = init_node("node-source")
        add_peer(PEER, "http://127.0.0.1:9", public_key_text(peer_key.public_key()))
        officer = _user("SH", Role.officer, "sh-officer-drill")
        admin = _user("SH", Role.agency_admin, "sh-admin-drill")
        case = _case(officer, [("张伟", "31010119800101123X"), ("赵敏", "310101198202021119")])
        items = [
            add_file_evidence(case, Upload(io.BytesIO(content), name), officer)
            for name, content in (("笔录.txt", "谈话笔录\n".encode() * 50), ("figure.png", PNG))
        ]
        scenario.walk(case, CaseState.decided)
        rendered, document_id, _at = build_dossier(case, officer, DossierLevel.internal)
        dossier = store_dossier(case, officer, DossierLevel.internal, rendered, document_id)
        case_id = case.id
        _publish(case, case.respondents[0], admin)
        db.session.commit()
        evidence = {item.id: item.blob_sha256 for item in items}
        dossiers = {dossier.document_id: dossier.sha256}
        admin_id = admin.id
        envelopes_seen, cursor = pull(deployment.app.test_client(), peer_key, 0)
        assert len(envelopes_seen) == 1
        db.session.commit()
        assert write_checkpoint() is not None
        db.session.commit()
        case, admin = db.session.get(Case, case_id), db.session.get(User, admin_id)
        _publish(case, case.respondents[1], admin)
        db.session.commit()
        missed = [(e["record_id"], e["version"]) for e in versions_after(cursor)]
        return World(
            peer_key=peer_key,
            node_id=node_id,
            node_public=node_public,
            cursor=cursor,
            missed=missed,
            evidence=evidence,
            dossiers=dossiers,
        )


def pull(client, peer_key: Ed25519PrivateKey, since: int) -> tuple[list[dict], int]:
    """The peer's signed pull of the versions after its cursor, as its pull job sends it."""
    path = f"/api/exchange/v1/records?since={since}&limit=100"
    stamp = envelopes.now_iso()
    message = rfc8785.dumps({"method": "GET", "path": path, "node": PEER, "at": stamp})
    response = client.get(
        path,
        headers={
            "X-YRD-Node": PEER,
            "X-YRD-Timestamp": stamp,
            "X-YRD-Signature": b64(peer_key.sign(message)),
        },
    )
    assert response.status_code == 200, response.data[:500]
    return response.json["envelopes"], response.json["next"]


def versions_after(since: int) -> list[dict]:
    """What a pull since `since` brings, read on the node itself."""
    from app.exchange.api import signed_versions_after

    found, _cursor = signed_versions_after(since, 100)
    return found
