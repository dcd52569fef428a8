"""A multi-site activity: the ethics world's SH unit leads (its committee reviews in full),
a JS unit with its own committee is a site, and a third unit (JS, own committee) is not.
`js_site_unit` also builds a site's unit alone, for the second node of the two-node test."""

from __future__ import annotations

from types import SimpleNamespace

from app.committees.models import PanelKind
from app.committees.services import create_panel
from app.ethics import reviewing, services
from app.ethics.models import UnitKind
from tests.conftest import password_hash
from tests.ethics.conftest import TEXTS, build_world


def js_site_unit(make_user, name="苏州大学", admin=None, login="sz-office"):
    """A JS unit with its own ethics committee and its office account."""
    admin = admin or make_user("JS", roles=("agency_admin",))
    panel = create_panel(admin, PanelKind.ethics, f"{name}科技伦理委员会")
    unit = services.create_unit(admin, name, UnitKind.university)
    services.set_unit_committee(admin, unit, panel.id)
    office = services.add_unit_user(
        admin, unit, login, f"{name}伦理办公室", "Ethics-Review-2026!", ["office"]
    )
    office.password_hash = password_hash()
    return SimpleNamespace(admin=admin, panel=panel, unit=unit, office=office)


def make_multi_site(world):
    """Unit A's application flagged multi-site before submission, accepted for a meeting."""
    from tests.ethics.conftest import filled

    application = filled(world)
    services.update_application(
        world.applicant,
        application,
        {"title": application.title, **TEXTS, "multi_site": "1", "lead_unit": "甲大学"},
    )
    services.submit_application(world.applicant, application)
    services.accept_application(world.office, application, "general")
    reviewing.open_review(application)
    return application


def approve(world, application):
    """The lead committee's full review: five members declare and endorse, decided."""
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "同意开展多中心研究")
    return application


def build_sites_world(make_user, **people):
    world = build_world(make_user, **people)
    world.site = js_site_unit(make_user, admin=people.get("js_admin"))
    world.outsider = js_site_unit(
        make_user, name="南京某研究所", admin=world.site.admin, login="nj-office"
    )
    world.multi = make_multi_site(world)
    return world


def build_simplified_world(make_user):
    """The sites world with three voting members on the site's committee, the JS unit added
    as a site and the lead's approval sent to it: ready for the simplified procedure."""
    from app.ethics import sites

    w = build_sites_world(make_user)
    w.site_members = site_committee_members(w, make_user)
    w.site_row = sites.add_local_site(w.office, w.multi, w.site.unit.id)
    approve(w, w.multi)
    return w


def site_committee_members(w, make_user, count: int = 3):
    """Voting members of the site unit's own committee (peer, ethics and outside seats)."""
    from app.committees.models import Category, SeatRole
    from tests.ethics.conftest import _seat

    return [
        _seat(
            w.site.admin,
            make_user,
            w.site.panel,
            f"苏州委员{i}",
            "苏州大学",
            ("female", "male")[i % 2],
            (Category.peer, Category.ethics, Category.outside)[i % 3],
            SeatRole.member,
            agency="JS",
        )
        for i in range(count)
    ]


def seat_ids(w, users):
    by_user = {s.expert.user_id: s.id for s in w.site.panel.seats}
    return [by_user[u.id] for u in users]
