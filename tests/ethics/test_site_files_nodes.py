"""The lead's files reach a site on another deployment, over real HTTP: an activity led on
node A with a site on node B. After A's decision B lists the letter and approved
documents as arriving; while A is down B's fetch fails and nothing is stored; once A is up
the retry brings each file, verified against the signed notice, with the same bytes as A's;
B's office downloads it. A file whose served bytes differ from the notice's hash, or that
is larger than B takes, is refused and nothing stored. A answers no request for a file
its notice did not list, nor any peer that is not the activity's site, nor an unsigned,
badly signed or replayed request."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import urllib.error
import urllib.request

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import create_token
from app.core.models import AuditEntry, utcnow
from app.core.node import b64
from app.ethics import sites
from app.ethics.site_files import fetch_due
from app.ethics.site_models import FileState, Site, SiteFile
from app.evidence import storage
from app.evidence.models import Blob
from app.exchange.envelopes import sign_request
from app.exchange.files import file_path
from app.exchange.models import ExchangePeer
from app.exchange.services import add_peer
from app.extensions import db
from tests.ethics.conftest import build_world
from tests.ethics.site_world import approve, js_site_unit, make_multi_site
from tests.ethics.test_sites_nodes import _maker
from tests.nodes import Node, peered_nodes
from tests.ui_helpers import sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nodes():
    with peered_nodes("yrd-site-files-") as pair:
        yield pair


def _get(node: Node, path: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(node.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _code(body: bytes) -> str | None:
    import json

    try:
        return json.loads(body).get("code")
    except ValueError:
        return None


def _stored_on_b() -> tuple[int, set[str]]:
    blobs = db.session.scalar(select(func.count()).select_from(Blob))
    root = storage.store_root()
    return blobs, {p.name for p in root.glob("??/*")} | {p.name for p in root.glob("tmp/*")}


def _later(minutes: int = 60) -> dt.datetime:
    return utcnow() + dt.timedelta(minutes=minutes)


def test_files_reach_the_site_verified_and_only_the_site(nodes):
    a, b = nodes
    with b.app.app_context():
        site_b = js_site_unit(_maker())
        db.session.commit()
        b_office_id = site_b.office.id
    with a.app.app_context():
        world = build_world(_maker())
        application = make_multi_site(world)
        peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == b.node_id))
        sites.add_remote_site(world.office, application, peer.id, "js", "苏州大学")
        approve(world, application)
        db.session.commit()
        uid = sites.activity_uid(application)
        listed = {
            a_.blob_sha256: storage.blob_path(a_.blob_sha256).read_bytes()
            for a_ in application.attachments
            if a_.removed_at is None
        }
        assert len(listed) == 2
        # A file A holds but did not list for this activity.
        other = storage.store_stream(
            _Bytes(b"%PDF-1.4\n% another application's file\n"), 10**6, {"application/pdf"}
        )
        db.session.commit()

    # The notice arrived: its files are listed, arriving, with their names and hashes.
    with b.app.app_context():
        site = db.session.scalar(select(Site).where(Site.activity_uid == uid, Site.remote_lead))
        files = {f.sha256: f for f in site.files if f.role == "document"}
        assert set(files) == set(listed)
        assert {f.state for f in site.files} == {FileState.arriving}
        assert _letters(site.id) == 1  # the decision letter, rendered with the decision
        assert all(f.size == len(listed[sha]) for sha, f in files.items())
        site_id = site.id
        office = db.session.get(User, b_office_id)
        client = b.app.test_client()
        sign_in(client, office)
        page = client.get(f"/ethics/sites/{site_id}").get_data(as_text=True)
        assert page.count('data-state="arriving"') == len(site.files)
        assert "知情同意书.pdf" in page and next(iter(listed))[:16] in page

    # A is down: the fetch fails, nothing is stored, the page says so, the file stays listed.
    a.stop()
    try:
        with b.app.app_context():
            before = _stored_on_b()
            assert fetch_due() == {"arrived": 0, "failed": len(files) + _letters(site_id)}
            assert _stored_on_b() == before
            rows = db.session.scalars(select(SiteFile).where(SiteFile.site_id == site_id)).all()
            assert {r.state for r in rows} == {FileState.failed}
            assert all(r.last_error.startswith("unreachable") for r in rows)
            assert all(_aware(r.next_attempt_at) > utcnow() for r in rows)
            assert fetch_due() == {"arrived": 0, "failed": 0}  # not due yet: the backoff
            page = client.get(f"/ethics/sites/{site_id}").get_data(as_text=True)
            assert page.count('data-state="failed"') == len(rows)
    finally:
        a.start()

    # A is up, but serves one document tampered: that one is refused, nothing of it stored.
    tampered_sha = sorted(listed)[0]
    with a.app.app_context():
        path = storage.blob_path(tampered_sha)
        os.chmod(path, 0o640)
        path.write_bytes(listed[tampered_sha] + b"tampered")
    try:
        with b.app.app_context():
            b.app.config["EXCHANGE_FILE_MAX_SIZE"] = 10**9
            result = fetch_due(now=_later())
            assert result["failed"] == 1, result
            bad = db.session.scalar(select(SiteFile).where(SiteFile.sha256 == tampered_sha))
            assert bad.state is FileState.failed and bad.last_error.startswith("size_mismatch")
            assert db.session.get(Blob, tampered_sha) is None
            assert not storage.blob_path(tampered_sha).exists()
            assert not list((storage.store_root() / "tmp").glob("*"))
    finally:
        with a.app.app_context():
            data = listed[tampered_sha]
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, other bytes
    with b.app.app_context():
        assert fetch_due(now=_later(120))["failed"] == 1
        bad = db.session.scalar(select(SiteFile).where(SiteFile.sha256 == tampered_sha))
        assert bad.last_error.startswith("sha256_mismatch"), bad.last_error
        assert db.session.get(Blob, tampered_sha) is None
        # Larger than B takes: refused while streaming, nothing stored.
        b.app.config["EXCHANGE_FILE_MAX_SIZE"] = 10
        with a.app.app_context():
            path.write_bytes(listed[tampered_sha])  # A serves the true file again
        assert fetch_due(now=_later(180))["failed"] == 1
        bad = db.session.scalar(select(SiteFile).where(SiteFile.sha256 == tampered_sha))
        assert bad.last_error.startswith("too_large"), bad.last_error
        assert db.session.get(Blob, tampered_sha) is None
        b.app.config["EXCHANGE_FILE_MAX_SIZE"] = 200 * 1024 * 1024
        assert fetch_due(now=_later(240)) == {"arrived": 1, "failed": 0}

        # Every file arrived: the same bytes as A's, B's office downloads them.
        rows = db.session.scalars(select(SiteFile).where(SiteFile.site_id == site_id)).all()
        assert {r.state for r in rows} == {FileState.arrived}
        for sha, data in listed.items():
            assert storage.blob_path(sha).read_bytes() == data
            assert hashlib.sha256(storage.blob_path(sha).read_bytes()).hexdigest() == sha
        row = next(r for r in rows if r.sha256 == tampered_sha)
        response = client.get(f"/ethics/sites/{site_id}/files/{row.id}")
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == tampered_sha
        page = client.get(f"/ethics/sites/{site_id}").get_data(as_text=True)
        assert f"/ethics/sites/{site_id}/files/{row.id}" in page
        token = create_token(db.session.get(User, b_office_id))
        db.session.commit()
        api = client.get(
            f"/api/v1/ethics/sites/{site_id}", headers={"Authorization": f"Bearer {token}"}
        ).get_json()
        assert {f["state"] for f in api["lead_files"]} == {"arrived"}
        # Nobody else on B: the JS authority sees no site; another unit's office neither.
        make = _maker()
        supervisor = make("JS", roles=("supervisor",), username="js-sup-files")
        admin = make("JS", roles=("agency_admin",), username="js-admin-files")
        other_unit = js_site_unit(make, name="南京大学", admin=admin, login="nj-office")
        db.session.commit()
        assert db.session.scalar(select(Site).where(sites.visible_sites(supervisor))) is None
        sign_in(client, other_unit.office)
        assert client.get(f"/ethics/sites/{site_id}/files/{row.id}").status_code == 404
        actions = _actions()
        assert {"ethics.site.file_arrived", "ethics.site.file_failed"} <= actions
        assert "ethics.site.file_download" in actions

    with a.app.app_context():
        assert "ethics.site.file_served" in _actions()
        served = _served_details()
        assert tampered_sha in served and other.sha256 not in served

    _a_refuses_what_it_did_not_send(a, b, uid, tampered_sha, other.sha256)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _letters(site_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SiteFile)
        .where(SiteFile.site_id == site_id, SiteFile.role == "letter")
    )


def _actions() -> set[str]:
    return set(db.session.scalars(select(AuditEntry.action)))


def _served_details() -> str:
    rows = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "ethics.site.file_served")
    )
    return " ".join(str(d) for d in rows)


def _a_refuses_what_it_did_not_send(a: Node, b: Node, uid: str, listed: str, other: str):
    """A serves B a listed file; refuses B a file not listed, another key, and every
    request not signed by a peer that is the activity's site."""
    good = file_path("ethics_site", uid, listed)
    with b.app.app_context():
        status, body = _get(a, good, sign_request("GET", good))
        assert status == 200 and hashlib.sha256(body).hexdigest() == listed
        headers = sign_request("GET", good)
        assert _get(a, good, headers)[0] == 200
        status, body = _get(a, good, headers)
        assert (status, _code(body)) == (401, "replayed_request")
        for path in (
            file_path("ethics_site", uid, other),  # on A, not listed
            file_path("ethics_site", uid, "0" * 64),
            file_path("ethics_site", uid.replace(":", ":X"), listed),  # another activity
            file_path("no_such_source", uid, listed),
        ):
            status, body = _get(a, path, sign_request("GET", path))
            assert (status, _code(body)) == (404, "unknown_file"), path
        forged = sign_request("GET", file_path("ethics_site", uid, other))
        status, body = _get(a, good, forged)  # signed for another path
        assert (status, _code(body)) == (401, "bad_signature")
    assert (_get(a, good, {})[0], _code(_get(a, good, {})[1])) == (401, "unsigned_request")

    # A third node C, a peer of A but not a site of the activity, gets nothing; an unknown
    # node is refused as such.
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    public = b64(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    with a.app.app_context():
        add_peer("node-c", "http://127.0.0.1:9", public)
        db.session.commit()
    for node_id, code, status in (("node-c", "unknown_file", 404), ("node-x", "unknown_peer", 403)):
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        message = rfc8785.dumps({"method": "GET", "path": good, "node": node_id, "at": stamp})
        headers = {
            "X-YRD-Node": node_id,
            "X-YRD-Timestamp": stamp,
            "X-YRD-Signature": b64(key.sign(message)),
        }
        answer, body = _get(a, good, headers)
        assert (answer, _code(body)) == (status, code)


class _Bytes:
    def __init__(self, data: bytes):
        import io

        self._io = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._io.read(n)
