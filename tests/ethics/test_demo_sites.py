"""The demo's multi-site activity: led in SH, decided by the lead committee in full, with
two sites on the same deployment confirming by the simplified procedure — JS's office named
js-eth-m1 and js-eth-m2, m1 answered and m2 has a to-do; ZJ's members both recognised, so
that site is confirmed. A second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.demo.loader import ensure_agencies, ensure_demo_users
from app.ethics import site_review, sites
from app.ethics.demo import demo_ethics
from app.ethics.demo_sites import demo_sites
from app.ethics.models import AppState
from app.ethics.site_models import Site, SiteStatus
from app.notifications.models import Notification


def _user(db, username):
    return db.session.scalar(select(User).where(User.username == username))


def test_demo_multi_site_activity_is_built_once(db):
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    assert demo_sites() is False  # it builds on the ethics demo's units
    demo_ethics(agencies, users)
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
