"""Applications (art. 9): drafts, attachments (content-addressed, custody, disguised types
refused), submission naming every missing item, the office's acceptance naming the
procedure or one notice of every missing item, resubmission with the version history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, StaleVersion
from app.ethics import items, policy, services
from app.ethics.models import AppState, AttachmentCustody, Procedure
from app.evidence.services import TypeNotAllowed
from tests.ethics.conftest import ELF, PDF, PNG, TEXTS, filled, upload


def test_submission_names_every_missing_item_and_changes_nothing(db, world):
    application = services.create_application(world.applicant, "研究")
    services.update_application(world.applicant, application, {"title": "研究", "purpose": "x"})
    with pytest.raises(InvalidInput) as err:
        services.submit_application(world.applicant, application)
    expected = [k for k in (i.key for i in items.ITEMS) if k != "purpose"]
    assert list(err.value.problems) == expected
    db.session.refresh(application)
    assert application.state is AppState.draft and application.versions_count == 0


def test_multi_site_needs_its_lead_unit(world):
    application = services.create_application(world.applicant, "研究")
    with pytest.raises(InvalidInput) as err:
        services.update_application(
            world.applicant, application, {"title": "研究", "multi_site": "1"}
        )
    assert "lead_unit" in err.value.problems


def test_same_content_is_stored_once_with_custody(db, world):
    application = filled(world)
    again = services.add_attachment(world.applicant, application, "plan", upload())
    first = application.attachments[0]
    assert again.blob_sha256 == first.blob_sha256
    actions = db.session.scalar(
        select(func.count()).where(AttachmentCustody.attachment_id == again.id)
    )
    assert actions == 1


@pytest.mark.parametrize(
    ("data", "name"), [(ELF, "知情同意书.pdf"), (PNG, "知情同意书.pdf")], ids=["program", "picture"]
)
def test_attachments_of_disguised_type_are_refused(db, world, data, name):
    application = services.create_application(world.applicant, "研究")
    with pytest.raises(TypeNotAllowed):
        services.add_attachment(world.applicant, application, "consent_form", upload(data, name))
    db.session.rollback()


def test_the_png_under_its_own_name_is_accepted(world):
    application = services.create_application(world.applicant, "研究")
    row = services.add_attachment(world.applicant, application, "sources", upload(PNG, "a.png"))
    assert row.blob.mime_type == "image/png"


def test_return_lists_every_missing_item_and_resubmission_keeps_versions(db, world):
    application = filled(world)
    services.submit_application(world.applicant, application)
    assert application.panel_id == world.panel.id and application.versions_count == 1
    with pytest.raises(InvalidInput):  # a notice names at least one item
        services.return_application(world.office, application, [], "")
    notice = services.return_application(
        world.office, application, ["sources", "funding"], "请补充"
    )
    assert [m["item"] for m in notice.missing] == ["funding", "sources"]  # the form's order
    assert application.state is AppState.returned
    services.update_application(
        world.applicant, application, {"title": application.title, **TEXTS, "funding": "省基金"}
    )
    services.submit_application(world.applicant, application)
    versions = services.versions_of(application)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].content["funding"] == TEXTS["funding"]
    assert versions[1].content["funding"] == "省基金"


def test_acceptance_names_the_procedure_and_sets_the_clocks(db, world):
    application = filled(world)
    services.submit_application(world.applicant, application)
    with pytest.raises(InvalidInput):
        services.accept_application(world.office, application, "fast")
    with pytest.raises(NotAllowed):  # the applicant is not the office
        services.accept_application(world.applicant, application, "general")
    services.accept_application(world.office, application, Procedure.emergency)
    days = policy.value(world.unit_a.agency_id, "decision_days")
    assert application.decision_due == today() + dt.timedelta(days=days)
    hours = (application.emergency_due - application.accepted_at).total_seconds() / 3600
    assert hours == 72
    with pytest.raises(GuardFailed):  # accepted once
        services.accept_application(world.office, application, "general")


def test_an_entrusting_unit_submits_to_the_entrusted_committee(world):
    application = filled(world, world.other_applicant)
    services.submit_application(world.other_applicant, application)
    assert application.panel_id == world.panel.id and application.entrustment_id is not None
    assert services.accept_application(world.office, application, "general").kind.value == (
        "accepted"
    )


def test_a_submitted_application_is_not_edited_and_a_stale_save_is_refused(world):
    application = filled(world)
    with pytest.raises(StaleVersion):
        services.update_application(world.applicant, application, {"title": "x"}, "999")
    services.submit_application(world.applicant, application)
    with pytest.raises(GuardFailed):
        services.update_application(world.applicant, application, {"title": "x"})
    with pytest.raises(NotAllowed):  # another unit's applicant
        services.update_application(world.other_applicant, application, {"title": "x"})


def test_policy_values_are_checked_and_named(world):
    with pytest.raises(InvalidInput) as err:
        policy.update_policy(
            world.unit_a.agency_id, {"followup_months": "13", "quorum": "x"}, world.admin
        )
    assert set(err.value.problems) == {"followup_months", "quorum"}
    policy.update_policy(world.unit_a.agency_id, {"decision_days": "20"}, world.admin)
    assert policy.value(world.unit_a.agency_id, "decision_days") == 20
    assert PDF


def test_the_waiting_badge_counts_each_users_next_step(world):
    from app.core.extension_points import badge_count

    application = filled(world)
    services.submit_application(world.applicant, application)
    assert (
        badge_count("ethics.applications", world.office) == 1
        and badge_count("ethics.applications", world.applicant) == 0
    )
    services.return_application(world.office, application, ["funding"], None)
    assert (
        badge_count("ethics.applications", world.office) == 0
        and badge_count("ethics.applications", world.applicant) == 1
    )
    assert badge_count("ethics.applications", world.other_applicant) == 0
