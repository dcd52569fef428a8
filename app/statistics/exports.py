"""Tables as CSV (one table) and as an Excel workbook (one sheet per table), written with
openpyxl. Both carry what the page shows: withheld cells as "<3" or "—", never a number;
labels (institutions are typed by users) are written as text, never as formulas."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from app.core.exports import append_xlsx_row, csv_writer
from app.statistics.tables import Cell, Table

FORMATS = {"count": "#,##0", "percent": "0.0", "days": "0.0"}


def header(table: Table) -> list[str]:
    return [_("Figure"), *[label for _k, label in table.columns], _("Total")]


def _value(cell: Cell):
    return cell.text if cell.hidden or cell.value is None else cell.value


def table_rows(table: Table) -> list[list]:
    return [
        [row.label, *[_value(row.cells[k]) for k, _l in table.columns], _value(row.total)]
        for row in table.rows
    ]


def table_csv(table: Table) -> str:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header(table))
    writer.writerows(table_rows(table))
    return "\ufeff" + out.getvalue()


def tables_xlsx(tables: list[Table], title: str) -> bytes:
    # openpyxl is loaded when a workbook is first asked for, not by every process
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for index, table in enumerate(tables, start=1):
        sheet = book.create_sheet(_sheet_name(index, table.title))
        append_xlsx_row(sheet, [table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        append_xlsx_row(sheet, [table.caption])
        append_xlsx_row(sheet, header(table))
        for cell in sheet[3]:
            cell.font, cell.fill = bold, fill
        for row, values in zip(table.rows, table_rows(table), strict=True):
            append_xlsx_row(sheet, values)
            for cell in sheet[sheet.max_row][1:]:
                if isinstance(cell.value, int | float):
                    cell.number_format = FORMATS[row.kind]
                else:
                    cell.alignment = Alignment(horizontal="right")
        sheet.column_dimensions["A"].width = 36
        for column in range(2, len(table.columns) + 3):
            sheet.column_dimensions[get_column_letter(column)].width = 16
        sheet.freeze_panes = "B4"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(index: int, title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return f"{index} {clean}"[:31]
