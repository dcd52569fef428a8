"""A joint investigation in the real browser, in Chinese: the Jiangsu supervisor makes a
case joint and invites Shanghai; the Shanghai supervisor accepts naming an officer; Jiangsu
assigns a task; the Shanghai officer reports with an attachment and completes it; Jiangsu
reviews the report and closes the task."""

from __future__ import annotations

import pytest

from tests.browser_support import click, click_to, live_app, need_chromium, sign_in, start_chromium
from tests.conftest import TEST_PASSWORD
from tests.joint_world import PDF

pytestmark = pytest.mark.browser

TITLE = "南京与上海两地合作论文涉嫌图像造假"


def seed() -> None:
    """Run in the live app's environment: JS and SH people, and one JS case in investigation
    whose respondents live in both provinces."""
    import datetime as dt

    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.auth.models import Agency
    from app.auth.services import create_user
    from app.cases.models import CaseSource, CaseState, MisconductType, PartyType
    from app.cases.services import (
        AllegationInput,
        CaseInput,
        ComplainantInput,
        RespondentInput,
        register_case,
    )
    from app.demo import scenario
    from app.demo.loader import ensure_agencies
    from app.extensions import db

    with create_app().app_context():
        upgrade()
        ensure_agencies()
        agencies = {a.code: a for a in db.session.scalars(select(Agency))}
        for code in ("JS", "SH"):
            agencies[code].policy.totp_required = False  # the joint work is under test
        people = (
            ("js-lead", "江苏负责人", "JS", "supervisor"),
            ("js-officer", "江苏专员", "JS", "officer"),
            ("sh-lead", "上海负责人", "SH", "supervisor"),
            ("sh-officer", "上海专员", "SH", "officer"),
        )
        made = {
            name: create_user(name, shown, agencies[code], [role], TEST_PASSWORD)
            for name, shown, code, role in people
        }
        respondents = [
            RespondentInput(
                name=name,
                party_type=PartyType.person,
                id_type="resident_id",
                id_number=number,
                institution=unit,
                position="教授",
            )
            for name, number, unit in (
                ("王芳", "320102198502021231", "南京大学"),
                ("张伟", "31010119800101123X", "复旦大学"),
            )
        ]
        case = register_case(
            CaseInput(
                title=TITLE,
                source=CaseSource.letter,
                received_date=dt.date(2026, 3, 2),
                summary="举报称两地作者合作论文的图像存在拼接。",
                respondents=respondents,
                allegations=[
                    AllegationInput(
                        misconduct_type=MisconductType.fabrication_falsification,
                        description="图3与图5为同一图像翻转",
                        work_reference="10.1000/joint",
                    )
                ],
                complainant=ComplainantInput(anonymous=False, name="李娜", contact="13800000000"),
            ),
            made["js-officer"],
        )
        scenario.walk(case, CaseState.investigating, scenario.Actors.for_case(case))
        db.session.commit()


TASK = "询问上海合作作者并调取原始图像"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    setup = "from tests.joint.test_browser import seed; seed()"
    yield from live_app(tmp_path_factory.mktemp("joint"), setup)


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def _css(browser, selector: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, selector)


def _open_case(browser, url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url + "/cases")
    click_to(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "JS-"), "[data-testid=case-title]")


def test_a_joint_investigation_from_invitation_to_a_closed_task(browser, live_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    status = "[data-testid=task-status]"
    # Jiangsu leads: the routing hint names the case a candidate, the supervisor invites SH.
    sign_in(browser, live_server, "js-lead")
    _open_case(browser, live_server)
    assert "可考虑开展联合调查" in _css(browser, "[data-testid=routing-hint]").text
    click(browser, _css(browser, "[data-testid=joint-section] details summary"))
    click(browser, _css(browser, "#inv-SH"))
    _css(browser, "#inv-message").send_keys("请协助询问上海作者")
    invite = _css(browser, "[data-testid=invite-form] button")
    row = click_to(browser, invite, "[data-testid=participation-SH]")
    assert "待答复" in row.text
    case_url = browser.current_url.split("#")[0]

    # Shanghai's supervisor accepts on the joint page, naming the officer.
    sign_in(browser, live_server, "sh-lead")
    browser.get(live_server + "/joint")
    invitation = _css(browser, "[data-testid=invitations] li")
    assert "请协助询问上海作者" in invitation.text
    click(browser, invitation.find_element(By.XPATH, ".//label[text()='上海专员']"))
    accept = invitation.find_element(By.CSS_SELECTOR, "[data-testid=accept]")
    assert TITLE in click_to(browser, accept, "main").text
    assert "李娜" not in browser.page_source  # the shared level: no complainant identity

    # Jiangsu assigns the task to Shanghai's officer.
    sign_in(browser, live_server, "js-lead")
    browser.get(case_url)
    assert "参与中" in _css(browser, "[data-testid=participation-SH]").text
    form = _css(browser, "[data-testid=task-form]")
    click(browser, form.find_element(By.XPATH, "./ancestor::details/summary"))
    Select(_css(browser, "#task-agency")).select_by_value("SH")
    Select(_css(browser, "#task-assignee")).select_by_visible_text("SH · 上海专员")
    Select(_css(browser, "#task-kind")).select_by_value("interview")
    _css(browser, "#task-title").send_keys(TASK)
    click_to(browser, form.find_element(By.CSS_SELECTOR, "button"), "[data-testid=case-title]")
    task_url = browser.find_element(By.PARTIAL_LINK_TEXT, TASK).get_attribute("href")

    # Shanghai's officer accepts, reports with an attachment, and completes.
    sign_in(browser, live_server, "sh-officer")
    browser.get(live_server + "/joint")
    click_to(browser, browser.find_element(By.PARTIAL_LINK_TEXT, TASK), status)
    assert click_to(browser, _css(browser, "[data-testid=task-accept]"), status).text == "办理中"
    attachment = tmp_path / "询问笔录.pdf"
    attachment.write_bytes(PDF + b"browser")
    _css(browser, "#report-body").send_keys("已询问张伟，笔录附后")
    _css(browser, "#report-file").send_keys(str(attachment))
    report = _css(browser, "[data-testid=report-form] button.btn-outline-primary")
    click_to(browser, report, "[data-testid=attachment]")
    _css(browser, "#report-body").send_keys("询问完成")
    done = click_to(browser, _css(browser, "[data-testid=task-complete]"), status)
    assert done.text == "已完成，待审核"

    # Jiangsu sees the report and its attachment, and closes the task.
    sign_in(browser, live_server, "js-lead")
    browser.get(task_url)
    reports = _css(browser, "[data-testid=reports]").text
    assert "已询问张伟，笔录附后" in reports and "询问笔录.pdf" in reports
    _css(browser, "#review-body").send_keys("笔录完整，采纳")
    assert (
        click_to(browser, _css(browser, "[data-testid=task-close]"), status).text == "已关闭"
    )  # a closed task, not a closed case
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("zh")
