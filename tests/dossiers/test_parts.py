"""A dossier laid out in parts by worker processes and joined: page numbers, table of
contents, outline, hash and signature as in one pass; a failed part fails the whole job."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.pdfsign import UNKNOWN_SIGNER, verify_signed_pdf
from app.dossiers import parts
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from app.jobs import Job, JobStatus
from app.notes.services import NoteInput, add_note
from tests.dossiers import faults
from tests.worker_support import committed, redis_url, rq_worker  # noqa: F401


@pytest.fixture
def split(app, monkeypatch):
    """Dossiers of the tests' size cut into three parts on two processes."""
    app.config["DOSSIER_PART_MIN_WEIGHT"] = 1_000
    monkeypatch.setattr(parts, "processes", lambda: 3)
    seen = {}
    lay_out = parts.lay_out_parts

    def keeping(htmls, fonts, meanwhile):
        seen["parts"] = len(htmls)
        return lay_out(htmls, fonts, meanwhile)

    monkeypatch.setattr(parts, "lay_out_parts", keeping)
    yield seen
    app.config.pop("DOSSIER_PART_MIN_WEIGHT", None)


def _long_case(make_case, count=40):
    case = make_case(state="decided")
    lead = case.lead.user
    for i in range(count):
        add_note(
            case,
            lead,
            NoteInput(
                kind="interview",
                title=f"第 {i + 1} 次谈话",
                happened_on=dt.date(2026, 5, i % 28 + 1),
                body="被谈话人说明了实验数据的来源和处理过程，并提供了原始记录。" * 6,
                visibility="internal",
                interviewee="张伟",
                location="调查组会议室",
            ),
        )
    return case


def _stored(db, case):
    db.session.expire_all()
    return db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))


def _page_texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def _contents_page(path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def test_a_split_dossier_numbers_its_pages_and_contents_as_one(app, db, make_case, split):
    case = _long_case(make_case)
    request_dossier(case, case.lead.user, DossierLevel.internal)
    assert split["parts"] == 3
    dossier = _stored(db, case)
    path = f"{app.config['FILE_STORE']}/{dossier.path}"
    data = Path(path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == dossier.sha256
    assert verify_signed_pdf(data).ok

    pages = _page_texts(path)
    total = len(pages)
    assert dossier.pages == total == len(PdfReader(path).pages) >= 5
    for number, text in enumerate(pages, start=1):  # 1..N, no gap, no repeat
        assert re.search(rf"第 {number} 页 / 共 {total} 页", text), (number, text[-300:])

    # The table of contents on page 2: each entry's number is the page its section starts on.
    entries = re.findall(r"^\s*(\d+)\. (\S+?) ?\.{3,}\s*(\d+)\s*$", _contents_page(path), re.M)
    assert len(entries) >= 10
    for number, title, page in entries:
        heading = f"{number}. {title}"
        target = pages[int(page) - 1].replace("\n", "")
        assert heading in target, (heading, page)
        earlier = "".join(pages[2 : int(page) - 1]).replace("\n", "")
        assert heading not in earlier, (heading, page)

    # The outline has the sections, each pointing at its page, and the interviews under them.
    reader = PdfReader(path)
    flat = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    titles = {title: page for _depth, title, page in flat}
    for number, title, page in entries:
        assert titles[f"{number}. {title}"] == int(page)
    assert sum("次谈话" in title for _d, title, _p in flat) == 40
    # The evidence-free inventory and the interviews came from the parts, under the frame.
    assert "第 40 次谈话" in "".join(pages)


def test_the_evidence_numbering_continues_across_a_cut(app, db, make_case, split):
    import io

    from app.evidence.services import Upload, add_file_evidence

    case = make_case(state="investigating")
    lead = case.lead.user
    for i in range(60):
        add_file_evidence(
            case,
            Upload(io.BytesIO(b"%PDF-1.4\n%" + bytes([i])), f"证据{i:02d}.pdf"),
            lead,
            title=f"证据材料{i:02d}",
        )
    request_dossier(case, lead, DossierLevel.internal)
    path = f"{app.config['FILE_STORE']}/{_stored(db, case).path}"
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    numbers = [int(n) for n in re.findall(r"^\s*(\d+)\. 证据材料", text, re.M)]
    assert numbers == list(range(1, 61))


def test_one_process_is_the_single_pass(app, db, make_case, monkeypatch):
    app.config.update(DOSSIER_PART_MIN_WEIGHT=1_000, DOSSIER_PROCESSES=1)
    called = []
    monkeypatch.setattr(parts, "render_split", lambda *a, **k: called.append(1))
    try:
        case = _long_case(make_case, 5)
        request_dossier(case, case.lead.user, DossierLevel.internal)
    finally:
        app.config.pop("DOSSIER_PROCESSES", None)
        app.config.pop("DOSSIER_PART_MIN_WEIGHT", None)
    assert not called and _stored(db, case).pages >= 3


def _workers_left() -> list[str]:
    """The processes this one started, and those the dossiers' fork server started, but
    the fork server itself and multiprocessing's resource tracker (both stay, to serve the
    next dossier)."""
    from multiprocessing import forkserver, resource_tracker

    server = str(forkserver._forkserver._forkserver_pid or "")
    tracker = str(resource_tracker._resource_tracker._pid or "")

    def children(pid: str) -> list[str]:
        found = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout
        return found.split()

    return [p for p in children(str(os.getpid())) if p not in (server, tracker)] + (
        children(server) if server else []
    )


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        (faults.crash, "its process stopped (exit code 3)"),
        (faults.fail, "ValueError: cannot lay this out"),
    ],
)
def test_a_failed_part_fails_the_job_and_stores_nothing(
    app, db, make_case, split, monkeypatch, worker, message
):
    monkeypatch.setattr(parts, "lay_out_part", worker)
    case = _long_case(make_case, 5)
    folder = f"{app.config['FILE_STORE']}/dossiers/{case.reference}"

    def files():  # the file store is the session's: earlier tests' cases had this reference
        return set(os.listdir(folder)) if os.path.isdir(folder) else set()

    before = files()
    job = request_dossier(case, case.lead.user, DossierLevel.internal)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.failed
    assert "PartFailed" in job.error and message in job.error
    assert _stored(db, case) is None
    assert files() == before
    assert _workers_left() == [], "no worker process is left behind"


@pytest.mark.parametrize("step", ["front_pages", "lay_out_front"])
def test_a_failed_front_fails_the_job_and_stores_nothing(
    app, db, make_case, split, monkeypatch, step
):
    """The cover and contents are laid out in a worker too, once to count their pages and
    once numbered: either failing fails the dossier, naming the front, and leaves no worker."""
    monkeypatch.setattr(parts, step, faults.fail)
    case = _long_case(make_case, 5)
    job = request_dossier(case, case.lead.user, DossierLevel.internal)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.failed
    assert "PartFailed: the front: ValueError: cannot lay this out" in job.error
    assert _stored(db, case) is None
    assert _workers_left() == [], "no worker process is left behind"


def test_a_part_from_a_fork_server_when_the_process_has_threads(app, db, make_case, split):
    """The web process running jobs without Redis has threads: parts start from the fork
    server there as anywhere (a fork would copy locks other threads hold), and come out
    the same."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        case = _long_case(make_case, 10)
        request_dossier(case, case.lead.user, DossierLevel.internal)
    finally:
        stop.set()
        other.join()
    dossier = _stored(db, case)
    pages = _page_texts(f"{app.config['FILE_STORE']}/{dossier.path}")
    assert all(f"第 {n} 页 / 共 {len(pages)} 页" in p for n, p in enumerate(pages, start=1))


def test_a_split_archival_dossier_keeps_the_frame_s_pdf_a_identification(app, db, make_case, split):
    case = _long_case(make_case, 10)
    request_dossier(case, case.lead.user, DossierLevel.shared, pdfa=True)
    assert split["parts"] >= 2
    dossier = _stored(db, case)
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert dossier.pdfa and reader.pdf_header == "%PDF-1.7"
    assert re.search(r"pdfaid:part[^0-9]{0,3}3", xmp) and re.search(r"conformance[^A-Z]{0,3}B", xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]


@pytest.mark.redis
def test_a_real_worker_lays_out_the_parts_in_its_work_horse(
    app,
    committed,  # noqa: F811
    rq_worker,  # noqa: F811
    monkeypatch,
):
    from tests.dossiers.test_dossiers import _committed_case
    from tests.worker_support import wait_for

    monkeypatch.setenv("DOSSIER_PROCESSES", "2")
    monkeypatch.setenv("DOSSIER_PART_MIN_WEIGHT", "300")
    case = _committed_case(committed, "findings")
    rq_worker()
    job = request_dossier(case, case.lead.user, DossierLevel.internal)
    committed.session.commit()
    job_id = job.id

    def finished():
        committed.session.rollback()
        found = committed.session.get(Job, job_id)
        status, error = found.status, found.error
        committed.session.rollback()
        assert status != JobStatus.failed, error
        return status == JobStatus.finished

    wait_for(finished, 180)
    dossier = _stored(committed, case)
    path = Path(f"{app.config['FILE_STORE']}/{dossier.path}")
    data = path.read_bytes()
    committed.session.rollback()
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert fonts.count("+DossierCJK") >= 3  # the front's and each part's own subsets
    pages = _page_texts(path)
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in text, (number, text)
    assert hashlib.sha256(data).hexdigest() == dossier.sha256
    # Signed whole and intact, by the worker's node key (the worker has a key folder of its
    # own, so this process does not know it); the dossier verifies as stored.
    assert verify_signed_pdf(data).status == UNKNOWN_SIGNER
    verified = app.test_cli_runner().invoke(args=["dossier", "verify", str(path)])
    assert verified.exit_code == 0 and "VERIFIED" in verified.output
