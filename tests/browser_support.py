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
