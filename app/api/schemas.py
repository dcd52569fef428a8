"""What the API accepts and returns. Request models forbid unknown fields, so a typo is a
clear 422 instead of a silently ignored value."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)

from app.core import limits
from app.core.identifiers import pydantic_check

# The lengths are app.core.limits', which the forms and services read too.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.REASON)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.REPORT)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.SHORT)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.SHORT)
]


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _iso_date(value):
    """Only YYYY-MM-DD: pydantic would otherwise read 0 or "0" as 1 January 1970."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return dt.date.fromisoformat(value)  # ValueError for 2026-02-30 becomes a field error


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

# Stored as UTC; SQLite hands them back without an offset, which RFC 3339 requires.
Timestamp = Annotated[dt.datetime, AfterValidator(_as_utc)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WithIdNumber(Request):
    """An ID number is checked against its type (app/core/identifiers.py) and normalised."""

    @model_validator(mode="after")
    def _check_id_number(self):
        self.id_number = pydantic_check(self.id_type, self.id_number)
        return self


class Problem(BaseModel):
    """An RFC 9457 problem document; `code` is stable, `title`/`detail` are for people."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    field: str | None = None
    errors: list[FieldError] | None = None


class FieldError(BaseModel):
    field: str
    message: str


Problem.model_rebuild()
