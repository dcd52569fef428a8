"""Mutual recognition between the agencies of one deployment: once an agency publishes a
record, every other agency here is asked to decide on it, as it would be on a record sent by
a peer node; the deciding agency itself never decides on its own record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.core.extension_points import badge_count
from app.notifications.models import Notification
from app.records.models import IntegrityRecord, Recognition
from app.records.queues import record_queues
from app.records.services import approve_record, draft_record, suggested_draft


@pytest.fixture
def people(make_user):
    return {
        "sh_admin": make_user("SH", roles=("agency_admin",)),
        "sh_supervisor": make_user("SH", roles=("supervisor",)),
        "js_supervisor": make_user("JS", roles=("supervisor",), locale="en"),
        "js_admin": make_user("JS", roles=("agency_admin",)),
        "js_officer": make_user("JS", roles=("officer",)),
        "zj_supervisor": make_user("ZJ", roles=("supervisor",)),
    }


@pytest.fixture
def published(db, make_case, people):
    case = make_case(state=CaseState.decided)
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, people["sh_admin"])
    db.session.commit()
    return record


def _told(user, record: IntegrityRecord) -> list[Notification]:
    from app.extensions import db

    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "record.published"
            )
        )
    )


def test_publishing_asks_the_other_agencies_supervisors_and_nobody_else(published, people):
    from app.notifications.handoffs import render

    for name in ("js_supervisor", "zj_supervisor"):
        (notice,) = _told(people[name], published)
        assert notice.todo_key and notice.done_at is None
        assert notice.link["values"] == {"record_id": published.id}
    assert render(notice, "en").startswith(
        "Science and Technology Commission of Shanghai Municipality published"
    )
    assert render(notice, "zh").startswith("上海市科学技术委员会发布了")
    for name in ("sh_admin", "sh_supervisor", "js_officer", "js_admin"):
        assert _told(people[name], published) == [], name


def test_other_agencies_queue_the_record_the_deciding_agency_does_not(published, people):
    assert published in record_queues(people["js_supervisor"])["to_recognise"].records
    assert published in record_queues(people["js_admin"])["to_recognise"].records
    assert published not in record_queues(people["sh_supervisor"])["to_recognise"].records
    assert "to_recognise" not in record_queues(people["js_officer"])


def test_another_agency_decides_through_the_page_in_its_language(
    db, published, people, login, client
):
    supervisor = people["js_supervisor"]
    before = badge_count("records.record_list", supervisor)
    login(supervisor)
    page = client.get(f"/records/{published.id}").get_data(as_text=True)
    assert f"/records/{published.id}/recognition" in page
    refused = client.post(f"/records/{published.id}/recognition", data={"decision": "decline"})
    assert refused.status_code == 422 and "A reason is required to decline." in refused.text
    assert db.session.scalar(select(Recognition)) is None
    done = client.post(
        f"/records/{published.id}/recognition",
        data={"decision": "recognise"},
        follow_redirects=True,
    )
    assert "The recognition decision is recorded." in done.text
    assert "sent to the origin" not in done.text  # nothing is sent: the origin is here
    row = db.session.scalar(select(Recognition))
    assert (row.agency_code, row.peer_id, row.ack_status) == ("JS", None, None)
    assert badge_count("records.record_list", supervisor) == before - 1
    (notice,) = _told(supervisor, published)
    db.session.refresh(notice)
    assert notice.done_at is not None
    # The other agencies still have it to decide.
    assert published in record_queues(people["zj_supervisor"])["to_recognise"].records


def test_the_deciding_agency_cannot_recognise_its_own_record(db, published, people, login, client):
    login(people["sh_supervisor"])
    page = client.get(f"/records/{published.id}").get_data(as_text=True)
    assert f"/records/{published.id}/recognition" not in page
    response = client.post(f"/records/{published.id}/recognition", data={"decision": "recognise"})
    assert response.status_code == 403
    assert db.session.scalar(select(Recognition)) is None


def test_recognitions_between_agencies_count_in_the_figures(db, published, people, login, client):
    from app.core.calendar import today
    from app.records.services import record_recognition

    record_recognition(published, people["js_supervisor"], "recognise")
    record_recognition(published, people["zj_supervisor"], "decline", reason="本省无执行对象")
    db.session.commit()
    login(people["sh_supervisor"])
    year = today().year  # the decisions were taken now
    page = client.get(f"/statistics?year={year}").get_data(as_text=True)
    figure = page[page.index('data-testid="figure-recognitions"') :]
    for decision in ("recognise", "decline"):
        row = figure[figure.index(f'data-row="{decision}"') :]
        assert ">1<" in row[: row.index("</tr>")], decision


def test_a_queue_counts_beyond_the_records_it_lists_and_badges_stop_at_99(
    db, make_case, people, monkeypatch, login, client
):
    from app.core.extension_points import count_badge
    from app.records import queues

    for _ in range(3):
        case = make_case(state=CaseState.decided)
        record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
        approve_record(record, people["sh_admin"])
    db.session.commit()
    supervisor = people["js_supervisor"]
    waiting = record_queues(supervisor, limit=2)["to_recognise"]
    assert len(waiting.records) == 2 and waiting.count == 3
    login(supervisor)
    panel = client.get("/").text
    panel = panel[panel.index('data-testid="queue-to_recognise"') :]
    assert 'data-testid="queue-count">3<' in panel
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    assert badge_count("records.record_list", supervisor) == 2  # counting stops at the cap
    assert (count_badge(99), count_badge(100)) == ("99", "99+")
