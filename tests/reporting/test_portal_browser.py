"""The portal in the real browser, in Chinese: a reporter submits a named report with a file
and gets the code; an officer registers it as a case, writes an internal note and answers;
the reporter reads the outcome and the answer and writes back; no internal note shows, no
cookie is set before the report is submitted, and the pages break no CSP rule."""

from __future__ import annotations

import pytest

from tests.browser_support import (
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
from tests.reporting.conftest import PDF

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
    create_user("intake-officer", "受理专员", sh, ["officer"], "{password}")
    db.session.commit()
"""
INTERNAL = "内部研判：证据较弱，需核实"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    yield from live_app(
        tmp_path_factory.mktemp("portal"), SETUP.replace("{password}", TEST_PASSWORD)
    )


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def _by(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def _confirmed_click_to(driver, button, lands_on: str):
    """A button whose form asks "are you sure?" first."""
    from selenium.webdriver.support import expected_conditions as ec

    page = current_page(driver)
    click(driver, button)
    wait(driver).until(ec.alert_is_present()).accept()
    return arrived(driver, page, lands_on)


def _report(driver, url: str, evidence) -> str:
    from selenium.webdriver.support.ui import Select

    driver.delete_all_cookies()
    driver.get(url + "/report")
    click_to(driver, _by(driver, "[data-testid=start-report]"), "[data-testid=submit-report]")
    assert driver.get_cookies() == []  # no cookie before submit
    Select(_by(driver, "#agency")).select_by_value("SH")
    fill(driver, "respondent_name", "王强")
    click(driver, _by(driver, "#type-plagiarism"))
    fill(driver, "description", "王强的论文第二章与他人学位论文高度重合。")
    _by(driver, "#files").send_keys(str(evidence))
    click(driver, _by(driver, "#identity-named"))
    fill(driver, "name", "赵敏")
    fill(driver, "contact", "13900000000")
    shown = click_to(
        driver, _by(driver, "[data-testid=submit-report]"), "[data-testid=receipt-code]"
    )
    code = shown.text.replace(" ", "")
    assert len(code) == 16 and code.isdigit()
    number = _by(driver, "[data-testid=report-number]").text
    click(driver, _by(driver, "#written"))
    click_to(driver, _by(driver, "[data-testid=confirm-code]"), "[data-testid=report-confirmed]")
    assert number in _by(driver, "[data-testid=report-confirmed]").text
    assert driver.get_cookies() == []
    return code


def _register_and_answer(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(driver, url, "intake-officer")
    driver.get(url + "/intake")
    link = driver.find_element(By.CSS_SELECTOR, "[data-testid=intake-table] a")
    click_to(driver, link, "[data-testid=register-report]")
    _confirmed_click_to(
        driver, _by(driver, "[data-testid=register-report]"), "[data-testid=case-title]"
    )
    reference = driver.current_url.rstrip("/").rsplit("/", 1)[-1]
    driver.get(f"{url}/cases/{reference}/notes")
    Select(_by(driver, "[name=kind]")).select_by_value("note")
    fill(driver, "title", "初步研判")
    fill(driver, "body", INTERNAL)
    form_button = _by(driver, "main form[data-confirm] button[type=submit]")
    _confirmed_click_to(driver, form_button, ".alert-success")
    driver.get(url + "/intake?state=registered")
    link = driver.find_element(By.CSS_SELECTOR, "[data-testid=intake-table] a")
    click_to(driver, link, "[data-testid=send-officer-message]")
    fill(driver, "body", "您的举报已登记受理，感谢支持。")
    click_to(
        driver, _by(driver, "[data-testid=send-officer-message]"), "[data-testid=intake-message]"
    )


def test_a_report_from_submission_to_an_answer(browser, live_server, tmp_path):
    evidence = tmp_path / "证据.pdf"
    evidence.write_bytes(PDF)
    code = _report(browser, live_server, evidence)
    _register_and_answer(browser, live_server)

    browser.delete_all_cookies()
    browser.get(live_server + "/report/follow-up")
    fill(browser, "code", code)
    status = click_to(
        browser, _by(browser, "[data-testid=open-follow-up]"), "[data-testid=reporter-status]"
    )
    assert status.text == "已受理，正在办理"
    page = _by(browser, "main").text
    assert "您的举报已登记受理，感谢支持。" in page and _by(browser, "[data-testid=new-message]")
    assert INTERNAL not in page and "初步研判" not in page
    fill(browser, "body", "谢谢，我还有一份实验记录可以提供。")
    click_to(browser, _by(browser, "[data-testid=send-message]"), "[data-testid=reporter-status]")
    assert "我还有一份实验记录" in _by(browser, "[data-testid=messages]").text
    assert INTERNAL not in _by(browser, "main").text
    assert csp_violations(browser) == []
