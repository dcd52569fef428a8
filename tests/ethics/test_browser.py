"""Ethics review in the real browser, in Chinese: the applicant submits, the office returns
it with a missing-items notice, the applicant completes and resubmits, the office accepts,
the committee approves after modification at a meeting, and the decision letter downloads
and reads back with pdftotext."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_support import (
    arrived,
    click,
    click_to,
    current_page,
    live_app,
    need_chromium,
    sign_in,
    start_chromium,
    wait,
)
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import datetime as dt, io
from app import create_app
from app.auth.models import Agency
from app.auth.passwords import hash_password
from app.auth.services import create_user
from app.committees.models import PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import (ExpertInput, create_panel, link_expert_account,
    register_expert, seat_expert)
from app.demo.loader import ensure_agencies
from app.ethics import services
from app.ethics.models import UnitKind
from app.extensions import db
from flask_migrate import upgrade
from sqlalchemy import select

TEXTS = {texts!r}
PDF = b"%PDF-1.4\\n1 0 obj << /Type /Catalog >> endobj\\ntrailer << /Root 1 0 R >>\\n%%EOF\\n"
app = create_app()
with app.app_context():
    upgrade()
    ensure_agencies()
    sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    sh.policy.totp_required = False
    pw = "{password}"
    admin = create_user("eth-admin", "管理员", sh, ["agency_admin"], pw)
    panel = create_panel(admin, PanelKind.ethics, "甲大学科技伦理委员会")
    cats = [Category.peer, Category.ethics, Category.legal, Category.outside]
    for i in range(7):
        e = register_expert(admin, ExpertInput(name=f"委员{{i}}", institution="丙所",
            gender=("female", "male")[i % 2], categories=[cats[i % 4].value], fields="",
            email=None, phone=None))
        user = create_user(f"eth-member-{{i}}", f"委员{{i}}", sh, ["committee_member"], pw)
        link_expert_account(admin, e, user)
        seat_expert(admin, panel, e, SeatRole.chair if i == 0 else SeatRole.member,
                    cats[i % 4], dt.date(2026, 1, 1), dt.date(2030, 12, 31))
    unit = services.create_unit(admin, "甲大学", UnitKind.university)
    services.set_unit_committee(admin, unit, panel.id)
    applicant = services.add_unit_user(admin, unit, "eth-applicant", "张研究员", pw, ["applicant"])
    services.add_unit_user(admin, unit, "eth-office", "伦理办秘书", pw, ["office"])
    a = services.create_application(applicant, "疫苗安全性研究")
    services.update_application(applicant, a, {{"title": a.title, **TEXTS}})
    for item, data, name in (("consent_form", PDF, "知情同意书.pdf"),
                             ("pledge", PDF + b"%1", "承诺书.pdf")):
        services.add_attachment(applicant, a, item, services.Upload(io.BytesIO(data), name))
    db.session.commit()
"""

VOTES = """
from app import create_app
from app.ethics import reviewing
from app.ethics.models import Application
from app.auth.models import User
from app.extensions import db
from sqlalchemy import select

app = create_app()
with app.app_context():
    a = db.session.scalar(select(Application))
    for i in range(5):
        user = db.session.scalar(select(User).where(User.username == f"eth-member-{i}"))
        reviewing.declare(user, a, False)
        reviewing.vote(user, a, "endorse", "同意修改后批准")
    db.session.commit()
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from tests.ethics.conftest import TEXTS

    need_chromium()
    folder = tmp_path_factory.mktemp("ethics")
    setup = SETUP.format(texts=TEXTS, password=TEST_PASSWORD)
    for url in live_app(folder, setup):
        yield url, folder


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def _run(folder, code):
    import os

    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite'}",
        "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
        "FILE_STORE": str(folder / "files"),
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def test_applicant_office_and_committee_in_chinese(browser, live_server, tmp_path):
    import base64

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    url, folder = live_server

    def css(selector):
        return browser.find_element(By.CSS_SELECTOR, selector)

    def open_application():
        browser.get(url + "/ethics/")
        click_to(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "ETH-SH-"), "h1")

    sign_in(browser, url, "eth-applicant")
    open_application()
    click_to(browser, css("[data-testid=submit-form] button"), "[data-testid=state]")
    assert css("[data-testid=state]").text == "已提交"

    sign_in(browser, url, "eth-office")
    open_application()
    click(browser, browser.find_element(By.ID, "m-funding"))
    browser.find_element(By.ID, "m-note").send_keys("请写明经费的具体来源")
    click_to(browser, css("[data-testid=return-form] button"), "[data-testid=notices]")
    assert "已发出补充材料通知并退回申请" in css("main").text

    sign_in(browser, url, "eth-applicant")
    open_application()
    notice = css("[data-testid=notice-returned]").text
    assert "经费来源" in notice and "请写明经费的具体来源" in notice
    funding = browser.find_element(By.ID, "f-funding")
    funding.clear()
    funding.send_keys("国家自然科学基金面上项目")
    click_to(
        browser, css("[data-testid=edit-form] button[type=submit]"), "[data-testid=submit-form]"
    )
    click_to(browser, css("[data-testid=submit-form] button"), "[data-testid=versions]")
    assert "版本 2" in css("[data-testid=versions]").text

    sign_in(browser, url, "eth-office")
    open_application()
    click_to(browser, css("[data-testid=accept-form] button"), "[data-testid=review]")
    assert css("[data-testid=state]").text == "审查中"
    browser.find_element(By.CSS_SELECTOR, "#p-dec option[value=approve_modified]").click()
    click_to(browser, css("[data-testid=propose-form] button"), "[data-testid=close-form]")
    _run(folder, VOTES)
    browser.refresh()
    for box in browser.find_elements(
        By.CSS_SELECTOR, "[data-testid=attendance-form] input[type=checkbox]"
    )[:5]:
        click(browser, box)
    click_to(browser, css("[data-testid=attendance-form] button"), "[data-testid=close-form]")
    css("#cl-r").send_keys("风险可控，知情同意书修改后批准")
    page = current_page(browser)
    click(browser, css("[data-testid=close-form] button"))
    wait(browser).until(ec.alert_is_present()).accept()
    arrived(browser, page, "[data-testid=decision]")
    assert css("[data-testid=decision]").text == "修改后批准"

    sign_in(browser, url, "eth-applicant")
    open_application()
    link = css("[data-testid=letter-link]").get_attribute("href")
    # The browser's own request, with its session: the bytes come back as base64.
    encoded = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(buffer => {
          let text = ""; new Uint8Array(buffer).forEach(b => text += String.fromCharCode(b));
          done(btoa(text));
        });""",
        link,
    )
    data = base64.b64decode(encoded)
    assert data.startswith(b"%PDF-")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "伦理审查决定书" in text and "修改后批准" in text and "疫苗安全性研究" in text
