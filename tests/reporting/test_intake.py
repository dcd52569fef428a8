"""The intake and the follow-up: an officer registers, attaches or refuses a report; the
reporter reads what they may know and exchanges messages; internal notes never reach them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.cases.models import Case
from app.core.models import AuditEntry
from app.evidence.models import EvidenceItem
from app.notifications.models import Notification
from app.reporting.models import PortalVisit, Report, ReportState
from app.reporting.services import erase_old_addresses


def test_an_officer_registers_a_report_as_a_case_and_the_reporter_follows_up(
    client, submit, follow, login, make_user, db
):
    officer = make_user("SH", roles=("officer",))
    code = submit()[1]
    report = db.session.scalars(select(Report)).one()
    news = db.session.scalar(
        select(Notification).where(
            Notification.user_id == officer.id, Notification.kind == "report.received"
        )
    )
    assert news is not None and news.todo_key == f"report:{report.id}"
    page = follow(code)
    assert 'data-testid="reporter-status">Received' in page.get_data(as_text=True) or (
        "已收到" in page.get_data(as_text=True)
    )
    # The reporter writes; the officers hear of it as a hand-off.
    client.post("/report/follow-up/message", data={"body": "补充：还有第二篇论文。"})
    assert db.session.scalar(
        select(func.count()).where(
            Notification.user_id == officer.id, Notification.kind == "report.message"
        )
    )
    login(officer)
    listed = client.get("/intake").get_data(as_text=True)
    assert report.number in listed
    registered = client.post(f"/intake/{report.id}/register", data={"title": ""})
    assert registered.status_code == 302
    db.session.refresh(report)
    assert report.state == ReportState.registered
    case = db.session.get(Case, report.case_id)
    assert case.source.value == "online" and case.respondents[0].name == "王强"
    assert case.complainant.name == "赵敏" and not case.complainant.anonymous
    items = db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id)).all()
    assert [i.blob_sha256 for i in items] == [report.files[0].blob_sha256]
    again = client.post(f"/intake/{report.id}/register", data={"title": ""})
    assert again.status_code == 409  # decided once; nothing changes
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    # An internal note on the case and the officer's message.
    client.post(
        f"/cases/{case.reference}/notes",
        data={
            "kind": "note",
            "title": "内部研判",
            "happened_on": "2026-03-03",
            "body": "内部意见：证据较弱",
            "visibility": "internal",
        },
    )
    client.post(f"/intake/{report.id}/message", data={"body": "已受理，感谢您的举报。"})
    client.post("/logout")
    page = follow(code).get_data(as_text=True)
    assert "已受理，感谢您的举报。" in page and 'data-testid="new-message"' in page
    assert "内部意见" not in page and "内部研判" not in page
    assert case.reference not in page


def test_a_report_not_accepted_shows_the_reason_and_never_the_internal_note(
    client, reported, follow, login, make_user, db
):
    report, code = reported
    login(make_user("SH", roles=("officer",)))
    refused = client.post(f"/intake/{report.id}/not-accept", data={"reason": ""})
    assert refused.status_code == 422
    db.session.refresh(report)
    assert report.state == ReportState.received
    client.post(
        f"/intake/{report.id}/not-accept",
        data={
            "reason": "不属于本机关管辖，请向所在单位举报。",
            "internal_note": "举报人多次重复举报",
        },
    )
    client.post("/logout")
    page = follow(code).get_data(as_text=True)
    assert "不属于本机关管辖" in page and "重复举报" not in page


def test_a_report_is_attached_to_an_existing_case(client, reported, login, make_case, db):
    report, _ = reported
    case = make_case("SH")
    officer = case.created_by
    login(officer)
    missing = client.post(f"/intake/{report.id}/attach", data={"reference": "SH-2000-000001"})
    assert missing.status_code == 422
    done = client.post(f"/intake/{report.id}/attach", data={"reference": case.reference})
    assert done.status_code == 302
    db.session.refresh(report)
    assert report.state == ReportState.attached and report.case_id == case.id


def test_another_agency_never_sees_a_report(client, reported, login, make_user):
    report, _ = reported
    login(make_user("JS", roles=("officer",)))
    assert client.get(f"/intake/{report.id}").status_code == 404
    assert report.number not in client.get("/intake?state=all").get_data(as_text=True)
    assert client.post(f"/intake/{report.id}/not-accept", data={"reason": "x"}).status_code == 404


def test_the_identity_is_shown_to_a_supervisor_only_and_audited(
    client, reported, login, make_user, db
):
    report, _ = reported
    login(make_user("SH", roles=("officer",)))
    assert "赵敏" not in client.get(f"/intake/{report.id}?identity=1").get_data(as_text=True)
    client.post("/logout")
    supervisor = make_user("SH", roles=("supervisor",))
    supervisor.agency.policy.totp_required = False
    login(supervisor)
    assert "赵敏" in client.get(f"/intake/{report.id}?identity=1").get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "report.identity_view"))
        == 1
    )


def test_overdue_intake_shows_in_the_supervisors_queue(client, reported, login, make_user, db):
    report, _ = reported
    report.outcome_due = dt.date(2026, 1, 5)
    db.session.flush()
    supervisor = make_user("SH", roles=("supervisor",))
    supervisor.agency.policy.totp_required = False
    login(supervisor)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="overdue-intake"' in page and report.number in page
    assert report.number in client.get("/intake?state=overdue").get_data(as_text=True)


def test_addresses_are_erased_after_the_retention(reported, db):
    report, _ = reported
    visit = db.session.scalar(select(PortalVisit).where(PortalVisit.report_id == report.id))
    assert erase_old_addresses() == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert erase_old_addresses(now=later) >= 1
    db.session.refresh(visit)
    assert visit.address is None
    assert db.session.scalar(select(Report).where(Report.id == report.id)) is not None


def test_the_statistics_count_reports_received_and_the_time_to_acceptance(
    client, reported, login, make_user, db
):
    from app.core.calendar import today
    from app.reporting.figures import online_reports
    from app.statistics.periods import year_period
    from app.statistics.sql import FigureQuery

    report, _ = reported
    login(make_user("SH", roles=("officer",)))
    client.post(f"/intake/{report.id}/register", data={"title": ""})
    rows = online_reports(FigureQuery(year_period(today().year), (report.agency_id,)))
    assert ("received", report.agency_id, 1) in rows
    assert ("accepted", report.agency_id, 1) in rows
    median = next(v for row, a, v in rows if row == "median_days" and a == report.agency_id)
    assert 0 <= median < 1
    assert "网上收到举报 1 件" in client.get("/intake?state=all").get_data(as_text=True)


def test_the_reporter_adds_evidence_and_leaves_and_empty_posts_are_refused(
    client, reported, follow, db
):
    import io

    from tests.reporting.conftest import PDF

    report, code = reported
    follow(code)
    empty = client.post("/report/follow-up/message", data={"body": "  "})
    assert empty.status_code == 422 and "body-error" in empty.get_data(as_text=True)
    none = client.post("/report/follow-up/evidence", data={}, content_type="multipart/form-data")
    assert none.status_code == 422
    added = client.post(
        "/report/follow-up/evidence",
        data={"files": [(io.BytesIO(PDF + b"more"), "补充.pdf")]},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    db.session.refresh(report)
    assert [f.original_name for f in report.files] == ["证据.pdf", "补充.pdf"]
    assert not report.messages
    client.post("/report/follow-up/end")
    assert client.get("/report/follow-up/report").status_code == 302
