"""The registry's pages: the office files and sees its own; the authority answers and sees
its province's overdue lists; another province sees the summary only (committee, unit,
registered, status) and never a committee's particulars or reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.committees.services import end_seat
from app.core.calendar import as_of, today
from app.ethics import annual
from app.ethics import registry as reg
from app.ethics import registry_policy as rp
from app.ethics.registry_models import AnnualReport, Registration, RegistrationState
from tests.ethics.test_annual import registered
from tests.ethics.test_registry import DATA
from tests.ui_helpers import sign_in

FORM = {
    "charter": "第一条 本委员会章程全文",
    "contact_name": "王秘书",
    "contact_phone": "021-55550000",
}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_office_files_and_the_authority_accepts_on_the_pages(db, client, world):
    base = f"/ethics/registry/committees/{world.panel.id}"
    sign_in(client, world.office)
    assert client.get("/ethics/registry").headers["Location"].endswith(base)
    page = client.get(base).get_data(as_text=True)
    assert "伦理委员3" in page and 'data-testid="register-form"' in page
    refused = client.post(f"{base}/register", data={**FORM, "contact_phone": ""})
    assert refused.status_code == 422 and _count(db, Registration) == 0
    assert client.post(f"{base}/register", data=FORM).status_code == 302
    (row,) = reg.registrations_of(world.panel.id)

    sign_in(client, world.supervisor)
    listing = client.get("/ethics/registry").get_data(as_text=True)
    assert 'data-testid="to-accept"' in listing and world.panel.name in listing
    answer = f"/ethics/registry/registrations/{row.id}/answer"
    assert client.post(answer, data={"decision": "return", "reason": ""}).status_code == 422
    db.session.refresh(row)
    assert row.state is RegistrationState.submitted
    assert client.post(answer, data={"decision": "accept"}).status_code == 302
    db.session.refresh(row)
    assert row.state is RegistrationState.accepted
    assert "021-55550000" in client.get(base).get_data(as_text=True)


def test_a_filing_breaking_the_rules_is_refused_on_the_page(db, client, world):
    for seat in [s for s in world.panel.seats if s.category.value == "legal"]:
        end_seat(world.admin, seat)
    db.session.commit()
    sign_in(client, world.office)
    response = client.post(f"/ethics/registry/committees/{world.panel.id}/register", data=FORM)
    assert response.status_code == 409
    assert _count(db, Registration) == 0


def test_the_authority_lists_what_is_overdue_and_lapsed(db, client, world):
    registered(world)
    peer = next(s for s in world.panel.seats if s.category.value == "peer" and s.role != "chair")
    end_seat(world.admin, peer)
    db.session.commit()
    due = rp.report_due(today().year)
    sign_in(client, world.supervisor)
    with as_of(due + dt.timedelta(days=1)):
        page = client.get("/ethics/registry").get_data(as_text=True)
    assert 'data-testid="reports-overdue"' in page
    assert 'data-testid="lapsed"' in page and 'data-testid="registration-due"' in page
    assert world.panel.name in page
    with as_of(due):
        page = client.get("/ethics/registry").get_data(as_text=True)
    assert 'data-testid="reports-overdue"' not in page  # due today, not yet overdue


def test_the_annual_form_is_prefilled_and_a_change_needs_its_reason(db, client, world):
    registered(world)
    db.session.commit()
    year = today().year
    sign_in(client, world.office)
    path = f"/ethics/registry/committees/{world.panel.id}/reports/{year}/work"
    assert client.get(path).status_code == 409  # the year has not ended
    with as_of(dt.date(year + 1, 1, 10)):
        form = client.get(path)
        assert form.status_code == 200 and 'name="figure_applications"' in form.get_data(
            as_text=True
        )
        refused = client.post(path, data={"figure_applications": "4", "summary": "总结"})
        assert refused.status_code == 422 and _count(db, AnnualReport) == 0
        filed = client.post(
            path,
            data={"figure_applications": "4", "reason_applications": "线下受理", "summary": "总结"},
        )
        assert filed.status_code == 302
        report = db.session.scalar(select(AnnualReport))
        assert report.figures["applications"] == 4
        assert "线下受理" in client.get(filed.headers["Location"]).get_data(as_text=True)
        assert client.post(path, data={"summary": "再报"}).status_code == 409
    assert _count(db, AnnualReport) == 1


def test_another_province_sees_the_summary_only(db, client, world):
    registered(world)
    year = today().year
    with as_of(dt.date(year + 1, 1, 10)):
        report = annual.file_report(world.office, world.unit_a, year, "work", {}, {}, "年度总结X")
    db.session.commit()
    sign_in(client, world.other_province)
    region = client.get("/ethics/registry/region")
    text = region.get_data(as_text=True)
    assert region.status_code == 200
    assert world.panel.name in text and world.unit_a.name in text
    for secret in ("021-55550000", "王秘书", "伦理委员3", DATA.charter[:10], "年度总结X"):
        assert secret not in text
    assert client.get(f"/ethics/registry/committees/{world.panel.id}").status_code == 404
    assert client.get(f"/ethics/registry/reports/{report.id}").status_code == 404
    own = client.get("/ethics/registry").get_data(as_text=True)
    assert world.panel.name not in own  # its own province's page lists its own committees
    sign_in(client, world.other_applicant)  # a unit without its own committee
    assert client.get(f"/ethics/registry/committees/{world.panel.id}").status_code == 404
    assert client.get("/ethics/registry/region").status_code == 403


def test_the_office_registers_an_approved_listed_activity_on_its_page(db, client, world, make_user):
    from app.ethics.registry_models import ListedRegistration
    from tests.ethics.test_registry import approved_listed

    application = approved_listed(world, db, make_user)
    db.session.commit()
    sign_in(client, world.office)
    page = client.get(f"/ethics/registry/committees/{world.panel.id}").get_data(as_text=True)
    assert application.reference in page
    url = f"/ethics/registry/listed/{application.reference}"
    assert client.post(url, data={"note": "已登记"}).status_code == 302
    assert client.post(url).status_code == 409
    assert _count(db, ListedRegistration) == 1


def test_the_dashboard_decides_the_offices_entries_once(db, client, world):
    """The dashboard asks the bar's badges for its queue's total before the bar is drawn:
    which entries the office sees (the registry's reads its unit) is decided once a page."""
    from tests.statements import counted

    registered(world)
    db.session.commit()
    sign_in(client, world.office)
    with counted(db.engine) as statements:
        page = client.get("/")
    assert page.status_code == 200
    office_unit = [
        s for s in statements if "FROM ethics_units JOIN ethics_unit_users" in s and "role" in s
    ]
    assert len(office_unit) == 2, office_unit  # the registry entry's check, its badge's figure
