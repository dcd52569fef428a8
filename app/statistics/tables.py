"""Figures as tables. Every shared table goes through the disclosure rule
(`app.statistics.disclosure`) before anything shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.statistics.disclosure import Cell, protect
from app.statistics.figures import TOTAL, Figure

__all__ = ["Cell", "Row", "Table", "build_table"]


@dataclass
class Row:
    key: str
    label: str
    kind: str  # count / days / percent
    cells: dict[str, Cell]
    total: Cell


@dataclass
class Table:
    figure: Figure
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[Row] = field(default_factory=list)
    suppressed: bool = False
    grand_total: Cell | None = None  # figures with `summary`: the sum of the rows' totals

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def title(self) -> str:
        return str(self.figure.title)

    @property
    def caption(self) -> str:
        return str(self.figure.caption)

    @property
    def has_data(self) -> bool:
        return any(r.total.value for r in self.rows if r.kind == "count")


def build_table(
    figure: Figure,
    triples,
    columns: list[tuple[str, str]],
    *,
    suppress: bool,
    known: frozenset[str] = frozenset(),
) -> Table:
    """`known`: the columns of the viewer's own agency, shown as they are."""
    values: dict[str, dict[str, float | int | None]] = {}
    extra_columns: list[str] = []
    seen = {key for key, _label in columns}
    for row, column, value in triples:
        values.setdefault(row, {})[column] = value
        if column != TOTAL and column not in seen:
            seen.add(column)
            extra_columns.append(column)
    columns = columns + [(c, c) for c in sorted(extra_columns)]
    order = list(figure.fixed_rows()) if figure.fixed_rows else []
    order += [key for key in values if key not in order]
    table = Table(figure=figure, columns=columns, suppressed=suppress)
    for key in order:
        kind = figure.row_kinds.get(key, "count")
        row_values = values.get(key, {})
        cells = {c: Cell(row_values.get(c, 0 if kind == "count" else None)) for c, _l in columns}
        if kind == "count":
            total = Cell(sum(c.value or 0 for c in cells.values()))
        else:
            total = Cell(row_values.get(TOTAL))
        table.rows.append(Row(key, figure.row_label(key), kind, cells, total))
    if figure.summary:
        table.grand_total = Cell(sum(r.total.value or 0 for r in table.rows if r.kind == "count"))
    if suppress:
        protect(table, known)
    return table
