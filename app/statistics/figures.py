"""The figures registry: each feature registers the figures it can count, as dossier sections
register theirs, and every page, export, API answer and report is built from this one list.

A figure's `compute(query)` returns `(row, column, value)` triples counted in SQL, the
column being an agency's code (or, for received records, the deciding agency's name).
Count rows are added up into totals here; rows of another kind (a median, a share) carry
their total as column `TOTAL` from the figure itself, and name the count row they rest on
(`basis`), so they are withheld wherever that count is. What a figure may show outside an
agency's own page is decided in `app.statistics.disclosure`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

TOTAL = "*"


@dataclass(frozen=True)
class Figure:
    key: str
    order: int
    title: object  # a lazy string
    caption: object  # one sentence of what it shows
    compute: Callable[..., Iterable[tuple[str, str, float | int | None]]]
    row_label: Callable[[str], str] = str
    # agency / region pages and the report, or the institution profile.
    scopes: frozenset[str] = frozenset({"agency", "region"})
    chart: str = "bar"  # bar | line | none
    row_kinds: dict[str, str] = field(default_factory=dict)  # row -> "days" / "percent"
    # non-count row -> the count row(s) it rests on, the one it is taken of first
    basis: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    # count row -> the count rows it splits into (completed -> completed within the
    # deadline): what they leave is a count too, and protected as one. Without parts, each
    # column is taken to add up to its agency's total; with them, only these sums are.
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fixed_rows: Callable[[], list[str]] | None = None  # rows shown even when zero
    summary: bool = False  # rows add up to one total worth a line in the report's summary
    # Every row is listed whatever the data (the months of the period), like fixed rows: a
    # withheld row keeps its name. Otherwise a row the data names (an institution, a year)
    # loses its name when its total is withheld (app/statistics/disclosure.py).
    listed_rows: bool = False


FIGURES: list[Figure] = []


def register_figure(figure: Figure) -> Figure:
    """Committees, joint investigations and other features add their figures here, from
    their `init_app`; a figure registered again under its key replaces the earlier one."""
    FIGURES[:] = [f for f in FIGURES if f.key != figure.key]
    FIGURES.append(figure)
    FIGURES.sort(key=lambda f: f.order)
    return figure


def figures_for(scope_kind: str) -> list[Figure]:
    return [f for f in FIGURES if scope_kind in f.scopes]
