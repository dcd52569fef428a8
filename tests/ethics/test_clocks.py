"""The clocks: 30 calendar days from acceptance to decide (日, not 工作日: a weekend or a
holiday does not stretch it; an extension moves it), 72 hours exactly for the emergency
procedure, the overdue queues of the office and the authority, and the reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.core.calendar import as_of
from app.ethics import appeals, clocks, services
from app.ethics.models import Application
from app.extensions import db
from app.notifications.models import Notification
from tests.ethics.conftest import filled


def _accept(world, procedure="general", on=dt.date(2026, 9, 30)) -> Application:
    application = filled(world)
    services.submit_application(world.applicant, application)
    with as_of(on):
        services.accept_application(world.office, application, procedure)
    return application


def test_thirty_calendar_days_over_a_holiday_and_the_day_after_is_overdue(world):
    # Accepted the day before the National Day holiday: the week off counts.
    application = _accept(world, on=dt.date(2026, 9, 30))
    assert application.decision_due == dt.date(2026, 10, 30)
    assert not clocks.is_overdue(application, day=dt.date(2026, 10, 30))
    assert clocks.is_overdue(application, day=dt.date(2026, 10, 31))
    appeals.extend_decision(world.office, application, "2026-11-15", "需补充专家意见")
    assert not clocks.is_overdue(application, day=dt.date(2026, 10, 31))
    assert clocks.is_overdue(application, day=dt.date(2026, 11, 16))


def test_the_emergency_clock_is_on_time_at_exactly_72_hours(world):
    application = _accept(world, "emergency", on=dt.date.today())
    start = application.accepted_at
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    ends = start + dt.timedelta(hours=72)
    day = dt.date.today()
    assert not clocks.is_overdue(application, day=day, now=ends)
    assert clocks.is_overdue(application, day=day, now=ends + dt.timedelta(seconds=1))
    late = ends + dt.timedelta(minutes=1)
    assert application in clocks.overdue_for(world.office, day=day, now=late)
    assert application not in clocks.overdue_for(world.office, day=day, now=ends)


def test_the_queues_of_the_office_and_the_authority_and_nobody_else(world):
    application = _accept(world, on=dt.date(2026, 1, 5))
    on_time = _accept(world, on=dt.date.today())
    day = dt.date(2026, 2, 5)
    assert clocks.overdue_for(world.office, day=day) == [application]
    assert application in clocks.overdue_for(world.supervisor)
    assert on_time not in clocks.overdue_for(world.supervisor)
    assert clocks.overdue_for(world.other_province) == []
    assert clocks.overdue_for(world.applicant) == []
    assert not clocks.may_see_overdue(world.applicant)


def test_reminders_before_due_and_when_overdue_once_each(world):
    soon = _accept(world, on=dt.date.today() - dt.timedelta(days=27))
    late = _accept(world, on=dt.date.today() - dt.timedelta(days=31))
    far = _accept(world, on=dt.date.today())
    assert clocks.send_reminders() == 2  # one office user, two applications
    assert clocks.send_reminders() == 0  # a re-run sends nothing twice
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == world.office.id)
    ).all()
    keys = {n.dedupe_key for n in rows if n.dedupe_key}
    assert f"ethics.due_soon:{soon.id}:{soon.decision_due}" in keys
    assert f"ethics.overdue:{late.id}:{late.decision_due}" in keys
    assert not any(str(far.id) + ":" in k for k in keys if k.startswith("ethics.due_soon:"))


def test_pages_and_api_show_the_due_date_and_the_overdue_mark(world, client):
    from tests.ui_helpers import sign_in

    application = _accept(world, on=dt.date.today() - dt.timedelta(days=40))
    db.session.flush()
    sign_in(client, world.office)
    page = client.get(f"/ethics/{application.reference}").get_data(as_text=True)
    assert application.decision_due.isoformat() in page and 'data-testid="decision-overdue"' in page
    queue = client.get("/ethics/decisions-overdue").get_data(as_text=True)
    assert application.reference in queue
    sign_in(client, world.applicant)
    assert client.get("/ethics/decisions-overdue").status_code == 403


def test_the_api_gives_the_due_moments_and_overdue(db, client, world):
    from app.auth.services import create_token

    late = _accept(world, "emergency", on=dt.date.today() - dt.timedelta(days=40))
    late.emergency_due = late.accepted_at - dt.timedelta(hours=1)
    token = create_token(world.office)
    db.session.commit()
    body = client.get(
        f"/api/v1/ethics/applications/{late.reference}",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert body["decision_due"] == late.decision_due.isoformat()
    assert body["overdue"] is True and body["emergency_due"].endswith("UTC")
