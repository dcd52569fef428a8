"""API v1: the figures of an agency, the region or an institution."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
)

from app.api import bp
from app.api.handling import current, parse_query, respond
from app.api.schemas import IsoDate, Name, Request
from app.api.spec import operation


class StatisticsQuery(Request):
    scope: Literal["agency", "region", "institution"] = Field(
        "agency",
        description="Your agency's own figures, the region's (small counts withheld), or one "
        "institution's profile (`institution` required)",
    )
    year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(
        None, description="The calendar year (default: this year)"
    )
    quarter: Annotated[int, Field(ge=1, le=4)] | None = Field(
        None, description="A quarter of `year`"
    )
    month: Annotated[int, Field(ge=1, le=12)] | None = Field(None, description="A month of `year`")
    from_: IsoDate | None = Field(
        None,
        alias="from",
        description="Start of a custom period (your agency's figures; the region's and an "
        "institution's take a whole month, quarter or year)",
    )
    to: IsoDate | None = Field(None, description="End of a custom period (inclusive)")
    institution: Name | None = Field(None, description="The institution, for scope=institution")


class StatisticsColumn(BaseModel):
    key: str
    label: str


class StatisticsRow(BaseModel):
    key: str
    label: str
    kind: Literal["count", "days", "percent"]
    values: dict[str, int | float | None] = Field(
        description="Per column; null where withheld (see `marks`) or not applicable"
    )
    marks: dict[str, Literal["small", "withheld"]] = Field(
        description='"small": a count of 1 or 2 (shown "<3"); "withheld": hidden so that a '
        "small count cannot be worked out from the totals"
    )
    total: int | float | None
    total_mark: Literal["small", "withheld"] | None


class StatisticsFigure(BaseModel):
    key: str
    title: str
    caption: str
    columns: list[StatisticsColumn]
    rows: list[StatisticsRow]


class StatisticsPeriod(BaseModel):
    start: dt.date
    end: dt.date
    label: str


class StatisticsResult(BaseModel):
    scope: str
    period: StatisticsPeriod
    suppressed: bool
    figures: list[StatisticsFigure]


@operation(
    bp,
    "/statistics",
    "GET",
    "The figures of the statistics pages: your agency's, the region's or an institution's",
    query=StatisticsQuery,
    response=StatisticsResult,
    errors={
        403: "Your roles do not include these statistics (`not_allowed`)",
        422: "Invalid period or scope, or a range of days for the region or an institution"
        " (`invalid_input`)",
    },
)
def statistics_api():
    """The same tables as the pages and exports, with the same small-count rule."""
    from app.statistics.periods import parse_period
    from app.statistics.services import compute_tables, scope_for, table_as_dict

    q = parse_query(StatisticsQuery)
    args = {"year": q.year, "quarter": q.quarter, "month": q.month, "from": q.from_, "to": q.to}
    period = parse_period({k: str(v) for k, v in args.items() if v is not None})
    scope = scope_for(current(), q.scope, period, q.institution)
    return respond(
        StatisticsResult,
        {
            "scope": scope.kind,
            "period": {"start": period.start, "end": period.end, "label": period.label},
            "suppressed": scope.suppressed,
            "figures": [table_as_dict(t) for t in compute_tables(scope)],
        },
    )
