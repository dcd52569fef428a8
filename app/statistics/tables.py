"""Figures as tables, and the small-count rule that every shared table goes through.

Outside one agency's own page a count of 1 or 2 is shown as "<3" (primary suppression).
Because region totals and each agency's totals are published, one hidden cell in a line
could be worked out by subtraction, so further cells are withheld (shown as "—") until no
hidden count can be worked out from the line's total; when no cell is left to withhold,
the total itself is withheld. Zeros stay visible: they single nobody out.

A figure whose rows add up to one total (`Figure.summary`) also publishes that grand total
(the annual report's summary); its rows' totals are then one more line under the same rule,
so the grand total is shown unless it is small itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.statistics.figures import TOTAL, Figure

SMALL = 3
PRIMARY = "small"  # shown "<3"
SECONDARY = "withheld"  # shown "—"


@dataclass
class Cell:
    value: float | int | None
    hidden: str | None = None  # PRIMARY / SECONDARY

    @property
    def text(self) -> str:
        if self.hidden == PRIMARY:
            return "<3"
        if self.hidden == SECONDARY:
            return "—"
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def shown(self) -> float | int | None:
        """The value an export may carry: None when withheld."""
        return None if self.hidden else self.value


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
    figure: Figure, triples, columns: list[tuple[str, str]], *, suppress: bool
) -> Table:
    values: dict[str, dict[str, float | int | None]] = {}
    extra_columns: list[str] = []
    known = {key for key, _label in columns}
    for row, column, value in triples:
        values.setdefault(row, {})[column] = value
        if column != TOTAL and column not in known:
            known.add(column)
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
        apply_small_count_rule(table)
    return table


def apply_small_count_rule(table: Table) -> None:
    counts = [r for r in table.rows if r.kind == "count"]
    grand = [table.grand_total] if table.grand_total else []
    for cell in [*(c for r in counts for c in (*r.cells.values(), r.total)), *grand]:
        if isinstance(cell.value, int) and 0 < cell.value < SMALL:
            cell.hidden = PRIMARY
    lines = [[*r.cells.values(), r.total] for r in counts]
    for column, _label in table.columns:
        lines.append([r.cells[column] for r in counts] + [Cell(None)])
    changed = True
    while changed:
        changed = any([_protect_line(line[:-1], line[-1]) for line in lines])
        changed |= _protect_grand_total(table.grand_total, counts)
    by_key = {r.key: r for r in counts}
    for row in table.rows:
        if row.kind == "count":
            continue
        basis = by_key.get(table.figure.basis.get(row.key, ""))
        for column, cell in [*row.cells.items(), (TOTAL, row.total)]:
            base = basis.total if basis and column == TOTAL else basis and basis.cells[column]
            if base is None or base.hidden or not base.value or base.value < SMALL:
                cell.hidden = SECONDARY if cell.value is not None else None


def _protect_grand_total(grand: Cell | None, counts: list[Row]) -> bool:
    """The rows' totals are a line whose total is the grand total. A row's total withheld for
    its sake must not be the plain sum of shown cells, so only the totals of rows that hide a
    cell already may be chosen; with none, the grand total itself is withheld."""
    if grand is None:
        return False
    hiding = {id(r.total) for r in counts if any(c.hidden for c in r.cells.values())}
    return _protect_line([r.total for r in counts], grand, eligible=lambda cell: id(cell) in hiding)


def _protect_line(cells: list[Cell], total: Cell, eligible=lambda cell: True) -> bool:
    """Withholds one more cell (or the total) if a hidden count of this line could be
    worked out from its total; True when something changed. A line is safe when each "<3"
    could be 1 as well as 2 given the total and the other cells, and a cell withheld to
    protect another line is not alone in this one."""
    if total.hidden:
        return False
    primary = [c for c in cells if c.hidden == PRIMARY]
    secondary = [c for c in cells if c.hidden == SECONDARY]
    withheld = sum(c.value or 0 for c in primary + secondary)
    p, s = len(primary), len(secondary)
    if p + s == 0 or (p == 0 and s >= 2):
        return False
    if p and s == 0 and p >= 2 and p < withheld < 2 * p:
        return False
    if p and s >= 1 and withheld >= p + SMALL * s + 1:
        return False
    candidates = sorted(
        (c for c in cells if not c.hidden and c.value and eligible(c)), key=lambda c: c.value
    )
    if candidates:
        candidates[0].hidden = SECONDARY
    else:
        total.hidden = SECONDARY
    return True
