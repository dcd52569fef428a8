"""No WCAG 2.1 A/AA violation that axe-core finds on the main pages, in Chinese and English.

One browser, one sign-in per role on a small demo world; each page is loaded once per
language and axe-core (fetched once by `make test-deps`, pinned in the Makefile, injected
through the driver: nothing is loaded from the network at run time) checks it against the
wcag2a, wcag2aa, wcag21a and wcag21aa rules. A failure lists every violation with its rule,
the elements it found and what is wrong."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.browser_support import (
    SIGNED_IN,
    click_to,
    fill,
    live_app,
    need_chromium,
    sign_in,
    start_chromium,
)
from tests.conftest import IN_CI, TEST_PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    """The axe-core the Makefile pins (AXE_VERSION), as `make test-deps` left it."""
    version = re.search(r"^AXE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    path = ROOT / "instance" / "axe" / f"axe-{version}.min.js"
    if not path.exists():
        message = f"axe-core {version} is missing at {path}: run `make test-deps` (or `make axe`)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


# A demo small enough to load in seconds, with every state the pages show; then the facts the
# test needs (which case is where, who sits on a review) written where the test reads them.
SETUP = """
import datetime as dt, json, random
from app import create_app
from app.demo import data
from app.cases.models import Case, CaseState, CaseTransfer
from app.extensions import db
from flask_migrate import upgrade
from sqlalchemy import func, select

S = CaseState
data.STATE_SPREAD = {
    S.received: 4, S.preliminary_review: 4, S.not_accepted: 1, S.transfer_pending: 4,
    S.investigating: 8, S.suspended: 1, S.terminated: 1, S.findings: 2,
    S.committee_review: 4, S.pre_decision_notice: 4, S.decided: 8, S.under_review: 2,
    S.closed: 6,
}
app = create_app()
with app.app_context():
    upgrade()
    from app.auth import totp
    from app.auth.models import Agency, User
    from app.auth.passwords import hash_password
    from app.committees.models import Review, ReviewStatus
    from app.core.calendar import today
    from app.demo.loader import _demo_case, ensure_agencies, ensure_demo_users, load_demo
    from app.joint.models import Participation, Task
    from app.records.models import IntegrityRecord

    load_demo()
    known = hash_password("{password}")  # the demo password is for demo mode only
    for account in db.session.scalars(select(User)):
        account.password_hash = known
    user = lambda name: db.session.scalar(select(User).where(User.username == name))
    home = db.session.scalar(select(Agency).where(Agency.code == "SH"))
    mine = Case.agency_id == home.id
    # However the demo's cases fell to the agencies, SH gets one in each state the test opens.
    have = set(db.session.scalars(select(Case.state).where(mine)))
    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    rng = random.Random(7)
    for state in (S.preliminary_review, S.committee_review, S.decided, S.transfer_pending):
        if state not in have:
            _demo_case(rng, home, users, state)
    while db.session.scalar(select(func.count()).where(mine, Case.state == S.investigating)) < 2:
        _demo_case(rng, home, users, S.investigating)
    cases = db.session.scalars(select(Case).where(mine).order_by(Case.id)).all()
    by_state = {}
    for case in cases:
        by_state.setdefault(case.state.value, case.reference)
    # An overdue case and one due within the week, first on the case list sorted by due date.
    running = [c for c in cases if c.state == S.investigating]
    running[0].investigation_due = running[0].due_date = today() - dt.timedelta(days=4)
    running[1].investigation_due = running[1].due_date = today() + dt.timedelta(days=3)
    review = db.session.scalar(
        select(Review).join(Case).where(mine, Review.status == ReviewStatus.open)
    )
    seated = [(m.role.value, m.seat.expert.user) for m in review.members]
    chair = next(u.username for role, u in seated if role == "chair")
    member = next(u.username for role, u in seated if u and u.username != chair)
    record = db.session.scalar(
        select(IntegrityRecord)
        .order_by((IntegrityRecord.agency_id == home.id).desc(), IntegrityRecord.id)
    )
    transfer = db.session.scalar(
        select(CaseTransfer)
        .where((CaseTransfer.to_agency_id == home.id) | (CaseTransfer.from_agency_id == home.id))
        .order_by(CaseTransfer.id.desc())
    )
    task = db.session.scalar(
        select(Task).join(Case).where(mine | (Task.agency_id == home.id)).order_by(Task.id)
    )
    shared = db.session.scalar(select(Participation).where(Participation.agency_id == home.id))
    code = home.code.lower()
    targets = dict(
        officer=f"{code}-officer", supervisor=f"{code}-supervisor", auditor=f"{code}-auditor",
        states=by_state, chair=chair, member=member, review=review.id, record=record.id,
        transfer=transfer.id, task=task.id, shared=db.session.get(Case, shared.case_id).reference,
        institution=cases[0].respondents[0].institution, user=user("sh-officer").id,
        totp_secret=totp.totp_row(user("sh-admin")).secret,
    )
    db.session.commit()
    with open("{targets}", "w") as out:
        json.dump(targets, out)
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    need_chromium()
    source = axe_source()
    folder = tmp_path_factory.mktemp("axe")
    targets = folder / "targets.json"
    setup = SETUP.replace("{targets}", str(targets)).replace("{password}", TEST_PASSWORD)
    for url in live_app(folder, setup):
        yield url, json.loads(targets.read_text()), source


@pytest.fixture(scope="module")
def browser(world):
    driver = start_chromium()
    driver.implicitly_wait(0)  # a page is whole once loaded: what is absent is absent at once
    yield driver
    driver.quit()


def _pages(role: str, t: dict) -> list[str]:
    """The pages `role` opens, in each language: every main page of the platform is here."""
    s, case = t["states"], "/cases/{}".format
    # A case in each of these states at least, and in the others the demo gives the agency.
    required = ("preliminary_review", "investigating", "committee_review", "decided")
    assert set(required) <= set(s), f"the demo has no case in {set(required) - set(s)}"
    officer_cases = [*required, *(state for state in ("findings", "closed") if state in s)]
    supervisor_cases = [st for st in ("received", "pre_decision_notice", "under_review") if st in s]
    running = case(s["investigating"])
    review = f"/committees/reviews/{t['review']}"
    return {
        "officer": [
            "/",
            "/cases?sort=due&dir=asc",  # an overdue and a due-soon row first
            *(case(s[state]) for state in officer_cases),
            f"{running}/evidence",
            f"{running}/notes",
            "/records",
            f"/records/{t['record']}",
            "/joint",
            f"/joint/tasks/{t['task']}",
            case(t["shared"]),  # a case this agency takes part in
            "/transfers",
            "/notifications/",
            "/notifications/email",
            "/account",
            "/account/second-factor",
            "/account/sessions",
        ],
        "supervisor": [
            "/",
            f"/transfers/{t['transfer']}",
            *(case(s[state]) for state in supervisor_cases),
            "/statistics",
            "/statistics/region",
            f"/statistics/institution?name={t['institution']}",
            "/statistics/reports",
            "/integrity-check",
        ],
        "sh-admin": [
            "/",
            "/admin/users",
            f"/admin/users/{t['user']}",
            "/admin/policy",
            "/admin/calendar",
            "/committees/experts",
            "/committees/panels",
            "/records",
        ],
        "auditor": ["/", "/audit"],
        "chair": ["/", "/committees/reviews", review, "/committees/invitations"],
        "member": [review],
        "sysadmin": ["/", "/exchange/peers"],
    }[role]


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }))))
  .catch(error => done({error: String(error)}));
"""


def axe_violations(driver, source: str, where: str) -> list[str]:
    """What axe-core finds on the page shown: a line per violation and element, with the
    rule, the element and what is wrong, prefixed by the page's language and `where`."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source)
    violations = driver.execute_async_script(AXE_RUN, TAGS)
    assert "error" not in violations, violations
    lang = _language(driver)
    return [
        f"[{lang}] {where}: {v['id']} ({v['help']}) at {n['target']}\n      "
        + n["summary"].replace("\n", "\n      ")
        for v in violations
        for n in v["nodes"]
    ]


def _language(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def _switch_language(driver) -> None:
    from selenium.webdriver.common.by import By

    before = _language(driver)
    click_to(driver, driver.find_element(By.CSS_SELECTOR, "[data-testid=lang-switch]"), "main")
    assert _language(driver) != before


# What a page must show for its check to count: the rows and charts axe is to look at.
SHOWS = {
    "/cases?sort=due&dir=asc": ["[data-due=overdue]", "[data-due=soon]"],
    "/statistics": ["svg[role=img]"],
    "/statistics/region": ["svg[role=img]"],
}


def _check(driver, url: str, path: str, source: str) -> list[str]:
    from selenium.webdriver.common.by import By

    driver.get(url + path)
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=refusal-reason]"), path
    status = driver.title.split(" · ")[0]
    assert status not in ("403", "404", "500"), f"{path} answered {status}"
    for css in SHOWS.get(path, []):
        assert driver.find_elements(By.CSS_SELECTOR, css), f"{path} shows no {css}"
    return axe_violations(driver, source, path)


def _report(found: list[str]) -> str:
    return f"{len(found)} accessibility violations:\n  " + "\n  ".join(found)


ROLES = ["officer", "supervisor", "sh-admin", "auditor", "chair", "member", "sysadmin"]


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_pass_axe_in_both_languages(browser, world, role):
    url, targets, source = world
    found: list[str] = []
    if role == "sh-admin":  # the demo's one account with a second factor: its page too
        found += _second_step(browser, url, targets, source)
    else:
        sign_in(browser, url, targets.get(role, role))
    for _language_pass in range(2):
        for path in _pages(role, targets):
            found += _check(browser, url, path, source)
        if role == "officer":
            found += _refused_registration(browser, url, source)
        _switch_language(browser)
    assert not found, _report(found)


def _second_step(driver, url: str, targets: dict, source: str) -> list[str]:
    import pyotp
    from selenium.webdriver.common.by import By

    sign_in(driver, url, "sh-admin", lands_on="[name=code]")
    found = axe_violations(driver, source, "/login/code")
    # The next step's code: the demo's enrolment may have used this one, and a code counts once.
    generator = pyotp.TOTP(targets["totp_secret"])
    fill(driver, "code", generator.at(time.time() + generator.interval))
    button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    click_to(driver, button, SIGNED_IN)
    return found


def _refused_registration(driver, url: str, source: str) -> list[str]:
    """The registration form sent empty: every field's error shown beside it."""
    from selenium.webdriver.common.by import By

    driver.get(url + "/cases/new")
    button = driver.find_element(By.CSS_SELECTOR, "main form > button.btn-primary[type=submit]")
    click_to(driver, button, "[data-testid=form-errors]")
    return axe_violations(driver, source, "/cases/new (refused)")


def test_the_sign_in_page_passes_axe_in_both_languages(browser, world):
    url, _targets, source = world
    browser.delete_all_cookies()
    found: list[str] = []
    for _language_pass in range(2):
        browser.get(url + "/login")
        found += axe_violations(browser, source, "/login")
        _switch_language(browser)
    assert not found, _report(found)
