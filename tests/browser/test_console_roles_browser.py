"""The console per role, in Chromium: each role sees its own pages, the server refuses the others,
the Leervragen and Standaardantwoorden pages pass axe, and a clerk inserts a filled-in canned response.

Runs against the bot service alone (no Rasa needed: the handover is queued through the internal API).
"""
from __future__ import annotations

import subprocess

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import axe_violations, wait_until
from tests.conftest import ROOT, VENV_BIN
from tests.fakes import seed_citizen_turn
from tests.security.conftest import start_service

pytestmark = [pytest.mark.browser]

PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A bot service with one account per role, a waiting handover about a passport, a missed question."""
    service = start_service(tmp_path_factory.mktemp("console"), BALIE_ALWAYS_OPEN="true", BALIE_RATE_LIMITS="off")
    for username, role in (("mila.medewerker", "medewerker"), ("bea.beheerder", "beheerder"),
                           ("tom.teamleider", "teamleider")):
        added = subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "clerk", "add", username, "--role", role],
                               input=PASSWORD + "\n", text=True, cwd=ROOT, env=service.env, capture_output=True)
        assert added.returncode == 0, added.stderr
    # A handover is only queued while a clerk is available: the medewerker logs in through the API first.
    requests.post(f"{service.url}/api/desk/login", json={"username": "mila.medewerker", "password": PASSWORD},
                  timeout=30).raise_for_status()
    conversation = requests.post(f"{service.url}/api/conversations", timeout=10).json()
    queued = requests.post(f"{service.internal_url}/api/internal/handovers", headers=service.service_headers,
                           json={"conversation_id": conversation["id"], "reason": "asked for a person",
                                 "product": "paspoort", "summary": "Vraag over een paspoort."}, timeout=10)
    assert queued.json()["status"] == "queued", queued.text
    seed_citizen_turn(service.env["DATABASE_URL"], "missed-1", "mijn pasport is verlopen, bel 06-12345678",
                      "clarify", product="identiteitskaart")
    yield service
    service.process.stop()


def log_in(driver, console, username):
    driver.get(console.url + "/desk")
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').is_displayed(), 20,
               "login form")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').send_keys(username)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-password"]').send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-submit"]').click()
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid="nav"]').is_displayed(), 20, "navigation")


def nav_pages(driver):
    return [a.get_attribute("data-page-link") for a in driver.find_elements(By.CSS_SELECTOR, '[data-testid="nav"] a')]


def visible_pages(driver):
    return [p.get_attribute("data-page") for p in driver.find_elements(By.CSS_SELECTOR, "main [data-page]")
            if p.is_displayed()]


def pages_for(driver, role):
    """The pages index.html gives this role (the other engineer's Cijfers page included, when present)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('main [data-page]'))"
        ".filter(p => p.dataset.roles.split(/\\s+/).includes(arguments[0])).map(p => p.dataset.page);", role)


def status_of(driver, path):
    """What the server answers this browser (its session cookie) on another role's route."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status)).catch(() => done(0));", path)


def test_each_role_sees_its_own_pages_and_the_server_refuses_the_rest(console, browser):
    expected = {"mila.medewerker": ("medewerker", {"gesprekken"}, {"leervragen", "standaardantwoorden"},
                                    ["/api/desk/review", "/api/desk/canned"]),
                "bea.beheerder": ("beheerder", {"leervragen", "standaardantwoorden"}, {"gesprekken"},
                                  ["/api/desk/handovers", "/api/desk/handovers/1/canned"]),
                "tom.teamleider": ("teamleider", set(), {"gesprekken", "leervragen", "standaardantwoorden"},
                                   ["/api/desk/handovers", "/api/desk/review", "/api/desk/canned"])}
    for username, (role, own, others, forbidden) in expected.items():
        log_in(browser, console, username)
        pages = nav_pages(browser)
        assert pages == pages_for(browser, role), (role, pages)
        assert own <= set(pages) and not others & set(pages), (role, pages)
        assert len(visible_pages(browser)) == 1 and visible_pages(browser)[0] in pages
        assert role in browser.find_element(By.CSS_SELECTOR, '[data-testid="clerk-name"]').text
        for path in forbidden:
            assert status_of(browser, path) == 403, (role, path)
        # A hash naming another role's page shows one of the clerk's own pages instead.
        for page in others:
            browser.get(f"{console.url}/desk#{page}")
            wait_until(lambda: visible_pages(browser), 10, "a page")
            assert visible_pages(browser)[0] in pages
        browser.find_element(By.CSS_SELECTOR, '[data-testid="logout"]').click()
        wait_until(lambda: browser.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').is_displayed(),
                   10, "logged out")
        assert not browser.find_element(By.CSS_SELECTOR, '[data-testid="nav"]').is_displayed()


def test_the_beheerder_assigns_a_question_and_edits_canned_responses(console, browser):
    log_in(browser, console, "bea.beheerder")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="nav-leervragen"]').click()
    item = wait_until(lambda: [i for i in browser.find_elements(By.CSS_SELECTOR, '[data-testid="review-item"]')
                               if "pasport is verlopen" in i.text], 20, "the missed question")[0]
    assert "06-12345678" not in browser.page_source and "[telefoonnummer verwijderd]" in item.text
    assert "Balie vroeg door" in item.text
    assert axe_violations(browser) == []

    product = item.find_element(By.CSS_SELECTOR, '[data-testid="review-product"]')
    product.clear()
    product.send_keys("Paspoort")
    item.find_element(By.CSS_SELECTOR, '[data-testid="review-save"]').click()
    wait_until(lambda: "Toegewezen aan product: Paspoort" in item.find_element(
        By.CSS_SELECTOR, '[data-testid="review-assigned"]').text, 10, "the assignment")
    exported = requests.get(f"{console.url}/api/desk/review/export", timeout=10,
                            cookies={"balie_desk": browser.get_cookie("balie_desk")["value"]})
    assert "- intent: ask_product/paspoort" in exported.text and "mijn pasport is verlopen, bel" in exported.text
    browser.find_element(By.CSS_SELECTOR, '[data-testid="review-export"]').click()
    wait_until(lambda: "geëxporteerd" in browser.find_element(By.CSS_SELECTOR, '[data-testid="status"]').text, 10,
               "the export")

    browser.find_element(By.CSS_SELECTOR, '[data-testid="nav-standaardantwoorden"]').click()
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, '[data-testid="canned-item"]'), 10, "the list")
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-title"]').send_keys("x" * 61)
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-text"]').send_keys("Tekst")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-save"]').click()
    error = browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-error"]')
    assert error.text == "De titel is te lang. Gebruik maximaal 60 tekens."
    title = browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-title"]')
    title.clear()
    title.send_keys("Zaaknummer noemen")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-text"]').send_keys(" over {product}: {zaaknummer}")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-save"]').click()
    wait_until(lambda: [i for i in browser.find_elements(By.CSS_SELECTOR, '[data-testid="canned-item"]')
                        if "Zaaknummer noemen" in i.text], 10, "the new canned response")
    assert axe_violations(browser) == []


def test_a_clerk_inserts_a_filled_in_canned_response(console, browser):
    log_in(browser, console, "mila.medewerker")
    item = wait_until(lambda: [i for i in browser.find_elements(By.CSS_SELECTOR, '[data-testid="queue-item"]')
                               if "paspoort" in i.text.lower()], 20, "the handover in the queue")[0]
    item.find_element(By.CSS_SELECTOR, '[data-testid="claim"]').click()
    picker = wait_until(lambda: browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-picker"]'), 10, "picker")
    wait_until(lambda: picker.is_displayed() and len(Select(browser.find_element(
        By.CSS_SELECTOR, '[data-testid="canned-select"]')).options) > 2, 10, "the canned responses")
    box = browser.find_element(By.CSS_SELECTOR, '[data-testid="reply-input"]')
    box.send_keys("Hoi!")
    Select(browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-select"]')).select_by_visible_text(
        "Bellen met de afdeling")
    browser.find_element(By.CSS_SELECTOR, '[data-testid="canned-insert"]').click()
    wait_until(lambda: "Voor Paspoort kun je het beste bellen met Burgerzaken" in box.get_attribute("value"), 10,
               "the filled-in text in the message box")
    text = box.get_attribute("value")
    assert text.startswith("Hoi! Voor Paspoort") and "14 0999" in text and "{" not in text
    assert browser.switch_to.active_element == box
    # Not sent by itself: the clerk reads it first.
    transcript = browser.find_element(By.CSS_SELECTOR, '[data-testid="transcript"]')
    assert "bellen met Burgerzaken" not in transcript.text
    browser.find_element(By.CSS_SELECTOR, '[data-testid="reply-send"]').click()
    wait_until(lambda: "bellen met Burgerzaken" in transcript.text, 10, "the sent message")
    assert axe_violations(browser) == []
