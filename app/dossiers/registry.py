"""The dossier's sections. Features contribute theirs with `register_section`:

    register_section(order=60, key="evidence", title=_l("Evidence inventory"),
                     template="dossiers/sections/evidence.html", loader=load_evidence)

`loader(ctx)` gets a `DossierContext` (case, requester, level, may_see_complainant) and
returns plain data (dicts, lists, strings) for the template; it must leave out what the
requester could not see in the app and, at level "shared", anything not shared.
A section registered without a loader is shown as an empty state until a feature
registers the same key with one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    order: int
    key: str
    title: Any
    template: str
    loader: Callable[[Any], Any] | None = None


SECTIONS: dict[str, Section] = {}


def register_section(
    order: int, key: str, title, template: str, loader: Callable | None = None
) -> None:
    """Add a section, or replace the one with the same key (e.g. a pending placeholder)."""
    SECTIONS[key] = Section(order, key, title, template, loader)


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: s.order)
