"""The registry's and annual reports' clocks, as policy data with their source.

《科技伦理审查办法（试行）》 asks for registration within 30 days of setting a committee up
(and of a change) and the annual report by 31 March (verified from the text, DESIGN.md
"Ethics review"); registering an approved listed activity within 30 days is from
summaries. The text says 日, not 工作日: the days are calendar days, and a period whose last
day is a rest day ends on the next working day (民法典 art. 203) — our reading, labelled
so. `DAY_KIND = "working"` counts working days instead; both use the Chinese working-day
calendar (`app.core.calendar`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.calendar import add_working_days, is_workday

MEASURES = "《科技伦理审查办法（试行）》(国科发监〔2023〕167号)"

REGISTRATION_DAYS = 30
REGISTRATION_SOURCE = f"{MEASURES}: 设立后30日内登记，登记内容变化的30日内更新"
REGISTRATION_VERIFIED = True

LISTED_DAYS = 30
LISTED_SOURCE = f"{MEASURES}: 清单内活动获批后30日内登记 (summaries)"
LISTED_VERIFIED = False

# The annual reports of year Y are due on REPORT_MONTH/REPORT_DAY of year Y + 1.
REPORT_MONTH, REPORT_DAY = 3, 31
REPORT_SOURCE = f"{MEASURES}: 每年3月31日前提交上一年度工作报告"
REPORT_VERIFIED = True

# Reminders to the office this many days before a report is due (a platform setting).
REMIND_DAYS = 30
REMIND_SOURCE = "platform setting"

DAY_KIND = "calendar"  # or "working"
DAY_KIND_SOURCE = "《中华人民共和国民法典》第二百零三条 (our reading of 日)"
DAY_KIND_VERIFIED = False


def roll_to_workday(day: dt.date, *, fresh: bool = True) -> dt.date:
    """A last day falling on a rest day moves to the next working day (`fresh=False`: on
    this process's cached calendar, as a page's badge counts)."""
    while not is_workday(day, fresh=fresh):
        day += dt.timedelta(days=1)
    return day


def due_after(start: dt.date, days: int, kind: str | None = None) -> dt.date:
    if (kind or DAY_KIND) == "working":
        return add_working_days(start, days)
    return roll_to_workday(start + dt.timedelta(days=days))


def registration_due(set_up: dt.date, kind: str | None = None) -> dt.date:
    return due_after(set_up, REGISTRATION_DAYS, kind)


def listed_due(approved: dt.date, kind: str | None = None) -> dt.date:
    return due_after(approved, LISTED_DAYS, kind)


def report_due(year: int, *, fresh: bool = True) -> dt.date:
    """The annual reports of `year` are due by this day of the next year."""
    return roll_to_workday(dt.date(year + 1, REPORT_MONTH, REPORT_DAY), fresh=fresh)


@dataclass(frozen=True)
class PolicyNumber:
    key: str
    label: object
    value: str
    source: str
    verified: bool


def policy_numbers() -> list[PolicyNumber]:
    """What the policy page lists, each with its source and whether it was checked."""
    days = str(_l("days") if DAY_KIND == "calendar" else _l("working days"))
    return [
        PolicyNumber(
            "ethics_registration_days",
            _l("Ethics committee registration, after setting up or a change"),
            f"{REGISTRATION_DAYS} {days}",
            REGISTRATION_SOURCE,
            REGISTRATION_VERIFIED,
        ),
        PolicyNumber(
            "ethics_listed_days",
            _l("Registration of an approved listed activity, after approval"),
            f"{LISTED_DAYS} {days}",
            LISTED_SOURCE,
            LISTED_VERIFIED,
        ),
        PolicyNumber(
            "ethics_report_due",
            _l("Ethics committee annual reports, due"),
            f"{REPORT_MONTH:02d}-{REPORT_DAY:02d}",
            REPORT_SOURCE,
            REPORT_VERIFIED,
        ),
        PolicyNumber(
            "ethics_report_reminder",
            _l("Reminder before an annual report is due"),
            f"{REMIND_DAYS} {_l('days')}",
            REMIND_SOURCE,
            False,
        ),
        PolicyNumber(
            "ethics_day_kind",
            _l("Registry days: a last day on a rest day moves to the next working day"),
            str(_l("yes")),
            DAY_KIND_SOURCE,
            DAY_KIND_VERIFIED,
        ),
    ]
