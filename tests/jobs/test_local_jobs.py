"""Without Redis, a web request's jobs run in a background thread of the process (the
request returns at once and the page follows the job), and a job whose process died is
taken up again through its heartbeat."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.core.models import utcnow
from app.dossiers.models import Dossier, DossierLevel
from app.jobs import Job, JobStatus, enqueue, local
from tests import jobfuncs
from tests.conftest import TEST_PASSWORD, base_config
from tests.dossiers.test_dossiers import _committed_case
from tests.jobs.test_jobs import _status
from tests.worker_support import committed, wait_for  # noqa: F401


@pytest.fixture
def threaded(app, committed):  # noqa: F811
    app.config["JOBS_WITHOUT_REDIS"] = "thread"
    try:
        yield committed
    finally:
        local.shutdown()  # waits for the job thread: no job outlives its test
        app.config["JOBS_WITHOUT_REDIS"] = "inline"


def test_a_requests_job_runs_after_the_request_has_returned(app, threaded, tmp_path):
    gate, marker = tmp_path / "gate", tmp_path / "marker"
    with app.test_request_context("/"):
        job = enqueue(jobfuncs.wait_for_gate, str(gate), str(marker), description="gate")
    # enqueue has returned while the job waits for the gate: it runs elsewhere
    assert _status(threaded, job.id).status in {JobStatus.queued, JobStatus.running}
    assert not marker.exists()
    gate.write_text("open")
    wait_for(lambda: _status(threaded, job.id).status == JobStatus.finished, 60)
    assert marker.read_text() == "done"
    assert _status(threaded, job.id).result == {"gate": "passed"}


def test_a_command_outside_a_request_still_runs_its_job_at_once(app, threaded, tmp_path):
    marker = tmp_path / "m.txt"
    job = enqueue(jobfuncs.write_marker, str(marker), "命令")
    assert marker.read_text() == "命令"
    assert _status(threaded, job.id).status == JobStatus.finished


def test_a_dossier_asked_for_on_the_case_page_is_made_in_the_background(app, threaded):
    case = _committed_case(threaded, "findings")
    lead = case.lead.user
    reference = case.reference
    client = app.test_client()

    def call(method: str, url: str, **kwargs):
        """A request of the test client shares the test's app context, and with it the
        session: end its transaction as a request's own context would, or SQLite's write
        lock stays held and the job thread waits for it."""
        response = client.open(url, method=method, **kwargs)
        threaded.session.rollback()
        return response

    signed_in = call("POST", "/login", data={"username": lead.username, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302
    asked = call("POST", f"/cases/{reference}/dossiers", data={"level": "shared"})
    assert asked.status_code == 302
    job_id = threaded.session.scalar(
        select(Job.id).where(Job.case_id == case.id).order_by(Job.created_at.desc())
    )
    threaded.session.rollback()

    def done():
        status = call("GET", f"/jobs/{job_id}.json").get_json()
        assert status["status"] != "failed", status
        return status["done"]

    wait_for(done, 120)
    threaded.session.rollback()
    dossier = threaded.session.scalar(
        select(Dossier).where(Dossier.case_id == case.id, Dossier.level == DossierLevel.shared)
    )
    threaded.session.rollback()
    pdf = call("GET", f"/dossiers/{dossier.document_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def _abandoned(session, tmp_path, *, attempts: int, max_attempts: int) -> tuple[str, str]:
    marker = tmp_path / f"{uuid.uuid4().hex}.txt"
    job = Job(
        id=str(uuid.uuid4()),
        queue="dossiers",
        func="tests.jobfuncs.write_marker",
        args=[str(marker), "又一次"],
        status=JobStatus.running,
        attempts=attempts,
        max_attempts=max_attempts,
        created_at=utcnow() - dt.timedelta(minutes=10),
        heartbeat_at=utcnow() - dt.timedelta(minutes=5),
    )
    session.add(job)
    session.commit()
    return job.id, str(marker)


def test_a_job_whose_process_died_is_run_again_once(app, committed, tmp_path):  # noqa: F811
    job_id, marker = _abandoned(committed.session, tmp_path, attempts=1, max_attempts=2)
    fresh, _ = _abandoned(committed.session, tmp_path, attempts=1, max_attempts=2)
    committed.session.get(Job, fresh).heartbeat_at = utcnow()  # its process is alive
    committed.session.commit()
    claimed = local.recover_local(dead_after=90)
    assert job_id in claimed and fresh not in claimed
    job = _status(committed, job_id)
    assert (job.status, job.attempts) == (JobStatus.finished, 2)
    assert Path(marker).read_text() == "又一次"
    assert _status(committed, fresh).status == JobStatus.running
    assert job_id not in local.recover_local(dead_after=90)  # claimed once, never twice


def test_a_job_with_no_attempts_left_is_failed_with_the_reason(app, committed, tmp_path):  # noqa: F811
    job_id, _ = _abandoned(committed.session, tmp_path, attempts=2, max_attempts=2)
    assert job_id in local.recover_local(dead_after=90)
    job = _status(committed, job_id)
    assert job.status == JobStatus.failed and "no retries were left" in job.error


def test_two_processes_cannot_both_take_an_abandoned_job(app, committed, tmp_path):  # noqa: F811
    job_id, _ = _abandoned(committed.session, tmp_path, attempts=1, max_attempts=3)
    beat = committed.session.get(Job, job_id).heartbeat_at
    committed.session.rollback()
    assert local._claim(job_id, beat) is True
    assert local._claim(job_id, beat) is False  # the other process saw the same old beat
    assert _status(committed, job_id).attempts == 2


def test_an_unknown_mode_is_refused_by_name(tmp_path):
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(RuntimeError, match="JOBS_WITHOUT_REDIS"):
        create_app({**config, "JOBS_WITHOUT_REDIS": "threads"})
