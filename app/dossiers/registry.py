"""The dossier's sections. Features contribute theirs with `register_section`:

    register_section(order=60, key="evidence", title=_l("Evidence inventory"),
                     template="dossiers/sections/evidence.html", loader=load_evidence)

`loader(ctx)` gets a `DossierContext` (case, requester, level, may_see_complainant) and
returns plain data (dicts, lists, strings) for the template; it must leave out what the
requester could not see in the app and, at level "shared", anything not shared. A shared
dossier loads only the sections whose key the shared level names
(app.cases.permissions.SHARED_PARTS), as a participant's case page shows only those.
A section registered without a loader is shown as an empty state until a feature
registers the same key with one (in either order: a placeholder never replaces a loader).
`on_stored(data, dossier, requester)`, if given, runs when the generated PDF is stored
(not when merely rendered), e.g. to log each exported item in a chain of custody.
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
    on_stored: Callable[[Any, Any, Any], None] | None = None


SECTIONS: dict[str, Section] = {}


def register_section(
    order: int,
    key: str,
    title,
    template: str,
    loader: Callable | None = None,
    on_stored: Callable | None = None,
) -> None:
    """Add a section, or replace the one with the same key (e.g. a pending placeholder)."""
    existing = SECTIONS.get(key)
    if loader is None and existing is not None and existing.loader is not None:
        return
    SECTIONS[key] = Section(order, key, title, template, loader, on_stored)


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: s.order)


# Other PDFs the platform issues and can verify (official documents): `verifier(data, user)`
# returns None when the bytes are not one of its PDFs, else {"what": text naming the
# document for this user} (nothing the user could not see: the case only when visible).
VERIFIERS: dict[str, Callable[[bytes, Any], dict | None]] = {}


def register_verifier(key: str, verifier: Callable[[bytes, Any], dict | None]) -> None:
    VERIFIERS[key] = verifier


def other_verification(data: bytes, user) -> dict | None:
    for verifier in VERIFIERS.values():
        found = verifier(data, user)
        if found is not None:
            return found
    return None
