"""Core's registration point for the public portal (`app.reporting`): filings it takes beside
reports, from features it does not know (a record's subject objecting to it, `app.records`).
It lives in core because the features that file build on others the portal builds on: the
portal reads this list, the guest registers here, and neither imports the other.

`register_portal_filing(PortalFiling(...))`, called from the guest's `init_app`, is
idempotent (a filing of the same name replaces the earlier one). The portal gives each filing
the same machinery as a report: its page at `/report/file/<name>` with no sign-in and no cookie
before submit, the same-site check of its post, the abuse limit per address, a 16-digit
receipt code shown once and kept as a keyed hash, and the follow-up with that code (the
wrong-code limit included). The guest keeps the filing, its rules and its answers:

- `submit(form, files, code_hash)` files it from the posted form (a `MultiDict`) and the
  uploaded files (`app.evidence.services.Upload`), keeping `code_hash`, and returns
  `(filed, after_commit)`: what to call once the portal has committed (or None); it raises
  a `ServiceError` with a clear message and stores nothing when the input is refused;
- `find(code_hash)` the filing of a receipt code, or None; `load(id)` it again by its id;
- `agency_of(filing)` the agency it went to (counted for the abuse limits);
- `follow_up(filing)` what the follow-up page shows: a dict for `follow_up_template`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PortalFiling:
    name: str
    title: Any
    summary: Any
    form_template: str
    follow_up_template: str
    submit: Callable[[Any, list, str], tuple[Any, Callable[[], None] | None]]
    find: Callable[[str], Any | None]
    load: Callable[[int], Any | None]
    agency_of: Callable[[Any], int | None]
    follow_up: Callable[[Any], dict]
    form_context: Callable[[], dict] = dict


_filings: dict[str, PortalFiling] = {}


def register_portal_filing(filing: PortalFiling) -> None:
    _filings[filing.name] = filing


def portal_filing(name: str) -> PortalFiling | None:
    return _filings.get(name)


def portal_filings() -> list[PortalFiling]:
    return list(_filings.values())
