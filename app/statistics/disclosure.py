"""Disclosure control: the one rule every shared table (the region's figures, an
institution's profile) goes through before a page, the API, a CSV file, an Excel workbook
or the annual report shows it. Only an agency's own page shows its counts as they are.

- A count from 1 to `THRESHOLD` − 1 is shown "<3" (primary suppression). Zeros stay
  visible: they single nobody out.
- Complementary suppression: every sum a reader can do is checked (a row and its total, a
  column and the agency's total published elsewhere, the rows' totals and a grand total,
  a whole and its parts such as stages completed and completed within the deadline). When
  a hidden count could be worked out from what is shown, the next-smallest shown cell is
  withheld too ("—"), or the line's total when none is left. What the parts leave of
  their whole (completed, but late) is a count too: unpublished, yet as easily worked out,
  so its parts are withheld when it is small.
- A derived cell (a share, a median) is withheld with any count it rests on.
- A row named by the data (an institution, a year; not one of a figure's fixed rows)
  whose total is small loses its name: it joins one "Others" row, itself under the same
  rule (shown when it reaches the threshold). A fixed row keeps its name: it is listed
  at zero too, so its name says nothing; so does a row of the viewer's own cases only.
- The viewer's own agency's cells are shown as they are: the viewer reads them on the
  agency's own page, so they are never relied on to hide another agency's count.
- The region's and institutions' figures cover whole calendar months, quarters or years
  (`check_period`): two ranges a day apart would otherwise give a case away by difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.errors import InvalidInput
from app.statistics.figures import TOTAL

# Policy: the smallest count shown outside an agency's own page (DESIGN: "fewer than 3
# shown as <3").
THRESHOLD = 3
PRIMARY = "small"  # shown "<3"
SECONDARY = "withheld"  # shown "—"
UNPUBLISHED = "unpublished"  # what parts leave of their whole: never shown anywhere
OTHER = "other"
OTHER_LABEL = _l("Others, not shown separately")


@dataclass
class Cell:
    value: float | int | None
    hidden: str | None = None  # PRIMARY / SECONDARY

    @property
    def text(self) -> str:
        if self.hidden == PRIMARY:
            return f"<{THRESHOLD}"
        if self.hidden or self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def shown(self) -> float | int | None:
        """The value an export may carry: None when withheld."""
        return None if self.hidden else self.value


def check_period(kind: str, period) -> None:
    """The region's and an institution's figures take a whole month, quarter or year;
    an agency's own figures any range."""
    if kind != "agency" and not period.whole:
        raise InvalidInput(
            _l(
                "The region's and institutions' figures cover a whole month, quarter or"
                " year: choose one of those."
            ),
            field="from",
        )


def protect(table, known: frozenset[str] = frozenset()) -> None:
    """Marks what `table` may not show; `known` are the columns of the viewer's agency."""
    fixed = set(table.figure.fixed_rows()) if table.figure.fixed_rows else set()
    unnamed = [
        row
        for row in table.rows
        if row.kind == "count"
        and _small(row.total.value)
        and row.total.value > sum(row.cells[k].value or 0 for k in known if k in row.cells)
        and row.key not in fixed
        and not table.figure.listed_rows
    ]
    if unnamed:
        _merge_into_other(table, unnamed)
    _suppress(table, known)


def _small(value) -> bool:
    return isinstance(value, int) and 0 < value < THRESHOLD


def _merge_into_other(table, rows) -> None:
    from app.statistics.tables import Row

    other = Row(OTHER, str(OTHER_LABEL), "count", {k: Cell(0) for k, _c in table.columns}, Cell(0))
    for row in rows:
        table.rows.remove(row)
        for key, cell in row.cells.items():
            other.cells[key].value += cell.value or 0
        other.total.value += row.total.value or 0
    # Others last among the counts: derived rows keep their place after them.
    last = max((i for i, r in enumerate(table.rows) if r.kind == "count"), default=-1)
    table.rows.insert(last + 1, other)


def _suppress(table, known: frozenset[str]) -> None:
    counts = [r for r in table.rows if r.kind == "count"]
    grand = table.grand_total
    for row in table.rows:
        for cell in (*row.cells.values(), row.total):
            cell.hidden = None
    if grand is not None:
        grand.hidden = PRIMARY if _small(grand.value) else None
    for row in counts:
        for key, cell in row.cells.items():
            if key not in known and _small(cell.value):
                cell.hidden = PRIMARY
        if _small(row.total.value):
            row.total.hidden = PRIMARY
    lines, fixed = _lines(table, counts, known)

    def eligible(cell: Cell) -> bool:
        return id(cell) not in fixed

    changed = True
    while changed:
        changed = any([_protect_line(cells, total, eligible) for cells, total in lines])
        changed |= _protect_grand_total(grand, counts)
    _withhold_derived(table, counts, known)


def _lines(table, counts, known) -> tuple[list, set[int]]:
    """Every sum a reader can do, as (cells, total), and the cells that cannot be
    withheld (the viewer's own, and the unpublished remainders)."""
    fixed = {id(r.cells[k]) for r in counts for k in known if k in r.cells}
    lines = []  # a whole and its parts first: the fewest cells withheld for them
    by_key = {r.key: r for r in counts}
    for whole, parts in table.figure.parts.items():
        if whole not in by_key:
            continue
        for column in [*(k for k, _label in table.columns), TOTAL]:

            def pick(row, column=column):
                return row.total if column == TOTAL else row.cells[column]

            total = pick(by_key[whole])
            cells = [pick(by_key[p]) for p in parts if p in by_key]
            rest = (total.value or 0) - sum(c.value or 0 for c in cells)
            remainder = Cell(rest)
            if column not in known:
                remainder.hidden = PRIMARY if _small(rest) else (UNPUBLISHED if rest else None)
            fixed.add(id(remainder))
            lines.append(([*cells, remainder], total))
    lines += [([*r.cells.values()], r.total) for r in counts]
    if not table.figure.parts:
        # The rows part an agency's total, shown in another figure; a figure that names
        # its parts names every sum its columns make.
        for column, _label in table.columns:
            lines.append(([r.cells[column] for r in counts], Cell(None)))
    return lines, fixed


def _withhold_derived(table, counts, known) -> None:
    """A share or a median is withheld where any count it rests on is, or where its
    first basis (the count it is taken of) is small or nothing."""
    by_key = {r.key: r for r in counts}
    for row in table.rows:
        if row.kind == "count":
            continue
        basis = table.figure.basis.get(row.key, ())
        bases = [by_key.get(b) for b in ((basis,) if isinstance(basis, str) else basis)]
        for column, cell in [*row.cells.items(), (TOTAL, row.total)]:
            if column in known or cell.value is None:
                continue
            cells = [b and (b.total if column == TOTAL else b.cells[column]) for b in bases]
            first = cells[0] if cells else None
            if (
                first is None
                or not first.value
                or first.value < THRESHOLD
                or any(c is None or c.hidden for c in cells)
            ):
                cell.hidden = SECONDARY


def _protect_grand_total(grand: Cell | None, counts: list) -> bool:
    """The rows' totals are a line whose total is the grand total. A row's total withheld for
    its sake must not be the plain sum of shown cells, so only the totals of rows that hide a
    cell already may be chosen; with none, the grand total itself is withheld."""
    if grand is None:
        return False
    hiding = {id(r.total) for r in counts if any(c.hidden for c in r.cells.values())}
    return _protect_line([r.total for r in counts], grand, eligible=lambda cell: id(cell) in hiding)


def _protect_line(cells: list[Cell], total: Cell, eligible=lambda cell: True) -> bool:
    """Withholds one more cell (or the total) if a hidden count of this line could be
    worked out from its total; True when something changed."""
    if total.hidden == SECONDARY:
        return False
    primary = [c for c in cells if c.hidden == PRIMARY]
    secondary = [c for c in cells if c.hidden == SECONDARY]
    unpublished = [c for c in cells if c.hidden == UNPUBLISHED]
    if total.hidden == PRIMARY:
        # "<3" bounds the sum: with two small cells under it (or one beside a shown one),
        # each is pinned to 1. Withheld as "—" instead, the total bounds nothing.
        shown = sum(c.value or 0 for c in cells if not c.hidden)
        if primary and len(primary) + shown > THRESHOLD - 2:
            total.hidden = SECONDARY
            return True
        return False
    withheld = sum(c.value or 0 for c in [*primary, *secondary, *unpublished])
    if _safe(len(primary), len(secondary), len(unpublished), withheld):
        return False
    candidates = sorted(
        (c for c in cells if not c.hidden and c.value and eligible(c)), key=lambda c: c.value
    )
    if candidates:
        candidates[0].hidden = SECONDARY
    else:
        total.hidden = SECONDARY
    return True


def _safe(p: int, s: int, u: int, withheld: int) -> bool:
    """Whether each hidden count of a line could take two values, knowing the line's sum of
    hidden counts (`withheld`): a "<3" is 1 to THRESHOLD − 1, a "—" at least THRESHOLD (it
    was not small), an unpublished remainder anything from 0. A "—" withheld to protect
    another line must not be worked out here either."""
    if p + s == 0:
        return True
    if u == 0 and s == 0:
        return p >= 2 and p < withheld < p * (THRESHOLD - 1)
    if u == 0 and p == 0:
        return s >= 2 and withheld > THRESHOLD * s
    return withheld >= p + THRESHOLD * s + 1
