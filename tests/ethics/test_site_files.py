"""A site here whose lead is on another deployment: the files its signed decision notice
lists are kept as arriving (or refused at once when larger than this node takes); content
this node holds already arrives without a fetch. The site's office and its named members
who declared no conflict download an arrived file (audited), nobody else, and never a file
not arrived; the page and API v1 show each file's state. On the lead's side, the exchange
serves a file only to the peer the notice went to, and only a file it listed."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.auth.services import create_token
from app.core.audit import AuditEntry
from app.core.node import b64
from app.ethics import site_files, site_review
from app.ethics.site_exchange import store_notice
from app.ethics.site_models import FileState, Site, SiteFile
from app.evidence import storage
from app.evidence.services import claim_blob_row
from app.exchange.services import add_peer
from tests.ethics.conftest import PDF
from tests.ethics.site_world import build_sites_world, site_committee_members
from tests.ui_helpers import sign_in

HELD = PDF + b"% held here already\n"


def _peer(node_id: str):
    key = Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return add_peer(node_id, f"http://127.0.0.1:9/{node_id}", b64(raw))


def _hold(data: bytes) -> str:
    with storage.receive(io.BytesIO(data), 10**6, {"application/pdf"}) as got:
        claim_blob_row(got)
        storage.place(got)
        return got.sha256


def _notice(sw, held_sha: str, documents: list[dict] | None = None) -> dict:
    import hashlib

    return {
        "site_agency": "JS",
        "site_unit": sw.site.unit.name,
        "type": "decision",
        "text": "同意开展多中心研究",
        "decided_at": "2026-12-01T08:00:00Z",
        "confirm_by": "2026-12-31",
        "activity": {
            "reference": "ETH-ZJ-2026-0001",
            "title": "多中心研究",
            "lead_unit": "浙江大学",
            "lead_agency": "ZJ",
            "lead_committee": "浙江大学科技伦理委员会",
            "decision": "approve",
            "decision_reasons": "同意",
            "decided_at": "2026-12-01T08:00:00Z",
            "letter_number": "ZJU-2026-001",
            "letter_sha256": hashlib.sha256(b"letter").hexdigest(),
            "letter_size": 6,
            "items": {"purpose": "研究目的"},
            "documents": documents
            or [
                {"item": "protocol", "name": "方案.pdf", "sha256": held_sha, "size": len(HELD)},
                {"item": "consent_form", "name": "大文件.pdf", "sha256": "a" * 64, "size": 10**12},
            ],
        },
    }


@pytest.fixture
def remote(db, make_user):
    sw = build_sites_world(make_user)
    sw.members = site_committee_members(sw, make_user)
    peer = _peer("node-zj")
    held = _hold(HELD)
    shape = SimpleNamespace(record_id="node-zj:ETH-ZJ-2026-0001", version=1)
    shape.payload = _notice(sw, held)
    assert store_notice(shape, peer, {}, "0" * 64) == "stored"
    sw.remote = db.session.scalar(select(Site).where(Site.remote_lead))
    sw.held = held
    db.session.commit()
    return sw


def test_listed_files_arrive_or_are_refused_at_once(db, remote):
    site = remote.remote
    letter, held, big = site.files
    assert (letter.role, letter.position, letter.state) == ("letter", 0, FileState.arriving)
    assert (held.name, held.state) == ("方案.pdf", FileState.arriving)
    assert big.state is FileState.failed and big.last_error.startswith("too_large")
    assert big.next_attempt_at is None  # never fetched: larger than this node takes
    assert site_files.fetch_one(held.id) is True  # the content is here already
    db.session.refresh(held)
    assert held.state is FileState.arrived and held.mime_type == "application/pdf"
    due = db.session.scalars(select(SiteFile.id).where(site_files._due(dt.datetime.now(dt.UTC))))
    assert list(due) == [letter.id]


def test_office_and_declared_members_download_nobody_else(db, client, remote):
    site = remote.remote
    letter, held, _big = site.files
    site_files.fetch_one(held.id)
    db.session.commit()
    url = f"/ethics/sites/{site.id}/files/{held.id}"

    sign_in(client, remote.site.office)
    page = client.get(f"/ethics/sites/{site.id}").get_data(as_text=True)
    assert url in page and 'data-state="arriving"' in page and 'data-state="failed"' in page
    response = client.get(url)
    assert response.status_code == 200 and response.data == HELD
    assert client.get(f"/ethics/sites/{site.id}/files/{letter.id}").status_code == 404
    assert client.get(f"/ethics/sites/{site.id}/files/999999").status_code == 404
    downloads = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ethics.site.file_download")
    ).all()
    assert len(downloads) == 1 and downloads[0].details["sha256"] == remote.held

    token = create_token(remote.site.office)
    db.session.commit()
    body = client.get(
        f"/api/v1/ethics/sites/{site.id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert [f["state"] for f in body["lead_files"]] == ["arriving", "arrived", "failed"]
    assert body["lead_files"][2]["error"].startswith("too_large")

    # Named members: once they declared no conflict, as a local site's read the application.
    seats = {s.expert.user_id: s.id for s in remote.site.panel.seats}
    site_review.name_members(remote.site.office, site, [seats[u.id] for u in remote.members[:2]])
    db.session.commit()
    member = remote.members[0]
    sign_in(client, member)
    assert client.get(url).status_code == 403
    site_review.declare(member, site, False)
    db.session.commit()
    assert client.get(url).status_code == 200

    # Another unit's office, the lead's office of another activity: the site is not theirs.
    for user in (remote.outsider.office, remote.office):
        sign_in(client, user)
        assert client.get(url).status_code == 404
        assert client.get(f"/ethics/sites/{site.id}").status_code == 404


def test_the_lead_serves_only_listed_files_to_the_site_peer(db, make_user):
    """The exchange's file source: the peer the notice went to, a file it listed."""
    from app.core.node import init_node
    from app.ethics.site_models import Site as SiteRow
    from app.ethics.site_models import SiteUpdate, UpdateKind
    from app.exchange.models import DeliveryStatus, OutboundEnvelope

    init_node("node-sh")
    sw = build_sites_world(make_user)
    site_peer, other_peer = _peer("node-js"), _peer("node-ah")
    listed = _hold(HELD)
    unlisted = _hold(PDF + b"% another application\n")
    site = SiteRow(
        activity_uid="node-sh:ETH-SH-2026-0001",
        application_id=sw.multi.id,
        peer_id=site_peer.id,
        site_agency="JS",
        site_unit="苏州大学",
        status="awaiting",
    )
    db.session.add(site)
    db.session.flush()
    payload = {"activity": {"documents": [{"sha256": listed}], "letter_sha256": None}}
    sent = OutboundEnvelope(
        peer_id=site_peer.id,
        kind="ethics_site_notice",
        key=site.activity_uid,
        version=1,
        envelope={"payload": payload},
        envelope_sha256="f" * 64,
        status=DeliveryStatus.delivered,
        attempts=1,
    )
    db.session.add(sent)
    db.session.flush()
    site.updates.append(
        SiteUpdate(
            seq=1,
            kind=UpdateKind.decision,
            text="同意",
            decided_at=dt.datetime.now(dt.UTC),
            sent_outbox_id=sent.id,
        )
    )
    db.session.flush()
    served = site_files.serve_site_file(site_peer, site.activity_uid, listed)
    assert served is not None and served.path.read_bytes() == HELD
    assert site_files.serve_site_file(site_peer, site.activity_uid, unlisted) is None
    assert site_files.serve_site_file(other_peer, site.activity_uid, listed) is None
    assert site_files.serve_site_file(site_peer, "node-sh:ETH-SH-2026-0002", listed) is None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "ethics.site.file_served")
    ).all()
    assert len(actions) == 1
