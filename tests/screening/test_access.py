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
from tests.screening.support import mixed_rows, publish_record, upload, xlsx


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
