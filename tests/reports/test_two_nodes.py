"""A report signed by node A, verified at node B (two deployments with their own databases
and keys): valid and "signed by node A" once B knows A as a peer, refused after one changed
byte, and unknown while B does not know A."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import Agency, Role, User
from app.core import pdfsign
from app.exchange.models import ExchangePeer
from app.exchange.services import add_peer
from app.extensions import db
from app.reports.services import ReportRequest, issue_report, report_path, verify_document
from tests.conftest import TEST_PASSWORD, password_hash
from tests.nodes import Node

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nodes():
    with tempfile.TemporaryDirectory(prefix="yrd-sign-") as root:
        a, b = Node("a", Path(root)), Node("b", Path(root))
        try:
            for node in (a, b):
                node.prepare()
            yield a, b
        finally:
            a.dispose()
            b.dispose()


def officer(agency_code: str, name: str) -> User:
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    user = User(
        username=name, display_name=name, agency=agency, password_hash=password_hash(), locale="en"
    )
    user.set_roles([Role.officer])
    db.session.add(user)
    db.session.flush()
    return user


def test_a_report_signed_by_a_verifies_on_b_and_fails_after_one_byte(nodes):
    a, b = nodes
    with a.app.app_context():
        report = issue_report(
            officer("SH", "a-officer"), ReportRequest("王芳", "resident_id", "31010119900101999X")
        )
        db.session.commit()
        signed = report_path(report).read_bytes()
        code = report.code

    with b.app.app_context():
        user = officer("ZJ", "b-officer")
        db.session.commit()
        stranger = verify_document(user, data=signed)
        assert stranger.signature.status == pdfsign.UNKNOWN_SIGNER
        add_peer(a.node_id, a.url, a.public_key)
        db.session.commit()
        result = verify_document(user, data=signed)
        assert result.ok and result.node_id == a.node_id
        assert (result.code, result.kind, result.issued_here) == (code, "integrity_report", False)
        assert result.record_set_changed is False  # neither node holds a record for her
        at = signed.index(b"stream") + 40
        altered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]
        assert verify_document(user, data=altered).signature.status == pdfsign.ALTERED
        db.session.rollback()

        client = b.app.test_client()
        client.post("/login", data={"username": "b-officer", "password": TEST_PASSWORD})
        page = client.post(
            "/verify",
            data={"file": (io.BytesIO(signed), "report.pdf")},
            content_type="multipart/form-data",
        ).text
        assert f"unchanged since node {a.node_id} signed it" in page
        page = client.post(
            "/verify",
            data={"file": (io.BytesIO(altered), "report.pdf")},
            content_type="multipart/form-data",
        ).text
        assert "its content no longer matches the signature" in page
        by_code = client.post("/verify", data={"code": code}).text  # only A's register has it
        assert "A document issued by another node is verified by uploading the file" in by_code

        peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == a.node_id))
        peer.active = False  # a peer this node no longer exchanges with is no longer trusted
        db.session.commit()
        assert verify_document(user, data=signed).signature.status == pdfsign.UNKNOWN_SIGNER
        db.session.rollback()
