"""Two browsers: a citizen in the widget and a clerk in the console, live."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import Widget, axe_violations, wait_until

pytestmark = [pytest.mark.servers, pytest.mark.browser]


def desk_login(driver, stack, username, password="een-lang-wachtwoord"):
    from tests.conftest import login

    login(stack, username, password)  # creates the account through the CLI
    driver.get(stack.bot_url + "/desk")
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').is_displayed(), 20, "login form")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').send_keys(username)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-password"]').send_keys(password)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-submit"]').click()
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid="queue"]').is_displayed(), 20, "queue")


def test_citizen_and_clerk_chat_live_and_hand_back(stack, browser, second_browser):
    clerk = second_browser
    desk_login(clerk, stack, "mila.kok")
    assert axe_violations(clerk) == []

    browser.get(stack.bot_url + "/")
    citizen = Widget(browser)
    citizen.open()
    citizen.send("ik wil mijn hond aanmelden voor de hondenbelasting")
    citizen.wait_for_bot("Belastingen")
    citizen.send("ik wil een medewerker spreken")
    citizen.wait_for_bot("wachtrij")

    item = wait_until(lambda: [i for i in clerk.find_elements(By.CSS_SELECTOR, '[data-testid="queue-item"]')
                               if "hondenbelasting" in i.text.lower()], 30, "the conversation in the queue")[0]
    item.find_element(By.CSS_SELECTOR, '[data-testid="claim"]').click()
    transcript = wait_until(lambda: clerk.find_element(By.CSS_SELECTOR, '[data-testid="transcript"]'), 20, "transcript")
    wait_until(lambda: "hondenbelasting" in transcript.text, 20, "the citizen's question in the transcript")
    citizen.wait_for_bot("Je praat nu met Mila")

    box = clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-input"]')
    box.send_keys("Hoi, ik ben Mila. Hoeveel honden heb je?")
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-send"]').click()
    citizen.wait_for_bot("Hoeveel honden heb je?")
    assert "Mila" in citizen.part("agent").text

    citizen.send("twee honden")
    wait_until(lambda: "twee honden" in clerk.find_element(By.CSS_SELECTOR, '[data-testid="transcript"]').text,
               20, "the citizen's answer at the clerk")

    clerk.find_element(By.CSS_SELECTOR, '[data-testid="release"]').click()
    citizen.wait_for_bot("Je praat weer met Balie")
    citizen.send("hoe vraag ik een nieuw paspoort aan")
    citizen.wait_for_bot("Burgerzaken")


def test_clerk_opens_a_case_and_the_citizen_checks_its_status_with_the_code(stack, browser, second_browser):
    """The clerk clicks "Zaak aanmaken", reads the one-time code out; the citizen asks the status with it."""
    import re

    clerk = second_browser
    desk_login(clerk, stack, "joris.vos")
    browser.get(stack.bot_url + "/")
    citizen = Widget(browser)
    citizen.open()
    citizen.send("ik wil mijn hond aanmelden voor de hondenbelasting")
    citizen.wait_for_bot("Belastingen")
    citizen.send("ik wil een medewerker spreken")
    citizen.wait_for_bot("wachtrij")
    item = wait_until(lambda: [i for i in clerk.find_elements(By.CSS_SELECTOR, '[data-testid="queue-item"]')
                               if "hondenbelasting" in i.text.lower()], 30, "the conversation in the queue")[0]
    item.find_element(By.CSS_SELECTOR, '[data-testid="claim"]').click()
    citizen.wait_for_bot("Je praat nu met Joris")

    clerk.find_element(By.CSS_SELECTOR, '[data-testid="case-open"]').click()
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="case-description"]').send_keys(
        "Inwoner wil een tweede hond aanmelden en vraagt wat dat kost.")
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="case-submit"]').click()
    result = wait_until(lambda: clerk.find_element(By.CSS_SELECTOR, '[data-testid="case-result"]').text, 20,
                        "the new case")
    number = re.search(r"Z-\d{4}-\d{6}", result).group(0)
    code = re.search(r"Code voor de inwoner: ([A-Z0-9]{4}-[A-Z0-9]{4})", result).group(1)
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="case-dialog"] [data-cancel]').click()

    box = clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-input"]')
    box.send_keys(f"Je zaak is {number}. Je code is {code}.")
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-send"]').click()
    citizen.wait_for_bot(code)
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="release"]').click()
    citizen.wait_for_bot("Je praat weer met Balie")

    citizen.send(f"wat is de status van {number}")
    citizen.wait_for_bot("code uit de bevestiging")
    citizen.send("AAAA-BBBB")  # wrong: the same answer as an unknown number
    citizen.wait_for_bot("Ik kan geen zaak vinden")
    citizen.send(f"wat is de status van {number}")
    citizen.wait_for_bot("code uit de bevestiging")
    citizen.send(code.lower())
    status = citizen.wait_for_bot(f"Zaak {number}")
    assert "ontvangen" in status
