"""Headless Chromium (Debian's chromium + chromedriver) driven through Selenium."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import JavascriptException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def new_browser(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Flags that keep Chromium from reaching out to the (closed) network at start.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--lang=nl",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    # The console log, so tests can see Content-Security-Policy violations.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if width < 500:
        # Chromium keeps a window at least ~500 px wide; emulate a phone's viewport instead.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    return driver


@pytest.fixture
def browser():
    driver = new_browser()
    yield driver
    driver.quit()


@pytest.fixture
def second_browser():
    driver = new_browser()
    yield driver
    driver.quit()


def wait_until(predicate, timeout: float = 30, message: str = "condition"):
    """Poll a predicate (ignoring stale elements) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (StaleElementReferenceException, JavascriptException) as exc:
            last_error = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message} ({last_error})")


class Widget:
    """The chat widget inside its shadow root, as a citizen uses it."""

    def __init__(self, driver: webdriver.Chrome):
        self.driver = driver

    @property
    def root(self):
        host = wait_until(lambda: self.driver.find_elements(By.CSS_SELECTOR, "balie-chat"), message="widget")[0]
        return host.shadow_root

    def part(self, testid: str):
        return self.root.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def open(self) -> None:
        if not self.part("panel").is_displayed():
            self.part("launcher").click()
        wait_until(lambda: self.part("panel").is_displayed(), message="panel open")

    def messages(self, sender: str | None = None):
        selector = '[data-testid="message"]' + (f'[data-sender="{sender}"]' if sender else "")
        return [m.text for m in self.root.find_elements(By.CSS_SELECTOR, selector)]

    def send(self, text: str) -> None:
        box = self.part("input")
        box.clear()
        box.send_keys(text)
        self.part("send").click()

    def wait_for_bot(self, fragment: str, timeout: float = 60) -> str:
        return wait_until(lambda: next((m for m in self.messages() if fragment in m), None), timeout,
                          f"a message containing {fragment!r}")

    def quick_replies(self):
        return self.root.find_elements(By.CSS_SELECTOR, '[data-testid="quick-reply"]')

    def conversation(self) -> dict:
        return self.driver.execute_script(
            "const v = sessionStorage.getItem('balie-chat:' + location.origin); return v && JSON.parse(v);")


def axe_violations(driver: webdriver.Chrome) -> list:
    """Run axe-core (served from the npm package, injected into the page) at WCAG 2.1 A/AA."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it with npm")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        "  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        "     nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        "  .catch(e => done([{id: 'axe-error', help: String(e)}]));")
    return result
