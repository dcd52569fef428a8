"""The demo's multi-site activity: led in SH, decided by the lead committee in full, with a
JS unit's committee (same deployment) as its site waiting to confirm; a second run adds
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.loader import ensure_agencies, ensure_demo_users
from app.ethics import sites
from app.ethics.demo import demo_ethics
from app.ethics.demo_sites import demo_sites
from app.ethics.models import AppState
from app.ethics.site_models import Site, SiteStatus


def test_demo_multi_site_activity_is_built_once(db):
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    assert demo_sites() is False  # it builds on the ethics demo's units
    demo_ethics(agencies, users)
    assert demo_sites() is True
    assert demo_sites() is False
    assert db.session.scalar(select(func.count()).select_from(Site)) == 1
    site = db.session.scalar(select(Site))
    assert site.site_agency == "JS" and site.status is SiteStatus.awaiting
    assert site.application.state is AppState.decided and site.application.multi_site
    assert site.application.unit.agency.code == "SH"
    from app.auth.models import User

    office = db.session.scalar(select(User).where(User.username == "js-eth-office"))
    assert sites.queue_for(office)["confirm"] == [site]
