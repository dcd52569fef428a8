"""The node's PAdES signature: what this node signs verifies here, with pyHanko and with
poppler's pdfsig, and any change to the bytes, an appended update or a stranger's signature
is told apart."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from weasyprint import HTML

from app.core import node, pdfsign
from app.core.node import public_key_text

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return HTML(string="<h1>诚信报告</h1><p>No records in force.</p>").write_pdf()


def pdfsig(tmp_path, data: bytes) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler-utils (pdfsig) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def stranger_sign(data: bytes, field: str = pdfsign.FIELD_NAME) -> bytes:
    """Signed by someone with their own node-like certificate, which no node knows."""
    _key, pem = pdfsign._issue("node-forger", Ed25519PrivateKey.generate())
    return pdfsign.sign_pdf(data, material=pdfsign._parse(pem), field_name=field)


def test_a_signed_pdf_verifies_and_pdfsig_agrees(plain_pdf, tmp_path):
    signed = pdfsign.sign_pdf(plain_pdf, reason="test")
    assert signed.startswith(plain_pdf)  # an incremental update: the laid-out bytes stay
    result = pdfsign.verify_signed_pdf(signed)
    assert result.ok, result
    assert result.node_id == node.node_id()
    assert result.signed_at is not None
    out = pdfsig(tmp_path, signed)
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert f"YRD node {node.node_id()} document signing" in out


def test_one_changed_byte_fails_here_and_in_pdfsig(plain_pdf, tmp_path):
    signed = pdfsign.sign_pdf(plain_pdf)
    stream_at = signed.index(b"stream") + 20  # inside the first page's content
    altered = flipped(signed, stream_at)
    assert pdfsign.verify_signed_pdf(altered).status == pdfsign.ALTERED
    out = pdfsig(tmp_path, altered)
    assert "Signature is Valid" not in out, out


def test_an_update_or_a_second_signature_after_signing_is_refused(plain_pdf):
    signed = pdfsign.sign_pdf(plain_pdf)
    resigned = stranger_sign(signed, field="Countersignature")
    assert pdfsign.verify_signed_pdf(resigned).status == pdfsign.CHANGED_AFTER
    assert pdfsign.verify_signed_pdf(signed + b"\n%%extra\n").status == pdfsign.CHANGED_AFTER


def test_unsigned_strangers_and_garbage(plain_pdf):
    assert pdfsign.verify_signed_pdf(plain_pdf).status == pdfsign.NOT_SIGNED
    assert pdfsign.verify_signed_pdf(b"hello").status == pdfsign.NOT_PDF
    assert pdfsign.verify_signed_pdf(b"%PDF-1.7\n garbage").status in (
        pdfsign.INVALID,
        pdfsign.NOT_SIGNED,
    )
    assert pdfsign.verify_signed_pdf(stranger_sign(plain_pdf)).status == pdfsign.UNKNOWN_SIGNER
    signed = pdfsign.sign_pdf(plain_pdf)
    stranger = public_key_text(Ed25519PrivateKey.generate().public_key())
    result = pdfsign.verify_signed_pdf(signed, known={"node-x": stranger})
    assert result.status == pdfsign.UNKNOWN_SIGNER and result.node_id is None


def test_the_signing_certificate_is_issued_under_the_node_key():
    material = pdfsign.signing_material()
    _id, _key, public = node.identity()
    assert public_key_text(material.ca.public_key()) == public
    material.ca.public_key().verify(material.cert.signature, material.cert.tbs_certificate_bytes)
    assert (pdfsign.signing_file().stat().st_mode & 0o777) == 0o600


def test_a_certificate_claiming_this_nodes_ca_but_not_issued_by_its_key_is_refused(plain_pdf):
    """A forger copies the node CA certificate out of a signed PDF and issues their own
    signing certificate under the same name: the chain does not verify under the node key."""
    real = pdfsign.signing_material()
    key, pem = pdfsign._issue(node.node_id(), Ed25519PrivateKey.generate())
    forged = pdfsign.SigningMaterial(key, pdfsign._parse(pem).cert, real.ca)
    result = pdfsign.verify_signed_pdf(pdfsign.sign_pdf(plain_pdf, material=forged))
    assert result.status == pdfsign.UNKNOWN_SIGNER and result.node_id is None
