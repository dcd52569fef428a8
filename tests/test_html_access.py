"""Every HTML route, for an anonymous visitor, another agency, the wrong role and the right one.

A route added without an entry here fails `test_every_html_route_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest

from app.cases.models import CaseState
from tests.ui_helpers import sign_in

ANON = "anonymous"

# endpoint: (method, path(w), form data(w), [(actor, expected status), ...]); `w` is the world.
MATRIX = {
    "auth.login": ("GET", lambda w: "/login", None, [(ANON, 200), ("sh_officer", 302)]),
    "auth.logout": ("POST", lambda w: "/logout", None, [(ANON, "login"), ("sh_officer", 302)]),
    "auth.set_language": (
        "POST",
        lambda w: "/language/en",
        None,
        [(ANON, 302), ("sh_officer", 302)],
    ),
    "auth.change_password": (
        "GET",
        lambda w: "/account/password",
        None,
        [(ANON, "login"), ("sh_officer", 200)],
    ),
    "auth.account": ("GET", lambda w: "/account", None, [(ANON, "login"), ("sh_auditor", 200)]),
    "cases.dashboard": ("GET", lambda w: "/", None, [(ANON, "login"), ("sh_officer", 200)]),
    "cases.case_list": ("GET", lambda w: "/cases", None, [(ANON, "login"), ("sh_auditor", 200)]),
    "cases.new_case": (
        "GET",
        lambda w: "/cases/new",
        None,
        [(ANON, "login"), ("sh_auditor", 403), ("sh_committee", 403), ("sh_officer", 200)],
    ),
    "cases.detail": (
        "GET",
        lambda w: f"/cases/{w['received'].reference}",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_auditor", 200),
            ("sh_officer", 200),
        ],
    ),
    "cases.take_transition": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/transitions/start_preliminary_review",
        lambda w: {"version": w["received"].version},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "cases.team": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/team",
        lambda w: (
            _declared(w, "received", "sh_officer")
            and {"user_id": w["sh_officer"].id, "team_role": "lead"}
        ),
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_admin", 404),
            ("sh_officer", 403),
            ("sh_supervisor", 302),
        ],
    ),
    "cases.extension": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/extension",
        lambda w: {"months": 3, "reason": "需境外取证"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "cases.defence": (
        "POST",
        lambda w: f"/cases/{w['notice'].reference}/defence",
        lambda w: {"received_on": w["notice"].notice_served_on.isoformat(), "statement": "放弃"},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_supervisor", 302)],
    ),
    "admin.users": (
        "GET",
        lambda w: "/admin/users",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_supervisor", 403), ("sh_admin", 200)],
    ),
    "admin.user_new": (
        "GET",
        lambda w: "/admin/users/new",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_admin", 200)],
    ),
    "admin.user_edit": (
        "GET",
        lambda w: f"/admin/users/{w['sh_officer'].id}",
        None,
        [(ANON, "login"), ("js_admin", 404), ("sh_auditor", 403), ("sh_admin", 200)],
    ),
    "admin.user_active": (
        "POST",
        lambda w: f"/admin/users/{w['sh_officer'].id}/active",
        lambda w: {"active": "0"},
        [(ANON, "login"), ("js_admin", 404), ("sh_supervisor", 403), ("sh_admin", 302)],
    ),
    "admin.user_password": (
        "POST",
        lambda w: f"/admin/users/{w['sh_officer'].id}/password",
        lambda w: {"password": "a-new-password-2026"},
        [(ANON, "login"), ("js_admin", 404), ("sh_officer", 403), ("sh_admin", 302)],
    ),
    "admin.policy": (
        "GET",
        lambda w: "/admin/policy",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_admin", 200)],
    ),
    "admin.calendar": (
        "GET",
        lambda w: "/admin/calendar",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_admin", 200)],
    ),
    "admin.calendar_delete": (
        "POST",
        lambda w: "/admin/calendar/2099-01-01/delete",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_admin", 302)],
    ),
}


def _declared(world, case_key: str, person: str) -> bool:
    """The colleague has declared no conflict, as they must before joining a team."""
    from app.protection.conflicts import declare_conflicts, latest_declaration

    case, user = world[case_key], world[person]
    if latest_declaration(case, user) is None:
        declare_conflicts(case, user, [])
    return True


def html_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not rule.endpoint.startswith("api.")
        and not rule.rule.startswith("/api/")
    }


def test_every_html_route_is_in_the_matrix(app):
    missing = html_endpoints(app) - set(MATRIX)
    assert not missing, f"add these routes to the access matrix: {sorted(missing)}"
    assert not set(MATRIX) - html_endpoints(app), "the matrix names routes that do not exist"


@pytest.fixture
def world(make_user, make_case):
    people = {
        f"{code.lower()}_{key}": make_user(code, roles=roles)
        for code in ("SH", "JS")
        for key, roles in (
            ("officer", ("officer",)),
            ("supervisor", ("supervisor",)),
            ("admin", ("agency_admin",)),
            ("auditor", ("auditor",)),
            ("committee", ("committee_member",)),
        )
    }
    return World(people, make_case)


class World(dict):
    """People up front; cases only when a route needs one (walking a case costs time)."""

    STATES = {
        "received": CaseState.received,
        "investigating": CaseState.investigating,
        "notice": CaseState.pre_decision_notice,
    }

    def __init__(self, people, make_case):
        super().__init__(people)
        self.make_case = make_case

    def __missing__(self, key):
        self[key] = self.make_case(state=self.STATES[key], by=self["sh_officer"])
        return self[key]


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_kind_of_visitor(endpoint, app, client, world):
    method, path, data, expectations = MATRIX[endpoint]
    for actor, expected in expectations:
        client.post("/logout")
        if actor != ANON:
            sign_in(client, world[actor])
        body = data(world) if data else None
        response = client.open(path(world), method=method, data=body)
        where = f"{method} {path(world)} as {actor}"
        if expected == "login":
            assert response.status_code == 302, where
            assert "/login" in response.headers["Location"], where
        else:
            assert response.status_code == expected, f"{where}: {response.status_code}"
