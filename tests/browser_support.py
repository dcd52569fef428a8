"""Debian's Chromium for browser tests: one way to start it, one way to click."""

from __future__ import annotations

import os

import pytest

from tests.conftest import IN_CI

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


def live_app(folder, setup: str):
    """Runs `setup` (Python, with the app's environment) and then the app itself on a free
    port in a subprocess; yields the base URL and stops the server afterwards."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute: a loaded machine starts the app slowly
            try:
                urllib.request.urlopen(url + "/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the app did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
