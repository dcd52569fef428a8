"""The figures registry: each feature registers the figures it can count, as dossier sections
register theirs, and every page, export, API answer and report is built from this one list.

A figure's `compute(query)` returns `(row, column, value)` triples counted in SQL, the
column being an agency's code (or, for received records, the deciding agency's name).
Count rows are added up into totals here; rows of another kind (a median, a share) carry
their total as column `TOTAL` from the figure itself, and name the count row they rest on
(`basis`), so they are withheld wherever that count is.
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
    basis: dict[str, str] = field(default_factory=dict)  # non-count row -> its count row
    fixed_rows: Callable[[], list[str]] | None = None  # rows shown even when zero
    summary: bool = False  # rows add up to one total worth a line in the report's summary


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
