"""Every citizen journey in the real widget, clicking only what a citizen sees and typing in the box.

Real Chromium on the demo page, against the real bot service, Rasa and action server. No
test sends a payload or calls the API to move a conversation on: if a button does not work
when clicked, these tests fail.
"""
from __future__ import annotations

import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Widget, new_browser, wait_until

pytestmark = [pytest.mark.servers, pytest.mark.browser]

CASE_NUMBER = re.compile(r"Z-\d{4}-\d{6}")


class Citizen(Widget):
    """A citizen in the widget: types, clicks buttons by their visible title, reads the answers."""

    def ask(self, text: str, expect: str, timeout: float = 60) -> str:
        count = len(self.messages("bot"))
        self.send(text)
        return self.wait_for_new(expect, count, timeout)

    def wait_for_new(self, expect: str, count: int, timeout: float = 60) -> str:
        return wait_until(lambda: next((m for m in self.messages("bot")[count:] if expect in m), None), timeout,
                          f"a new bot message containing {expect!r}")

    def button(self, title: str):
        """The enabled quick reply whose title contains `title` (only the current question's)."""
        return wait_until(lambda: next((b for b in self.quick_replies()
                                        if title.lower() in b.text.lower() and b.is_enabled()), None),
                          30, f"an enabled button {title!r}")

    def click(self, title: str, expect: str, keyboard: bool = False) -> str:
        count = len(self.messages("bot"))
        button = self.button(title)
        if keyboard:
            self.driver.execute_script("arguments[0].focus()", button)
            button.send_keys(Keys.ENTER)
        else:
            button.click()
        return self.wait_for_new(expect, count)

    def failed(self) -> list:
        return self.root.find_elements(By.CSS_SELECTOR, ".msg--failed")


def start(driver, url: str) -> Citizen:
    driver.get(url + "/")
    citizen = Citizen(driver)
    citizen.open()
    return citizen


def cases_of(stack, citizen: Citizen) -> list:
    from tests.conftest import login

    clerk = login(stack, "journey.reader")
    conversation = citizen.conversation()
    return requests.get(f"{stack.bot_url}/api/desk/cases?conversation={conversation['id']}",
                        headers=clerk, timeout=10).json()["cases"]


def report_journey(stack, driver) -> None:
    citizen = start(driver, stack.bot_url)
    citizen.ask("de lantaarnpaal voor mijn deur is al dagen kapot", "Openbare Ruimte")
    citizen.click("Melding maken", "Over welk soort probleem")
    titles = [b.text for b in citizen.quick_replies() if b.is_enabled()]
    assert titles[-1] == "Iets anders" and len(titles) >= 2
    citizen.click(titles[0], "Waar is het")
    # The buttons of answered questions are disabled, and say so to screen readers.
    retired = citizen.root.find_elements(By.CSS_SELECTOR, '.replies[data-retired] button')
    assert retired and all(not b.is_enabled() for b in retired)
    citizen.ask("Dorpsstraat 12, 1234 AB", "e-mailadres of telefoonnummer")
    citizen.click("Anoniem melden", "Klopt dit?")
    summary = citizen.click("Wijzig plek", "Waar is het")
    assert summary
    reply = citizen.ask("Schoolstraat 3", "Klopt dit?")
    assert "Plek: Schoolstraat 3" in reply and "Contact: anoniem" in reply
    done = citizen.click("Ja, versturen", "Je zaaknummer is")
    number = CASE_NUMBER.search(done).group(0)
    assert citizen.failed() == []
    [case] = cases_of(stack, citizen)
    assert case["number"] == number and case["type"] == "report" and case["details"]["location"] == "Schoolstraat 3"


def complaint_journey(stack, driver) -> None:
    citizen = start(driver, stack.bot_url)
    reply = citizen.ask("Ik wil een klacht indienen over hoe ik aan de balie behandeld ben", "klachtencoördinator")
    assert "Wanneer gebeurde het" in " ".join(citizen.messages("bot"))  # the story was taken from the question
    citizen.ask("vorige week dinsdag", "Over welke afdeling of medewerker")
    citizen.click("Weet ik niet", "Wat wil je dat de gemeente doet")
    citizen.ask("excuses en uitleg", "naam")
    citizen.ask("Fatima de Jong", "bereiken")
    reply = citizen.ask("fatima@example.nl", "Klopt dit?")
    assert "Dit stuur ik als klacht" in reply and "Afdeling of medewerker: (niet ingevuld)" in reply
    done = citizen.click("Ja, versturen", "Je zaaknummer is")
    assert "Klachten en Bezwaar" in done and "Awb 9:11" in done
    [case] = cases_of(stack, citizen)
    assert case["type"] == "complaint" and case["handling_term_days"] == 42
    assert citizen.failed() == []


def test_report_with_a_category_button_a_correction_and_a_case_number(stack, browser):
    report_journey(stack, browser)


def test_complaint_by_clicking_ends_in_a_case_number(stack, browser):
    complaint_journey(stack, browser)


@pytest.mark.parametrize("journey", [report_journey, complaint_journey], ids=["report", "complaint"])
def test_report_and_complaint_on_a_360px_phone(stack, journey):
    driver = new_browser(360, 740)
    try:
        journey(stack, driver)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    finally:
        driver.quit()


def test_callback_request_with_the_keyboard_only(stack, browser):
    citizen = start(browser, stack.bot_url)
    citizen.ask("Kan iemand mij terugbellen over mijn aanvraag voor bijzondere bijstand?", "telefoonnummer")
    citizen.ask("06-12345678", "beste bellen")
    reply = citizen.click("Ochtend", "Klopt dit?", keyboard=True)
    assert "Dit stuur ik als terugbelverzoek" in reply and "Dagdeel: ochtend" in reply
    done = citizen.click("Ja, versturen", "Je zaaknummer is", keyboard=True)
    assert "belt je" in done
    [case] = cases_of(stack, citizen)
    assert case["type"] == "callback" and case["contact"]["phone"] == "+31612345678"


def test_question_for_a_department_then_its_status_with_right_and_wrong_verification(stack, browser):
    citizen = start(browser, stack.bot_url)
    citizen.ask("zet mijn vraag door naar de afdeling", "Wat is je vraag")
    citizen.ask("Mag ik een schuurtje van 10 vierkante meter in mijn achtertuin bouwen?", "Hoe krijg je het antwoord")
    citizen.ask("piet@example.nl", "Klopt dit?")
    confirmation = citizen.click("Ja, versturen", "Je zaaknummer is")
    number = CASE_NUMBER.search(confirmation).group(0)
    assert "Bewaar deze code" in " ".join(citizen.messages("bot"))
    citizen.ask(f"wat is de status van {number}?", "code uit de bevestiging")
    assert "geen zaak vinden" in citizen.ask("iemand@example.nl", "geen zaak vinden")
    citizen.ask(f"hoe staat het met zaak {number}", "code uit de bevestiging")
    reply = citizen.ask("piet@example.nl", number)  # the e-mail address given counts too
    assert "ontvangen" in reply


def test_stopping_a_form_with_laat_maar_sends_nothing(stack, browser):
    citizen = start(browser, stack.bot_url)
    citizen.ask("ik wil een melding maken", "Je kunt altijd stoppen")
    reply = citizen.ask("laat maar", "niets verstuurd")
    assert reply
    assert cases_of(stack, citizen) == []


def test_a_clarifying_question_answered_by_button(stack, browser):
    citizen = start(browser, stack.bot_url)
    citizen.ask("ik wil een vergunning", "Kies een onderwerp")
    reply = citizen.click("Evenementenvergunning", "Vergunningen, Toezicht en Handhaving")
    assert reply
    assert any("Evenementenvergunning" in m for m in citizen.messages("citizen"))


def test_not_understood_twice_then_a_person_or_a_callback_by_button(stack, browser):
    citizen = start(browser, stack.bot_url)
    first = citizen.ask("sdkfj qwpoeiru zxmvn", "andere manier")
    assert first
    second = citizen.ask("lkjh poiuy mnbv", "begrijpen")
    # A clerk from an earlier test may still count as available: then a person, else a callback.
    if "terugbelt" in second:
        citizen.click("Ja, bel me terug", "terugbelverzoek")
        citizen.ask("mijn vraag over de gemeente", "telefoonnummer")
    else:
        assert "medewerker" in second
        citizen.click("Ja, met een medewerker", "medewerker")
    assert citizen.failed() == []


def test_a_handover_offered_by_a_button_and_answered_in_the_console(stack, browser, second_browser):
    from tests.browser.test_handover_browser import desk_login

    clerk = second_browser
    desk_login(clerk, stack, "sanne.bakker")
    citizen = start(browser, stack.bot_url)
    citizen.ask("ik heb geen werk meer en geen inkomen, hoe vraag ik bijstand aan", "Werk en Inkomen")
    citizen.click("Praat met een medewerker", "wachtrij")
    item = wait_until(lambda: [i for i in clerk.find_elements(By.CSS_SELECTOR, '[data-testid="queue-item"]')
                               if "bijstand" in i.text.lower()], 30, "the conversation in the queue")[0]
    item.find_element(By.CSS_SELECTOR, '[data-testid="claim"]').click()
    citizen.wait_for_bot("Je praat nu met Sanne")
    box = wait_until(lambda: clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-input"]'), 20, "reply box")
    box.send_keys("Hoi, ik ben Sanne. Sinds wanneer heb je geen inkomen?")
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="reply-send"]').click()
    citizen.wait_for_bot("Sinds wanneer heb je geen inkomen?")
    clerk.find_element(By.CSS_SELECTOR, '[data-testid="release"]').click()
    citizen.wait_for_bot("Je praat weer met Balie")


def test_an_old_button_is_disabled_after_the_next_message(stack, browser):
    citizen = start(browser, stack.bot_url)
    citizen.ask("mijn paspoort is verlopen, hoe vraag ik een nieuwe aan", "Burgerzaken")
    old = citizen.button("Wat kost het?")
    citizen.ask("wat moet ik meenemen", "Paspoort")
    assert not old.is_enabled()
    group = citizen.root.find_elements(By.CSS_SELECTOR, ".replies[data-retired]")[0]
    assert group.get_attribute("aria-label") == "Eerdere keuzes, niet meer te kiezen"
