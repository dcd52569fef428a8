"""Whole numbers from URLs, forms and query strings, kept inside the database's range.

PostgreSQL refuses to compare an INTEGER column with 99999999999999999999999 and SQLite
cannot bind it at all: both raise, and the visitor would see a server error. A number no
row can have is answered like any other id no row has (404), or treated as missing.
"""

from __future__ import annotations

from flask_sqlalchemy.pagination import SelectPagination
from werkzeug.routing import IntegerConverter

# `Mapped[int]` primary keys are INTEGER; `BigId` ones are BIGINT (INTEGER on SQLite).
MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1
ASCII_DIGITS = r"[0-9]+"


class DbIntConverter(IntegerConverter):
    """`<int:id>`: an id of an INTEGER column; a larger number does not match (404), nor
    does anything but ASCII digits (werkzeug's `\\d` also takes ３ and other Unicode digits,
    which `int()` reads as 3)."""

    regex = ASCII_DIGITS

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


class DbBigIntConverter(IntegerConverter):
    """`<bigint:id>`: an id of a BIGINT column (`BigId`), ASCII digits only."""

    regex = ASCII_DIGITS

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_BIGINT)
        super().__init__(map, *args, **kwargs)


def db_int(value: str) -> int:
    """`request.form.get(name, type=db_int)`: None (the default) for what no INTEGER holds."""
    number = int(value)
    if not -MAX_INT - 1 <= number <= MAX_INT:
        raise ValueError("outside the database's integer range")
    return number


def parse_id(value: str | None) -> int | None:
    """An id from text (a session, a form): ASCII digits within INTEGER, else None."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_INT else None


def register_converters(app) -> None:
    """Before any blueprint is registered, so every `<int:...>` route gets the range."""
    app.url_map.converters["int"] = DbIntConverter
    app.url_map.converters["bigint"] = DbBigIntConverter


class BoundedSelectPagination(SelectPagination):
    """`db.paginate` with `?page=` and `?per_page=` capped: a page no list reaches is empty
    (or 404 with error_out), instead of an OFFSET the database cannot take."""

    @staticmethod
    def _prepare_page_args(**kwargs) -> tuple[int, int]:
        page, per_page = SelectPagination._prepare_page_args(**kwargs)
        return min(page, MAX_INT), min(per_page, MAX_INT)
