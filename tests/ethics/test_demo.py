"""The ethics demo, loaded once in the order `flask demo-data` loads it
(`app.demo.loader.load_ethics_demo`): the review's demo, then the multi-site activity on its
units, then the committee registry of its committees. Each through the services (on SQLite
and on PostgreSQL, as every test runs); a second run of each adds nothing."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from app.auth.models import User
from app.committees.models import Expert
from app.core.calendar import today
from app.demo.loader import ensure_agencies, ensure_demo_users
from app.ethics import annual, appeals, followup, site_review, sites
from app.ethics import registry as reg
from app.ethics import rereview as rr
from app.ethics.demo import CENTRE, UNITS, demo_ethics, demo_logins
from app.ethics.demo_registry import demo_registry
from app.ethics.demo_sites import demo_sites
from app.ethics.letters import letter_of, letter_path
from app.ethics.models import (
    Application,
    AppState,
    Entrustment,
    NoticeKind,
    Procedure,
    RereviewState,
    Unit,
    UnitKind,
)
from app.ethics.registry_models import Registration
from app.ethics.services import notices_of
from app.ethics.site_models import Site, SiteStatus
from app.notifications.models import Notification


def test_the_ethics_demo_as_demo_data_loads_it(app, db):
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    assert demo_sites() is False  # it builds on the ethics demo's units
    assert demo_registry(agencies) == 0  # it files the ethics demo's committees
    units_before = db.session.scalar(select(func.count()).select_from(Unit))
    assert demo_ethics(agencies, users) is True
    db.session.flush()
    _every_state_once(db, agencies, users)
    _multi_site_activity_built_once(db)
    _registry_covers_each_province_and_loads_once(db, agencies, units_before)


def _apps(db) -> list[Application]:
    return list(db.session.scalars(select(Application).order_by(Application.id)))


def _user(db, username):
    return db.session.scalar(select(User).where(User.username == username))


def _every_state_once(db, agencies, users):
    """Every state the review knows, once; a second run of the review's demo adds nothing."""
    units = list(db.session.scalars(select(Unit)))
    assert {u.agency.code for u in units} == {"SH", "JS", "ZJ", "AH"}
    apps = _apps(db)
    states = {a.state for a in apps}
    assert {
        AppState.draft,
        AppState.submitted,
        AppState.returned,
        AppState.accepted,
        AppState.preliminary,
        AppState.decided,
    } <= states
    returned = next(a for a in apps if a.state is AppState.returned)
    notice = notices_of(returned)[-1]
    assert notice.kind is NoticeKind.returned and len(notice.missing) == 2
    under_review = [a for a in apps if a.state is AppState.accepted]
    assert {a.procedure for a in under_review} == set(Procedure)
    assert any(a.proposed_decision and a.tally is None for a in under_review)  # in review
    decided = [a for a in apps if a.state is AppState.decided]
    assert {a.decision for a in decided} == {
        "approve",
        "approve_modified",
        "modify_resubmit",
        "disapprove",
    }
    approved = next(a for a in decided if a.decision == "approve")
    letter = letter_of(approved)
    assert letter.sha256 and letter.number.startswith("伦审")
    text = subprocess.run(
        ["pdftotext", str(letter_path(letter)), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert approved.reference in text and "批准" in text
    assert any(appeals.appeals_of(a) for a in decided)
    # the listed activity went through re-review with experts of two provinces
    listed = [a for a in decided if a.listed_id is not None]
    assert listed
    review = rr.rereview_of(listed[0])
    assert review.state is RereviewState.agreed
    assert {s.expert.agency.code for s in review.experts} == {"SH", "JS"}
    waiting = next(a for a in apps if a.state is AppState.preliminary)
    assert rr.rereview_of(waiting).state is RereviewState.filed
    # a follow-up overdue on the office's queue, one due soon
    office = users.get("js-eth-office") or _user(db, "js-eth-office")
    assert followup.overdue_for_office(office)
    assert any(a.followup_due and a.followup_due >= today() for a in decided)
    # the entrusted review at Zhejiang's regional review centre
    centre = next(u for u in units if u.kind is UnitKind.centre)
    entrustment = db.session.scalar(
        select(Entrustment).where(Entrustment.panel_id == centre.panel_id)
    )
    entrusted = [a for a in apps if a.entrustment_id == entrustment.id]
    assert entrusted and entrusted[0].state is AppState.decided
    assert entrusted[0].panel_id == centre.panel_id
    # a second run adds nothing; the logins are printed
    counts = (
        db.session.scalar(select(func.count()).select_from(Application)),
        db.session.scalar(select(func.count()).select_from(Expert)),
    )
    assert demo_ethics(agencies, users) is False
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Application)),
        db.session.scalar(select(func.count()).select_from(Expert)),
    )
    lines = "\n".join(demo_logins())
    for username in (
        "sh-eth-applicant",
        "sh-eth-office",
        "zj-centre-office",
        "js-rr-1",
        "js-eth-m2",
        "zj-supervisor",
    ):
        assert username in lines
        assert _user(db, username) is not None


def _multi_site_activity_built_once(db):
    """The demo's multi-site activity: led in SH, decided by the lead committee in full, with
    two sites on the same deployment confirming by the simplified procedure — JS's office named
    js-eth-m1 and js-eth-m2, m1 answered and m2 has a to-do; ZJ's members both recognised, so
    that site is confirmed. A second run adds nothing."""
    assert demo_sites() is True
    assert demo_sites() is False
    assert db.session.scalar(select(func.count()).select_from(Site)) == 2
    js, zj = db.session.scalars(select(Site).order_by(Site.id)).all()
    assert js.site_agency == "JS" and js.status is SiteStatus.awaiting
    assert js.application.state is AppState.decided and js.application.multi_site
    assert js.application.unit.agency.code == "SH"
    office = _user(db, "js-eth-office")
    assert sites.queue_for(office)["confirm"] == [js]
    # JS: both named, m1 declared and recognised, m2 still to do it (a to-do).
    rows = site_review.member_rows(js)
    assert [(r["declared"], r["answer"]) for r in rows] == [
        (True, SiteStatus.recognised),
        (False, None),
    ]
    assert site_review.state(js) == {"named": True, "agreed": None, "meeting": False}
    todos = {
        n.user.username: n.done_at
        for n in db.session.scalars(
            select(Notification).where(Notification.todo_key == f"ethics-site-member:{js.id}")
        )
    }
    assert set(todos) == {"js-eth-m1", "js-eth-m2"}
    assert todos["js-eth-m1"] is not None and todos["js-eth-m2"] is None
    # ZJ: both members recognised, the site is confirmed and the lead sees it.
    assert zj.site_agency == "ZJ" and zj.status is SiteStatus.recognised
    assert zj.confirmed_by.endswith("(浙江大学科技伦理委员会)")  # by its members
    assert {s.status for s in sites.sites_of(js.application)} == {
        SiteStatus.awaiting,
        SiteStatus.recognised,
    }
    assert sites.queue_for(_user(db, "zj-eth-office"))["confirm"] == []


def _registry_covers_each_province_and_loads_once(db, agencies, units_before):
    """The registry's demo registers the ethics demo's own committees (no parallel units): a
    registered committee in each province, Jiangsu's annual reports overdue, Shanghai's
    composition lapsed, Zhejiang's centre's filing waiting for its authority, Shanghai's listed
    activity to register; loading it again adds nothing."""
    units = db.session.scalar(select(func.count()).select_from(Unit))
    assert demo_registry(agencies) == 5
    assert demo_registry(agencies) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == units > units_before
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 5
    states = reg.states(reg.committee_units())
    by_unit = {s.unit.name: s for s in states}
    for code, (name, _kind, _committee) in UNITS.items():
        assert by_unit[name].registered is not None, code
        assert by_unit[name].unit.agency.code == code
    lapsed = [s for s in states if s.lapsed]
    assert [s.unit.name for s in lapsed] == [UNITS["SH"][0]]
    assert lapsed[0].status == "change_due" and not lapsed[0].overdue
    overdue = [o for o in annual.owed(reg.committee_units()) if o.overdue]
    assert [o.unit.name for o in overdue] == [UNITS["JS"][0]]
    # The centre's filing waits for Zhejiang's supervisor.
    [waiting] = reg.to_accept(agencies["ZJ"].id)
    assert waiting.unit.name == CENTRE[1]
    assert by_unit[CENTRE[1]].status == "submitted"
    # Shanghai's listed activity, approved after re-review, is to be registered.
    sh = by_unit[UNITS["SH"][0]]
    assert [a.title for a, _due in reg.listed_to_register([sh.panel.id])] == [
        "人类遗传资源基因编辑治疗研究"
    ]
    # Each committee is filed by the ethics demo's office of its unit.
    offices = {r.unit.name: r.filed_by.username for r in db.session.scalars(select(Registration))}
    assert offices[UNITS["SH"][0]] == "sh-eth-office"
    assert offices[CENTRE[1]] == "zj-centre-office"
    assert db.session.scalar(select(User).where(User.username == "sh-ethics-office")) is None
