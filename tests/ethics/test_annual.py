"""Annual reports: only for an ended year, once, by a registered committee; figures counted
from the committee's reviews and changed only with a reason that is kept; reminders before
31 March (or the next working day), an overdue notice and list the day after; the filed
figures feed the statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.calendar import as_of, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import annual
from app.ethics import registry as reg
from app.ethics import registry_policy as rp
from app.ethics.annual_figures import annual_reports
from app.ethics.registry_models import AnnualReport, ReportKind
from app.notifications.models import Notification
from app.statistics.periods import year_period
from app.statistics.sql import FigureQuery
from tests.ethics.test_followup import _approved
from tests.ethics.test_registry import DATA


def registered(world):
    row = reg.file_registration(world.office, world.unit_a, DATA)
    reg.answer_registration(world.supervisor, row, True, None)
    return row


def _reports(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AnnualReport))


def _notices(db, kind: str, user=None) -> int:
    query = select(func.count()).select_from(Notification).where(Notification.kind == kind)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalar(query)


def test_refused_for_a_year_not_ended_unregistered_or_filed_twice(db, world):
    year = today().year
    after = dt.date(year + 1, 1, 15)
    with as_of(after), pytest.raises(GuardFailed) as err:
        annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "总结")
    assert err.value.code == "not_registered"
    registered(world)
    with pytest.raises(GuardFailed) as err:
        annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "总结")
    assert err.value.code == "year_not_ended"
    with as_of(after):
        with pytest.raises(NotAllowed):
            annual.file_report(world.applicant, world.unit_a, year, "work", {}, {}, "总结")
        with pytest.raises(InvalidInput):
            annual.file_report(world.office, world.unit_a, year, "yearly", {}, {}, "总结")
        with pytest.raises(InvalidInput) as err:  # before the committee was set up
            annual.file_report(world.office, world.unit_a, year - 1, "work", {}, {}, "总结")
        assert set(err.value.problems) == {"year"}
        with pytest.raises(InvalidInput) as err:
            annual.file_report(world.office, world.unit_a, year, "work", {}, {}, " ")
        assert set(err.value.problems) == {"summary"}
        annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "总结")
        with pytest.raises(GuardFailed) as err:
            annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "再报")
        assert err.value.code == "filed_twice"
    assert _reports(db) == 1


def test_figures_are_counted_and_changed_only_with_a_reason(db, world):
    registered(world)
    application = _approved(world)
    year = today().year
    with as_of(dt.date(year + 1, 1, 15)):
        counted = annual.figures(world.panel.id, world.unit_a.agency_id, year, ReportKind.work)
        assert counted["applications"] == 1 and counted["decided"] == 1
        assert counted["decision_approve"] == 1 and counted["decision_disapprove"] == 0
        assert counted["decided_in_time"] == 1 and counted["decided_late"] == 0
        assert counted["rereviews_filed"] == 0
        with pytest.raises(InvalidInput) as err:
            annual.file_report(
                world.office, world.unit_a, year, "work", {"applications": "3"}, {}, "总结"
            )
        assert set(err.value.problems) == {"applications"}
        with pytest.raises(InvalidInput):
            annual.file_report(
                world.office, world.unit_a, year, "work", {"decided": "-1"}, {}, "总结"
            )
        assert _reports(db) == 0
        row = annual.file_report(
            world.office,
            world.unit_a,
            year,
            "work",
            {"applications": "3", "decided": "1"},
            {"applications": "另有两件纸质申请未录入平台"},
            "本年度审查工作总结",
        )
    assert row.computed["applications"] == 1 and row.figures["applications"] == 3
    assert row.figures["decided"] == 1
    assert row.corrections == [
        {
            "figure": "applications",
            "counted": 1,
            "filed": 3,
            "reason": "另有两件纸质申请未录入平台",
            "by": world.office.id,
        }
    ]
    assert row.due_on == rp.report_due(year)
    assert application.panel_id == row.panel_id
    period = FigureQuery(year_period(year), agency_ids=(world.unit_a.agency_id,))
    cells = {(r, a): n for r, a, n in annual_reports(period)}
    assert cells[("reports", world.unit_a.agency_id)] == 1
    assert cells[("applications", world.unit_a.agency_id)] == 3
    other = FigureQuery(year_period(year), agency_ids=(world.other_province.agency_id,))
    assert annual_reports(other) == []


def test_reminders_before_the_day_and_the_overdue_list_after(db, world):
    registered(world)
    year = today().year
    due = rp.report_due(year)
    with as_of(due - dt.timedelta(days=rp.REMIND_DAYS + 1)):
        (item,) = annual.owed([world.unit_a])
        assert item.year == year and set(item.kinds) == set(ReportKind) and not item.overdue
        assert annual.remind() == 0  # not yet within the reminder days
    with as_of(due - dt.timedelta(days=rp.REMIND_DAYS)):
        assert annual.remind() == 1
        assert annual.remind() == 0  # once only
    assert _notices(db, "ethics.report.due", world.office) == 1
    with as_of(due):
        (item,) = annual.owed([world.unit_a])
        assert not item.overdue
    with as_of(due + dt.timedelta(days=1)):
        (item,) = annual.owed([world.unit_a])
        assert item.overdue
        assert annual.remind() >= 2
        assert annual.remind() == 0
        annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "总结")
        (item,) = annual.owed([world.unit_a])
        assert item.kinds == (ReportKind.listed,)
        annual.file_report(world.office, world.unit_a, year, "listed", {}, {}, "清单活动")
        assert annual.owed([world.unit_a]) == []
    assert _notices(db, "ethics.report.overdue", world.office) == 1
    assert _notices(db, "ethics.report.overdue", world.supervisor) == 1
    open_todos = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.todo_key.like("ethreport:%"), Notification.done_at.is_(None))
    )
    assert open_todos == 0


def test_the_listed_report_counts_listed_activities(db, world, make_user):
    from tests.ethics.test_registry import approved_listed

    registered(world)
    application = approved_listed(world, db, make_user)
    reg.register_listed(world.office, application)
    year = today().year
    with as_of(dt.date(year + 1, 1, 15)):
        counted = annual.figures(world.panel.id, world.unit_a.agency_id, year, ReportKind.listed)
    assert counted["listed_applications"] == 1
    assert counted["listed_approved"] == 1
    assert counted["listed_registered"] == 1 and counted["listed_registered_late"] == 0
    assert counted["rereviews_agreed"] == 1 and counted["rereviews_disagreed"] == 0


def test_the_daily_job_sends_the_overdue_notices_once(db, world):
    from app.ethics.registry_tasks import remind_annual_reports

    registered(world)
    db.session.commit()
    after = rp.report_due(today().year) + dt.timedelta(days=1)
    with as_of(after):
        assert remind_annual_reports()["notified"] >= 2
        assert remind_annual_reports() == {"notified": 0}
    assert _notices(db, "ethics.report.overdue", world.office) == 1


def test_the_filed_figures_show_on_the_authoritys_statistics_page(db, client, world):
    from tests.ui_helpers import sign_in

    registered(world)
    year = today().year
    with as_of(dt.date(year + 1, 1, 15)):
        annual.file_report(
            world.office,
            world.unit_a,
            year,
            "work",
            {"applications": "5"},
            {"applications": "纸质"},
            "总结",
        )
    db.session.commit()
    sign_in(client, world.supervisor)
    page = client.get(f"/statistics?year={year}").get_data(as_text=True)
    start = page.index('data-testid="figure-ethics_annual_reports"')
    row = page[page.index('data-row="applications"', start) :]
    assert ">5<" in row[: row.index("</tr>")]


def _filed_for(world, year: int, kind: ReportKind) -> None:
    """A report of an earlier year, as if filed then (the service refuses years before the
    test's committee was set up)."""
    from app.extensions import db as _db

    _db.session.add(
        AnnualReport(
            panel_id=world.unit_a.panel_id,
            unit_id=world.unit_a.id,
            agency_id=world.unit_a.agency_id,
            year=year,
            kind=kind,
            computed={},
            figures={},
            summary="往年报告",
            due_on=rp.report_due(year),
            filed_by_id=world.office.id,
        )
    )
    _db.session.flush()


def test_the_authoritys_registry_badge_counts_filings_to_accept_and_reports_overdue(db, world):
    """The badge is one statement asked with the page's other badges; it counts what the
    registry's own lists count (`to_accept`, `owed`), a committee's years starting in the
    China Standard Time year of its first registration."""
    from sqlalchemy import Select

    from app.core.extension_points import badge_count
    from app.ethics import registry_views

    agency_id = world.supervisor.agency_id

    def listed() -> int:
        owed = annual.owed(reg.committee_units(agency_id))
        return len(reg.to_accept(agency_id)) + sum(1 for item in owed if item.overdue)

    def badge() -> int:
        assert isinstance(registry_views.badge(world.supervisor), Select)
        return badge_count("ethics.registry", world.supervisor)

    assert badge() == listed() == 0
    row = reg.file_registration(world.office, world.unit_a, DATA)
    assert badge() == listed() == 1
    reg.answer_registration(world.supervisor, row, True, None)
    year = today().year
    first = year - 3
    # 17:00 UTC on 31 December is 01:00 on 1 January in China: the committee's first year.
    row.answered_at = dt.datetime(first - 1, 12, 31, 17, 0, tzinfo=dt.UTC)
    db.session.flush()
    with as_of(dt.date(year, 12, 1)):
        assert badge() == listed() == 3
    with as_of(rp.report_due(year - 1)):  # last year's reports are due today, not overdue
        assert badge() == listed() == 2
    row.answered_at = dt.datetime(first - 1, 12, 31, 15, 59, tzinfo=dt.UTC)  # 23:59 in China
    db.session.flush()
    with as_of(dt.date(year, 12, 1)):
        assert badge() == listed() == 4
    _filed_for(world, first - 1, ReportKind.work)
    _filed_for(world, first - 1, ReportKind.listed)
    _filed_for(world, first, ReportKind.work)  # the listed report of that year still owed
    with as_of(dt.date(year, 12, 1)):
        assert badge() == listed() == 3
        assert badge_count("ethics.registry", world.other_province) == 0
        (state,) = reg.states([world.unit_a])
        owed_by_office = 3 + (state.due_on is not None)  # the first year's listed report on
        assert badge_count("ethics.registry", world.office) == owed_by_office
