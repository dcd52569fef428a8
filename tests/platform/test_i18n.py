"""The Chinese catalogue is complete, Chinese is the default, and English sticks to the user."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import refresh

from tests.ui_helpers import sign_in, text

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app/translations/zh/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_a_reviewed_chinese_translation():
    problems = []
    for message in _catalogue():
        if not message.id:
            continue
        # A plural message has its forms as tuples: each Chinese form (one) has the
        # placeholders of the plural English form.
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms) or "fuzzy" in message.flags:
            problems.append(f"untranslated or fuzzy: {message.id!r}")
        elif any(
            sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(form))
            for form in forms
        ):
            problems.append(f"placeholders differ: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_each_message_is_translated_once():
    """Catalogues from branches merge by union: a message added twice keeps only one of its
    translations, silently, so a second entry is an error here."""
    # A message is its context (msgctxt, if any) and its text: "Closed" of a case and of a
    # task are two messages.
    ids = re.findall(
        r'^((?:msgctxt ".*"\n)?msgid (?:".*"\n)+)', CATALOGUE.read_text(encoding="utf-8"), re.M
    )
    seen, twice = set(), []
    for msgid in ids:
        if msgid in seen and msgid != '""\n':
            twice.append(msgid.strip())
        seen.add(msgid)
    assert not twice, f"messages entered twice: {twice}"


def test_the_catalogue_holds_every_string_in_the_code():
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "_lp": ((1, "c"), 2),
        "pgettext": ((1, "c"), 2),
        "lazy_pgettext": ((1, "c"), 2),
    }
    found = {
        msgid if isinstance(msgid, str) else msgid[0]
        for _file, _line, msgid, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    missing = sorted(found - known)
    assert not missing, f"run `make messages` and translate: {missing}"


def test_the_default_interface_is_simplified_chinese(client):
    page = text(client.get("/login"))
    assert 'lang="zh-CN"' in page
    assert "登录" in page and "长三角科研诚信协同平台" in page


def test_the_english_switch_is_remembered_for_the_user(app, client, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    assert "工作台" in text(client.get("/"))
    client.post("/language/en", data={"next": "/"})
    assert "Dashboard" in text(client.get("/"))
    client.post("/logout")
    refresh()  # test requests share one app context; forget the locale it cached
    other_browser = app.test_client()
    sign_in(other_browser, user)
    page = text(other_browser.get("/"))
    assert 'lang="en"' in page and "Dashboard" in page


def test_form_errors_are_in_chinese_by_default(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",)))
    page = text(client.post("/cases/new", data={"title": ""}))
    assert "尚未保存" in page
    assert "This field is required." not in page


def test_one_english_word_reads_by_what_it_names(app):
    """ "Closed" of a case is 已结案, of a task 已关闭; a declined invitation is 已谢绝, a
    declined recognition 不予认可 (messages with a context)."""
    from flask_babel import force_locale

    from app.cases.models import CaseState
    from app.committees.labels import review_label
    from app.committees.models import SeatStatus
    from app.core.labels import label
    from app.joint.models import ParticipationStatus, TaskStatus
    from app.records.models import RecognitionDecision

    with app.test_request_context(), force_locale("zh"):
        assert label(CaseState.closed) == "已结案"
        assert label(TaskStatus.closed) == "已关闭"
        assert review_label("closed", "status") == "审议结束"
        assert label(ParticipationStatus.declined) == "已谢绝"
        assert label(SeatStatus.declined) == "已谢绝"
        assert label(RecognitionDecision.decline) == "不予认可"
    with app.test_request_context(), force_locale("en"):
        assert label(TaskStatus.closed) == "Closed" == label(CaseState.closed)


def _language_switch(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The language switch's form on a page: where it posts and what it sends."""
    import html as html_lib

    end = page.index('data-testid="lang-switch"')
    start = page.rindex("<form", 0, end)
    form = page[start:end]
    action = html_lib.unescape(re.search(r'action="([^"]*)"', form).group(1))
    fields = [
        (html_lib.unescape(n), html_lib.unescape(v))
        for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', form)
    ]
    return action, fields


def _switch(client, page: str):
    action, fields = _language_switch(page)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(action, data=data)


def _cases(db) -> int:
    from sqlalchemy import func, select

    from app.cases.models import Case

    return db.session.scalar(select(func.count()).select_from(Case))


def test_switching_language_after_a_refused_form_shows_it_again_with_the_input(
    client, db, make_user
):
    from tests.ui_helpers import registration_form

    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    before = _cases(db)
    refused = client.post("/cases/new", data=registration_form(title=""))
    assert refused.status_code == 422 and "尚未保存" in text(refused)
    switched = _switch(client, text(refused))
    page = text(switched)
    assert switched.status_code == 200
    assert 'lang="en"' in page and "This field is required." in page
    assert "论文图3与图5为同一图像翻转" in page and "王芳" in page  # the input is still there
    assert _cases(db) == before
    db.session.refresh(user)
    assert user.locale == "en"
    # and back, from the page the switch answered
    again = _switch(client, page)
    assert again.status_code == 200 and "尚未保存" in text(again)
    assert "论文图3与图5为同一图像翻转" in text(again)


def test_switching_language_after_a_refused_case_step_is_no_405(client, db, make_user, make_case):
    from app.cases.models import Case, CaseState

    supervisor = make_user("SH", roles=("supervisor",))
    case = make_case("SH", state=CaseState.investigating)
    sign_in(client, supervisor)
    reason = "调查暂停原因" * 1000  # longer than a reason may be
    url = f"/cases/{case.reference}/transitions/suspend_investigation"
    refused = client.post(url, data={"version": case.version, "reason": reason})
    assert refused.status_code == 422
    switched = _switch(client, text(refused))
    page = text(switched)
    assert switched.status_code == 200
    assert 'lang="en"' in page and "The reason is longer than 5000 characters." in page
    assert reason in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.investigating


def test_a_form_that_would_pass_now_is_not_saved_by_the_switch(client, db, make_user):
    from tests.ui_helpers import registration_form

    sign_in(client, make_user("SH", roles=("officer",)))
    before = _cases(db)
    response = client.post("/cases/new", data=registration_form(_language="en"))
    page = text(response)
    assert response.status_code == 200 and 'lang="en"' in page
    assert "nothing was saved" in page and "论文图3与图5为同一图像翻转" in page
    assert _cases(db) == before


def test_the_switch_never_lands_on_a_post_only_address(client, make_user, make_case):
    sign_in(client, make_user("SH", roles=("supervisor",)))
    case = make_case("SH")
    post_only = f"/cases/{case.reference}/transitions/suspend_investigation"
    response = client.post("/language/en", data={"next": post_only})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get(response.headers["Location"]).status_code == 200
    kept = client.post("/language/zh", data={"next": f"/cases/{case.reference}?tab=x"})
    assert kept.headers["Location"] == f"/cases/{case.reference}?tab=x"


def test_a_view_that_commits_by_itself_saves_nothing_when_only_relabelled(client, db, make_user):
    """The account's language form commits outside the refusal path: the switch posted to
    it changes the language it asks for and nothing the form holds."""
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    response = client.post("/account", data={"locale": "zh", "_language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = text(client.get("/account"))
    assert "nothing was saved" in page
    db.session.refresh(user)
    assert user.locale == "en"


def test_passwords_are_never_carried_by_the_switch(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",)))
    refused = client.post(
        "/account/password", data={"current": "wrong-secret", "new": "x", "confirm": "y"}
    )
    _action, fields = _language_switch(text(refused))
    assert "wrong-secret" not in text(refused)
    assert not [n for n, _v in fields if n in ("current", "new", "confirm")]


def test_sub_forms_speak_the_users_language(client, make_user):
    """Rows of the registration form (FieldList of FormField) say what is wrong in Chinese,
    as the form around them does."""
    from tests.ui_helpers import registration_form

    sign_in(client, make_user("SH", roles=("officer",)))
    page = text(
        client.post("/cases/new", data=registration_form(**{"respondents-0-name": "名" * 201}))
    )
    assert "Field cannot be longer than" not in page
    assert "字段长度不能超过 200 个字符。" in page
