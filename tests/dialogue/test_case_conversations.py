"""Opening cases in the chat, turn by turn, through the real bot service, Rasa and actions."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.conftest import RASA_TOKEN, login, say

pytestmark = pytest.mark.servers


class Chat:
    """A citizen in one conversation."""

    def __init__(self, stack, conversation):
        self.stack, self.conversation = stack, conversation

    def __call__(self, text: str = None, payload: str = None) -> dict:
        response = say(self.stack, self.conversation, text, payload)
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        return {"text": "\n".join(m["text"] for m in messages),
                "buttons": [b for m in messages for b in (m.get("buttons") or [])]}

    def press(self, reply: dict, title_fragment: str) -> dict:
        button = next(b for b in reply["buttons"] if title_fragment.lower() in b["title"].lower())
        return self(payload=button["payload"])  # exactly what the widget sends for a click

    def cases(self):
        clerk = login(self.stack, "cases.reader")
        return requests.get(f"{self.stack.bot_url}/api/desk/cases?conversation={self.conversation[0]}",
                            headers=clerk, timeout=10).json()["cases"]


@pytest.fixture
def chat(stack, conversation):
    return Chat(stack, conversation)


def case_number(text: str) -> str:
    return re.search(r"Z-\d{4}-\d{6}", text).group(0)


def test_report_happy_path_with_the_story_taken_from_the_question(chat):
    answer = chat("de lantaarnpaal voor mijn deur is al dagen kapot")
    reply = chat.press(answer, "Melding maken")
    assert "melding" in reply["text"].lower() and "laat maar" in reply["text"]
    assert any("straatverlichting" in b["title"].lower() or "klok" in b["title"].lower() for b in reply["buttons"])
    reply = chat.press(reply, reply["buttons"][0]["title"])
    assert "Waar is het" in reply["text"]
    reply = chat("Dorpsstraat 12, 1234 AB")
    assert "e-mailadres of telefoonnummer" in reply["text"]  # description was taken from the question
    reply = chat("jan@example.nl")
    assert "Omschrijving: de lantaarnpaal voor mijn deur is al dagen kapot" in reply["text"]
    assert "Klopt dit?" in reply["text"]
    done = chat.press(reply, "Ja, versturen")
    assert "Je zaaknummer is Z-" in done["text"] and "Openbare Ruimte" in done["text"]
    assert re.search(r"uiterlijk \d{2}-\d{2}-\d{4}", done["text"])
    [case] = chat.cases()
    assert case["number"] == case_number(done["text"]) and case["type"] == "report"
    assert case["details"]["sub_category"] and case["contact"]["email"] == "jan@example.nl"
    assert case["product"] == "melding openbare ruimte (straatverlichting)" and case["channel"] == "chat"


def test_report_correction_invalid_field_and_anonymous(chat):
    reply = chat("ik wil een melding maken")
    reply = chat.press(reply, "Iets anders")
    reply = chat("Dorpsstraat 5, 0123 AB")  # no Dutch postcode starts with 0: asked again
    assert "4 cijfers en 2 letters" in reply["text"]
    reply = chat("bij het speelveldje achter de school")
    assert "aan de hand" in reply["text"]
    reply = chat("er ligt overal glas")
    reply = chat.press(reply, "Anoniem")
    assert "Contact: anoniem" in reply["text"]
    reply = chat.press(reply, "Wijzig plek")
    assert "Waar is het" in reply["text"]
    reply = chat("Schoolstraat 3")
    assert "Plek: Schoolstraat 3" in reply["text"] and "Klopt dit?" in reply["text"]
    done = chat("ja")
    assert "Je zaaknummer is" in done["text"]
    [case] = chat.cases()
    assert case["details"]["location"] == "Schoolstraat 3" and case["contact"]["email"] is None


def test_report_cancelled_opens_nothing(chat):
    chat("ik wil een melding maken")
    reply = chat("laat maar")
    assert "niets verstuurd" in reply["text"]
    assert chat.cases() == []
    assert "Burgerzaken" in chat("hoe verleng ik mijn rijbewijs")["text"]


def test_complaint_needs_name_and_contact_and_states_the_awb_term(chat):
    reply = chat("ik wil een klacht indienen")
    assert "klachtencoördinator" in reply["text"]
    chat("de medewerker aan de balie was onbeleefd en luisterde niet")
    chat("vorige week dinsdag")
    reply = chat("weet ik niet")
    assert "Wat wil je dat de gemeente doet" in reply["text"]
    reply = chat("excuses en uitleg")
    assert "naam" in reply["text"]
    reply = chat("12345")
    assert "voornaam en achternaam" in reply["text"]
    reply = chat("Fatima de Jong")
    reply = chat("geen")
    assert "Zonder contactgegevens" in reply["text"]
    reply = chat("fatima@example.nl")
    assert "Naam: Fatima de Jong" in reply["text"]
    done = chat("ja versturen")
    assert "Klachten en Bezwaar" in done["text"] and "zes weken" in done["text"] and "42 dagen" in done["text"]
    [case] = chat.cases()
    assert case["type"] == "complaint" and case["handling_term_days"] == 42


def test_complaint_date_is_resolved_and_a_future_day_is_refused(chat):
    chat("ik wil een klacht indienen")
    chat("ik werd aan de telefoon afgesnauwd door een medewerker")
    reply = chat("morgen")
    assert "toekomst" in reply["text"]
    chat("gisteren")
    chat("weet ik niet")
    chat("excuses")
    chat("Fatima de Jong")
    reply = chat("fatima@example.nl")
    yesterday = datetime.now(ZoneInfo("Europe/Amsterdam")).date() - timedelta(days=1)
    assert f"gisteren ({yesterday:%d-%m-%Y})" in reply["text"]


def test_callback_with_invalid_phone_asked_again(chat):
    chat("kunnen jullie mij terugbellen")
    reply = chat("mijn aanvraag voor bijzondere bijstand")
    assert "telefoonnummer" in reply["text"]
    reply = chat("0612")
    assert "klopt niet" in reply["text"]
    reply = chat("06-12345678")
    assert "beste bellen" in reply["text"]
    reply = chat.press(reply, "Middag")
    assert "Dagdeel: middag" in reply["text"]
    assert "Je zaaknummer is" in chat("ja")["text"]


def test_question_for_a_department(chat):
    chat("ik wil weten of ik kwijtschelding kan krijgen voor de afvalstoffenheffing")
    reply = chat("zet mijn vraag door naar de afdeling")
    assert "e-mailadres of telefoonnummer" in reply["text"]
    reply = chat("geen mail")
    assert "e-mailadres" in reply["text"]
    reply = chat("010 1234567")
    assert "Klopt dit?" in reply["text"]
    done = chat("ja")
    assert "Belastingen" in done["text"]


def test_bsn_in_a_form_is_masked_and_never_stored(chat):
    chat("zet mijn vraag door naar de afdeling")
    reply = chat("mijn bsn is 111222333 en ik wil weten hoe het zit met mijn aanvraag")
    assert "weggehaald" in reply["text"]
    chat("jan@example.nl")
    chat("ja")
    [case] = chat.cases()
    assert "111222333" not in str(case)


def test_status_lookup_right_and_wrong_verification(chat, stack, conversation):
    chat("zet mijn vraag door naar de afdeling")
    chat("hoe lang is mijn paspoort geldig")
    chat("piet@example.nl")
    confirmation = chat("ja")["text"]
    number = case_number(confirmation)
    code = re.search(r"Je code is ([A-Z0-9]{4}-[A-Z0-9]{4})", confirmation).group(1)
    reply = chat(f"wat is de status van {number}?")
    assert "code uit de bevestiging" in reply["text"]
    reply = chat("iemand@example.nl")
    assert "geen zaak vinden" in reply["text"] and "ontvangen" not in reply["text"]
    chat(f"hoe staat het met zaak {number}")
    reply = chat(code)
    assert number in reply["text"] and "ontvangen" in reply["text"]
    chat(f"en nog een keer zaak {number}")
    reply = chat("piet@example.nl")  # the e-mail address given counts too
    assert number in reply["text"] and "ontvangen" in reply["text"]
    reply = chat("status van Z-2019-999999 graag")
    reply = chat("piet@example.nl")
    assert "geen zaak vinden" in reply["text"]


@pytest.mark.parametrize("opening,first_answer", [
    ("ik wil een klacht indienen", "ik werd aan de telefoon afgesnauwd"),
    ("kunnen jullie mij terugbellen", "over mijn WOZ-waarde"),
    ("zet mijn vraag door naar de afdeling", "mag ik een dakkapel bouwen zonder vergunning"),
])
def test_every_case_type_can_be_stopped_without_sending(chat, opening, first_answer):
    chat(opening)
    chat(first_answer)
    assert "niets verstuurd" in chat("laat maar")["text"]
    assert chat.cases() == []


def test_callback_phone_number_can_be_corrected_at_the_summary(chat):
    chat("kunnen jullie mij terugbellen")
    chat("over mijn parkeervergunning")
    chat("06 12345678")
    reply = chat("ochtend")
    reply = chat.press(reply, "Wijzig telefoonnummer")
    assert "telefoonnummer" in reply["text"]
    reply = chat("06 87654321")
    assert "Telefoonnummer: +31687654321" in reply["text"]
    assert "Je zaaknummer is" in chat("ja")["text"]
    [case] = chat.cases()
    assert case["contact"]["phone"] == "+31687654321"


# The journey the citizen asks for wins over the product named in the same message (issue 11),
# and the product goes into the case: the same phrasings as tests/stories/test_case_stories.yml.
COMBINED = [
    ("Ik wil een klacht indienen over hoe ik aan de balie behandeld ben", "klachtencoördinator", None),
    ("ik wil klagen over de medewerker die mijn wmo aanvraag behandelde", "klachtencoördinator", None),
    ("Kan iemand mij terugbellen over mijn aanvraag voor bijzondere bijstand?", "terugbelverzoek",
     "bijzonderebijstandsuitkering"),
    ("bel me terug over de woz waarde van mijn huis", "terugbelverzoek", None),
    ("kunnen jullie me terugbellen over mijn parkeervergunning", "terugbelverzoek", "parkeervergunning"),
    ("ik wil een melding maken over de kapotte lantaarnpaal in mijn straat", "melding te maken",
     "melding openbare ruimte (straatverlichting)"),
    ("ik wil een melding doen van een losse stoeptegel voor de school", "melding te maken", None),
    ("zet mijn vraag over de hondenbelasting door naar de afdeling", "vraag door naar de afdeling", "hondenbelasting"),
    ("ik wil een formele klacht indienen over de afhandeling van mijn kapvergunning", "klachtencoördinator", None),
    ("graag een terugbelverzoek over mijn omgevingsvergunning voor een dakkapel", "terugbelverzoek", None),
]


@pytest.mark.parametrize("text,intro,product", COMBINED)
def test_the_journey_asked_for_wins_over_the_product_named(chat, stack, text, intro, product):
    reply = chat(text)
    assert intro in reply["text"] and "laat maar" in reply["text"]
    if product:
        response = requests.get(f"{stack.rasa_url}/conversations/{chat.conversation[0]}/tracker",
                                params={"token": RASA_TOKEN}, timeout=10)
        assert response.json()["slots"]["product"] == product
