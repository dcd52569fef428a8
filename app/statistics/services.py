"""Figures for a scope (one agency, the region, one institution) and a period, as tables."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Agency, User
from app.core.errors import NotAllowed
from app.extensions import db
from app.statistics.disclosure import check_period
from app.statistics.figures import figures_for
from app.statistics.periods import Period
from app.statistics.permissions import may_view
from app.statistics.sql import FigureQuery
from app.statistics.tables import Table, build_table

SCOPES = ("agency", "region", "institution")


@dataclass(frozen=True)
class Scope:
    kind: str  # agency / region / institution
    period: Period
    agency: Agency | None = None  # for kind "agency"
    institution: str | None = None
    viewer: str | None = None  # the viewer's agency's code, whose own cells are known to them

    @property
    def suppressed(self) -> bool:
        """Only an agency's own page shows its small counts."""
        return self.kind != "agency"


def scope_for(user: User, kind: str, period: Period, institution: str | None = None) -> Scope:
    """The scope `user` asked for, or NotAllowed (InvalidInput for a period the scope does
    not take): the one answer for pages, exports, the API and reports."""
    if kind not in SCOPES or not may_view(user, kind, institution):
        raise NotAllowed(_l("You may not see these statistics."))
    check_period(kind, period)
    agency = user.agency if kind == "agency" else None
    return Scope(
        kind,
        period,
        agency,
        institution if kind == "institution" else None,
        viewer=user.agency.code if user.agency is not None else None,
    )


def compute_tables(scope: Scope) -> list[Table]:
    agencies = list(
        db.session.scalars(
            select(Agency)
            .where(Agency.is_active.is_(True), Agency.is_platform.is_(False))
            .order_by(Agency.id)
        )
    )
    if scope.kind == "agency":
        agencies = [scope.agency]
    codes = {a.id: a.code for a in agencies}
    english = str(get_locale() or "zh") == "en"
    columns = [(a.code, a.name_en if english else a.name_zh) for a in agencies]
    query = FigureQuery(
        period=scope.period,
        agency_ids=(scope.agency.id,) if scope.agency else None,
        institution=scope.institution,
    )
    tables = []
    for figure in figures_for("institution" if scope.kind == "institution" else scope.kind):
        triples = [
            (row, codes.get(column, column), value)
            for row, column, value in figure.compute(query)
            if column is not None
        ]
        known = frozenset({scope.viewer} if scope.viewer else ())
        tables.append(build_table(figure, triples, columns, suppress=scope.suppressed, known=known))
    return tables


def table_as_dict(table: Table) -> dict:
    """Plain data for JSON and templates: withheld cells are None with their mark."""
    return {
        "key": table.key,
        "title": table.title,
        "caption": table.caption,
        "columns": [{"key": k, "label": label} for k, label in table.columns],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "kind": row.kind,
                "values": {k: cell.shown for k, cell in row.cells.items()},
                "marks": {k: cell.hidden for k, cell in row.cells.items() if cell.hidden},
                "total": row.total.shown,
                "total_mark": row.total.hidden,
            }
            for row in table.rows
        ],
    }
