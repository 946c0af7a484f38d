"""The pages work under their own Content-Security-Policy (no inline script or style), in Chromium."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import Widget, new_browser, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    driver = new_browser()
    yield driver
    driver.quit()


def csp_violations(driver) -> list:
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]]


def test_demo_page_and_widget_without_csp_violations(service, browser):
    browser.get_log("browser")  # start clean
    browser.get(service.url + "/")
    widget = Widget(browser)
    widget.open()
    # The widget's style sheet applied (a constructed sheet, not a <style> element): the panel is laid out.
    panel = widget.part("panel")
    assert panel.value_of_css_property("position") in ("fixed", "absolute")
    assert widget.root.find_elements(By.CSS_SELECTOR, "style") == []
    assert csp_violations(browser) == []


@pytest.mark.parametrize("path", ["/desk", "/privacy"])
def test_console_and_privacy_page_without_csp_violations(service, browser, path):
    browser.get_log("browser")
    browser.get(service.url + path)
    wait_until(lambda: browser.execute_script("return document.readyState") == "complete", message="page loaded")
    assert csp_violations(browser) == []
    if path == "/privacy":
        # The linked style sheet applied (was an inline <style>).
        assert browser.find_element(By.TAG_NAME, "body").value_of_css_property("max-width") == "704px"


def test_an_injected_inline_script_is_blocked(service, browser):
    """Proof that the policy is enforced: inline script added to the page does not run."""
    browser.get(service.url + "/")
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__inline = 1;';"
        "document.body.appendChild(s);")
    assert browser.execute_script("return window.__inline === undefined")
    assert any("script-src" in message for message in csp_violations(browser))
