"""An issued document whose PDF job could not be queued after the issue was committed (Redis
answered, then refused the push), or whose job failed for good, is prepared again from its
page: the same document under the same number, one PDF, nothing made twice."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.documents.models import OfficialDocument
from app.documents.services import create_draft, issue_document, pdf_job
from app.extensions import db
from app.jobs.models import Job, JobStatus
from tests.conftest import IN_CI, scenario_supervisor


@pytest.fixture
def refusing_redis(tmp_path):
    """A real Redis that answers PING and refuses every write (no memory left to it): the
    queue after the caller's commit, when the push fails."""
    server = shutil.which("redis-server")
    if server is None:
        if IN_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    socket = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [
            *(server, "--port", "0", "--unixsocket", str(socket), "--maxmemory", "1"),
            *("--maxmemory-policy", "noeviction", "--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"unix://{socket}"
    finally:
        process.terminate()
        process.wait(10)


def _draft(make_case):
    case = make_case(state="investigating")
    return create_draft(case, case.lead.user, "investigation_notice", case.respondents[0].id)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audited(document, action) -> int:
    return _count(AuditEntry, AuditEntry.action == action, AuditEntry.case_id == document.case_id)


def test_a_pdf_whose_push_failed_is_prepared_again_once(
    app, make_case, login, client, refusing_redis
):
    draft = _draft(make_case)
    supervisor = scenario_supervisor(draft.case)
    db.session.commit()
    login(supervisor)
    app.config["REDIS_URL"] = refusing_redis
    try:
        issued = client.post(
            f"/documents/{draft.id}/issue", data={"version": draft.version}, follow_redirects=True
        )
    finally:
        app.config["REDIS_URL"] = None
    assert issued.status_code == 503
    db.session.expire_all()
    document = db.session.get(OfficialDocument, draft.id)
    number = document.number
    assert document.is_issued and number and document.sha256 is None
    assert pdf_job(document) is None  # the push failed: its row went with it
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="pdf-missing"' in page and 'data-testid="prepare-pdf"' in page
    documents = _count(OfficialDocument)
    again = client.post(f"/documents/{document.id}/prepare-pdf", follow_redirects=True)
    assert again.status_code == 200
    db.session.expire_all()
    document = db.session.get(OfficialDocument, draft.id)
    assert document.sha256 and document.number == number and _count(OfficialDocument) == documents
    assert pdf_job(document).status == JobStatus.finished
    assert _audited(document, "document.pdf_prepare_again") == 1
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="prepare-pdf"' not in page and document.sha256 in page
    twice = client.post(f"/documents/{document.id}/prepare-pdf")
    assert twice.status_code == 409
    assert _audited(document, "document.pdf_prepare_again") == 1
    assert _count(Job, Job.case_id == document.case_id) == 1


def test_with_redis_down_preparing_again_changes_nothing(app, make_case, login, client):
    draft = _draft(make_case)
    document = issue_document(draft, scenario_supervisor(draft.case))
    db.session.commit()
    login(scenario_supervisor(document.case))
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        refused = client.post(f"/documents/{document.id}/prepare-pdf", follow_redirects=True)
    finally:
        app.config["REDIS_URL"] = None
    assert refused.status_code == 503
    body = refused.get_data(as_text=True)
    assert "任务队列暂时不可用" in body or "queue is unavailable" in body
    assert 'data-testid="prepare-pdf"' in body  # still offered
    db.session.expire_all()
    assert pdf_job(document) is None and document.sha256 is None
    assert _audited(document, "document.pdf_prepare_again") == 0


def test_a_failed_job_is_run_again_but_a_queued_one_is_not_doubled(make_case, login, client):
    draft = _draft(make_case)
    document = issue_document(draft, scenario_supervisor(draft.case))
    job = Job(
        id="0d0c0000-0000-4000-8000-00000000f001",
        queue="dossiers",
        func="app.documents.tasks.render_issued_document",
        args=[document.id],
        case_id=document.case_id,
        status=JobStatus.queued,
    )
    db.session.add(job)
    db.session.commit()
    login(scenario_supervisor(document.case))
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="prepare-pdf"' not in page and 'data-testid="pdf-missing"' not in page
    queued = client.post(f"/documents/{document.id}/prepare-pdf")
    assert queued.status_code == 409
    job.status, job.error = JobStatus.failed, "WeasyPrint ran out of memory"
    db.session.commit()
    assert 'data-testid="prepare-pdf"' in client.get(f"/documents/{document.id}").get_data(
        as_text=True
    )
    assert client.post(f"/documents/{document.id}/prepare-pdf").status_code == 302
    db.session.expire_all()
    assert db.session.get(OfficialDocument, document.id).sha256
    assert pdf_job(document).id != job.id and pdf_job(document).status == JobStatus.finished


def test_only_the_owning_agencys_supervisor_prepares_it_again(make_case, make_user, login, client):
    draft = _draft(make_case)
    document = issue_document(draft, scenario_supervisor(draft.case))
    db.session.commit()
    url = f"/documents/{document.id}/prepare-pdf"
    login(draft.case.lead.user)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="pdf-missing"' in page and 'data-testid="prepare-pdf"' not in page
    assert client.post(url).status_code == 403
    client.post("/logout")
    login(make_user("JS", roles=("supervisor",)))
    outsider = client.post(url)
    assert outsider.status_code == 404 and document.number not in outsider.get_data(as_text=True)
    db.session.expire_all()
    assert (
        pdf_job(document) is None and db.session.get(OfficialDocument, document.id).sha256 is None
    )
