"""Calendar years the bundled holiday data does not know (issue 25, item 4): a deadline
running into one is marked on pages and in the API; a system administrator enters the
State Council's notice (form or `flask calendar import`), sees the month grid, confirms;
bad input is refused with what is wrong and changes nothing; administrators are warned
from 1 November."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.calendar_years.services import YearInput, confirm_year, save_year
from app.calendar_years.tasks import warn_unconfirmed_years
from app.core import calendar as cal
from app.core.models import AuditEntry, CalendarYear
from app.notifications.models import Notification
from tests.ui_helpers import sign_in, text

EXAMPLES = Path(__file__).parents[2] / "app" / "calendar_years" / "examples"
# 2027: the bundled chinese_calendar release does not know it.
SPRING = {"name": "春节", "start": "2027-02-05", "end": "2027-02-13"}
NOTICE = "国办发明电〔2026〕测试号"
BEFORE_NOVEMBER = dt.date(2026, 10, 30)
IN_NOVEMBER = dt.date(2026, 11, 2)


def _form(**overrides) -> dict:
    return {
        "year": "2027",
        "source": NOTICE,
        "holidays": "元旦, 2027-01-01, 2027-01-03\n春节, 2027-02-05, 2027-02-13",
        "workdays": "2027-01-31, 春节调休\n2027-02-20, 春节调休",
        "reason": "",
        **overrides,
    }


def _audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def sysadmin(make_user):
    return make_user("PLATFORM", roles=("sysadmin",), locale="en")


@pytest.fixture
def case_into_2027(make_case):
    case = make_case(agency="SH")
    case.preliminary_due = case.due_date = dt.date(2027, 2, 10)
    return case


def test_the_bundled_data_does_not_know_2027_so_it_is_weekends_only(db):
    assert not cal.library_knows(2027)
    assert cal.year_calendar(2027).basis == cal.WEEKENDS
    assert not cal.year_confirmed(2027)
    assert cal.year_confirmed(2026)  # the bundled data knows it


def test_an_imported_year_changes_the_computed_dates(db, sysadmin):
    start = dt.date(2027, 2, 1)  # a Monday, before the Spring Festival week
    assert cal.add_working_days(start, 10) == dt.date(2027, 2, 15)  # weekends only
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], [{"day": "2027-02-20", "name": ""}]))
    # 2–4 Feb are working days, 5–13 are the holiday, 15–19 and the Saturday 20th are worked.
    assert cal.add_working_days(start, 10) == dt.date(2027, 2, 22)
    assert not cal.year_calendar(2027).is_workday(dt.date(2027, 2, 8))
    assert cal.year_calendar(2027).is_workday(dt.date(2027, 2, 20))
    assert cal.year_calendar(2027).basis == cal.IMPORTED and not cal.year_confirmed(2027)
    confirm_year(sysadmin, 2027)
    assert cal.year_confirmed(2027)
    assert cal.add_working_days(start, 10) == dt.date(2027, 2, 22)


def test_a_rolled_back_import_leaves_no_stale_calendar(db, sysadmin):
    db.session.begin_nested()
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
    assert cal.year_calendar(2027).basis == cal.IMPORTED
    db.session.rollback()
    assert cal.year_calendar(2027).basis == cal.WEEKENDS


def test_a_deadline_crossing_an_unconfirmed_year_is_marked_on_the_pages(
    db, client, make_user, case_into_2027, sysadmin
):
    supervisor = make_user("SH", roles=("officer", "supervisor"), locale="en")
    sign_in(client, supervisor)
    with cal.as_of(IN_NOVEMBER):
        page = text(client.get(f"/cases/{case_into_2027.reference}"))
        assert 'data-testid="calendar-unconfirmed"' in page
        assert "unconfirmed calendar" in page and "State Council notice" in page
        listing = text(client.get("/cases"))
        assert (
            case_into_2027.reference in listing and 'data-testid="calendar-unconfirmed"' in listing
        )
        save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
        db.session.commit()
        # Entered but not confirmed: still marked.
        page = text(client.get(f"/cases/{case_into_2027.reference}"))
        assert 'data-testid="calendar-unconfirmed"' in page
        confirm_year(sysadmin, 2027)
        db.session.commit()
        page = text(client.get(f"/cases/{case_into_2027.reference}"))
        assert 'data-testid="calendar-unconfirmed"' not in page
        assert "2027-02-10" in page


def test_the_dashboard_queues_mark_a_deadline_crossing_an_unconfirmed_year(
    db, client, make_user, make_case
):
    officer = make_user("SH", roles=("officer",), locale="en")
    case = make_case(agency="SH", by=officer)
    case.preliminary_due = case.due_date = dt.date(2027, 2, 10)
    sign_in(client, officer)
    with cal.as_of(IN_NOVEMBER):
        page = text(client.get("/"))
    mine = page[page.index(case.reference) :]
    assert 'data-testid="calendar-unconfirmed"' in mine[: mine.index("</tr>")]


def test_a_deadline_within_a_known_year_is_not_marked(db, client, make_user, make_case):
    case = make_case(agency="SH")
    case.preliminary_due = case.due_date = dt.date(2026, 12, 20)
    sign_in(client, make_user("SH", roles=("officer", "supervisor")))
    with cal.as_of(IN_NOVEMBER):
        assert 'data-testid="calendar-unconfirmed"' not in text(
            client.get(f"/cases/{case.reference}")
        )


def test_the_form_enters_previews_and_confirms_a_year(db, client, sysadmin):
    sign_in(client, sysadmin)
    assert client.get("/calendar/years/new").status_code == 200
    response = client.post("/calendar/years/new", data=_form())
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"].endswith("/calendar/years/2027")
    row = db.session.get(CalendarYear, 2027)
    assert (row.state, row.source, row.imported_by_id) == ("imported", NOTICE, sysadmin.id)
    page = text(client.get("/calendar/years/2027"))
    assert 'data-day="2027-02-08" data-kind="holiday"' in page
    assert 'data-day="2027-02-20" data-kind="makeup"' in page
    assert 'data-day="2027-02-15" data-kind="workday"' in page
    assert 'data-testid="confirm-year"' in page
    response = client.post("/calendar/years/2027/confirm")
    assert response.status_code == 302
    db.session.refresh(row)
    assert (row.state, row.confirmed_by_id) == ("confirmed", sysadmin.id)
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["calendar.year_import", "calendar.year_confirm"]
    # Changing a confirmed year needs a reason; with one it is entered again, unconfirmed.
    refused = client.post("/calendar/years/2027/edit", data=_form(source="另一个通知"))
    assert refused.status_code == 422 and "give the reason" in text(refused)
    db.session.refresh(row)
    assert (row.state, row.source) == ("confirmed", NOTICE)
    changed = client.post(
        "/calendar/years/2027/edit", data=_form(source="更正后的通知", reason="通知更正")
    )
    assert changed.status_code == 302
    db.session.refresh(row)
    assert (row.state, row.source) == ("imported", "更正后的通知")
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "calendar.year_change" and entry.details["reason"] == "通知更正"
    assert entry.details["before"]["source"] == NOTICE


REFUSALS = [
    (
        {"holidays": "春节, 2027-02-05, 2027-02-13\n元宵, 2027-02-12, 2027-02-14"},
        "春节 and 元宵 overlap",
    ),
    ({"holidays": "春节, 2027-02-05, 2027-02-30"}, "“2027-02-30” is not a date"),
    ({"holidays": "元旦, 2026-12-31, 2027-01-02"}, "is not inside 2027"),
    ({"holidays": "春节, 2027-02-13, 2027-02-05"}, "春节 ends before it starts"),
    ({"workdays": "2027-02-06, 春节调休"}, "2027-02-06 falls inside 春节"),
    ({"workdays": "2027-02-03, 春节调休"}, "2027-02-03 is not a Saturday or Sunday"),
    ({"workdays": "2028-01-01, 调休"}, "2028-01-01 is not in 2027"),
    ({"workdays": "2027-01-31\n2027-01-31"}, "2027-01-31 is given twice"),
    ({"holidays": "春节"}, "write “name, first day, last day”"),
    ({"source": ""}, "This field is required"),
    (
        {"year": "2026", "holidays": "春节, 2026-02-15, 2026-02-23", "workdays": ""},
        "The bundled holiday data already covers 2026",
    ),
]


@pytest.mark.parametrize(("change", "message"), REFUSALS)
def test_the_form_refuses_bad_input_and_changes_nothing(db, client, sysadmin, change, message):
    sign_in(client, sysadmin)
    before = _audit_count(db)
    response = client.post("/calendar/years/new", data=_form(**change))
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert _audit_count(db) == before
    assert cal.year_calendar(2027).basis == cal.WEEKENDS


def test_confirming_twice_or_a_year_not_entered_is_refused(db, client, sysadmin):
    sign_in(client, sysadmin)
    response = client.post("/calendar/years/2027/confirm")
    assert response.status_code == 422 and "2027 has no notice entered" in text(response)
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
    confirm_year(sysadmin, 2027)
    db.session.commit()
    before = _audit_count(db)
    response = client.post("/calendar/years/2027/confirm")
    assert response.status_code == 422 and "2027 is already confirmed" in text(response)
    assert _audit_count(db) == before


def test_only_a_system_administrator_changes_the_calendar(db, client, make_user, sysadmin):
    """Agency administrators of any agency look but change nothing; others see nothing."""
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
    db.session.commit()
    for code in ("SH", "JS"):
        admin = make_user(code, roles=("agency_admin",))
        sign_in(client, admin)
        assert client.get("/calendar/years").status_code == 200
        page = text(client.get("/calendar/years/2027"))
        assert 'data-testid="confirm-year"' not in page and 'data-testid="edit-year"' not in page
        assert client.post("/calendar/years/2027/confirm").status_code == 403
        edit = client.post("/calendar/years/2027/edit", data=_form(source="篡改"))
        assert edit.status_code == 403
        assert client.get("/calendar/years/new").status_code == 403
    for roles in (("officer", "supervisor"), ("auditor",), ("committee_member",)):
        sign_in(client, make_user("SH", roles=roles))
        assert client.get("/calendar/years/2027").status_code == 403
    row = db.session.get(CalendarYear, 2027)
    assert (row.state, row.source) == ("imported", NOTICE)


def test_the_cli_imports_the_example_files_and_confirms(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "import", str(EXAMPLES / "2027.example.json")])
    assert result.exit_code == 0, result.output
    assert "imported 2027 (7 holidays, 5 make-up working days)" in result.output
    assert " 8H" in result.output  # 8 February in the grid, a holiday
    row = db.session.get(CalendarYear, 2027)
    assert row.state == "imported" and row.source.startswith("EXAMPLE")
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.details["by"]) == (
        "calendar.year_import",
        None,
        "console",
    )
    # The CSV example is the same notice; replacing an unconfirmed import needs no reason.
    again = runner.invoke(args=["calendar", "import", str(EXAMPLES / "2027.example.csv")])
    assert again.exit_code == 0, again.output
    db.session.refresh(row)
    assert len(row.holidays) == 7 and row.version == 2
    confirmed = runner.invoke(args=["calendar", "confirm", "2027"])
    assert confirmed.exit_code == 0 and "confirmed 2027" in confirmed.output
    assert cal.year_confirmed(2027)


def _write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


CLI_REFUSALS = [
    # The console speaks Chinese by default.
    ("bad.json", "{not json", "不是有效的 JSON"),
    ("bad.txt", "x", ".json 或 .csv"),
    (
        "overlap.json",
        {"year": 2027, "source": NOTICE, "holidays": [SPRING, {**SPRING, "name": "元宵"}]},
        "重叠",
    ),
    (
        "impossible.json",
        {"year": 2027, "source": NOTICE, "holidays": [{**SPRING, "end": "2027-02-30"}]},
        "2027-02-30",
    ),
    (
        "outside.csv",
        "kind,name,start,end\nyear,2027,,\nsource,n,,\nholiday,元旦,2026-12-31,2027-01-02\n",
        "2026-12-31",
    ),
    (
        "weekday.csv",
        "kind,name,start,end\nyear,2027,,\nsource,n,,\nholiday,春节,2027-02-05,2027-02-13\n"
        "workday,调休,2027-02-03,\n",
        "2027-02-03",
    ),
    ("kind.csv", "kind,name,start,end\nyear,2027,,\nsomething,x,,\n", "something"),
    ("noyear.csv", "kind,name,start,end\nholiday,春节,2027-02-05,2027-02-13\n", "--year"),
]


@pytest.mark.parametrize(("name", "content", "message"), CLI_REFUSALS)
def test_the_cli_refuses_bad_files_and_changes_nothing(app, db, tmp_path, name, content, message):
    before = _audit_count(db)
    result = app.test_cli_runner().invoke(
        args=["calendar", "import", _write(tmp_path, name, content)]
    )
    assert result.exit_code != 0
    assert "refused, nothing changed" in result.output and message in result.output
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert _audit_count(db) == before


def test_the_cli_refuses_a_confirmed_year_without_a_reason(app, db, sysadmin):
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
    confirm_year(sysadmin, 2027)
    db.session.commit()
    path = str(EXAMPLES / "2027.example.json")
    result = app.test_cli_runner().invoke(args=["calendar", "import", path])
    assert result.exit_code != 0 and "2027" in result.output
    assert db.session.get(CalendarYear, 2027).source == NOTICE
    ok = app.test_cli_runner().invoke(args=["calendar", "import", path, "--reason", "更正"])
    assert ok.exit_code == 0, ok.output
    assert db.session.get(CalendarYear, 2027).state == "imported"


def test_administrators_are_warned_from_1_november_until_the_year_is_confirmed(
    db, client, make_user, sysadmin
):
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    officer = make_user("SH", roles=("officer",), locale="en")
    sign_in(client, admin)
    with cal.as_of(BEFORE_NOVEMBER):
        assert 'data-testid="calendar-warning"' not in text(client.get("/"))
        assert warn_unconfirmed_years() == {"notified": 0}
    with cal.as_of(IN_NOVEMBER):
        page = text(client.get("/"))
        assert 'data-testid="calendar-warning"' in page
        assert "The working-day calendar of 2027 is not confirmed" in page
        sign_in(client, officer)
        assert 'data-testid="calendar-warning"' not in text(client.get("/"))
        sign_in(client, sysadmin)
        page = text(client.get("/"))
        assert "notice for 2027</a>" in page and "Enter the State Council" in page
        first = warn_unconfirmed_years()
        assert first["notified"] >= 2
        assert warn_unconfirmed_years() == {"notified": 0}  # once
        todos = list(
            db.session.scalars(select(Notification).where(Notification.todo_key == "calendar:2027"))
        )
        assert {n.user_id for n in todos} >= {admin.id, sysadmin.id}
        assert officer.id not in {n.user_id for n in todos}
        save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
        confirm_year(sysadmin, 2027)
        db.session.commit()
        assert all(n.done_at is not None for n in todos if db.session.refresh(n) is None)
        sign_in(client, admin)
        assert 'data-testid="calendar-warning"' not in text(client.get("/"))


def test_a_change_made_by_another_process_reaches_the_deadlines_being_computed(db, sysadmin):
    """Pages trust this process's cached years (no query per page) for up to CACHE_SECONDS;
    a deadline being computed checks the table's stamp first, so it never uses stale days."""
    save_year(sysadmin, YearInput(2027, NOTICE, [SPRING], []))
    db.session.commit()
    start = dt.date(2027, 2, 1)
    assert cal.add_working_days(start, 10) == dt.date(2027, 2, 23)
    # Another process confirms the year and widens the holiday: this one's cache is not told.
    db.session.execute(
        CalendarYear.__table__.update()
        .where(CalendarYear.year == 2027)
        .values(
            state="confirmed",
            holidays=[{**SPRING, "end": "2027-02-15"}],
            version=CalendarYear.version + 1,
        )
    )
    assert not cal.year_confirmed(2027)  # the page's view, until the cache expires
    assert cal.add_working_days(start, 10) == dt.date(2027, 2, 24)  # computed afresh
    assert cal.year_confirmed(2027)  # and the fresh years now serve the pages too


def test_a_badge_counts_on_the_cached_days_which_an_administrators_change_drops(
    db, make_user, monkeypatch
):
    """`is_workday(fresh=False)` reads no table: the years and the administrator's days
    come from this process's cache, which a day added or removed here drops at once and
    another process's change reaches within CACHE_SECONDS; `fresh=True` reads the table."""
    from app.admin.services import add_calendar_day, remove_calendar_day
    from app.core.models import CalendarDay
    from tests.statements import counted

    admin = make_user("SH", roles=("agency_admin",))
    day = dt.date(2027, 3, 31)  # a Wednesday of a year the bundled data does not know
    assert cal.is_workday(day, fresh=False)
    with counted(db.engine) as statements:
        assert cal.is_workday(day, fresh=False)
    assert statements == []
    add_calendar_day(admin, day, False, "测试休息日")
    db.session.commit()
    assert not cal.is_workday(day, fresh=False) and not cal.is_workday(day)
    remove_calendar_day(admin, day)
    db.session.commit()
    assert cal.is_workday(day, fresh=False)
    # Another process adds the day: this one's cache is not told until it expires.
    db.session.add(CalendarDay(day=day, is_workday=False, name="另一进程"))
    db.session.commit()
    assert not cal.is_workday(day)
    assert cal.is_workday(day, fresh=False)
    monkeypatch.setattr(cal, "CACHE_SECONDS", 0.0)
    assert not cal.is_workday(day, fresh=False)
