"""The real app in a subprocess, driven by Debian's Chromium: sign in, register a case,
take a step through its confirmation dialog, switch the language."""

from __future__ import annotations

import pytest

from tests.browser_support import (
    SIGNED_IN,
    arrived,
    click,
    click_to,
    csp_violations,
    current_page,
    fill,
    live_app,
    need_chromium,
    sign_in,
    start_chromium,
    wait,
)
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

SETUP = """
from app import create_app
from app.auth.models import Agency
from app.auth.services import create_user
from app.demo.loader import ensure_agencies
from app.extensions import db
from flask_migrate import upgrade
from sqlalchemy import select

app = create_app()
with app.app_context():
    upgrade()
    ensure_agencies()
    sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    sh.policy.totp_required = False  # password-only; the officer below sets up a second factor
    create_user("browser-supervisor", "浏览器负责人", sh, ["supervisor"], "{password}")
    create_user("browser-officer", "浏览器专员", sh, ["officer"], "{password}")
    db.session.commit()
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    yield from live_app(tmp_path_factory.mktemp("live"), SETUP.format(password=TEST_PASSWORD))


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def _css(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def test_register_a_case_take_a_confirmed_step_and_switch_language(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.delete_all_cookies()
    browser.get(live_server + "/login")
    assert "登录" in browser.page_source  # Chinese unless asked otherwise
    sign_in(browser, live_server, "browser-supervisor")
    click_to(browser, browser.find_element(By.LINK_TEXT, "登记举报"), "input[name=title]")

    fill(browser, "title", "浏览器登记的抄袭举报")
    fill(browser, "respondents-0-name", "周杰")
    fill(browser, "allegations-0-description", "综述部分整段照搬他人论文")
    submit = _css(browser, "main button.btn-primary[type=submit]")
    title = click_to(browser, submit, "[data-testid=case-title]")
    assert title.text == "浏览器登记的抄袭举报"
    assert "已登记" in browser.page_source

    click(browser, _css(browser, "[data-transition=start_preliminary_review] summary"))
    submit = _css(browser, "[data-transition=start_preliminary_review] button[type=submit]")
    click_to(browser, submit, "[data-transition=not_accept]")

    step = "[data-transition=not_accept]"
    click(browser, _css(browser, f"{step} summary"))
    _css(browser, f"{step} textarea[name=reason]").send_keys("不属于本机关管辖")
    click(browser, _css(browser, f"{step} button[type=submit]"))
    dialog = wait(browser).until(ec.alert_is_present())
    assert "无法撤回" in dialog.text
    dialog.dismiss()  # cancelling the dialog leaves the case as it was
    assert _css(browser, ".state-badge").text == "初核"

    page = current_page(browser)
    click(browser, _css(browser, f"{step} button[type=submit]"))
    wait(browser).until(ec.alert_is_present()).accept()
    assert arrived(browser, page, ".state-badge").text == "不予受理"
    assert "不属于本机关管辖" in _css(browser, "[data-testid=timeline]").text

    badge = click_to(browser, _css(browser, "[data-testid=lang-switch]"), ".state-badge")
    assert badge.text == "Not accepted"
    browser.get(live_server + "/")
    assert "Dashboard" in browser.page_source
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_pages_run_under_the_csp_without_a_violation(browser, live_server):
    sign_in(browser, live_server, "browser-supervisor")
    browser.get(live_server + "/cases/new")
    fill(browser, "title", "CSP 检查用的举报")
    fill(browser, "respondents-0-name", "吴昊")
    fill(browser, "allegations-0-description", "图像重复使用")
    click_to(
        browser, _css(browser, "main button.btn-primary[type=submit]"), "[data-testid=case-title]"
    )
    case_page = browser.current_url
    csp_violations(browser)  # the pages before: only those below are looked at
    for url in (
        live_server + "/",
        case_page,
        case_page + "/evidence",
        live_server + "/cases",
        live_server + "/account",
    ):
        browser.get(url)
        _css(browser, "main")
        # Bootstrap's script ran: the menu toggler works, so the scripts were allowed.
        assert browser.execute_script("return typeof window.bootstrap") == "object"
        assert csp_violations(browser) == [], url
    # The check can fail: an inline style set now is refused and reported.
    browser.execute_script("document.body.setAttribute('style', 'color: red')")
    assert csp_violations(browser)


def _open_account_menu(browser) -> None:
    """The account page and sign-out sit in the menu under the user's name."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    toggle = "[data-testid=account-menu] button"
    click(browser, wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, toggle))))
    wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=account-link]")))


def test_set_up_two_step_sign_in_sign_out_and_sign_in_with_a_code(browser, live_server):
    import datetime as dt

    import pyotp
    from selenium.webdriver.common.by import By

    sign_in(browser, live_server, "browser-officer")
    _open_account_menu(browser)
    click_to(browser, _css(browser, "[data-testid=account-link]"), "[data-testid=totp-start]")
    click_to(browser, _css(browser, "[data-testid=totp-start]"), "[data-testid=totp-secret]")

    secret = _css(browser, "[data-testid=totp-secret]").text.replace(" ", "")
    qr = browser.find_element(By.CSS_SELECTOR, "img[src$='qr.svg']")
    assert browser.execute_script("return arguments[0].complete", qr)
    assert qr.get_property("naturalWidth") > 100  # the QR image the app drew itself
    authenticator = pyotp.TOTP(secret)
    fill(browser, "code", authenticator.now())
    fill(browser, "password", TEST_PASSWORD)
    confirm = _css(browser, "[data-testid=totp-confirm] button[type=submit]")
    codes = click_to(browser, confirm, "[data-testid=recovery-codes]")
    assert len(codes.find_elements(By.TAG_NAME, "li")) == 10
    click_to(browser, _css(browser, "main a.btn-primary"), "[data-testid=second-factor]")
    assert "两步登录" in browser.page_source and "剩余恢复码：10 个" in browser.page_source

    _open_account_menu(browser)
    click_to(
        browser, _css(browser, "form[action='/logout'] button[type=submit]"), "[name=username]"
    )
    sign_in(browser, live_server, "browser-officer", lands_on="[data-testid=second-step]")
    browser.get(live_server + "/cases")  # half signed in: nothing opens yet
    assert "/login" in browser.current_url
    browser.get(live_server + "/login/code")
    # The code of the next time step: the one used to switch on is refused as a replay.
    step = authenticator.timecode(dt.datetime.now(dt.UTC)) + 1
    fill(browser, "code", authenticator.generate_otp(step))
    submit = _css(browser, "[data-testid=second-step] button[type=submit]")
    menu = click_to(browser, submit, f"{SIGNED_IN} button")
    assert "浏览器专员" in menu.text
