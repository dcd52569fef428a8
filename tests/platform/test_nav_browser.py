"""The navigation bar stays one line at 1280 px in both languages, for the user who sees
the most entries (a supervisor who also administers the agency and audits it), with the
widest badges ("99+" unread notifications)."""

from __future__ import annotations

import pytest

from tests.browser_support import click_to, live_app, need_chromium, sign_in, start_chromium, wait
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

SETUP = """
from app import create_app
from app.auth.models import Agency
from app.auth.services import create_user
from app.demo.loader import ensure_agencies
from app.extensions import db
from app.notifications.models import Notification
from flask_migrate import upgrade
from sqlalchemy import select

app = create_app()
with app.app_context():
    upgrade()
    ensure_agencies()
    sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    sh.policy.totp_required = False  # the navigation is under test, not the second factor
    roles = ["officer", "supervisor", "agency_admin", "auditor"]
    for lang in ("zh", "en"):
        user = create_user(f"nav-{lang}", "导航测试用户", sh, roles, "{password}")
        user.locale = lang
        db.session.flush()
        unread = [Notification(user_id=user.id, kind="test", text="通知") for _ in range(120)]
        db.session.add_all(unread)
    db.session.commit()
"""
ONE_LINE = 70  # px: Bootstrap's navbar with one row of links is 56 px high


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    yield from live_app(tmp_path_factory.mktemp("nav"), SETUP.replace("{password}", TEST_PASSWORD))


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.mark.parametrize("lang, width", [("en", 1280), ("zh", 1280), ("en", 1440)])
def test_the_navigation_is_one_line(browser, live_server, lang, width):
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 900)
    sign_in(browser, live_server, f"nav-{lang}")
    browser.get(live_server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith(lang)
    nav = browser.find_element(By.CSS_SELECTOR, "nav.app-navbar")
    height = browser.execute_script("return arguments[0].getBoundingClientRect().height", nav)
    assert height <= ONE_LINE, f"{lang} navigation is {height}px high at {width}px"
    links = browser.find_elements(By.CSS_SELECTOR, "nav.app-navbar .nav-link")
    assert len({link.location["y"] for link in links if link.is_displayed()}) == 1


def test_the_more_and_account_menus_open(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.set_window_size(1280, 900)
    sign_in(browser, live_server, "nav-en")
    browser.get(live_server + "/")
    browser.find_element(By.CSS_SELECTOR, "[data-testid=nav-more] .dropdown-toggle").click()
    audit = wait(browser).until(ec.visibility_of_element_located((By.LINK_TEXT, "Audit log")))
    click_to(browser, audit, "main")
    assert "/audit" in browser.current_url
    browser.find_element(By.CSS_SELECTOR, "[data-testid=account-menu] .dropdown-toggle").click()
    agency = wait(browser).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=account-menu] h6"))
    )
    assert agency.text == "Science and Technology Commission of Shanghai Municipality"
    sign_out = browser.find_element(
        By.CSS_SELECTOR, "[data-testid=account-menu] button.dropdown-item"
    )
    click_to(browser, sign_out, "[name=username]")
    assert "/login" in browser.current_url
