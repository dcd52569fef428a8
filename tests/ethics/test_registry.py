"""The committee registry: deadlines on the Chinese working-day calendar at their edges;
filing, returning and accepting with every version kept; a filing that breaks the
composition rules names them and changes nothing; a change or a lapsed term shows on the
authority's lists; approved listed activities registered within their days."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.committees.services import end_seat
from app.core.calendar import as_of, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import registry as reg
from app.ethics import registry_policy as rp
from app.ethics.registry_models import ListedRegistration, Registration, RegistrationState
from app.notifications.models import Notification

DATA = reg.RegistrationInput(
    charter="第一条 本委员会依据《科技伦理审查办法（试行）》设立……",
    contact_name="王秘书",
    contact_phone="021-55550000",
    contact_email="office@example.edu.cn",
)

CHANGE = reg.RegistrationInput(**{**DATA.__dict__, "change_note": "委员变更"})


@pytest.mark.parametrize(
    ("set_up", "due"),
    [
        (dt.date(2026, 8, 21), dt.date(2026, 9, 20)),  # a Sunday worked in lieu: stays
        (dt.date(2026, 9, 1), dt.date(2026, 10, 8)),  # National Day: after the holiday
        (dt.date(2026, 9, 7), dt.date(2026, 10, 8)),  # the holiday's last day
        (dt.date(2026, 9, 8), dt.date(2026, 10, 8)),  # the first working day itself
        (dt.date(2026, 9, 10), dt.date(2026, 10, 10)),  # a Saturday worked in lieu
        (dt.date(2026, 9, 11), dt.date(2026, 10, 12)),  # a Sunday: the Monday
        (dt.date(2026, 1, 16), dt.date(2026, 2, 24)),  # Spring Festival: 15 Feb → 24 Feb
    ],
)
def test_registration_days_end_on_a_working_day(db, set_up, due):
    assert rp.registration_due(set_up) == due
    assert rp.listed_due(set_up) == due


def test_registration_in_working_days_skips_holidays(db):
    # 22, 23, 24 Sep; 25 Sep is the Mid-Autumn holiday; 28, 29 Sep.
    assert rp.due_after(dt.date(2026, 9, 21), 5, "working") == dt.date(2026, 9, 29)
    # From 30 Sep across National Day: 30 Sep is a working day, 1–7 Oct are not.
    assert rp.due_after(dt.date(2026, 9, 29), 2, "working") == dt.date(2026, 10, 8)


@pytest.mark.parametrize(
    ("year", "due"),
    [
        (2025, dt.date(2026, 3, 31)),  # a Tuesday
        (2023, dt.date(2024, 4, 1)),  # 31 March 2024 was a Sunday
        (2028, dt.date(2029, 4, 2)),  # a Saturday: the Monday
    ],
)
def test_annual_reports_due_by_31_march_or_the_next_working_day(db, year, due):
    assert rp.report_due(year) == due


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _notified(db, user, kind: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.kind == kind)
    )


def test_filing_returned_then_accepted_keeps_every_version(db, world):
    unit = world.unit_a
    with pytest.raises(NotAllowed):
        reg.file_registration(world.applicant, unit, DATA)
    with pytest.raises(InvalidInput) as err:
        reg.file_registration(world.office, unit, reg.RegistrationInput(charter=" "))
    assert set(err.value.problems) == {"charter", "contact_name", "contact_phone"}
    assert _count(db, Registration) == 0

    first = reg.file_registration(world.office, unit, DATA)
    assert first.number == 1 and first.state is RegistrationState.submitted
    assert first.due_on == rp.registration_due(reg.set_up_on(world.panel))
    by_name = {m["name"]: m for m in first.members}
    assert len(by_name) == 8  # seven members and the consultant
    assert by_name["伦理委员0"]["inside"] is False  # of 乙医院, not of the unit
    assert by_name["伦理委员1"]["inside"] is True
    assert by_name["伦理委员2"]["category"] == "legal"
    assert by_name["伦理委员1"]["gender"] == "male"
    assert by_name["伦理委员1"]["term_end"] == "2030-12-31"
    assert _notified(db, world.supervisor, "ethics.registry.filed") == 1
    with pytest.raises(GuardFailed) as err:
        reg.file_registration(world.office, unit, DATA)
    assert err.value.code == "waiting"

    with pytest.raises(NotAllowed):
        reg.answer_registration(world.other_province, first, True, None)
    with pytest.raises(NotAllowed):
        reg.answer_registration(world.office, first, True, None)
    with pytest.raises(InvalidInput):
        reg.answer_registration(world.supervisor, first, False, "  ")
    assert first.state is RegistrationState.submitted
    reg.answer_registration(world.supervisor, first, False, "章程未载明委员任期")
    assert first.state is RegistrationState.returned
    assert _notified(db, world.office, "ethics.registry.returned") == 1
    with pytest.raises(GuardFailed):
        reg.answer_registration(world.supervisor, first, True, None)

    second = reg.file_registration(world.office, unit, DATA)
    reg.answer_registration(world.admin, second, True, None)
    assert [r.number for r in reg.registrations_of(world.panel.id)] == [2, 1]
    assert reg.accepted_of(world.panel.id) is second
    (state,) = reg.states([unit])
    assert state.status == "registered" and state.due_on is None and not state.lapsed
    assert _notified(db, world.office, "ethics.registry.accepted") == 1


def test_a_filing_breaking_the_rules_names_them_and_changes_nothing(db, world):
    legal = [s for s in world.panel.seats if s.category.value == "legal"]
    for seat in legal:
        end_seat(world.admin, seat)
    with pytest.raises(GuardFailed) as err:
        reg.file_registration(world.office, world.unit_a, DATA)
    assert err.value.code == "composition"
    message = str(err.value)
    assert "5" in message and "7" in message  # five voting members now, seven needed
    assert len(message.split(";")) == 2  # two rules: membership and the categories
    assert _count(db, Registration) == 0


def test_a_change_and_a_lapsed_term_are_due_again(db, world):
    first = reg.file_registration(world.office, world.unit_a, DATA)
    reg.answer_registration(world.supervisor, first, True, None)
    peer = next(s for s in world.panel.seats if s.category.value == "peer" and s.role != "chair")
    end_seat(world.admin, peer)
    (state,) = reg.states([world.unit_a])
    assert state.status == "change_due"
    assert state.due_on == rp.registration_due(today())
    assert state.lapsed and "6" in state.failing[0]  # six voting members of seven
    with pytest.raises(GuardFailed) as err:
        reg.file_registration(world.office, world.unit_a, CHANGE)
    assert err.value.code == "composition"

    # Every registered term runs to 2030-12-31: the next day the committee has no member.
    with as_of(dt.date(2031, 1, 2)):
        (later,) = reg.states([world.unit_a])
    assert later.lapsed
    assert later.due_on == rp.registration_due(today())  # the seat ended first


def test_the_registration_of_a_change_needs_what_changed(db, world, make_user):
    from tests.ethics.conftest import _seat

    first = reg.file_registration(world.office, world.unit_a, DATA)
    reg.answer_registration(world.supervisor, first, True, None)
    from app.committees.rules import Category, SeatRole

    _seat(
        world.admin,
        make_user,
        world.panel,
        "新委员",
        "甲大学",
        "female",
        Category.peer,
        SeatRole.member,
    )
    (state,) = reg.states([world.unit_a])
    assert state.status == "change_due" and not state.lapsed
    with pytest.raises(InvalidInput) as err:
        reg.file_registration(world.office, world.unit_a, DATA)
    assert set(err.value.problems) == {"change_note"}
    change = reg.file_registration(
        world.office,
        world.unit_a,
        reg.RegistrationInput(**{**DATA.__dict__, "change_note": "增补委员一名"}),
    )
    assert change.number == 2 and len(change.members) == 9
    reg.answer_registration(world.supervisor, change, True, None)
    (state,) = reg.states([world.unit_a])
    assert state.status == "registered" and state.due_on is None


def test_an_unregistered_committee_is_overdue_the_day_after_its_due_day(db, world):
    due = rp.registration_due(reg.set_up_on(world.panel))
    with as_of(due):
        (state,) = reg.states([world.unit_a])
    assert state.status == "unregistered" and state.due_on == due and not state.overdue
    with as_of(due + dt.timedelta(days=1)):
        (state,) = reg.states([world.unit_a])
    assert state.overdue
    reg.file_registration(world.office, world.unit_a, DATA)
    with as_of(due + dt.timedelta(days=1)):
        (state,) = reg.states([world.unit_a])
    assert state.status == "submitted" and state.due_on is None  # the authority's turn


def approved_listed(world, db, make_user):
    """A listed activity through preliminary approval, expert re-review and decision."""
    from app.ethics import rereview as rr
    from tests.ethics.test_rereview import _choices, _pool, _preliminary

    pool = _pool(world, make_user)
    application = _preliminary(world, db)
    review = rr.file_rereview(world.applicant, application)
    rr.form_panel(world.supervisor, review, _choices(pool))
    for expert in pool[4:]:
        rr.answer_seat(expert.user, review, True)
    for expert in pool[:5]:
        rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "同意")
    rr.close_rereview(world.supervisor, review, "专家组同意")
    rr.issue_after_rereview(world.office, application, "复核同意")
    return application


def test_approved_listed_activities_are_registered_once(db, world, make_user):
    application = approved_listed(world, db, make_user)
    ((listed, due),) = reg.listed_to_register([world.panel.id])
    assert listed is application and due == rp.listed_due(reg.approved_on(application))
    with pytest.raises(NotAllowed):
        reg.register_listed(world.applicant, application)
    row = reg.register_listed(world.office, application, "已登记")
    assert row.due_on == due and row.agency_id == world.unit_a.agency_id
    assert reg.listed_to_register([world.panel.id]) == []
    with pytest.raises(GuardFailed) as err:
        reg.register_listed(world.office, application)
    assert err.value.code == "registered"
    assert _count(db, ListedRegistration) == 1


def test_an_application_not_approved_and_listed_is_not_registered(db, world):
    from tests.ethics.conftest import accepted

    application = accepted(world)
    with pytest.raises(GuardFailed) as err:
        reg.register_listed(world.office, application)
    assert err.value.code == "not_approved_listed"
    assert _count(db, ListedRegistration) == 0


def test_the_office_is_reminded_of_a_registration_due_once(db, world):
    assert reg.remind_due() == 1
    assert reg.remind_due() == 0
    assert _notified(db, world.office, "ethics.registry.due") == 1
    reg.file_registration(world.office, world.unit_a, DATA)
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.todo_key.like("ethreg-due:%"), Notification.done_at.is_(None))
    )
    assert waiting == 0
    assert reg.remind_due() == 0  # the authority's turn now
