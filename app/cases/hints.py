"""The routing hint (a hint, never a block): who should investigate, and whether the case
is a candidate for a joint investigation. The supervisor decides."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.cases.models import Case, PartyType
from app.core.identifiers import normalise

# The first two digits of a resident ID name the province that issued it.
PROVINCE_OF_ID = {"31": "SH", "32": "JS", "33": "ZJ", "34": "AH"}
HEAD_TITLES = ("校长", "院长", "所长", "董事长", "总经理", "法定代表人", "负责人", "书记")


def _heads_unit(position: str | None) -> bool:
    text = (position or "").strip()
    return any(text.startswith(t) or text.endswith(t) for t in HEAD_TITLES if "副" not in text)


def routing_hints(case: Case) -> list:
    return respondent_hints(case.respondents)


def respondent_hints(respondents: Iterable) -> list:
    """The hints for respondents as registered or as typed into the registration form
    (anything with party_type, position, id_type and id_number)."""
    respondents = list(respondents)
    hints = []
    if any(p.party_type == PartyType.institution or _heads_unit(p.position) for p in respondents):
        hints.append(
            _l(
                "A respondent heads their unit or is an institution: the superior department "
                "(or the provincial S&T department) investigates."
            )
        )
    provinces = {
        PROVINCE_OF_ID.get((normalise(p.id_number) or "")[:2], "other")
        for p in respondents
        if p.id_type == "resident_id" and p.id_number
    }
    if len(provinces) > 1:
        hints.append(
            _l("Respondents are in several provinces: a candidate for a joint investigation.")
        )
    return hints
