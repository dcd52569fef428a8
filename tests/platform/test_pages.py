"""The one refusal path for pages: a refused step keeps nothing, shows why, answers the
API's status; a successful one commits, tells the user and redirects."""

from flask import get_flashed_messages
from sqlalchemy import select

from app.auth.models import User
from app.core.errors import GuardFailed, InvalidInput
from app.core.pages import form_status, run_step
from tests.conftest import password_hash


def _add_user(db, agency, name):
    user = User(
        username=name, display_name=name, agency=agency("SH"), password_hash=password_hash()
    )
    db.session.add(user)
    db.session.flush()
    return user


def test_refused_step_keeps_nothing_and_answers_the_status(app, db, agency):
    with app.test_request_context("/", method="POST"):

        def action():
            _add_user(db, agency, "refused-step-user")
            raise GuardFailed("Not now.")

        response = run_step(action, refused=lambda err: f"page: {err.message}", to="/done")
        assert response.status_code == 409
        assert response.get_data(as_text=True) == "page: Not now."
        assert get_flashed_messages(with_categories=True) == [("danger", "Not now.")]
    assert db.session.scalar(select(User).where(User.username == "refused-step-user")) is None


def test_refusal_naming_a_field_goes_under_that_field(app, db):
    from flask_wtf import FlaskForm
    from wtforms import StringField

    class TitleForm(FlaskForm):
        title = StringField()

    with app.test_request_context("/", method="POST", data={"title": "x"}):
        form = TitleForm(meta={"csrf": False})
        form.validate()

        def action():
            raise InvalidInput("Too short.", field="title")

        response = run_step(action, refused=lambda err: "form", to="/done", form=form)
        assert response.status_code == 422
        assert form.title.errors == ["Too short."]
        assert get_flashed_messages() == []
        assert form_status(form) == 422


def test_successful_step_commits_flashes_and_redirects(app, db, agency):
    with app.test_request_context("/", method="POST"):
        response = run_step(
            lambda: _add_user(db, agency, "done-step-user"),
            refused=lambda err: "form",
            to=lambda user: f"/users/{user.username}",
            done=lambda user: f"Added {user.username}.",
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/users/done-step-user"
        assert get_flashed_messages(with_categories=True) == [("success", "Added done-step-user.")]
    assert db.session.scalar(select(User).where(User.username == "done-step-user")) is not None


# Views still taking their own refusal path: none.
OWN_REFUSAL_PATH_ALLOWED: set[str] = set()


def test_no_view_module_catches_service_errors_itself():
    """Every page refuses through app/core/pages.py: a view module that catches a
    ServiceError itself would answer differently (a redirect, another status)."""
    import re
    from pathlib import Path

    catches = re.compile(r"except\s*\(?[\w\s,.]*\bServiceError\b")
    root = Path(__file__).resolve().parents[2]
    modules = [*root.glob("app/**/views.py"), *root.glob("app/**/*_views.py")]
    assert len(modules) > 10
    offenders = sorted(
        path.relative_to(root).as_posix()
        for path in modules
        if catches.search(path.read_text(encoding="utf-8"))
    )
    assert [p for p in offenders if p not in OWN_REFUSAL_PATH_ALLOWED] == []
    assert set(OWN_REFUSAL_PATH_ALLOWED) <= set(offenders), "empty the allow-list as it is done"
