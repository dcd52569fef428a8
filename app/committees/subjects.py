"""Registration point: what else than a case a committee reviews with its members.

A feature whose subject a panel reviews (an ethics application) registers the subject's
kind here in its `init_app`, with the query of the subjects whose review is still open; the
members' part (`app.committees.members`) is then stored against (kind, id) and counted as
in a case's review. Committees never import the guest: they ask the registry.

    register_review_subject("ethics_application", open_ids=lambda: select(Application.id)…)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select


@dataclass(frozen=True)
class ReviewSubject:
    kind: str
    # The ids of this kind whose review is open: a seat on one of them cannot end.
    open_ids: Callable[[], Select]


_SUBJECTS: dict[str, ReviewSubject] = {}


def register_review_subject(kind: str, open_ids: Callable[[], Select]) -> None:
    """Idempotent: registering a kind again replaces it with the same answer."""
    _SUBJECTS[kind] = ReviewSubject(kind, open_ids)


def review_subject(kind: str) -> ReviewSubject:
    try:
        return _SUBJECTS[kind]
    except KeyError:
        raise LookupError(f"no review subject {kind!r} is registered") from None


def review_subjects() -> list[ReviewSubject]:
    return list(_SUBJECTS.values())
