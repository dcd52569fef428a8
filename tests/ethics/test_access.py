"""Access matrix over every ethics route: who sees an application, at which level, and who
may take each step — the pages and the API answer from one SQL definition."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.services import create_token
from app.core.models import AuditEntry
from app.ethics import reviewing
from app.ethics.models import Application
from tests.ethics.conftest import accepted
from tests.ui_helpers import sign_in

ACTORS = (
    "applicant",
    "other_applicant",
    "office",
    "member_before",
    "member_after",
    "recused",
    "supervisor",
    "other_province",
)
# Status of each GET for each actor, in the order of ACTORS.
PAGES = {
    "list": (200, 200, 200, 200, 200, 200, 200, 200),
    "detail": (200, 404, 200, 200, 200, 200, 200, 404),
    "file": (200, 404, 200, 403, 200, 403, 403, 404),
    "api": (200, 404, 200, 200, 200, 200, 200, 404),
    "units": (403, 403, 403, 403, 403, 403, 403, 403),
    "policy": (200, 200, 200, 200, 200, 200, 200, 200),
}
LEVEL = ("full", None, "full", "summary", "full", "summary", "summary", None)
# POST steps: everyone but the one who may is refused, and nothing changes.
STEPS = {
    "accept": ("office", {"procedure": "general"}),
    "return": ("office", {"missing": ["funding"]}),
    "edit": ("applicant", {"title": "改名"}),
    "submit": ("applicant", {}),
    "review/propose": ("office", {"decision": "approve"}),
}


def _actors(world):
    member_before, member_after, recused = world.members[3], world.members[1], world.members[2]
    return {
        "applicant": world.applicant,
        "other_applicant": world.other_applicant,
        "office": world.office,
        "member_before": member_before,
        "member_after": member_after,
        "recused": recused,
        "supervisor": world.supervisor,
        "other_province": world.other_province,
    }


def test_access_matrix(db, client, world):
    application = accepted(world)
    reviewing.declare(world.members[1], application, False)
    reviewing.declare(world.members[2], application, True, "合作者")
    db.session.commit()
    ref = application.reference
    attachment = application.attachments[0]
    urls = {
        "list": "/ethics/",
        "detail": f"/ethics/{ref}",
        "file": f"/ethics/{ref}/files/{attachment.id}",
        "api": f"/api/v1/ethics/applications/{ref}",
        "units": "/ethics/units",
        "policy": "/ethics/policy",
    }
    actors = _actors(world)
    found, levels = {}, {}
    for index, name in enumerate(ACTORS):
        user = actors[name]
        sign_in(client, user)
        for page, url in urls.items():
            if page == "api":
                continue
            found[(page, name)] = client.get(url).status_code
        token = create_token(user)
        db.session.commit()
        answer = client.get(urls["api"], headers={"Authorization": f"Bearer {token}"})
        found[("api", name)] = answer.status_code
        levels[name] = answer.get_json().get("level") if answer.status_code == 200 else None
        listed = client.get(
            "/api/v1/ethics/applications", headers={"Authorization": f"Bearer {token}"}
        ).get_json()
        visible = {i["reference"] for i in listed.get("items", [])}
        assert (ref in visible) == (LEVEL[index] is not None), name
    expected = {(page, name): PAGES[page][i] for page in PAGES for i, name in enumerate(ACTORS)}
    assert found == expected
    assert levels == dict(zip(ACTORS, LEVEL, strict=True))


def test_summary_pages_show_no_material(db, client, world):
    application = accepted(world)
    db.session.commit()
    sign_in(client, world.supervisor)
    page = client.get(f"/ethics/{application.reference}").get_data(as_text=True)
    assert "summary-only" in page and "知情同意书.pdf" not in page
    assert application.content["purpose"] not in page


def test_every_step_refuses_whoever_may_not_and_changes_nothing(db, client, world):
    from app.ethics import services
    from tests.ethics.conftest import filled

    application = filled(world)
    services.submit_application(world.applicant, application)
    db.session.commit()
    actors = _actors(world)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for step, (allowed, data) in STEPS.items():
        for name, user in actors.items():
            if name == allowed:
                continue
            sign_in(client, user)
            status = client.post(f"/ethics/{application.reference}/{step}", data=data).status_code
            assert status in (403, 404, 409, 422), (step, name, status)
    db.session.expire_all()
    after = db.session.get(Application, application.id)
    assert after.state.value == "submitted" and after.title == application.title
    audit_actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.id > 0)
        .order_by(AuditEntry.id.desc())
        .limit(db.session.scalar(select(func.count()).select_from(AuditEntry)) - before)
    ).all()
    assert all(not a.startswith("ethics.") for a in audit_actions)


def test_units_pages_are_the_administrators_and_another_province_sees_none(db, client, world):
    db.session.commit()
    sign_in(client, world.admin)
    assert client.get("/ethics/units").status_code == 200
    assert client.get(f"/ethics/units/{world.unit_a.id}").status_code == 200
    sign_in(client, world.js_admin)
    assert client.get(f"/ethics/units/{world.unit_a.id}").status_code == 404
    assert world.unit_a.name not in client.get("/ethics/units").get_data(as_text=True)
