"""Evidence: upload, dedupe, limits, sanitised names, custody, withdrawal, access."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.evidence.models import Blob, CustodyAction, CustodyEvent, EvidenceItem
from app.evidence.services import record_access
from app.evidence.storage import sanitise_name

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def upload(client, case, *files, **form):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **form}
    return client.post(
        f"/cases/{case.reference}/evidence", data=data, content_type="multipart/form-data"
    )


def items_of(db, case):
    return db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.id)
    ).all()


def custody_actions(db, item):
    return [
        e.action
        for e in db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.id)
        )
    ]


def blob_files(app) -> list[Path]:
    root = Path(app.config["FILE_STORE"]) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()]


def test_officer_uploads_several_files_with_hash_size_and_detected_type(app, db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    response = upload(client, case, ("report.pdf", PDF), ("figure.png", PNG))
    assert response.status_code == 302
    first, second = items_of(db, case)
    assert first.blob.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.blob.size == len(PDF)
    assert first.blob.mime_type == "application/pdf"
    assert second.blob.mime_type == "image/png"
    assert first.added_by_id == case.created_by.id
    stored = Path(app.config["FILE_STORE"]) / "blobs" / first.blob.sha256[:2] / first.blob.sha256
    assert stored.read_bytes() == PDF
    assert not str(stored).startswith(str(Path(app.root_path) / "static"))
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "report.pdf" in page and "figure.png" in page


def test_same_file_twice_is_one_blob_with_two_references(app, db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    content = PDF + b"% dedupe test\n"
    upload(client, case, ("a.pdf", content))
    upload(client, case, ("copy-of-a.pdf", content))
    sha = hashlib.sha256(content).hexdigest()
    assert [i.blob_sha256 for i in items_of(db, case)] == [sha, sha]
    assert db.session.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == sha)) == 1
    assert len([p for p in blob_files(app) if p.name == sha]) == 1


def test_oversized_file_is_refused_with_413_and_nothing_kept(app, db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    before = set(blob_files(app))
    app.config["EVIDENCE_MAX_FILE_SIZE"] = 1024
    try:
        response = upload(client, case, ("big.pdf", PDF + b"%" * 2000))
    finally:
        app.config["EVIDENCE_MAX_FILE_SIZE"] = 200 * 1024 * 1024
    assert response.status_code == 413
    assert "超过单个文件 1 KB 的上限" in response.get_data(as_text=True)
    assert items_of(db, case) == []
    assert set(blob_files(app)) == before


def test_disallowed_type_is_refused_by_content_not_extension(app, db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    before = set(blob_files(app))
    response = upload(client, case, ("innocent.pdf", ELF))
    assert response.status_code == 415
    assert "application/x-" not in response.get_data(as_text=True)
    assert "不接受作为证据的类型：程序" in response.get_data(as_text=True)
    assert items_of(db, case) == []
    assert set(blob_files(app)) == before
    # and a real PDF with a misleading extension is accepted as what it is
    assert upload(client, case, ("scan.exe", PDF + b"%x\n")).status_code == 302
    assert items_of(db, case)[0].blob.mime_type == "application/pdf"


def test_one_bad_file_in_a_batch_keeps_none_of_the_batch(db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    response = upload(client, case, ("ok.pdf", PDF + b"%batch\n"), ("bad.bin", ELF))
    assert response.status_code == 415
    assert items_of(db, case) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\证据\\报告.pdf", "报告.pdf"),
        ("bad\x00na\x1bme\n.pdf", "badname.pdf"),
        ("...hidden", "hidden"),
        ("/", "file"),
        ("\u202egnp.exe", "gnp.exe"),
        ("报\u200b告\u2066.pdf\u2069", "报告.pdf"),
        ("a\u2028b\x85c.pdf", "abc.pdf"),
    ],
)
def test_names_lose_path_parts_and_control_characters(raw, clean):
    assert sanitise_name(raw) == clean


def test_uploaded_name_is_sanitised_on_record(db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    upload(client, case, ("../../secret/ev\x07il.pdf", PDF + b"%n\n"))
    (item,) = items_of(db, case)
    assert item.original_name == "evil.pdf"


@pytest.mark.parametrize(
    ("name", "content", "stored", "saved_as"),
    [
        ("x.js", b"alert(document.cookie);\n", "x.js", "x.js.txt"),
        ("\u202egnp.exe", PNG, "gnp.exe", "gnp.exe.png"),
        ("photo.JPG.png", PNG, "photo.JPG.png", "photo.JPG.png"),
        ("report", PDF, "report", "report.pdf"),
    ],
)
def test_a_download_is_named_for_its_detected_type_without_invisible_characters(
    db, make_case, login, name, content, stored, saved_as
):
    case = make_case()
    client = login(case.created_by)
    upload(client, case, (name, content))
    (item,) = items_of(db, case)
    assert item.original_name == stored
    for action in ("download", "preview"):
        response = client.get(f"/cases/{case.reference}/evidence/{item.id}/{action}")
        if action == "preview" and response.status_code == 404:
            continue  # only images and PDF are previewed
        disposition = response.headers["Content-Disposition"]
        assert disposition.endswith(f"filename={saved_as}"), disposition
        assert "\u202e" not in disposition and "%E2%80%AE" not in disposition


def test_a_non_ascii_download_name_is_sent_as_rfc_6266_filename_star(db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    upload(client, case, ("调查\u202e报告.js", b"plain text, not a script\n"))
    (item,) = items_of(db, case)
    response = client.get(f"/cases/{case.reference}/evidence/{item.id}/download")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%B0%83%E6%9F%A5%E6%8A%A5%E5%91%8A.js.txt" in disposition
    assert "%E2%80%AE" not in disposition


def test_custody_records_added_viewed_downloaded_exported_withdrawn(db, make_case, login):
    case = make_case()
    officer = case.created_by
    client = login(officer)
    upload(client, case, ("chain.pdf", PDF + b"%chain\n"))
    (item,) = items_of(db, case)
    base = f"/cases/{case.reference}/evidence/{item.id}"
    assert client.get(base).status_code == 200
    download = client.get(f"{base}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]
    preview = client.get(f"{base}/preview")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert "inline" in preview.headers["Content-Disposition"]
    record_access(item, CustodyAction.exported, officer)
    db.session.commit()
    refused = client.post(f"{base}/withdraw", data={"reason": "  "})
    assert refused.status_code == 422 and 'id="wd-reason"' in refused.get_data(as_text=True)
    assert item.withdrawn_at is None
    client.post(f"{base}/withdraw", data={"reason": "与本案无关，误上传"})
    db.session.refresh(item)
    assert item.is_withdrawn and item.blob is not None
    assert custody_actions(db, item) == [
        CustodyAction.added,
        CustodyAction.viewed,
        CustodyAction.downloaded,
        CustodyAction.viewed,
        CustodyAction.exported,
        CustodyAction.withdrawn,
    ]
    page = client.get(base).get_data(as_text=True)
    assert "与本案无关，误上传" in page
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.case_id == case.id)
    ).all()
    for action in ("evidence.add", "evidence.downloaded", "evidence.withdraw"):
        assert action in actions


def test_physical_item_is_registered_without_a_file(db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    response = client.post(
        f"/cases/{case.reference}/evidence/physical",
        data={"title": "原始实验记录本", "location": "档案室 3 号柜", "visibility": "shared"},
    )
    assert response.status_code == 302
    (item,) = items_of(db, case)
    assert item.blob is None and item.location == "档案室 3 号柜"
    assert item.visibility == "shared"
    assert client.get(f"/cases/{case.reference}/evidence/{item.id}/download").status_code == 404
    assert client.post(f"/cases/{case.reference}/evidence/physical", data={}).status_code == 422


def test_access_matrix_for_evidence(db, make_case, make_user, login, client):
    case = make_case()
    owner = login(case.created_by)
    upload(owner, case, ("m.pdf", PDF + b"%matrix\n"))
    (item,) = items_of(db, case)
    client.post("/logout")
    base = f"/cases/{case.reference}/evidence"
    assert client.get(f"{base}/{item.id}/download").status_code == 302  # to the login page
    login(make_user("JS", roles=("officer", "supervisor")))
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{item.id}/download").status_code == 404
    assert upload(client, case, ("x.pdf", PDF)).status_code == 404
    client.post("/logout")
    login(make_user("SH", roles=("auditor",)))
    assert client.get(f"{base}/{item.id}").status_code == 200
    assert upload(client, case, ("x.pdf", PDF)).status_code == 403
    assert client.post(f"{base}/{item.id}/withdraw", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login(make_user("SH", roles=("committee_member",)))
    assert client.get(base).status_code == 404
    assert len(items_of(db, case)) == 1


class BrokenStream(io.RawIOBase):
    """A client that disconnects half-way through its upload."""

    def __init__(self, good: bytes):
        self.good = io.BytesIO(good)

    def read(self, size=-1):
        chunk = self.good.read(size)
        if not chunk:
            raise OSError("connection reset by peer")
        return chunk


def test_interrupted_upload_leaves_no_file_and_no_record(app, db, make_case):
    from app.evidence.services import Upload, add_file_evidence

    case = make_case()
    before = set(blob_files(app))
    with pytest.raises(OSError):
        add_file_evidence(case, Upload(BrokenStream(PDF * 2000), "half.pdf"), case.created_by)
    db.session.rollback()
    assert set(blob_files(app)) == before
    assert items_of(db, case) == []


def test_image_preview_is_served_inline_in_a_sandbox(db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    upload(client, case, ("photo.png", PNG))
    (item,) = items_of(db, case)
    response = client.get(f"/cases/{case.reference}/evidence/{item.id}/preview")
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_file_store_inside_the_web_root_is_refused(app):
    from app.core.secrets import ConfigurationError
    from app.evidence import _refuse_store_in_web_root

    configured = app.config["FILE_STORE"]
    app.config["FILE_STORE"] = str(Path(app.static_folder) / "uploads")
    try:
        with pytest.raises(ConfigurationError, match="web root"):
            _refuse_store_in_web_root(app)
    finally:
        app.config["FILE_STORE"] = configured
    _refuse_store_in_web_root(app)


def test_request_over_the_overall_limit_gets_413_page(app, db, make_case, login):
    case = make_case()
    client = login(case.created_by)
    configured = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = upload(client, case, ("big.pdf", PDF + b"%" * 4096))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = configured
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)
    assert items_of(db, case) == []


def test_another_agency_seeing_the_case_sees_only_shared_items(db, make_case, make_user, login):
    """Joint investigations will widen case visibility; internal evidence must stay home."""
    from sqlalchemy import and_

    from app.cases.extension_points import visibility
    from app.cases.models import Case

    case = make_case()
    owner = login(case.created_by)
    upload(owner, case, ("internal.pdf", PDF + b"%internal\n"))
    upload(owner, case, ("shared.pdf", PDF + b"%shared\n"), visibility="shared")
    internal, shared = items_of(db, case)
    owner.post("/logout")
    guest = make_user("JS", roles=("officer",))
    builder = lambda user: and_(Case.id == case.id, user.agency_id == guest.agency_id)  # noqa: E731
    visibility.register(builder)
    try:
        client = login(guest)
        listing = client.get(f"/cases/{case.reference}/evidence").get_data(as_text=True)
        assert "shared.pdf" in listing and "internal.pdf" not in listing
        page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
        assert "shared.pdf" in page and "internal.pdf" not in page
        base = f"/cases/{case.reference}/evidence"
        assert client.get(f"{base}/{internal.id}/download").status_code == 404
        assert client.get(f"{base}/{shared.id}/download").status_code == 200
    finally:
        visibility.unregister(builder)
