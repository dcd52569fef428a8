"""Reading an applicant list: an Excel workbook (.xlsx) or a CSV file, or rows as JSON.

A file is recognised by its content, not its name: a workbook is a zip archive openpyxl
can open (read-only mode, for speed); anything else must be text (UTF-8, or GB18030 as
Excel saves CSV on Chinese systems). The first row names the columns, in Chinese or
English. Rows are only read here; `rows.check_row` says what is wrong with one.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.errors import InvalidInput

MAX_ROWS = 50_000
# 50,000 rows of an Excel list take a few megabytes; CSV somewhat more.
MAX_BYTES = 32 * 1024 * 1024

COLUMNS = {
    "name": ("name", "姓名", "名称", "申请人", "applicant"),
    "id_type": ("id type", "id_type", "证件类型"),
    "id_number": (
        "id number",
        "id_number",
        "证件号码",
        "身份证号码",
        "身份证号",
        "统一社会信用代码",
    ),
    "institution": ("institution", "单位", "工作单位", "所在单位", "依托单位"),
}


@dataclass
class ListRow:
    line: int
    name: str
    id_type: str
    id_number: str
    institution: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        key = _text(title).lower()
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    if "name" not in found or "id_number" not in found:
        raise InvalidInput(
            _l(
                "The first row must name the columns: name (姓名), ID type (证件类型), "
                "ID number (证件号码) and institution (单位)."
            ),
            field="file",
        )
    return found


def _rows(cells: Iterator[tuple], first_line: int = 2) -> Iterator[ListRow]:
    try:
        header = next(cells)
    except StopIteration:
        raise InvalidInput(_l("The list is empty."), field="file") from None
    columns = _columns(list(header))

    def cell(values: tuple, column: str) -> str:
        index = columns.get(column)
        return _text(values[index]) if index is not None and index < len(values) else ""

    for line, values in enumerate(cells, start=first_line):
        if not any(_text(v) for v in values):
            continue  # a blank line is no applicant
        yield ListRow(
            line=line,
            name=cell(values, "name"),
            id_type=cell(values, "id_type"),
            id_number=cell(values, "id_number"),
            institution=cell(values, "institution"),
        )


def _not_a_list() -> InvalidInput:
    return InvalidInput(
        _l("This file is not an Excel workbook (.xlsx) or a CSV file."), field="file"
    )


def _workbook_cells(data: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _not_a_list() from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # the compound file of .xls workbooks
CONTROL = set(range(0x09)) | set(range(0x0E, 0x20))


def _csv_cells(data: bytes) -> Iterator[tuple]:
    if data.startswith(OLD_EXCEL):
        raise InvalidInput(
            _l("This is an old Excel file (.xls): save it as .xlsx or CSV and upload it again."),
            field="file",
        )
    if data.startswith(b"%PDF") or CONTROL.intersection(data[:4096]):
        raise _not_a_list()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _not_a_list()
    for row in csv.reader(io.StringIO(text)):
        yield tuple(row)


def read_file(data: bytes) -> list[ListRow]:
    """Every applicant row of the file; refuses a file that is no list or too long."""
    if not data:
        raise InvalidInput(_l("Choose the applicant list (Excel or CSV)."), field="file")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _l("The file is larger than 32 MB: no list of 50,000 rows is."), field="file"
        )
    cells = _workbook_cells(data) if zipfile.is_zipfile(io.BytesIO(data)) else _csv_cells(data)
    return _limited(_rows(cells))


def read_json(rows: list[dict]) -> list[ListRow]:
    """Rows sent to the API, numbered from 1 in the order sent."""
    return _limited(
        ListRow(
            line=line,
            name=_text(row.get("name")),
            id_type=_text(row.get("id_type")),
            id_number=_text(row.get("id_number")),
            institution=_text(row.get("institution")),
        )
        for line, row in enumerate(rows, start=1)
    )


def _limited(rows: Iterator[ListRow]) -> list[ListRow]:
    found = []
    for row in rows:
        found.append(row)
        if len(found) > MAX_ROWS:
            raise InvalidInput(
                _l(
                    "A list has at most %(max)s rows; this one has more. Split it and screen "
                    "each part.",
                    max=f"{MAX_ROWS:,}",
                ),
                field="file",
            )
    if not found:
        raise InvalidInput(_l("The list has no applicant rows."), field="file")
    return found
