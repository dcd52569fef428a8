"""Batch screening through the pages: the list is matched by the single check's own path,
bad rows are listed with their reason, ID numbers are never kept, the results come back as
a page, a workbook whose formulas are inert and a PDF summary, and each screening is
audited with its purpose, its requester and its counts."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.screening.models import RowState, Screening, ScreeningRow
from tests.screening.support import (
    FORMULA,
    HIT_ID,
    csv_bytes,
    mixed_rows,
    publish_record,
    upload,
    valid_id,
    xlsx,
)


def _screened(make_case, make_user, login, agency="ZJ"):
    record = publish_record(make_case, make_user)
    screener = make_user(agency, roles=("screener",), locale="en")
    client = login(screener)
    response = upload(client, xlsx(mixed_rows()))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    screening = db.session.scalars(select(Screening)).one()
    return record, screener, client, screening


def test_a_list_is_screened_by_the_check_path_and_bad_rows_are_listed(make_case, make_user, login):
    record, screener, client, screening = _screened(make_case, make_user, login)
    db.session.refresh(screening)
    assert screening.status.value == "finished"
    assert screening.counts() == {"rows": 5, "bad": 2, "clear": 2, "record": 1, "objection": 0}
    rows = db.session.scalars(select(ScreeningRow).order_by(ScreeningRow.line)).all()
    assert [r.state for r in rows] == [
        RowState.record,
        RowState.clear,
        RowState.bad,
        RowState.bad,
        RowState.clear,
    ]
    assert [r.problem for r in rows if r.problem] == ["invalid_id", "missing_name"]
    assert rows[0].matches[0]["record_id"] == record.record_uid
    assert rows[0].matches[0]["recognition"] is None  # ZJ has not decided on SH's record
    assert rows[0].id_masked == "3101**********123X"
    # No hash outlives the job, and the ID numbers were never stored.
    assert (
        db.session.scalar(select(func.count()).where(ScreeningRow.subject_hash.is_not(None))) == 0
    )
    stored = str([(r.name, r.id_masked, r.matches) for r in rows])
    assert HIT_ID not in stored and "E12345678" not in stored

    page = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    assert record.record_uid in page and "复旦大学" in page
    assert "The ID number is not valid for its type" in page
    only_hits = client.get(f"/screenings/{screening.id}?state=record").get_data(as_text=True)
    assert only_hits.count('data-row-state="') == 1 and "王芳" not in only_hits
    assert "王芳" in client.get(f"/screenings/{screening.id}?q=浙江").get_data(as_text=True)

    audits = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("screening.%")).order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audits] == ["screening.submit", "screening.finish"]
    assert audits[-1].actor_id == screener.id
    assert audits[-1].details["purpose"] == "2026年度省自然科学基金"
    assert audits[-1].details["record"] == 1 and audits[-1].details["bad"] == 2
    assert HIT_ID not in str([a.details for a in audits])


def test_the_workbook_keeps_a_formula_typed_as_a_name_inert(make_case, make_user, login):
    record, _screener, client, screening = _screened(make_case, make_user, login)
    response = client.get(f"/screenings/{screening.id}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for row in book.active.iter_rows() for c in row]
    found = [c for c in cells if c.value == FORMULA]
    assert found and all(c.data_type == "s" for c in found)
    assert not [c for c in cells if c.data_type == "f"]
    assert record.record_uid in [c.value for c in cells]


def test_the_pdf_summary_names_the_purpose_and_the_hits(make_case, make_user, login):
    record, _screener, client, screening = _screened(make_case, make_user, login)
    response = client.get(f"/screenings/{screening.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(
        "".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages
    )
    assert "2026年度省自然科学基金" in text and record.record_uid in text
    from app.core.pdfsign import verify_signed_pdf

    assert verify_signed_pdf(response.data).ok  # signed with this node's key
    downloads = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "screening.download")
    ).all()
    assert [d.details["format"] for d in downloads] == ["pdf"]


def test_a_csv_list_is_read_too(make_case, make_user, login):
    publish_record(make_case, make_user)
    client = login(make_user("AH", roles=("screener",)))
    rows = [
        ["张伟", "居民身份证", HIT_ID, "复旦大学"],
        ["王芳", "", valid_id("11010119900307123"), ""],
    ]
    assert upload(client, csv_bytes(rows), name="list.csv").status_code == 302
    screening = db.session.scalars(select(Screening)).one()
    assert (screening.rows_record, screening.rows_clear) == (1, 1)


def test_the_demo_has_a_screening_with_hits(app, db, monkeypatch):
    from app.cases.models import CaseState
    from app.demo import data
    from app.demo.loader import load_demo
    from app.screening.demo import DEMO_PURPOSE

    monkeypatch.setattr(data, "STATE_SPREAD", {CaseState.decided: 8})
    load_demo()
    screening = db.session.scalars(select(Screening)).one()
    assert screening.purpose == DEMO_PURPOSE and screening.status.value == "finished"
    assert screening.hits >= 1 and screening.rows_clear == 5 and screening.rows_bad == 1


def test_the_statistics_count_screenings_and_hits(make_case, make_user, login):
    from app.statistics.periods import year_period
    from app.statistics.sql import FigureQuery

    _, screener, _client, screening = _screened(make_case, make_user, login)
    db.session.refresh(screening)
    period = year_period(screening.finished_at.year)
    query = FigureQuery(period=period, agency_ids=(screener.agency_id,))
    from app.screening.figures import screened, screenings

    assert screenings(query) == [("screenings", screener.agency_id, 1)]
    outcomes = {row: n for row, _agency, n in screened(query)}
    assert outcomes == {"clear": 2, "record": 1, "objection": 0}
    from app.statistics.figures import FIGURES

    assert {"screenings", "screened"} <= {f.key for f in FIGURES}


def test_a_record_whose_term_ended_today_is_no_hit_though_the_check_still_lists_it(
    make_case, make_user, login
):
    import datetime as dt

    from app.core.calendar import today
    from app.records.services import integrity_check

    record = publish_record(make_case, make_user)
    record.term_end = today() - dt.timedelta(days=1)  # the nightly expiry has not run yet
    db.session.commit()
    client = login(make_user("ZJ", roles=("screener",)))
    upload(client, csv_bytes([["张伟", "", HIT_ID, ""]]), name="list.csv")
    screening = db.session.scalars(select(Screening)).one()
    assert (screening.rows_clear, screening.rows_record) == (1, 0)
    officer = make_user("ZJ", roles=("officer",))
    assert integrity_check(officer, "张伟", "resident_id", HIT_ID) == [record]
