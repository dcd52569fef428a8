"""Who reaches screening, and what a screener never sees: a record's case, complainant or
evidence. Screening results show only what a single integrity check shows."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.screening.models import Screening
from tests.screening.support import CLEAR_ID, mixed_rows, publish_record, upload, valid_id, xlsx


def test_only_screeners_reach_screening(make_user, login, client):
    assert client.get("/screenings").status_code == 302  # anonymous → sign in
    for roles in (("officer", "supervisor"), ("agency_admin",), ("auditor",)):
        login(make_user("SH", roles=roles))
        assert client.get("/screenings").status_code == 403
        assert client.get("/screenings/new").status_code == 403
        assert upload(client, xlsx(mixed_rows())).status_code == 403
        client.post("/logout")
    assert db.session.scalars(select(Screening)).all() == []


def test_another_agencys_screener_sees_none_of_a_screening(make_case, make_user, login, client):
    publish_record(make_case, make_user)
    login(make_user("ZJ", roles=("screener",)))
    upload(client, xlsx(mixed_rows()))
    screening = db.session.scalars(select(Screening)).one()
    client.post("/logout")
    colleague = make_user("ZJ", roles=("screener",))
    login(colleague)
    assert client.get(f"/screenings/{screening.id}").status_code == 200
    client.post("/logout")
    login(make_user("JS", roles=("screener",)))
    for suffix in ("", ".xlsx", ".pdf"):
        assert client.get(f"/screenings/{screening.id}{suffix}").status_code == 404
    assert "2026年度" not in client.get("/screenings").get_data(as_text=True)


def test_a_screener_never_sees_a_records_case_complainant_or_evidence(make_case, make_user, login):
    record = publish_record(make_case, make_user)
    case = record.case
    client = login(make_user("SH", roles=("screener",)))
    assert client.get(f"/records/{record.id}").status_code in (403, 404)
    assert client.get("/records").status_code == 403
    assert client.get(f"/cases/{case.reference}").status_code == 404
    assert client.get("/integrity-check").status_code == 403
    upload(client, xlsx(mixed_rows()))
    screening = db.session.scalars(select(Screening)).one()
    page = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    book = client.get(f"/screenings/{screening.id}.xlsx").data
    pdf = client.get(f"/screenings/{screening.id}.pdf").data
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    from openpyxl import load_workbook

    cells = str(
        [c.value for row in load_workbook(io.BytesIO(book)).active.iter_rows() for c in row]
    )
    assert record.record_uid in page and record.record_uid in cells and record.record_uid in text
    conduct = record.payload["conduct"]
    for secret in (case.reference, "李娜", "13800000000", case.title, conduct, "/records/"):
        for shown in (page, cells, text):
            assert secret not in shown


def test_an_agency_administrator_grants_the_screener_role_in_their_agency(make_user, agency):
    from app.auth.services import create_user, update_user
    from app.core.errors import NotAllowed

    admin = make_user("ZJ", roles=("agency_admin",))
    office = create_user(
        "zj-office", "项目处", agency("ZJ"), ["screener"], "Kx9#long-pass-2026", admin
    )
    assert office.roles == {Role.screener}
    officer = make_user("ZJ", roles=("officer",))
    update_user(officer, admin, officer.display_name, None, ["officer", "screener"])
    assert Role.screener in officer.roles
    with pytest.raises(NotAllowed):
        update_user(officer, make_user("JS", roles=("agency_admin",)), "x", None, ["screener"])


def _running_screening(screener, progress: int) -> Screening:
    """A screening a worker is part-way through: its tracked job says how far it got."""
    from app.jobs.models import Job, JobStatus
    from app.screening.models import ScreeningStatus
    from app.screening.reading import ListRow
    from app.screening.services import submit_screening

    rows = [ListRow(line=2, name="王芳", id_type="", id_number=valid_id(CLEAR_ID), institution="")]
    screening = submit_screening(screener, "2026年度人才计划", lambda: rows)
    job = Job(
        id="5c1f0e2a-0000-4000-8000-000000000001",
        queue="default",
        func="app.screening.tasks.run_screening",
        args=[screening.id],
        user_id=screener.id,
        status=JobStatus.running,
        progress=progress,
    )
    db.session.add(job)
    screening.job_id, screening.status = job.id, ScreeningStatus.running
    db.session.commit()
    return screening


def test_a_colleague_follows_a_running_screenings_progress(make_user, login, client):
    """The page polls the screening's own progress, seen by whoever sees the screening (the
    agency's screeners), not the job's status, which answers its requester only."""
    screener = make_user("ZJ", roles=("screener",))
    screening = _running_screening(screener, 40)
    login(make_user("ZJ", roles=("screener",)))
    page = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    url = f"/screenings/{screening.id}/progress.json"
    assert f'data-job-status="{url}"' in page
    assert "<span data-job-progress>40</span>" in page
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.json["status"] == "running" and answer.json["progress"] == 40
    assert client.get(f"/jobs/{screening.job_id}.json").status_code == 404
    client.post("/logout")
    login(make_user("JS", roles=("screener",)))
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(make_user("ZJ", roles=("officer", "supervisor")))
    assert client.get(url).status_code == 404


def test_a_finished_screening_reports_its_whole_progress(make_case, make_user, login, client):
    publish_record(make_case, make_user)
    login(make_user("SH", roles=("screener",)))
    upload(client, xlsx(mixed_rows()))
    screening = db.session.scalars(select(Screening)).one()
    client.post("/logout")
    login(make_user("SH", roles=("screener",)))
    answer = client.get(f"/screenings/{screening.id}/progress.json").json
    assert answer == {"status": "finished", "progress": 100, "error": None, "done": True}
