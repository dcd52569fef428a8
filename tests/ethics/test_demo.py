"""The ethics demo loads through the services (on SQLite and on PostgreSQL, as every test
runs), shows every state the review knows, and a second run adds nothing."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from app.committees.models import Expert
from app.core.calendar import today
from app.ethics import appeals, followup
from app.ethics import rereview as rr
from app.ethics.demo import demo_ethics, demo_logins
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
from app.ethics.services import notices_of


def _load(db):
    from app.demo.loader import ensure_agencies, ensure_demo_users

    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    assert demo_ethics(agencies, users) is True
    db.session.flush()
    return agencies, users


def _apps(db) -> list[Application]:
    return list(db.session.scalars(select(Application).order_by(Application.id)))


def test_the_demo_shows_every_state_once(app, db):
    agencies, users = _load(db)
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


def _user(db, username):
    from app.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))
