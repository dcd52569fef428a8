"""Several people uploading the same file at the same moment: one blob, every reference kept.

The data must be committed to be seen across threads, so this test does not use the
rolled-back `db` fixture; its fixture commits a case and removes it afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.auth.models import Agency, Role, User
from app.cases.models import Case, CaseSource, MisconductType
from app.cases.services import AllegationInput, CaseInput, RespondentInput, register_case
from app.evidence.models import Blob, EvidenceItem
from app.evidence.services import Upload, add_file_evidence
from app.extensions import db
from app.statistics.counts import forget
from tests.cleanup import audit_guard_lifted
from tests.conftest import password_hash

THREADS = 6
CONTENT = b"%PDF-1.4\n% concurrent upload test\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


@pytest.fixture
def committed_case(app):
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == "AH"))
        officer = User(
            username="ah-concurrency-officer",
            display_name="并发测试",
            agency=agency,
            password_hash=password_hash(),
        )
        officer.set_roles([Role.officer])
        db.session.add(officer)
        db.session.flush()
        case = register_case(
            CaseInput(
                title="并发上传测试",
                source=CaseSource.letter,
                received_date=dt.date(2026, 3, 2),
                respondents=[RespondentInput(name="测试")],
                allegations=[AllegationInput(MisconductType.other, "测试")],
            ),
            officer,
        )
        db.session.commit()
        ids = (case.id, officer.id)
    yield ids
    with app.app_context():
        _remove(*ids)


def _remove(case_id: int, user_id: int) -> None:
    """Test clean-up only (see tests/cleanup.py)."""
    params = {"c": case_id, "u": user_id}
    forget([case_id])  # out of the statistics' running counts with its summary
    with audit_guard_lifted():
        _delete_rows(params)
    db.session.commit()


def _delete_rows(params: dict) -> None:
    for statement in (
        "DELETE FROM evidence_custody WHERE item_id IN "
        "(SELECT id FROM evidence_items WHERE case_id = :c)",
        "DELETE FROM evidence_items WHERE case_id = :c",
        "DELETE FROM evidence_blobs WHERE sha256 NOT IN "
        "(SELECT blob_sha256 FROM evidence_items WHERE blob_sha256 IS NOT NULL)",
        "DELETE FROM audit_entries WHERE case_id = :c OR actor_id = :u",
        "DELETE FROM case_history WHERE case_id = :c",
        "DELETE FROM allegations WHERE case_id = :c",
        "DELETE FROM parties WHERE case_id = :c",
        "DELETE FROM case_summaries WHERE case_id = :c",  # no cascade with the guard lifted
        "DELETE FROM case_facets WHERE case_id = :c",
        "DELETE FROM notifications WHERE case_id = :c",
        "DELETE FROM cases WHERE id = :c",
        "DELETE FROM user_roles WHERE user_id = :u",
        "DELETE FROM users WHERE id = :u",
    ):
        db.session.execute(text(statement), params)


def test_concurrent_uploads_of_one_file_leave_one_blob(app, committed_case):
    case_id, user_id = committed_case
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                case = db.session.get(Case, case_id)
                actor = db.session.get(User, user_id)
                db.session.commit()  # release SQLite's write lock before waiting
                barrier.wait(timeout=30)
                add_file_evidence(case, Upload(io.BytesIO(CONTENT), f"copy-{n}.pdf"), actor)
                db.session.commit()
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sha = hashlib.sha256(CONTENT).hexdigest()
    with app.app_context():
        items = db.session.scalars(
            select(EvidenceItem).where(EvidenceItem.case_id == case_id)
        ).all()
        assert len(items) == THREADS
        assert {i.blob_sha256 for i in items} == {sha}
        assert sorted(i.original_name for i in items) == [f"copy-{n}.pdf" for n in range(THREADS)]
        assert db.session.scalar(select(func.count()).where(Blob.sha256 == sha)) == 1
    root = Path(app.config["FILE_STORE"]) / "blobs"
    assert [p for p in root.rglob(sha)] == [root / sha[:2] / sha]
    assert (root / sha[:2] / sha).read_bytes() == CONTENT
    assert list((root / "tmp").iterdir()) == []
