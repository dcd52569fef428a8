"""A list that cannot be screened is refused with a clear message and nothing is kept: a file
that is no spreadsheet, more than 50,000 rows, an empty purpose (all problems at once)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.screening.models import Screening, ScreeningRow
from tests.screening.support import HEADER, csv_bytes, upload, valid_id, xlsx


def _nothing_kept() -> None:
    assert db.session.scalar(select(func.count()).select_from(Screening)) == 0
    assert db.session.scalar(select(func.count()).select_from(ScreeningRow)) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused(make_user, login):
    client = login(make_user("ZJ", roles=("screener",), locale="en"))
    for data, name in (
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "list.xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "list.csv"),
        (b"PK\x03\x04 a broken zip archive", "list.xlsx"),
    ):
        response = upload(client, data, name=name)
        assert response.status_code == 422
        assert "This file is not an Excel workbook (.xlsx) or a CSV file." in response.get_data(
            as_text=True
        )
    old = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, name="list.xls")
    assert old.status_code == 422 and ".xls" in old.get_data(as_text=True)
    headless = upload(client, csv_bytes([])[0:0] + b"a,b\n1,2\n", name="list.csv")
    assert headless.status_code == 422 and "The first row must name the columns" in (
        headless.get_data(as_text=True)
    )
    _nothing_kept()


def test_an_empty_purpose_and_a_bad_file_are_named_together(make_user, login):
    client = login(make_user("ZJ", roles=("screener",), locale="en"))
    response = upload(client, b"%PDF-1.4", purpose="  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what the screening is for" in page and "not an Excel workbook" in page
    _nothing_kept()


def test_more_than_50000_rows_are_refused(make_user, login):
    client = login(make_user("ZJ", roles=("screener",), locale="en"))
    row = f"张伟,居民身份证,{valid_id('11010119900307123')},复旦大学\n"
    data = (",".join(HEADER) + "\n" + row * 50_001).encode()
    response = upload(client, data, name="list.csv")
    assert response.status_code == 422
    assert "at most 50,000 rows" in response.get_data(as_text=True)
    _nothing_kept()


def test_a_list_with_a_header_only_is_refused(make_user, login):
    client = login(make_user("ZJ", roles=("screener",), locale="en"))
    response = upload(client, xlsx([]))
    assert response.status_code == 422 and "no applicant rows" in response.get_data(as_text=True)
    _nothing_kept()
