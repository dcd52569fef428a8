"""What assistive technology reads in the pages' shared markup (WCAG 2.1 AA, GB/T 37668):
refused fields say so and name their message, help texts are tied to their fields, the current
page of a list is marked, the language switch says which language it is in, deadlines are not
told by colour alone, and each chart is an image with a name. The browser test
(`test_axe_browser.py`) checks whole pages with axe-core; these check the pieces fast."""

from __future__ import annotations

import datetime as dt
import html
import re
from types import SimpleNamespace

from flask import get_template_attribute

from app.cases.models import CaseSource, CaseState
from app.core.calendar import today
from tests.conftest import password_hash
from tests.ui_helpers import registration_form, sign_in, text

YEAR = 2026


def _tag(page: str, pattern: str) -> str:
    """The one start tag that matches `pattern` (a regular expression inside the tag), hidden
    inputs aside: on a refused form, the language switch carries what was typed in them."""
    found = [
        tag
        for tag in re.findall(rf"<[a-z]+\b[^>]*{pattern}[^>]*>", page)
        if 'type="hidden"' not in tag
    ]
    assert len(found) == 1, (pattern, found)
    return found[0]


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(found[1]) if found else None


def _by_id(page: str, element_id: str) -> str:
    """The text of the element with this id (up to its first closing tag of that kind)."""
    found = re.search(rf'<(\w+)[^>]*\sid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, f"nothing has id {element_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found[2]))


def test_a_refused_field_is_marked_invalid_and_names_its_message(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    response = client.post("/cases/new", data=registration_form(title=""))
    page = text(response)
    assert response.status_code == 422
    title = _tag(page, r'name="title"')
    assert _attr(title, "aria-invalid") == "true"
    assert _attr(title, "aria-describedby") == "title-error"
    assert "This field is required." in _by_id(page, "title-error")
    # Fields that were accepted are not marked, and nothing describes them.
    source = _tag(page, r'name="source"')
    assert _attr(source, "aria-invalid") is None and _attr(source, "aria-describedby") is None
    # The same in the sub-forms of each respondent.
    refused = registration_form(**{"respondents-0-name": "名" * 201})
    page = text(client.post("/cases/new", data=refused))
    name = _tag(page, r'name="respondents-0-name"')
    assert _attr(name, "aria-invalid") == "true"
    assert _attr(name, "aria-describedby") == "respondents-0-name-error"
    assert "200" in _by_id(page, "respondents-0-name-error")


def test_help_text_and_error_both_describe_a_field(client):
    """The second step's code field has a help text; refused, it is described by both."""
    from app.auth.forms import CodeForm

    with client.application.test_request_context():
        form = CodeForm(formdata=None)
        form.code.errors = ["Wrong code."]
        field = get_template_attribute("_macros.html", "field")
        page = str(field(form.code))
        help_text = str(form.code.description)
    code = _tag(page, r'name="code"')
    assert _attr(code, "aria-describedby") == "code-help code-error"
    assert _attr(code, "aria-invalid") == "true"
    assert help_text and _by_id(page, "code-help") == help_text
    assert _by_id(page, "code-error") == "Wrong code."


def test_a_refused_group_of_checkboxes_names_its_message(client, make_user):
    sign_in(client, make_user("SH", roles=("agency_admin",), locale="en"))
    data = {"username": "new-officer", "display_name": "新专员", "email": ""}
    data |= {"password": "a-good-password-1"}  # and no role ticked
    response = client.post("/admin/users/new", data=data)
    page = text(response)
    assert response.status_code == 422
    group = _tag(page, r'aria-describedby="roles-error"')
    assert group.startswith("<fieldset")
    assert _by_id(page, "roles-error").strip()
    boxes = re.findall(r'<input[^>]*name="roles"[^>]*>', page)
    assert boxes and all(_attr(box, "aria-invalid") == "true" for box in boxes)


def test_the_current_page_of_a_list_is_marked(app):
    page = SimpleNamespace(
        pages=5, page=3, has_prev=True, has_next=True, prev_num=2, next_num=4,
        iter_pages=lambda **_kw: [1, 2, 3, 4, 5],
    )  # fmt: skip
    with app.test_request_context("/cases?state=received&page=3"):
        markup = str(get_template_attribute("_macros.html", "pagination")(page, "cases.case_list"))
    current = re.findall(r'<a[^>]*aria-current="page"[^>]*>([^<]*)</a>', markup)
    assert current == ["3"]
    assert "page=3" in _tag(markup, 'aria-current="page"')


def test_the_language_switch_says_its_own_language(client):
    page = text(client.get("/login"))
    switch = _tag(page, r'data-testid="lang-switch"')
    assert _attr(switch, "lang") == "en" and "English" in page
    client.post("/language/en", data={"next": "/login"})
    page = text(client.get("/login"))
    assert _attr(_tag(page, r'data-testid="lang-switch"'), "lang") == "zh-Hans"
    assert '<html lang="en">' in page


def test_a_deadline_says_overdue_and_due_soon_in_words(app):
    with app.test_request_context():
        due = get_template_attribute("_macros.html", "due")
        overdue = str(due(today() - dt.timedelta(days=2)))
        soon = str(due(today() + dt.timedelta(days=2)))
        later = str(due(today() + dt.timedelta(days=30)))
        not_running = str(due(today() - dt.timedelta(days=2), False))
    assert re.search(r'class="visually-hidden">[^<]+</span>', overdue)
    assert 'data-due="overdue"' in overdue and 'data-due="soon"' in soon
    assert re.search(r'class="visually-hidden">[^<]+</span>', soon)
    assert "visually-hidden" not in later and "visually-hidden" not in not_running
    assert _by_text_hidden(overdue) != _by_text_hidden(soon)


def _by_text_hidden(markup: str) -> str:
    return re.search(r'class="visually-hidden">([^<]+)</span>', markup)[1]


def test_every_chart_is_an_image_named_by_its_figure_and_described_by_its_table(
    make_case, make_user, login
):
    for i in range(4):
        make_case("SH", source=CaseSource.letter, received_date=dt.date(YEAR, 1, 5 + i))
    client = login(make_user("SH", roles=("supervisor",), locale="en"))
    page = client.get(f"/statistics?year={YEAR}").get_data(as_text=True)
    charts = re.findall(r"<svg\b[^>]*>", page)
    assert charts, "no chart on the statistics page"
    for svg in charts:
        assert _attr(svg, "role") == "img"
        title_id, data_id = _attr(svg, "aria-labelledby"), _attr(svg, "aria-describedby")
        assert title_id and data_id, svg
        assert _by_id(page, title_id).strip(), f"{title_id} names nothing"
        assert f'id="{data_id}"' in _tag(page, rf'id="{data_id}"') and "<table" in _tag(
            page, rf'id="{data_id}"'
        )
    # The SVG alone (as the annual report embeds it) carries its name in a <title>.
    assert page.count("<svg") == len(re.findall(r"<svg\b[^>]*><title>[^<]+</title>", page))


def test_the_review_page_is_titled_a_committee_review(client, db, make_case):
    from sqlalchemy import select

    from app.committees.models import Review

    case = make_case(state=CaseState.committee_review)
    review = db.session.scalar(select(Review).where(Review.case_id == case.id))
    member = review.members[0].seat.expert.user
    member.password_hash = password_hash()
    member.locale = "zh"
    db.session.commit()
    sign_in(client, member)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    assert "审议" in title and "复查" not in title
