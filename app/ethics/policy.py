"""Every count and clock of ethics review, as policy data with its source.

Each setting names where its default comes from and whether that was verified from the
text of 《科技伦理审查办法（试行）》(国科发监〔2023〕167号) or taken from summaries only
(DESIGN.md "Ethics review"); the policy page labels the unverified ones. An authority's
administrator may change the values; the definitions here are the only defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.errors import InvalidInput, Problems
from app.core.models import utcnow
from app.extensions import db

MEASURES = "《科技伦理审查办法（试行）》"


@dataclass(frozen=True)
class Setting:
    key: str
    label: object
    default: object
    source: str
    verified: bool
    low: int = 1
    high: int = 1000


DECISIONS = ("approve", "approve_modified", "modify_resubmit", "disapprove")

SETTINGS = (
    Setting("quorum", _l("Members present to decide"), 5, f"{MEASURES} art. 14", True, 1, 50),
    Setting(
        "threshold_percent",
        _l("Share of those present to decide (percent, 以上 includes the number)"),
        67,
        "summaries of art. 15 (two-thirds of those present)",
        False,
        51,
        100,
    ),
    Setting(
        "decision_days",
        _l("Days from acceptance to decide"),
        30,
        "summaries (30 日: calendar days from the day of acceptance, not 工作日)",
        False,
        1,
        365,
    ),
    Setting(
        "simplified_members",
        _l("Members reviewing by the simplified procedure"),
        2,
        "summaries",
        False,
        1,
        10,
    ),
    Setting(
        "emergency_hours",
        _l("Hours to decide by the emergency procedure"),
        72,
        "summaries (72 hours recalled)",
        False,
        1,
        720,
    ),
    Setting(
        "followup_months",
        _l("Longest follow-up interval (months)"),
        12,
        "summaries",
        False,
        1,
        12,
    ),
    Setting(
        "reminder_days",
        _l("Days before the decision is due to remind the committee office"),
        5,
        "platform setting (not from the text)",
        False,
        1,
        30,
    ),
    Setting(
        "emergency_reminder_hours",
        _l("Hours before the emergency clock ends to remind the committee office"),
        24,
        "platform setting (not from the text)",
        False,
        1,
        168,
    ),
    Setting(
        "rereview_min_experts",
        _l("Experts on a re-review panel, at least"),
        5,
        f"{MEASURES} art. 27",
        True,
        5,
        50,
    ),
    Setting(
        "rereview_threshold_percent",
        _l("Share of all panel experts to agree or disagree (percent)"),
        67,
        f"{MEASURES} art. 28 (two-thirds of all experts)",
        True,
        51,
        100,
    ),
    Setting(
        "site_confirm_days",
        _l("Days for a site's committee to confirm the lead's decision"),
        30,
        "not from the text: assumed as the decision days (协作审查)",
        False,
        1,
        365,
    ),
    Setting(
        "site_reminder_days",
        _l("Days before a site's confirmation is due that its office is reminded"),
        5,
        "not from the text: the platform's choice",
        False,
        1,
        60,
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}

# The decision types: 批准 and 修改后批准 read in the text; the other two from summaries.
DECISION_SOURCES = {
    "approve": (f"{MEASURES} art. 15", True),
    "approve_modified": (f"{MEASURES} art. 15", True),
    "modify_resubmit": ("summaries", False),
    "disapprove": ("summaries", False),
}


def policy_row(agency_id: int):
    from app.ethics.models import EthicsPolicy

    return db.session.get(EthicsPolicy, agency_id)


def value(agency_id: int, key: str) -> int:
    row = policy_row(agency_id)
    stored = (row.values or {}).get(key) if row is not None else None
    return int(stored) if stored is not None else int(BY_KEY[key].default)


def values(agency_id: int) -> dict[str, int]:
    return {s.key: value(agency_id, s.key) for s in SETTINGS}


def two_thirds_fraction(percent: int):
    """67 stands for two-thirds (the text's 三分之二), any other percent for itself."""
    from fractions import Fraction

    return Fraction(2, 3) if percent == 67 else Fraction(percent, 100)


def update_policy(agency_id: int, data: dict, actor) -> dict[str, int]:
    """Sets an authority's values; every value out of its range is named at once."""
    from app.core import audit
    from app.ethics.models import EthicsPolicy

    problems = Problems()
    new = {}
    for s in SETTINGS:
        raw = data.get(s.key, value(agency_id, s.key))
        try:
            number = int(raw)
        except (TypeError, ValueError):
            problems.add(s.key, _l("Enter a whole number."), label=s.label)
            continue
        if not s.low <= number <= s.high:
            problems.add(
                s.key,
                _l("Enter a number from %(low)s to %(high)s.", low=s.low, high=s.high),
                label=s.label,
            )
        new[s.key] = number
    problems.check()
    row = policy_row(agency_id)
    if row is None:
        row = EthicsPolicy(agency_id=agency_id, values={})
        db.session.add(row)
    row.values = new
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    db.session.flush()
    audit.record("ethics.policy", actor=actor, obj=None, agency_id=agency_id, details=new)
    return new


def decision_due(agency_id: int, accepted: dt.date) -> dt.date:
    return accepted + dt.timedelta(days=value(agency_id, "decision_days"))


def check_range(key: str, number: int) -> None:
    s = BY_KEY[key]
    if not s.low <= number <= s.high:
        raise InvalidInput(_l("Enter a number from %(low)s to %(high)s.", low=s.low, high=s.high))
