"""The routing hint (a hint, never a block): who should investigate, and whether the case
is a candidate for a joint investigation. The supervisor decides. Beside it, related
matters: the respondents' other cases and their records in force."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases import extension_points
from app.cases.models import Case, Party, PartyType
from app.cases.permissions import visible_clause
from app.core.crypto import matching_hash
from app.core.identifiers import id_number_problem, normalise
from app.extensions import db

# The first two digits of a resident ID name the province that issued it.
PROVINCE_OF_ID = {"31": "SH", "32": "JS", "33": "ZJ", "34": "AH"}
HEAD_TITLES = ("校长", "院长", "所长", "董事长", "总经理", "法定代表人", "负责人", "书记")


def _heads_unit(position: str | None) -> bool:
    text = (position or "").strip()
    return any(text.startswith(t) or text.endswith(t) for t in HEAD_TITLES if "副" not in text)


def routing_hints(case: Case) -> list:
    return respondent_hints(case.respondents, case.agency.code)


def _authority_of(province: str) -> str | None:
    from flask_babel import get_locale

    from app.auth.models import Agency

    agency = db.session.scalar(select(Agency).where(Agency.code == province, Agency.is_active))
    return agency.display_name(str(get_locale())) if agency is not None else None


def respondent_hints(respondents: Iterable, agency_code: str | None = None) -> list:
    """The hints for respondents as registered or as typed into the registration form
    (anything with party_type, position, id_type and id_number), for a case of the agency
    `agency_code`."""
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
    elif agency_code and provinces and provinces != {agency_code}:
        # Every respondent is of one other province: the case may be that authority's.
        from app.cases.workflow import TRANSITIONS

        (province,) = provinces
        step = TRANSITIONS["transfer_case"].label
        authority = _authority_of(province) if province != "other" else None
        if authority is not None:
            hints.append(
                _l(
                    "Every respondent's ID was issued in another province: the case may "
                    'belong to %(authority)s, to which the step "%(step)s" offers it.',
                    authority=authority,
                    step=step,
                )
            )
        else:
            hints.append(
                _l(
                    "Every respondent's ID was issued outside the region: the case may belong "
                    'to the authority of that province; the step "%(step)s" offers a case to '
                    "another agency.",
                    step=step,
                )
            )
    return hints


@dataclass(frozen=True)
class RelatedMatter:
    """One thing known about a respondent being registered: `text` says what, `url` opens
    it where the registrant may see it (else there is none, and `text` says only that it
    exists)."""

    respondent: str
    text: str
    url: str | None = None


def respondent_hashes(respondents: Iterable) -> dict[str, str]:
    """The matching hash of each typed respondent with a well-formed ID number -> the name
    as typed. A malformed number gives none: the form's own validation names it."""
    found = {}
    for r in respondents:
        number = normalise(r.id_number)
        if number and id_number_problem(r.id_type, number) is None:
            found.setdefault(matching_hash(r.id_type or "", number), (r.name or "").strip())
    return found


def related_matters(user, respondents: Iterable) -> list[RelatedMatter]:
    """The respondents' other cases this user may see (never one they may not: a case in
    another agency is not theirs to know of), then what other features know of them
    (records in force, registered on `extension_points.related_matters`)."""
    from flask import url_for

    hashes = respondent_hashes(respondents)
    if not hashes:
        return []
    rows = db.session.execute(
        select(Party.id_hash, Case.reference, Case.title)
        .join(Case, Case.id == Party.case_id)
        .where(Party.id_hash.in_(list(hashes)), visible_clause(user))
        .order_by(Case.id.desc())
        .limit(20)
    ).all()
    found = [
        RelatedMatter(
            hashes[row.id_hash],
            str(_l("Respondent in case %(ref)s (%(title)s)", ref=row.reference, title=row.title)),
            url_for("cases.detail", reference=row.reference),
        )
        for row in rows
    ]
    for finder in extension_points.related_matters:
        found.extend(finder(user, hashes))
    return found
