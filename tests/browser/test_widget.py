"""The chat widget on the demo page, in headless Chromium, against the real services."""
from __future__ import annotations

import requests
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Widget, axe_violations, wait_until

pytestmark = [pytest.mark.servers, pytest.mark.browser]


def test_full_conversation_with_buttons(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.open()
    assert "medewerker" in widget.part("welcome").text
    widget.send("ik wil een vergunning")
    wait_until(lambda: len(widget.quick_replies()) >= 3, 60, "clarifying buttons")
    button = next(b for b in widget.quick_replies() if b.text == "Evenementenvergunning")
    button.click()
    widget.wait_for_bot("Vergunningen, Toezicht en Handhaving")
    assert any("Evenementenvergunning" in m for m in widget.messages("citizen"))


def test_pasted_html_is_shown_as_text(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.open()
    widget.send("<img src=x onerror=alert(1)><b>vet</b>")
    wait_until(lambda: any("<b>vet</b>" in m for m in widget.messages("citizen")), 30, "own message as text")
    assert widget.root.find_elements(By.CSS_SELECTOR, "img, b") == []


def test_conversation_survives_a_reload(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.open()
    widget.send("wanneer wordt het grofvuil opgehaald")
    widget.wait_for_bot("Afvalbedrijf Voorbeeld")
    before = widget.messages()
    browser.refresh()
    widget = Widget(browser)
    widget.open()
    wait_until(lambda: widget.messages() == before, 30, "the same messages after reload")
    widget.send("wat kost dat?")
    wait_until(lambda: len(widget.messages()) > len(before) + 1, 60, "an answer after reload")


def test_messages_typed_offline_are_sent_once_in_order(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.open()
    widget.send("hallo")
    widget.wait_for_bot("Balie")
    browser.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
    browser.execute_script("window.dispatchEvent(new Event('offline'))")
    widget.send("mijn paspoort is verlopen")
    widget.send("wat kost een nieuw paspoort")
    wait_until(lambda: "verbinding" in widget.part("status").text.lower(), 20, "offline status")
    browser.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
    browser.execute_script("window.dispatchEvent(new Event('online'))")
    widget.wait_for_bot("Burgerzaken", timeout=90)
    conversation = widget.conversation()
    stored = requests.get(f"{stack.bot_url}/api/conversations/{conversation['id']}/messages",
                          headers={"Authorization": f"Bearer {conversation['token']}"}, timeout=10).json()["messages"]
    citizen = [m["text"] for m in stored if m["sender"] == "citizen"]
    assert citizen == ["hallo", "mijn paspoort is verlopen", "wat kost een nieuw paspoort"]
    shown = [m for m in widget.messages("citizen") if "mijn paspoort is verlopen" in m]
    assert len(shown) == 1


def test_keyboard_only(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    launcher = widget.part("launcher")
    browser.execute_script("arguments[0].focus()", launcher)
    launcher.send_keys(Keys.ENTER)
    wait_until(lambda: widget.part("panel").is_displayed(), 10, "panel open")
    active = lambda: browser.execute_script("return document.activeElement.shadowRoot && document.activeElement.shadowRoot.activeElement && document.activeElement.shadowRoot.activeElement.dataset.testid")
    assert wait_until(lambda: active() == "input", 5, "focus in the input")
    browser.switch_to.active_element.send_keys("hoi", Keys.ENTER)
    widget.wait_for_bot("Balie")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_until(lambda: not widget.part("panel").is_displayed(), 5, "panel closed")
    assert wait_until(lambda: active() == "launcher", 5, "focus back on the launcher")


@pytest.mark.parametrize("state", ["closed", "open"])
def test_no_accessibility_violations(stack, browser, state):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    if state == "open":
        widget.open()
        widget.send("hallo")
        widget.wait_for_bot("Balie")
    else:
        widget.part("launcher")
    assert axe_violations(browser) == []


def test_small_screen_has_no_horizontal_scrolling(stack):
    from tests.browser.conftest import new_browser

    driver = new_browser(320, 640)
    try:
        driver.get(stack.bot_url + "/")
        widget = Widget(driver)
        widget.open()
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 320
        panel = widget.part("panel").rect
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
    finally:
        driver.quit()
