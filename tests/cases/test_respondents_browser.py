"""A case with two respondents in the real browser, in English: the investigation finds one at
fault and clears the other; each is served a notice and answers it; the decision sanctions
only the one at fault (a ban and a notice of criticism together), and only they get an
integrity record. One record, two notices."""

from __future__ import annotations

import pytest

from tests.browser_support import click, live_app, need_chromium, start_chromium
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

SETUP = """
import datetime as dt
from app import create_app
from app.auth.models import Agency
from app.auth.services import create_user
from app.demo import scenario
from app.cases.models import CaseSource, CaseState, MisconductType
from app.cases.services import AllegationInput, CaseInput, ComplainantInput, RespondentInput
from app.cases.services import register_case
from app.demo.loader import ensure_agencies
from app.extensions import db
from flask_migrate import upgrade
from sqlalchemy import select

app = create_app()
with app.app_context():
    upgrade()
    ensure_agencies()
    sh = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    sh.policy.totp_required = False
    people = {}
    for name, roles in (("two-officer", ["officer"]), ("two-investigator", ["officer"]),
                        ("two-supervisor", ["supervisor"])):
        people[name] = create_user(name, name.title(), sh, roles, "{password}")
        people[name].locale = "en"

    def register(title, state):
        case = register_case(
            CaseInput(
                title=title,
                source=CaseSource.letter,
                received_date=dt.date(2026, 3, 2),
                respondents=[RespondentInput(name="Wang Lei", institution="East University"),
                             RespondentInput(name="Chen Jing", institution="East University")],
                allegations=[AllegationInput(misconduct_type=MisconductType.fabrication_falsification,
                                             description="Fabricated the data of figure 3")],
                complainant=ComplainantInput(anonymous=True),
            ),
            people["two-officer"],
        )
        actors = scenario.Actors(agency=sh, officer=people["two-officer"],
                                 lead=people["two-officer"],
                                 investigator=people["two-investigator"],
                                 supervisor=people["two-supervisor"])
        scenario.walk(case, state, actors, params={
            "submit_findings": lambda c: {"findings": scenario.findings_for(
                c, cleared=lambda p: p.name == "Chen Jing")},
        })
        return case

    register("Two authors, one investigation", CaseState.investigating)
    register("Two authors, one decision", CaseState.pre_decision_notice)
    db.session.commit()
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    need_chromium()
    yield from live_app(
        tmp_path_factory.mktemp("respondents"), SETUP.replace("{password}", TEST_PASSWORD)
    )


@pytest.fixture(scope="module")
def browser(live_server):
    driver = start_chromium()
    yield driver
    driver.quit()


def _sign_in(driver, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(url + "/login")
    for name, value in (("username", username), ("password", TEST_PASSWORD)):
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    WebDriverWait(driver, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=account-link]"))
    )


# The setup registers the investigation first, then the decision.
CASES = {
    "Two authors, one investigation": "SH-2026-000001",
    "Two authors, one decision": "SH-2026-000002",
}


def _open_case(driver, url: str, title: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/cases/{CASES[title]}")
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=case-title]").text == title


def _select(driver, css: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    Select(element).select_by_value(value)


def _type(driver, css: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.clear()
    element.send_keys(text)


def _date(driver, css: str, value: str) -> None:
    """A date input takes its value as the browser's locale types it: set it directly."""
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].value = arguments[1]", element, value)


def _texts(driver, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


def test_the_lead_finds_one_respondent_at_fault_and_clears_the_other(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 10)
    _sign_in(browser, live_server, "two-officer")
    _open_case(browser, live_server, "Two authors, one investigation")
    step = "[data-transition=submit_findings]"
    click(browser, browser.find_element(By.CSS_SELECTOR, f"{step} summary"))
    assert _texts(browser, f"{step} [data-testid=finding-respondent]") == ["Wang Lei", "Chen Jing"]
    _type(browser, f"{step} textarea[name=report]", "Wang Lei fabricated the data alone.")
    _select(browser, f"{step} select[name=finding-0-outcome]", "misconduct")
    _select(browser, f"{step} select[name=finding-0-severity]", "serious")
    _select(browser, f"{step} select[name=finding-1-outcome]", "no_misconduct")
    click(browser, browser.find_element(By.CSS_SELECTOR, f"{step} button[type=submit]"))
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".state-badge"), "Findings"))
    assert _texts(browser, "[data-testid=finding]") == [
        "Wang Lei: Misconduct (Serious)",
        "Chen Jing: No misconduct",
    ]


def test_two_notices_one_decision_and_one_record(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 10)
    _sign_in(browser, live_server, "two-officer")
    _open_case(browser, live_server, "Two authors, one decision")
    notices = _texts(browser, "[data-testid=notice]")
    assert [n.split(" · ")[0] for n in notices] == ["Wang Lei", "Chen Jing"]
    assert all("No statement recorded yet." in n for n in notices)

    for name, statement in (("Wang Lei", "I accept the findings."), ("Chen Jing", "I waive it.")):
        click(
            browser,
            browser.find_element(
                By.CSS_SELECTOR, "details:has(> form[action$='/defence']) > summary"
            ),
        )
        form = "form[action$='/defence']"
        Select(
            browser.find_element(By.CSS_SELECTOR, f"{form} select[name=party_id]")
        ).select_by_visible_text(name)
        _type(browser, f"{form} textarea[name=statement]", statement)
        click(browser, browser.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]"))
        wait.until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=notices]"), statement)
        )
    defences = _texts(browser, "[data-testid=notice] [data-testid=defence]")
    assert (
        len(defences) == 2
        and "I accept the findings." in defences[0]
        and "I waive it." in defences[1]
    )

    _sign_in(browser, live_server, "two-supervisor")
    _open_case(browser, live_server, "Two authors, one decision")
    step = "[data-transition=issue_decision]"
    click(browser, browser.find_element(By.CSS_SELECTOR, f"{step} summary"))
    blocks = browser.find_elements(By.CSS_SELECTOR, f"{step} [data-testid=sanctions-of]")
    assert [b.find_element(By.CSS_SELECTOR, ".fw-semibold").text for b in blocks] == [
        "Wang Lei",
        "Chen Jing",
    ]
    assert "No misconduct found: no sanction." in blocks[1].text
    assert not blocks[1].find_elements(By.TAG_NAME, "select")
    _type(
        browser,
        f"{step} textarea[name=decision_text]",
        "Wang Lei is banned and criticised; Chen Jing is cleared.",
    )
    _select(browser, f"{step} select[name=sanction-0-sanction_type]", "ban_state_funded_activity")
    _date(browser, f"{step} input[name=sanction-0-end_date]", "2029-12-31")
    _select(browser, f"{step} select[name=sanction-1-sanction_type]", "notice_of_criticism")
    click(browser, browser.find_element(By.CSS_SELECTOR, f"{step} button[type=submit]"))
    wait.until(ec.alert_is_present()).accept()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".state-badge"), "Decided"))
    rows = _texts(browser, "[data-testid=decision] table tbody tr")
    assert len(rows) == 2 and all(r.startswith("Wang Lei") for r in rows)

    _sign_in(browser, live_server, "two-officer")
    _open_case(browser, live_server, "Two authors, one decision")
    click(browser, browser.find_element(By.LINK_TEXT, "Draft integrity record"))
    party = Select(browser.find_element(By.NAME, "party_id"))
    assert [o.text for o in party.options] == ["Wang Lei"]  # the cleared respondent gets none
    click(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    wait.until(ec.url_contains("/records/"))
    _open_case(browser, live_server, "Two authors, one decision")
    assert _texts(browser, "[data-testid=case-records] li a") == ["Wang Lei"]
    assert len(_texts(browser, "[data-testid=notice]")) == 2
