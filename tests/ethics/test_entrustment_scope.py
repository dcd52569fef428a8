"""An entrusted committee reviews only the entrusting unit's applications, within the
entrustment's scope and dates; otherwise acceptance, submission and the decision are
refused naming the entrustment and why, and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.calendar import as_of
from app.core.errors import GuardFailed
from app.ethics import reviewing, services
from app.ethics.models import AppState, Entrustment, ListedActivity
from app.extensions import db
from tests.ethics.conftest import END, START, filled


def _submitted_by_b(world):
    application = filled(world, world.other_applicant)
    services.submit_application(world.other_applicant, application)
    return application


def test_acceptance_outside_the_entrustments_dates_is_refused(world):
    application = _submitted_by_b(world)
    with as_of(END + dt.timedelta(days=1)), pytest.raises(GuardFailed) as err:
        services.accept_application(world.office, application, "general")
    assert err.value.code == "entrustment_dates"
    assert "委托〔2026〕1号" in str(err.value)
    assert application.state is AppState.submitted
    with as_of(END):  # the last day is within
        services.accept_application(world.office, application, "general")
    assert application.state is AppState.accepted


def test_an_entrustment_ended_early_stops_the_review(world):
    application = _submitted_by_b(world)
    services.accept_application(world.office, application, "general")
    row = db.session.get(Entrustment, application.entrustment_id)
    row.ended_at, row.end_reason = dt.datetime.now(dt.UTC), "协议解除"
    reviewing.propose(world.office, application, "approve")
    with pytest.raises(GuardFailed) as err:
        reviewing.close_review(world.office, application, "同意")
    assert err.value.code == "entrustment_dates"
    assert application.state is AppState.accepted and application.decision is None


def test_an_entrustment_that_leaves_out_listed_activities(world):
    listed = ListedActivity(code="L-1", title_zh="人类胚胎研究", title_en="Embryo research")
    db.session.add(listed)
    db.session.flush()
    old = db.session.get(Entrustment, _submitted_by_b(world).entrustment_id)
    old.ended_at, old.end_reason = dt.datetime.now(dt.UTC), "换签"
    services.entrust(
        world.admin,
        world.unit_b,
        world.panel.id,
        "不含清单内活动",
        "委托〔2026〕2号",
        START,
        END,
        excludes_listed=True,
    )
    application = filled(world, world.other_applicant, title="清单内研究")
    application.listed_id = listed.id
    with pytest.raises(GuardFailed) as err:
        services.submit_application(world.other_applicant, application)
    assert err.value.code == "entrustment_scope"
    assert application.state is AppState.draft
    plain = _submitted_by_b(world)  # an activity off the list is within the scope
    services.accept_application(world.office, plain, "general")
    assert plain.state is AppState.accepted


def test_another_units_entrustment_does_not_reach_this_application(world):
    _submitted_by_b(world)  # unit B's entrustment exists
    forged = filled(world)
    services.submit_application(world.applicant, forged)
    forged.entrustment_id = _b_entrustment(world).id  # unit A's application, B's agreement
    with pytest.raises(GuardFailed) as err:
        services.accept_application(world.office, forged, "general")
    assert err.value.code == "entrustment_unit"
    assert forged.state is AppState.submitted


def _b_entrustment(world) -> Entrustment:
    from sqlalchemy import select

    return db.session.scalar(select(Entrustment).where(Entrustment.unit_id == world.unit_b.id))


def test_the_unit_page_records_an_entrustment_that_leaves_out_the_list(world, client):
    from sqlalchemy import select

    from tests.ui_helpers import sign_in

    db.session.flush()
    sign_in(client, world.admin)
    response = client.post(
        f"/ethics/units/{world.unit_b.id}/entrust",
        data={
            "panel_id": world.panel.id,
            "scope": "不含清单内活动",
            "document_ref": "委托〔2026〕3号",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "excludes_listed": "yes",
        },
    )
    assert response.status_code in (302, 303)
    row = db.session.scalar(
        select(Entrustment).where(Entrustment.document_ref == "委托〔2026〕3号")
    )
    assert row.excludes_listed
    page = client.get(f"/ethics/units/{world.unit_b.id}").get_data(as_text=True)
    assert "Leaves out activities" in page or "不含清单所列活动" in page
