"""PAdES signatures on the PDFs this node issues, and their verification at any node.

Any feature signs through `sign_pdf(data) -> bytes` and checks a PDF handed back through
`verify_signed_pdf(data) -> Verification`; the features never see a key.

Trust follows the exchange's: a peer is known by its Ed25519 node key, so a PDF is "signed
by node A" when its certificate chain ends in a certificate over node A's key. Measured with
poppler 22.12 (`pdfsig`, NSS) and pyHanko 0.32: a CMS signature made directly with Ed25519
is accepted by pyHanko but reported as "corrupted" by pdfsig, and most PDF readers do not
know EdDSA either. So the node key only certifies: it is the key of a self-signed node CA
certificate, which issues a document-signing certificate for an ECDSA P-256 key (accepted
by pdfsig, pyHanko and the common readers). Readers show the signature valid and the
document unchanged; they call the issuer untrusted unless the reader imports the node CA
certificate (`flask exchange signing-cert` prints it).

The document-signing key, its certificate and the node CA certificate are one file beside
the node key (`document_signing.pem`, mode 0600), created on first use, kept in backups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.core import node
from app.core.extension_points import Hook
from app.core.models import SignedDocument
from app.extensions import db

SIGNING_FILE = "document_signing.pem"
FIELD_NAME = "YRDNodeSignature"
CA_YEARS = 30
SIGNER_YEARS = 20

# Callables returning {node id: public key text} of the nodes whose signatures this node
# trusts besides its own; the exchange registers its peer registry here.
trusted_node_sources = Hook("pdfsign.trusted_node_sources")

# The display name of each kind of signed document (`SignedDocument.kind`), registered by
# the feature that issues it; the verify page names a kind by it.
DOCUMENT_KINDS: dict[str, object] = {}


def register_document_kind(kind: str, label) -> None:
    DOCUMENT_KINDS[kind] = label


def document_kind_label(kind: str | None) -> str:
    return str(DOCUMENT_KINDS.get(kind or "", kind or ""))


class SigningUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class SigningMaterial:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    ca: x509.Certificate


# --- keys and certificates ---------------------------------------------------------------


def signing_file() -> Path:
    return node.key_dir() / SIGNING_FILE


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "YRD Research Integrity Platform"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _issue(node_id: str, node_key) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A node CA certificate over the node key, and a signing certificate issued by it."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_name = _name(f"YRD node {node_id}")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(node_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(node_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(node_key, None)
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"YRD node {node_id} document signing"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(node_key, None)
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for certificate in (cert, ca):
        pem += certificate.public_bytes(serialization.Encoding.PEM)
    return key, pem


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _write_once(path: Path, content: bytes) -> None:
    """Two workers creating the file at once: the first link wins, the other reads it."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _parse(pem: bytes) -> SigningMaterial:
    key = serialization.load_pem_private_key(pem, None)
    cert, ca = x509.load_pem_x509_certificates(pem)
    return SigningMaterial(key, cert, ca)


@lru_cache(maxsize=4)
def _material(folder: str, node_public: str) -> SigningMaterial:
    path = Path(folder) / SIGNING_FILE
    if path.exists():
        material = _parse(path.read_bytes())
        if node.public_key_text(material.ca.public_key()) == node_public:
            return material
        path.unlink(missing_ok=True)  # certified by a key this node no longer has: issue again
    node_id, node_key, _public = node.identity()
    _key, pem = _issue(node_id, node_key)
    _write_once(path, pem)
    return _parse(path.read_bytes())


def signing_material() -> SigningMaterial:
    """This node's signing key and certificates, created on first use (and the node key
    with them if the node has none yet: every issued PDF is signed)."""
    if not node.is_initialised():
        node.init_node()
    _node_id, _key, public = node.identity()
    return _material(str(node.key_dir()), public)


def signer_node_id() -> str:
    """The node id a PDF signed now will carry (the node key is created if need be)."""
    signing_material()
    return node.node_id()


def forget_loaded_material() -> None:
    _material.cache_clear()


def node_ca_pem() -> bytes:
    return signing_material().ca.public_bytes(serialization.Encoding.PEM)


# --- signing -----------------------------------------------------------------------------


def sign_pdf(
    data: bytes,
    *,
    reason: str = "",
    location: str = "",
    material: SigningMaterial | None = None,
    field_name: str = FIELD_NAME,
) -> bytes:
    """The PDF with an invisible PAdES B-B signature of this node appended (an incremental
    update: the bytes before it are unchanged, so what was laid out is what is signed).
    `material` signs with other keys than this node's (tests forge with it)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    material = material or signing_material()
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(material.cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            material.key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(material.ca.public_bytes(der))]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        name=material.cert.subject.rfc4514_string(),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer).sign_pdf(writer, output=out)
    return out.getvalue()


# --- verification ------------------------------------------------------------------------


# Outcomes of a verification; only "valid" is a good one.
VALID = "valid"
NOT_PDF = "not_pdf"
NOT_SIGNED = "not_signed"
ALTERED = "altered"  # the signed bytes were changed: the signature no longer matches
CHANGED_AFTER = "changed_after"  # bytes added after the signature (an update, another signer)
UNKNOWN_SIGNER = "unknown_signer"  # signed, but not by a node this node knows
INVALID = "invalid"  # a malformed signature or certificate chain


@dataclass
class Verification:
    status: str
    sha256: str
    node_id: str | None = None
    signed_at: dt.datetime | None = None
    signer: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VALID


def trusted_nodes() -> dict[str, str]:
    """{node id: public key text}: this node's own key and every registered source's."""
    known: dict[str, str] = {}
    for source in trusted_node_sources:
        known.update(source())
    if node.is_initialised():
        own_id, _key, public = node.identity()
        known[own_id] = public
    return known


def verify_signed_pdf(data: bytes, known: dict[str, str] | None = None) -> Verification:
    """Checks the node signature of a PDF offline: exactly one signature, covering the whole
    file, cryptographically intact, by a certificate issued under a known node's key."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.startswith(b"%PDF-"):
        return Verification(NOT_PDF, digest)
    try:
        return _verify(data, digest, trusted_nodes() if known is None else known)
    except Exception as exc:  # a PDF crafted to break the parser is an invalid one
        return Verification(INVALID, digest, detail=type(exc).__name__)


def _verify(data: bytes, digest: str, known: dict[str, str]) -> Verification:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    if not signatures:
        return Verification(NOT_SIGNED, digest)
    first = signatures[0]
    signer_cert = first.signer_cert
    result = Verification(INVALID, digest, signer=signer_cert.subject.human_friendly)
    ca = _issuer_in(first, signer_cert)
    node_id = _node_of(ca, known) if ca is not None else None
    if node_id is None:
        result.status = UNKNOWN_SIGNER
        return result
    result.node_id = node_id
    context = ValidationContext(trust_roots=[ca], allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(first, context)
    result.signed_at = status.signer_reported_dt
    if not status.intact or not status.valid:
        result.status = ALTERED
    elif len(signatures) > 1 or status.coverage.name != "ENTIRE_FILE":
        result.status = CHANGED_AFTER
    elif not status.trusted:  # a certificate naming the node's CA, not issued by its key
        result.status, result.node_id = UNKNOWN_SIGNER, None
        result.detail = "certificate chain"
    else:
        result.status = VALID
    return result


def _issuer_in(signature, signer_cert):
    for cert in signature.other_embedded_certs:
        if cert.subject == signer_cert.issuer and cert.subject == cert.issuer:
            return cert
    return None


def _node_of(ca, known: dict[str, str]) -> str | None:
    if ca.public_key.algorithm != "ed25519":
        return None
    raw = ca.public_key["public_key"].native
    key = Ed25519PublicKey.from_public_bytes(raw)
    text = node.public_key_text(key)
    for node_id, public in known.items():
        if public == text:
            return node_id
    return None


def claims(data: bytes) -> list[str]:
    """The comma-separated keywords an issuing feature wrote into the PDF's metadata (e.g.
    `yrd-report,CODE,…`): covered by the signature, so a node that never saw the document
    learns from them what it is."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        info = PdfFileReader(io.BytesIO(data), strict=False).trailer_view.get("/Info")
        keywords = str(info.get_object().get("/Keywords", "")) if info is not None else ""
    except Exception:
        return []
    return [part.strip() for part in keywords.split(",")]


# --- the register of signed documents ------------------------------------------------------


def sign_and_record(data: bytes, *, kind: str, code: str, reason: str = "", **extra):
    """Signs the PDF and registers it; returns (signed bytes, SignedDocument)."""
    signed = sign_pdf(data, reason=reason)
    return signed, record_signed(signed, kind=kind, code=code, **extra)


def record_signed(
    signed: bytes,
    *,
    kind: str,
    code: str,
    fingerprint: str | None = None,
    subject_hash: str | None = None,
) -> SignedDocument:
    """Registers a PDF this node signed under its verification code (flushed, not
    committed): the verify page answers by this code or by the file's SHA-256."""
    row = SignedDocument(
        code=code,
        kind=kind,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        node_id=node.node_id(),
        fingerprint=fingerprint,
        subject_hash=subject_hash,
    )
    db.session.add(row)
    db.session.flush()
    return row


# Callables taking a typed code and returning the codes a document may be registered under
# instead (a feature that renamed its codes registers here: an ethics approval's region-wide
# number finds the letter registered under its old code).
code_aliases = Hook("pdfsign.code_aliases")


def _signed_by_code(code: str) -> SignedDocument | None:
    return db.session.scalar(select(SignedDocument).where(SignedDocument.code == code))


def find_signed(*, code: str | None = None, sha256: str | None = None) -> SignedDocument | None:
    if code:
        found = _signed_by_code(code)
        if found is None:
            for aliases in code_aliases:
                for alias in aliases(code):
                    found = found or _signed_by_code(alias)
        return found
    if sha256:
        return db.session.scalar(select(SignedDocument).where(SignedDocument.sha256 == sha256))
    return None
