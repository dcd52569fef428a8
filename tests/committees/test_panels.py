"""Panels, the regional expert pool and seating: the services' success paths and refusals,
what each agency sees of the pool, and that a seated expert of another agency sees nothing
else of the inviting agency."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.committees.models import PanelKind, SeatStatus
from app.committees.rules import Category, SeatRole
from app.committees.services import (
    ExpertInput,
    answer_seat,
    create_expert_account,
    create_panel,
    end_seat,
    link_expert_account,
    panel_may_vote,
    register_expert,
    seat_expert,
    update_panel_rules,
)
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.core.models import AuditEntry
from tests.ui_helpers import sign_in

START, END = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
CATS = [Category.peer, Category.ethics, Category.legal, Category.outside]


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def expert(db, make_user):
    admins = {}

    def make(code="SH", name=None, categories=None, gender="female", **extra):
        if code not in admins:
            admins[code] = make_user(code, roles=("agency_admin",))
        return register_expert(
            admins[code],
            ExpertInput(
                name=name or f"{code}专家{len(admins)}{gender}",
                institution=extra.pop("institution", f"{code}大学"),
                gender=gender,
                categories=[c.value for c in (categories or [Category.peer])],
                fields=extra.pop("fields", "材料科学"),
                email=extra.pop("email", f"{code.lower()}-expert@example.test"),
                phone=extra.pop("phone", "13900000000"),
            ),
        )

    make.admin = lambda code="SH": (
        admins.get(code) or admins.setdefault(code, make_user(code, roles=("agency_admin",)))
    )
    return make


def full_panel(expert, code="SH", members=7):
    """A panel of `code` that meets the default rules."""
    admin = expert.admin(code)
    panel = create_panel(admin, PanelKind.academic, f"{code}学术委员会")
    for i in range(members):
        cat = CATS[i % 4]
        person = expert(
            code, name=f"{code}委员{i}", categories=[cat], gender=("female", "male")[i % 2]
        )
        role = SeatRole.chair if i == 0 else SeatRole.member
        seat_expert(admin, panel, person, role, cat, START, END)
    return panel


def test_a_full_panel_may_vote_and_a_small_one_says_why(expert):
    panel = full_panel(expert)
    assert panel_may_vote(panel, dt.date(2026, 6, 1)) == (True, [])
    small = full_panel(expert, "JS", members=5)
    ok, failing = panel_may_vote(small, dt.date(2026, 6, 1))
    assert not ok and [c.code for c in failing] == ["min_members"]


def test_own_agency_seat_is_active_and_creates_an_account_once(db, expert):
    admin = expert.admin()
    panel = create_panel(admin, PanelKind.ethics, "科技伦理委员会")
    person = expert("SH")
    seat, password = seat_expert(admin, panel, person, SeatRole.chair, Category.peer, START, END)
    assert seat.status is SeatStatus.active
    assert password and person.user.has_role(Role.committee_member)
    assert person.user.agency_id == person.agency_id
    with pytest.raises(GuardFailed):
        seat_expert(admin, panel, person, SeatRole.member, Category.peer, START, END)
    with pytest.raises(GuardFailed):
        create_expert_account(admin, person)


def test_seat_refusals_change_nothing(db, expert):
    admin = expert.admin()
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    first = expert("SH")
    seat_expert(admin, panel, first, SeatRole.chair, Category.peer, START, END)
    other = expert("SH", name="第二位")
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    cases = [
        (SeatRole.member, Category.legal, START, END),  # not the expert's category
        (SeatRole.member, Category.peer, END, START),  # ends before it starts
        (SeatRole.member, Category.peer, START, dt.date(2032, 1, 1)),  # over 5 years
        (SeatRole.chair, Category.peer, START, END),  # a second chair
    ]
    for role, cat, start, end in cases:
        with pytest.raises(InvalidInput):
            seat_expert(admin, panel, other, role, cat, start, end)
    with pytest.raises(NotAllowed):
        seat_expert(expert.admin("JS"), panel, other, SeatRole.member, Category.peer, START, END)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert len(panel.seats) == 1


def test_cross_agency_invitation_is_accepted_or_declined_by_the_expert(db, expert):
    admin = expert.admin("SH")
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    outsider = expert("JS")
    account, _password = create_expert_account(expert.admin("JS"), outsider)
    seat, password = seat_expert(admin, panel, outsider, SeatRole.member, Category.peer, START, END)
    assert seat.status is SeatStatus.invited and password is None
    assert panel.rule_seats() == []  # an invitation does not count
    with pytest.raises(NotAllowed):
        answer_seat(admin, seat, True)
    answer_seat(account, seat, True)
    assert seat.status is SeatStatus.active and len(panel.rule_seats()) == 1
    with pytest.raises(GuardFailed):
        answer_seat(account, seat, False)
    end_seat(admin, seat)
    assert seat.status is SeatStatus.ended
    # Re-invited after the seat ended, then declined.
    seat_expert(admin, panel, outsider, SeatRole.member, Category.peer, START, END)
    answer_seat(account, seat, False)
    assert seat.status is SeatStatus.declined
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("committee.%"))
    ).all()
    for code in ("committee.invite_expert", "committee.accept_seat", "committee.end_seat"):
        assert code in actions
    assert "committee.decline_seat" in actions


def test_link_refuses_another_agency_and_the_system_administrator(db, expert, make_user):
    admin = expert.admin("SH")
    person = expert("SH")
    with pytest.raises(InvalidInput):
        link_expert_account(admin, person, make_user("JS", roles=("officer",)))
    with pytest.raises(NotAllowed):
        link_expert_account(admin, person, make_user("SH", roles=("sysadmin",)))
    officer = make_user("SH", roles=("officer",))
    link_expert_account(admin, person, officer)
    assert person.user_id == officer.id and officer.has_role(Role.committee_member)


RULES = {
    "min_members": 7,
    "quorum": 5,
    "threshold_num": 2,
    "threshold_den": 3,
    "inclusive": True,
    "abstentions_count_as_present": True,
    "quorum_covers_categories": True,
    "both_genders": True,
    "max_term_years": 5,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quorum": 8}, "quorum"),
        ({"threshold_num": 4}, "threshold_num"),
        ({"threshold_num": 0}, "threshold_num"),
        ({"threshold_den": 0}, "threshold_den"),
        ({"threshold_num": 3, "inclusive": False}, "inclusive"),
        ({"max_term_years": 11}, "max_term_years"),
        ({"min_members": 0, "quorum": 0}, "min_members"),
    ],
)
def test_rules_outside_sense_are_refused(db, expert, change, field):
    admin = expert.admin()
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    with pytest.raises(InvalidInput) as refused:
        update_panel_rules(admin, panel, {**RULES, **change})
    assert refused.value.field == field
    assert (panel.quorum, panel.threshold_num, panel.max_term_years) == (5, 2, 5)


def test_rules_form_refuses_in_both_languages_and_saves(client, db, expert, make_user):
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    form = {k: ("y" if v is True else v) for k, v in RULES.items()}
    sign_in(client, admin)
    response = client.post(f"/committees/panels/{panel.id}/rules", data={**form, "quorum": 9})
    assert response.status_code == 422
    assert "The quorum cannot be above the minimum membership." in _text(response)
    client.post("/language/zh")
    response = client.post(f"/committees/panels/{panel.id}/rules", data={**form, "quorum": 9})
    assert "法定人数不能超过最少委员人数" in _text(response)
    db.session.refresh(panel)
    assert panel.quorum == 5
    response = client.post(
        f"/committees/panels/{panel.id}/rules", data={**form, "quorum": 6, "inclusive": ""}
    )
    assert response.status_code == 302
    db.session.refresh(panel)
    assert (panel.quorum, panel.inclusive) == (6, False)


def test_panel_page_shows_each_rule_and_why_no_vote(client, db, expert, make_user):
    panel = full_panel(expert, members=6)
    admin = make_user("SH", roles=("agency_admin",), locale="en")
    page = _text(sign_in(client, admin).get(f"/committees/panels/{panel.id}"))
    assert 'data-rule="min_members" data-met="no"' in page
    assert 'data-rule="both_genders" data-met="yes"' in page
    assert "The panel cannot open a vote:" in page and "6 voting members now" in page


def test_pool_is_region_wide_without_other_agencies_contacts(client, db, expert, make_user):
    expert("SH", name="上海甲", email="sh-secret@example.test", phone="13911112222")
    expert("JS", name="江苏乙", email="js-secret@example.test", phone="13933334444")
    sign_in(client, make_user("JS", roles=("supervisor",)))
    page = _text(client.get("/committees/experts"))
    assert "上海甲" in page and "江苏乙" in page
    assert "js-secret@example.test" in page
    assert "sh-secret@example.test" not in page and "13911112222" not in page
    filtered = _text(client.get("/committees/experts?q=上海"))
    assert "上海甲" in filtered and "江苏乙" not in filtered
    by_category = _text(client.get("/committees/experts?category=legal"))
    assert 'data-testid="pool-empty"' in by_category


def test_pool_filters_by_agency_and_pages(client, db, expert, make_user, agency):
    for i in range(27):
        expert("ZJ", name=f"浙江专家{i:02d}")
    sign_in(client, make_user("SH", roles=("agency_admin",)))
    first = _text(client.get(f"/committees/experts?agency={agency('ZJ').id}"))
    assert "浙江专家00" in first and "浙江专家26" not in first and "page=2" in first
    second = _text(client.get(f"/committees/experts?agency={agency('ZJ').id}&page=2"))
    assert "浙江专家26" in second


def test_seat_form_of_another_agencys_expert_hides_contact(client, db, expert, make_user):
    person = expert("JS", email="js-hidden@example.test", phone="13955556666")
    admin = make_user("SH", roles=("agency_admin",))
    create_panel(admin, PanelKind.academic, "学术委员会")
    page = _text(sign_in(client, admin).get(f"/committees/experts/{person.id}/seat"))
    assert person.name in page
    assert "js-hidden@example.test" not in page and "13955556666" not in page
    assert client.get(f"/committees/experts/{person.id}").status_code == 404


def test_invite_accept_through_the_pages(client, db, expert, make_user):
    admin = make_user("SH", roles=("agency_admin",))
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    outsider = expert("JS")
    js_admin = expert.admin("JS")
    response = sign_in(client, js_admin).post(f"/committees/experts/{outsider.id}/account")
    assert response.status_code == 200 and 'data-testid="one-time-password"' in _text(response)
    password = re.search(r"<code>([^<]+)</code></div>", _text(response)).group(1)
    assert outsider.user is not None
    assert password not in _text(
        sign_in(client, js_admin).get(f"/committees/experts/{outsider.id}")
    )
    response = sign_in(client, admin).post(
        f"/committees/experts/{outsider.id}/seat",
        data={
            "panel_id": panel.id,
            "role": "member",
            "category": "peer",
            "term_start": "2026-01-01",
            "term_end": "2030-12-31",
        },
    )
    assert response.status_code == 302
    seat = panel.seats[0]
    assert seat.status is SeatStatus.invited
    sign_in(client, outsider.user, password)
    assert panel.name in _text(client.get("/committees/invitations"))
    assert (
        client.post(f"/committees/invitations/{seat.id}", data={"answer": "accept"}).status_code
        == 302
    )
    db.session.refresh(seat)
    assert seat.status is SeatStatus.active
    other = make_user("JS", roles=("committee_member",))
    sign_in(client, other)
    assert (
        client.post(f"/committees/invitations/{seat.id}", data={"answer": "decline"}).status_code
        == 404
    )


def test_a_seated_expert_of_another_agency_sees_nothing_of_the_inviting_agency(
    client, db, expert, make_user, make_case
):
    from app.cases.models import CaseState

    case = make_case(agency="SH", state=CaseState.findings, title="上海内部案件标题甲乙")
    admin = expert.admin("SH")
    panel = full_panel(expert, "SH")
    outsider = expert("JS", name="江苏外省专家")
    account, password = create_expert_account(expert.admin("JS"), outsider)
    seat, _ = seat_expert(admin, panel, outsider, SeatRole.member, Category.peer, START, END)
    answer_seat(account, seat, True)
    sign_in(client, account, password)
    for path in ("/", "/cases", "/records", "/notifications/"):
        page = _text(client.get(path))
        assert case.reference not in page and "上海内部案件标题" not in page, path
    for path in (
        f"/cases/{case.reference}",
        f"/committees/panels/{panel.id}",
        "/committees/panels",
        "/committees/experts",
        "/audit",
    ):
        assert client.get(path).status_code in (403, 404), path
    api = client.get("/api/v1/cases")
    assert case.reference not in _text(api)
    mine = _text(client.get("/committees/invitations"))
    assert panel.name in mine and "上海内部案件标题" not in mine


def test_demo_panels_meet_the_rules_with_a_visitor_and_sh_committee_seated(db):
    from app.committees.services import my_seats
    from app.demo.committees import ensure_demo_panels
    from app.demo.loader import ensure_agencies, ensure_demo_users

    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    panels = ensure_demo_panels(agencies, users)
    assert set(panels) == {"SH", "JS", "ZJ", "AH"}
    assert ensure_demo_panels(agencies, users) == panels  # a second run adds nothing
    for code, panel in panels.items():
        assert panel_may_vote(panel) == (True, []), code
        seats = [s for s in panel.seats if s.status is SeatStatus.active]
        assert len(seats) >= 8
        assert any(s.expert.agency_id != panel.agency_id for s in seats), code
        assert all(s.expert.user is not None for s in seats)
        assert [s.role for s in seats].count(SeatRole.consultant) == 1, code
    chair = next(s for s in panels["SH"].seats if s.role is SeatRole.chair)
    assert chair.expert.user.username == "sh-committee"
    assert [s.panel for s in my_seats(users["sh-committee"])] == [panels["SH"]]


EXPERT_FORM = {
    "name": "周敏",
    "institution": "复旦大学",
    "fields": "科技法学",
    "categories": ["legal", "outside"],
    "gender": "female",
    "email": "zhou@fudan.edu.cn",
    "phone": "13912345678",
}


def test_register_and_edit_an_expert_through_the_pages(client, db, make_user):
    from app.committees.models import Expert

    admin = make_user("SH", roles=("agency_admin",), locale="en")
    sign_in(client, admin)
    refused = client.post("/committees/experts/new", data={**EXPERT_FORM, "categories": []})
    assert "Choose at least one category." in _text(refused)
    bad_phone = client.post("/committees/experts/new", data={**EXPERT_FORM, "phone": "abc"})
    assert bad_phone.status_code == 422
    assert "Enter a phone number: digits, with +, spaces, hyphens or brackets." in _text(bad_phone)
    assert "Phone number" in _text(bad_phone)
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 0
    response = client.post("/committees/experts/new", data=EXPERT_FORM)
    assert response.status_code == 302
    expert = db.session.scalar(select(Expert))
    assert (expert.agency_id, expert.categories) == (admin.agency_id, ["legal", "outside"])
    response = client.post(
        f"/committees/experts/{expert.id}", data={**EXPERT_FORM, "institution": "同济大学"}
    )
    assert response.status_code == 302
    db.session.refresh(expert)
    assert expert.institution == "同济大学" and expert.active is False  # unchecked: retired
    assert db.session.scalar(
        select(func.count()).where(AuditEntry.action == "committee.update_expert")
    )


def test_an_invitation_notifies_the_expert_or_their_agencys_administrators(db, expert):
    from app.notifications.handoffs import render
    from app.notifications.models import Notification

    admin = expert.admin("SH")
    panel = create_panel(admin, PanelKind.academic, "学术委员会")
    js_admin = expert.admin("JS")
    no_account = expert("JS", name="无账号专家")
    seat, _password = seat_expert(
        admin, panel, no_account, SeatRole.member, Category.peer, START, END
    )
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == js_admin.id))
    # The administrator is sent to the expert's page to create the account; the mail and the
    # notification do not carry the expert's name.
    assert (note.kind, note.is_todo) == ("committee.seat_account", True)
    assert note.link["values"] == {"expert_id": no_account.id}
    assert panel.name in note.text and "无账号专家" not in note.text
    assert render(note, "en").startswith(f"{panel.agency.name_en} invites an expert of your")
    # Once the account exists, the administrator's step is taken and the expert is invited.
    account, _password = create_expert_account(js_admin, no_account)
    db.session.refresh(note)
    assert not note.is_todo
    (invited,) = db.session.scalars(select(Notification).where(Notification.user_id == account.id))
    assert (invited.kind, invited.is_todo) == ("committee.seat_invited", True)
    answer_seat(account, seat, True)
    db.session.refresh(invited)
    assert not invited.is_todo
    told = db.session.scalars(select(Notification.kind).where(Notification.user_id == admin.id))
    assert list(told) == ["committee.seat_accepted"]
    with_account = expert("JS", name="有账号专家")
    account, _password = create_expert_account(js_admin, with_account)
    seat_expert(admin, panel, with_account, SeatRole.member, Category.peer, START, END)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == account.id))
    assert any(panel.name in n.text for n in notes)
