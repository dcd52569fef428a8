"""In Chromium: asking for a dossier shows its progress and then the download link,
without the user reloading the page (the page polls the job's JSON status)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser_support import click_to, sign_in, start_chromium, wait
from tests.dossiers.test_dossiers import _committed_case
from tests.worker_support import committed, redis_url, rq_worker  # noqa: F401


@pytest.fixture
def live_server(app, redis_url):  # noqa: F811
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.mark.browser
@pytest.mark.redis
def test_generate_dossier_shows_progress_then_the_download_link(
    committed,  # noqa: F811
    rq_worker,  # noqa: F811
    live_server,
    browser,
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    case = _committed_case(committed, "investigating")
    lead = case.lead.user
    reference, username = case.reference, lead.username
    committed.session.rollback()
    rq_worker()
    sign_in(browser, live_server, username)
    browser.get(f"{live_server}/cases/{reference}")
    Select(browser.find_element(By.ID, "dossier-level")).select_by_value("shared")
    button = browser.find_element(By.CSS_SELECTOR, "[data-testid=generate-dossier]")
    click_to(browser, button, "[data-testid=dossier-job]")  # the page then polls the job
    link = wait(browser, 120).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=dossier-list] a"))
    )
    assert link.get_attribute("href").endswith(".pdf")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=dossier-job]") == []
