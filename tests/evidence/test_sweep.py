"""Sweeping unreferenced blob files: orphans go, referenced files stay, and a file an upload
is about to reference is never removed, even when the sweep runs in the middle of it."""

from __future__ import annotations

import io
import os
import threading
import time

from sqlalchemy import select

from app.core.models import AuditEntry
from app.evidence import storage
from app.evidence.models import Blob
from app.evidence.services import claim_blob_row
from app.evidence.sweep import sweep_orphans
from tests.worker_support import committed  # noqa: F401

ALLOWED = {"application/pdf"}


def _pdf(tag: str) -> bytes:
    return b"%PDF-1.4\n% sweep test " + tag.encode() + os.urandom(16) + b"\n%%EOF\n"


def _store(content: bytes) -> str:
    """A file in the store with no row: what a rolled-back upload leaves."""
    return storage.store_stream(io.BytesIO(content), len(content), ALLOWED).sha256


def _upload(db, content: bytes) -> str:
    """What add_file_evidence does with the file: the row first, then the file in place."""
    with storage.receive(io.BytesIO(content), len(content), ALLOWED) as received:
        claim_blob_row(received)
        storage.place(received)
    return received.sha256


def test_sweep_removes_orphans_keeps_referenced_files_and_says_so(app, committed):  # noqa: F811
    db = committed
    orphan = _store(_pdf("orphan"))
    referenced = _upload(db, _pdf("referenced"))
    db.session.commit()
    tmp_dir = storage.store_root() / "tmp"
    stale, fresh = tmp_dir / "upload-stale", tmp_dir / "upload-fresh"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))

    dry = sweep_orphans(dry_run=True)
    assert dry.orphans >= 1 and dry.removed == 0 and dry.stale_temp >= 1
    assert storage.blob_path(orphan).exists() and stale.exists()

    report = sweep_orphans()
    assert report.removed >= 1 and report.stale_temp >= 1
    assert not storage.blob_path(orphan).exists()
    assert storage.blob_path(referenced).exists()
    assert not stale.exists() and fresh.exists()
    assert db.session.get(Blob, orphan) is None  # the sweep's claim on the row is gone
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "evidence.sweep").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.details["removed"] == report.removed

    # The same content uploaded again later is stored again.
    again = _upload(db, storage.blob_path(referenced).read_bytes())
    assert again == referenced
    fresh.unlink()


def test_sweep_during_an_upload_keeps_the_file_the_upload_references(app, committed):  # noqa: F811
    """The upload has inserted its row (not committed) and found the file already there,
    left by an earlier rolled-back upload; a sweep starts now. The file must survive."""
    db = committed
    content = _pdf("race")
    sha = _store(content)  # the orphan an earlier, rolled-back upload left
    db.session.commit()
    assert _upload(db, content) == sha  # row inserted, transaction still open
    reports = []

    def sweep() -> None:
        with app.app_context():
            reports.append(sweep_orphans())
            db.session.remove()

    thread = threading.Thread(target=sweep)
    thread.start()
    time.sleep(1.5)  # the sweep is now waiting on the upload's row (or write lock)
    db.session.commit()
    thread.join(60)
    assert reports, "the sweep did not finish"
    assert storage.blob_path(sha).read_bytes() == content
    assert db.session.get(Blob, sha) is not None
    if db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL reads without waiting: the sweep saw no row, claimed it, and lost.
        assert reports[0].kept_in_use >= 1


def test_upload_after_the_sweep_claimed_the_content_puts_the_file_back(
    app,
    committed,  # noqa: F811
    monkeypatch,
):
    """The other order: the sweep holds the row and removes the file; an upload of the same
    content waits for it, then inserts the row and links its own copy into place."""
    import app.evidence.sweep as sweep_module

    db = committed
    content = _pdf("reverse")
    sha = _store(content)
    db.session.commit()
    claimed = threading.Event()
    done = []

    def upload() -> None:
        with app.app_context():
            claimed.wait(30)
            _upload(db, content)
            db.session.commit()
            done.append(True)
            db.session.remove()

    def remove_slowly(path) -> None:
        path.unlink(missing_ok=True)
        if path.name == sha:
            claimed.set()
            time.sleep(1.5)  # the upload starts now and must wait for this transaction

    monkeypatch.setattr(sweep_module, "_remove", remove_slowly)
    thread = threading.Thread(target=upload)
    thread.start()
    report = sweep_orphans()
    thread.join(60)
    assert report.removed >= 1 and done == [True]
    assert storage.blob_path(sha).read_bytes() == content
    db.session.rollback()
    assert db.session.get(Blob, sha) is not None
