"""The CSAT question in the widget (keyboard only) and the console's "Cijfers" page, in headless Chromium."""
from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bot.db import csat_answers
from tests.browser.conftest import Widget, axe_violations, wait_until
from tests.conftest import login, say

pytestmark = [pytest.mark.servers, pytest.mark.browser]


def focused(driver) -> str:
    """The data-testid (or tag) of what has the keyboard focus inside the widget's shadow root."""
    return driver.execute_script(
        "const a = document.querySelector('balie-chat').shadowRoot.activeElement;"
        "return a ? (a.dataset.testid || a.id || a.tagName) : null;")


def keys(driver, *sequence) -> None:
    ActionChains(driver).send_keys(*sequence).perform()


def csp_violations(driver) -> list:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def test_the_csat_question_can_be_answered_with_the_keyboard_only(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.part("launcher").send_keys(Keys.ENTER)
    wait_until(lambda: widget.part("panel").is_displayed(), message="panel open")
    assert focused(browser) == "input"
    keys(browser, "wanneer wordt het grofvuil opgehaald", Keys.ENTER)
    widget.wait_for_bot("Afvalbedrijf Voorbeeld")
    # The invitation is one line under the messages: nothing opened, the focus stayed in the chat box.
    wait_until(lambda: widget.part("csat").is_displayed(), 20, "the CSAT invitation")
    assert not widget.part("csat-form").is_displayed() and focused(browser) == "input"

    # Shift+Tab from the chat box: the invitation comes right before it.
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert focused(browser) == "csat-open"
    keys(browser, Keys.ENTER)
    wait_until(lambda: widget.part("csat-form").is_displayed(), 10, "the CSAT form")
    assert focused(browser) == "csat-score-1"
    legend = widget.root.find_element(By.CSS_SELECTOR, "fieldset legend").text
    assert legend == "Heeft dit je geholpen?"
    labels = [label.text for label in widget.root.find_elements(By.CSS_SELECTOR, ".csat__option")]
    assert labels[0] == "1 – helemaal niet" and labels[-1] == "5 – heel goed"
    assert axe_violations(browser) == []  # the open form, in the widget's shadow root

    keys(browser, Keys.SPACE, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # 1, then on to 4
    assert focused(browser) == "csat-score-4" and widget.part("csat-score-4").is_selected()
    keys(browser, Keys.TAB, "Duidelijk antwoord, dank je.", Keys.TAB)
    assert focused(browser) == "csat-send"
    keys(browser, Keys.ENTER)
    wait_until(lambda: "Bedankt" in widget.part("csat-thanks").text, 20, "the thanks")
    assert not widget.part("csat-form").is_displayed() and focused(browser) == "input"

    conversation = widget.conversation()
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    with engine.connect() as conn:
        row = conn.execute(sa.select(csat_answers).where(csat_answers.c.conversation_id == conversation["id"])).one()
    engine.dispose()
    assert row.score == 4 and row.comment == "Duidelijk antwoord, dank je."

    # After a reload the question is not asked again for this conversation.
    browser.refresh()
    widget = Widget(browser)
    widget.open()
    widget.wait_for_bot("Afvalbedrijf Voorbeeld")
    assert not widget.part("csat").is_displayed()


def test_no_invitation_when_balie_did_not_understand(stack, browser):
    browser.get(stack.bot_url + "/")
    widget = Widget(browser)
    widget.open()
    widget.send("xqzv brmpf klotsj wrrr")
    widget.wait_for_bot("andere manier")
    assert not widget.part("csat").is_displayed()


def test_the_cijfers_page_has_charts_with_tables_and_no_accessibility_violations(stack, browser):
    # Something to show: an answered conversation.
    body = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    assert say(stack, (body["id"], {"Authorization": f"Bearer {body['token']}"}),
               "hoe vraag ik een nieuw paspoort aan").status_code == 200
    login(stack, "tom.teamleider", role="teamleider")

    browser.get_log("browser")
    browser.get(stack.bot_url + "/desk")
    wait_until(lambda: browser.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').is_displayed(), 20,
               "login form")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').send_keys("tom.teamleider")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="login-password"]').send_keys("een-lang-wachtwoord")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="login-submit"]').click()

    # The team lead sees the statistics, not the queue.
    content = wait_until(lambda: [c for c in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stats-content"]')
                                  if c.is_displayed()], 30, "the statistics")[0]
    assert not browser.find_element(By.CSS_SELECTOR, '[data-testid="page-gesprekken"]').is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="nav-cijfers"]').get_attribute("aria-current") == "page"
    figures = browser.find_element(By.CSS_SELECTOR, '[data-testid="stats-figures"]').text
    assert "Zonder eigenaar" in figures and "Zonder mens opgelost" in figures
    for block in ("stats-days", "stats-products"):
        section = content.find_element(By.CSS_SELECTOR, f'[data-testid="{block}"]')
        chart = section.find_element(By.CSS_SELECTOR, 'canvas[role="img"]')
        assert "tabel" in chart.get_attribute("aria-label")
        # Chart.js drew it (a chart object on the canvas, with a size), with the table's numbers.
        drawn = browser.execute_script(
            "const c = Chart.getChart(arguments[0]);"
            "return c && {width: c.width, data: c.data.datasets.map((d) => d.data)};", chart)
        assert drawn and drawn["width"] > 0, drawn
        assert sum(sum(values) for values in drawn["data"]) > 0, drawn
        assert section.find_element(By.CSS_SELECTOR, "table caption").text
    products = content.find_element(By.CSS_SELECTOR, '[data-testid="stats-products"] table').text
    assert "Paspoort" in products
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="stats-csv"]').get_attribute("href").endswith(
        browser.find_element(By.CSS_SELECTOR, '[data-testid="stats-to"]').get_attribute("value"))
    assert axe_violations(browser) == []
    assert csp_violations(browser) == []

    # A bad period: the server's Dutch message, in the page.
    start = browser.find_element(By.CSS_SELECTOR, '[data-testid="stats-from"]')
    browser.execute_script("arguments[0].value = '2020-01-01'", start)
    browser.find_element(By.CSS_SELECTOR, '[data-testid="stats-show"]').click()
    error = wait_until(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stats-error"]')
                                if e.is_displayed()], 20, "the error")[0]
    assert "maximaal 366 dagen" in error.text
