"""A review in the real browser, in Chinese: a member declares no conflict and votes with an
opinion, the chair records the meeting and closes, and the case moves to the notice."""

from __future__ import annotations

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

SETUP = """
from app import create_app
from app.auth.models import Agency
from app.auth.passwords import hash_password
from app.auth.services import create_user
from app.cases.models import CaseState
from app.cases.services import AllegationInput, CaseInput, ComplainantInput, RespondentInput
from app.cases.services import register_case
from app.cases.models import CaseSource, MisconductType, PartyType
from app.committees.models import Review
from app.committees.reviews import cast_vote, declare
from app.demo.loader import ensure_agencies
from app.extensions import db
from flask_migrate import upgrade
from sqlalchemy import select
from app.demo import scenario

app = create_app()
with app.app_context():
    upgrade()
    ensure_agencies()
    sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    sh.policy.totp_required = False
    officer = create_user("review-officer", "审议专员", sh, ["officer"], "{password}")
    case = register_case(
        CaseInput(
            title="浏览器审议的抄袭举报",
            source=CaseSource.letter,
            received_date=__import__("datetime").date(2026, 3, 2),
            summary="举报称论文与他人成果高度重合。",
            respondents=[RespondentInput(name="周杰", party_type=PartyType.person,
                                         institution="某大学")],
            allegations=[AllegationInput(misconduct_type=MisconductType.plagiarism,
                                         description="综述部分整段照搬")],
            complainant=ComplainantInput(anonymous=False, name="韩梅", contact="13900000000"),
        ),
        officer,
    )
    scenario.walk(case, CaseState.committee_review, scenario.Actors.for_case(case))
    review = db.session.scalar(select(Review).where(Review.case_id == case.id))
    password = hash_password("{password}")
    for index, member in enumerate(review.members):
        user = member.seat.expert.user
        user.password_hash = password
        if index >= 2:  # the others have declared and voted already
            declare(user, review, "none")
            cast_vote(user, review, "endorse", "同意")
    db.session.commit()
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    setup = SETUP.replace("{password}", TEST_PASSWORD)
    yield from live_app(tmp_path_factory.mktemp("review"), setup)


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def test_a_member_votes_and_the_chair_closes_in_chinese(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    def css(selector: str):
        return browser.find_element(By.CSS_SELECTOR, selector)

    sign_in(browser, live_server, "sh-panel-2")
    browser.get(live_server + "/committees/reviews")
    assert "待声明" in browser.page_source and "韩梅" not in browser.page_source
    click_to(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "SH-"), "[data-testid=declare]")
    assert "审议材料" in browser.page_source or "请先声明利益冲突" in browser.page_source
    click(browser, browser.find_element(By.ID, "conflict-none"))
    click_to(browser, css("[data-testid=declare]"), "[data-testid=package]")
    assert "综述部分整段照搬" in browser.page_source and "韩梅" not in browser.page_source
    click(browser, browser.find_element(By.ID, "choice-endorse"))
    browser.find_element(By.NAME, "opinion").send_keys("事实清楚，同意认定。")
    vote = click_to(browser, css("[data-testid=vote]"), "[data-testid=my-vote]")
    assert "同意认定意见" in vote.text

    sign_in(browser, live_server, "sh-panel-1")
    browser.get(live_server + "/committees/reviews/1")
    meeting = css("[data-testid=meeting-form] textarea")
    meeting.send_keys("审议会议于今日召开，委员逐一发表意见。")
    click_to(browser, css("[data-testid=meeting-form] button"), "[data-testid=close-review]")
    assert "出席情况和会议纪要已记录" in css("main").text
    page = current_page(browser)
    click(browser, css("[data-testid=close-review]"))
    dialog = wait(browser).until(ec.alert_is_present())
    assert "结束审议" in dialog.text
    dialog.accept()
    assert arrived(browser, page, "[data-testid=review-outcome]").text == "同意认定意见"

    sign_in(browser, live_server, "review-officer")
    browser.get(live_server + "/cases")
    badge = click_to(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "SH-"), ".state-badge")
    assert badge.text == "告知及陈述申辩"
    section = css("[data-testid=committee-section]").text
    assert "事实清楚，同意认定。" in section
