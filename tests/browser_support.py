"""Debian's Chromium for browser tests: one way to start it, to click, to sign in, and to
wait for the page a click leads to.

A click that submits a form or follows a link returns before the browser has the next page:
whatever comes next (a `get`, a look at the page) races the request. So every click that
leaves the page goes through `click_to` (or `current_page` … `arrived` when a dialog sits in
between), which waits until the old page is gone and the new one shows what it should."""

from __future__ import annotations

import os

import pytest

from tests.conftest import IN_CI, TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Bootstrap scrolls smoothly otherwise, and a click lands before the scroll ends.
    "--force-prefers-reduced-motion",
    "--lang=zh-CN",
    "--window-size=1400,1000",
)
PAGE_TIMEOUT = 30  # s: a page behind a loaded machine's second core takes its time
SIGNED_IN = "[data-testid=account-menu]"  # on every page of a signed-in user, on no other
SERVER_START = 300  # s: the live app starts in seconds, in minutes on a machine under load


def need_chromium() -> None:
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    if IN_CI:
        pytest.fail("Debian's chromium and chromium-driver are required for browser tests in CI")
    pytest.skip("Chromium or chromedriver is not installed")


def start_chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    need_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP reports land there
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)
    return driver


def csp_violations(driver) -> list[str]:
    """What the console said about the Content-Security-Policy since the last call."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def click(driver, element) -> None:
    """A real mouse click, after bringing the element into the middle of the view."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def wait(driver, timeout: float = PAGE_TIMEOUT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout)


def current_page(driver):
    """The page shown now, for `arrived` to tell when the browser has left it."""
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "html")


# What Chromium answers, instead of "stale element", about an element of a document that is
# being replaced at that very moment.
_GONE_DOCUMENT = ("does not belong to the document", "No node with given id")


def _left(page) -> bool:
    """Whether the browser has left the document `page` (its <html>) belongs to."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if any(sign in (exc.msg or "") for sign in _GONE_DOCUMENT):
            return True
        raise
    return False


def arrived(driver, page, lands_on: str):
    """Waits until `page` is gone and the next one shows `lands_on` (CSS); returns that element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait(driver).until(lambda _driver: _left(page))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, lands_on)))


def click_to(driver, element, lands_on: str):
    """Clicks a link or a submit button and waits for the page it leads to (see `arrived`)."""
    page = current_page(driver)
    click(driver, element)
    return arrived(driver, page, lands_on)


def fill(driver, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def sign_in(
    driver, url: str, username: str, password: str = TEST_PASSWORD, lands_on: str = SIGNED_IN
):
    """Signs `username` in afresh on the app at `url` and waits for the signed-in page (or
    what `lands_on` names, such as the second step); returns that element."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url + "/login")
    fill(driver, "username", username)
    fill(driver, "password", password)
    button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    return click_to(driver, button, lands_on)


def live_app(folder, setup: str):
    """Runs `setup` (Python, with the app's environment) and then the app itself on a free
    port in a subprocess; yields the base URL and stops the server afterwards."""
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from app.core.secrets import new_field_key

    root = Path(__file__).resolve().parent.parent
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite'}",
        "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": new_field_key("b1"),
        "MATCHING_KEY": "browser-matching-key",
        "FILE_STORE": str(folder / "files"),
    }
    env.pop("YRD_DEMO", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=root, check=True)
    log = folder / "server.log"
    for _attempt in range(3):  # a port found free may be taken before the server binds it
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
                env=env,
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        if _answers(server, url):
            break
        if server.poll() is None or b"Address already in use" not in log.read_bytes():
            _stop(server)
            pytest.fail(f"the app did not start:\n{log.read_text(errors='replace')[-3000:]}")
    else:
        pytest.fail("no free port for the app")
    try:
        yield url
    finally:
        _stop(server)


def _answers(server, url: str) -> bool:
    """Whether the app started at `url` answers before SERVER_START seconds pass (a loaded
    machine takes well over ten) or its process ends."""
    import time
    import urllib.request

    deadline = time.monotonic() + SERVER_START
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(url + "/login", timeout=5)
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _stop(server) -> None:
    import subprocess

    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
