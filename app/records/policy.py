"""How long a record is published and found, and the clocks of objections and credit
repair: policy data with where each number comes from. Change the values here, never in
the code that uses them. `verified` is False for a number taken from a summary of the text
rather than the text itself: the policy page labels it so.

The severities of a finding map onto the credit-repair rules' tiers: minor → 轻微,
serious → 一般, severe → 严重.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.cases.models import Severity
from app.core.calendar import add_months


@dataclass(frozen=True)
class Period:
    """A span counted from a record's effective date: its public-query period (the longest
    the rules allow for the tier) and the shortest period before repair may be asked for."""

    publish_months: int
    repair_after_months: int


@dataclass(frozen=True)
class PolicyNumber:
    key: str
    label: object  # a lazy string
    value: str
    source: str
    verified: bool


PERIODS_SOURCE = (
    "国家发展改革委《失信行为纠正后的信用信息修复管理办法》, in force from 2026-04-01 "
    "(轻微: 不予公示或最长3个月; 一般: 3个月至1年; 严重: 1年至3年)"
)
PERIODS: dict[Severity, Period] = {
    Severity.minor: Period(publish_months=3, repair_after_months=0),
    Severity.serious: Period(publish_months=12, repair_after_months=3),
    Severity.severe: Period(publish_months=36, repair_after_months=12),
}
# As reported in summaries of the rules; to be checked against the text.
PERIODS_VERIFIED = False

QUERY_LIMIT_YEARS = 5
QUERY_LIMIT_SOURCE = "《上海市社会信用条例》第三十五条 (失信信息查询期限五年)"
# The five years are counted here from the record's effective date; the article counts
# them from the day the conduct or event ended. To be checked against the text.
QUERY_LIMIT_VERIFIED = False

# Working days, 《上海市社会信用条例》第三十六条 (objections), as reported.
OBJECTION_SOURCE = "《上海市社会信用条例》第三十六条"
OBJECTION_MARK_DAYS = 1
OBJECTION_DECIDE_DAYS = 5
OBJECTION_FORWARD_DAYS = 2
OBJECTION_AGENCY_DECIDE_DAYS = 5
OBJECTION_VERIFIED = False

# Working days, 《上海市社会信用条例》第三十七、三十八条 (repair; revoked decisions).
REPAIR_SOURCE = "《上海市社会信用条例》第三十七、三十八条"
REPAIR_DECIDE_DAYS = 5  # platform default: the text sets no day count for the decision
REPAIR_LEAVE_DAYS = 3
REPAIR_VERIFIED = False


def period_of(severity: str | Severity | None) -> Period:
    try:
        return PERIODS[Severity(severity)]
    except ValueError:
        return PERIODS[Severity.severe]  # an unknown tier from a peer: the longest


def publish_until(effective: dt.date, severity: str | Severity | None) -> dt.date:
    """The last day of the public-query period."""
    return add_months(effective, period_of(severity).publish_months)


def query_until(effective: dt.date) -> dt.date:
    """The last day a check or screening returns the record."""
    return add_months(effective, 12 * QUERY_LIMIT_YEARS)


def repair_from(effective: dt.date, severity: str | Severity | None) -> dt.date:
    """The first day the subject may ask for repair."""
    return add_months(effective, period_of(severity).repair_after_months)


def _months(n: int) -> str:
    return str(_l("%(n)s months", n=n))


def policy_numbers() -> list[PolicyNumber]:
    """What the policy page lists, each with its source and whether it was checked."""
    periods = [
        PolicyNumber(
            f"publish_{severity.value}",
            label,
            _months(PERIODS[severity].publish_months),
            PERIODS_SOURCE,
            PERIODS_VERIFIED,
        )
        for severity, label in (
            (Severity.minor, _l("Public-query period, minor")),
            (Severity.serious, _l("Public-query period, serious")),
            (Severity.severe, _l("Public-query period, severe")),
        )
    ]
    repairs = [
        PolicyNumber(
            f"repair_{severity.value}",
            label,
            _months(PERIODS[severity].repair_after_months),
            PERIODS_SOURCE,
            PERIODS_VERIFIED,
        )
        for severity, label in (
            (Severity.minor, _l("Repair may be asked for after, minor")),
            (Severity.serious, _l("Repair may be asked for after, serious")),
            (Severity.severe, _l("Repair may be asked for after, severe")),
        )
    ]
    days = str(_l("working days"))
    clocks = [
        ("objection_mark", _l("Objection marked on the record within"), OBJECTION_MARK_DAYS),
        ("objection_decide", _l("Objection decided within"), OBJECTION_DECIDE_DAYS),
        ("objection_forward", _l("Objection forwarded within"), OBJECTION_FORWARD_DAYS),
        (
            "objection_agency",
            _l("Deciding agency decides a forwarded objection within"),
            OBJECTION_AGENCY_DECIDE_DAYS,
        ),
    ]
    return [
        *periods,
        PolicyNumber(
            "query_limit",
            _l("Query limit (from the effective date)"),
            str(_l("%(n)s years", n=QUERY_LIMIT_YEARS)),
            QUERY_LIMIT_SOURCE,
            QUERY_LIMIT_VERIFIED,
        ),
        *repairs,
        *(
            PolicyNumber(key, label, f"{n} {days}", OBJECTION_SOURCE, OBJECTION_VERIFIED)
            for key, label, n in clocks
        ),
        PolicyNumber(
            "repair_decide",
            _l("Repair request decided within"),
            f"{REPAIR_DECIDE_DAYS} {days}",
            str(_l("Platform default")),
            False,
        ),
        PolicyNumber(
            "repair_leave",
            _l("Repaired or revoked record leaves checks within"),
            f"{REPAIR_LEAVE_DAYS} {days}",
            REPAIR_SOURCE,
            REPAIR_VERIFIED,
        ),
    ]
