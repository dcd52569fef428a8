"""Bounds on what a case may say, as policy data with where each comes from.

A received date of 1900-01-01 was saved and numbered SH-1900-000001, and a ban ending in
2126 was accepted: dates have a floor, and a sanction's term is bounded by its type (a
lifetime sanction is its own choice, for the types that have one). Texts are bounded by
app.core.limits. Change the values here, never in the code that checks them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.cases.models import SanctionType
from app.core.errors import InvalidInput


@dataclass(frozen=True)
class DateFloor:
    earliest: dt.date
    source: str


# No case of the platform's agencies predates the 2000s; an earlier date is a typing error.
EARLIEST_DATE = DateFloor(
    dt.date(2000, 1, 1),
    "Platform policy, not a legal rule: the earliest received or sanction date it registers "
    "(平台政策，非法定：可登记的最早收件日期和处理起始日期)",
)


@dataclass(frozen=True)
class SanctionTerm:
    max_years: int
    lifetime: bool = False


# Term tiers after 《科研失信行为调查处理规则》(国科发监〔2022〕221号): bans and bars from
# funding, awards, titles, promotion and reviewer roles for a fixed term (the longest tier
# "five years or more") or for life; other measures have no term of their own, bounded
# here so a typing error (2126) is refused. The list entry follows the five-year query
# limit of 《上海市社会信用条例》art. 35. Tiers as reported, to be checked against the text.
SANCTION_TERMS_SOURCE = "国科发监〔2022〕221号 (term tiers); 上海市社会信用条例 art. 35"
DEFAULT_TERM = SanctionTerm(max_years=5)
SANCTION_TERMS: dict[SanctionType, SanctionTerm] = {
    SanctionType.ban_state_funded_activity: SanctionTerm(max_years=10, lifetime=True),
    SanctionType.bar_awards_titles_promotion: SanctionTerm(max_years=10, lifetime=True),
    SanctionType.bar_reviewer_nominator: SanctionTerm(max_years=10, lifetime=True),
    SanctionType.serious_misconduct_list: SanctionTerm(max_years=5),
    SanctionType.other: SanctionTerm(max_years=10, lifetime=True),
}


def term_of(kind: SanctionType) -> SanctionTerm:
    return SANCTION_TERMS.get(kind, DEFAULT_TERM)


def check_not_before_floor(day: dt.date, field: str) -> None:
    if day < EARLIEST_DATE.earliest:
        raise InvalidInput(
            _l("The date cannot be before %(date)s.", date=EARLIEST_DATE.earliest.isoformat()),
            field=field,
        )


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_sanction_term(
    kind: SanctionType, start: dt.date, end: dt.date | None, lifetime: bool, field: str
) -> None:
    """A start on or after the floor; an end within the type's longest term; lifetime only
    for the types that have it."""
    from app.core.labels import label

    check_not_before_floor(start, field)
    term = term_of(kind)
    if lifetime and not term.lifetime:
        raise InvalidInput(
            _l("A sanction of the type “%(type)s” cannot be for life.", type=label(kind)),
            field=field,
        )
    if end is not None and end > add_years(start, term.max_years):
        raise InvalidInput(
            _l(
                "A sanction of the type “%(type)s” lasts at most %(years)s years from its start.",
                type=label(kind),
                years=term.max_years,
            ),
            field=field,
        )
