"""Case form actions from saved trackers, without servers (as tests/actions/test_routing.py)."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cases.categories import AskCaseCategory
from actions.cases.form import ActionPrepareCase, AskCaseContact, AskCaseEmployee, fields_for
from actions.cases.status import ActionCaseStatus, AskStatusVerification, ValidateStatusForm
from actions.cases.submit import ActionSubmitCase, AskCaseConfirm, case_request, confirmation
from actions.cases.validators import ValidateCaseForm
from actions.outcome import is_outcome
from actions.desk_client import BotServiceUnavailable, Locked, NotFound, Rejected


def user(text, intent, products=(), entities=()):
    ranking = [{"intent_response_key": f"ask_product/{k}", "confidence": c} for k, c in products]
    return {"event": "user", "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": [{"entity": e, "value": v} for e, v in entities],
                           "response_selector": {"ask_product": {"ranking": ranking}}}}


def tracker(events=(), slots=None):
    events = list(events)
    latest = next((e["parse_data"] for e in reversed(events) if e.get("event") == "user"), {})
    return Tracker("conversation-1", slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, t):
    """What the citizen sees and the events; the statistics outcome (actions/outcome.py) left out."""
    messages, events, _ = run_with_outcome(action, t)
    return messages, events


def run_with_outcome(action, t):
    """(visible messages, events, the outcome payload the action attached or None)."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    outcomes = [m["custom"]["balie_outcome"] for m in dispatcher.messages if is_outcome(m)]
    return [m for m in dispatcher.messages if not is_outcome(m)], events, (outcomes[-1] if outcomes else None)


def validate(slot, value, slots):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(ValidateCaseForm(), f"validate_{slot}")(value, dispatcher, tracker(slots=slots), {}))
    return result, [m.get("text") for m in dispatcher.messages]


def slot_values(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_complaint_takes_the_story_from_the_message_that_asked_for_it():
    said = "Ik wil een klacht indienen over hoe ik aan de balie behandeld ben"
    messages, events = run(ActionPrepareCase(), tracker([user(said, "open_case", entities=[("case_type", "complaint")])]))
    values = slot_values(events)
    assert values["case_type"] == "complaint" and values["case_description"] == said
    assert "klachtencoördinator" in messages[0]["text"] and "laat maar" in messages[0]["text"]


def test_a_callback_carries_the_product_named_in_the_same_message():
    said = "Kan iemand mij terugbellen over mijn aanvraag voor bijzondere bijstand?"
    _, events = run(ActionPrepareCase(), tracker([user(said, "open_case", [("bijzonderebijstandsuitkering", 0.9)],
                                                       [("case_type", "callback")])]))
    values = slot_values(events)
    assert values["case_type"] == "callback" and values["product"] == "bijzonderebijstandsuitkering"
    assert values["case_topic"]  # the product's title: the citizen is not asked again


def test_a_bare_request_takes_the_earlier_product_question_as_description():
    events = [user("de lantaarnpaal voor mijn deur is kapot", "ask_product",
                   [("melding_openbare_ruimte_straatverlichting", 0.95)]),
              user("ik wil een melding maken", "open_case", entities=[("case_type", "melding")])]
    _, result = run(ActionPrepareCase(), tracker(events, {"product": "melding openbare ruimte (straatverlichting)"}))
    values = slot_values(result)
    assert values["case_type"] == "report" and values["case_description"] == "de lantaarnpaal voor mijn deur is kapot"


def test_the_form_asks_the_fields_of_the_case_type_from_the_data():
    assert fields_for("report") == ["case_category", "case_location", "case_description", "case_contact", "case_confirm"]
    assert fields_for("callback") == ["case_topic", "case_phone", "case_part_of_day", "case_confirm"]
    assert fields_for(None) == ["case_description", "case_contact", "case_confirm"]


def test_optional_fields_offer_their_skip_button():
    messages, _ = run(AskCaseContact(), tracker(slots={"case_type": "report"}))
    assert messages[0]["buttons"] == [{"title": "Anoniem melden", "payload": "anoniem"}]
    messages, _ = run(AskCaseEmployee(), tracker(slots={"case_type": "complaint"}))
    assert messages[0]["buttons"] == [{"title": "Weet ik niet", "payload": "weet ik niet"}]
    messages, _ = run(AskCaseContact(), tracker(slots={"case_type": "question"}))
    assert messages[0]["buttons"] == []


def test_report_categories_fit_the_words_and_always_offer_something_else():
    messages, _ = run(AskCaseCategory(), tracker(slots={"case_type": "report",
                                                         "case_description": "de straatverlichting is kapot"}))
    buttons = messages[0]["buttons"]
    assert buttons[-1] == {"title": "Iets anders", "payload": "categorie:overig"}
    assert all(b["payload"].startswith("categorie:") for b in buttons) and len(buttons) <= 4


@pytest.mark.parametrize("slot,value,slots,expected,message", [
    ("case_category", "categorie:overig", {"case_type": "report"}, "overig", None),
    ("case_category", "categorie:bestaat-niet", {"case_type": "report"}, None, "Kies een van de knoppen"),
    ("case_location", "Dorpsstraat 5, 0123 AB", {"case_type": "report"}, None, "4 cijfers en 2 letters"),
    ("case_location", "bij het speelveldje", {"case_type": "report"}, "bij het speelveldje", None),
    ("case_description", "ok", {"case_type": "report"}, None, "wat kort"),
    ("case_description", "x" * 1001, {"case_type": "report"}, None, "te lang"),
    ("case_description", "/open_case", {"case_type": "report"}, None, "eigen woorden"),
    ("case_description", "mijn bsn is 111222333 en de stoep is kapot", {"case_type": "report"},
     "mijn bsn is [BSN verwijderd] en de stoep is kapot", "weggehaald"),
    ("case_employee", "weet ik niet", {"case_type": "complaint"}, "-", None),
    ("case_contact", "anoniem", {"case_type": "report"}, "anoniem", None),
    ("case_contact", "anoniem", {"case_type": "question"}, None, None),
    ("case_contact", "geen", {"case_type": "complaint"}, None, "Zonder contactgegevens"),
    ("case_contact", "Dorpsstraat 5, 1234 AB Voorbeeld", {"case_type": "complaint"}, "Dorpsstraat 5, 1234 AB Voorbeeld", None),
    ("case_contact", "jan@example.nl", {"case_type": "question"}, "jan@example.nl", None),
    ("case_phone", "0612", {"case_type": "callback"}, None, "klopt niet"),
    ("case_phone", "06-12345678", {"case_type": "callback"}, "+31612345678", None),
    ("case_part_of_day", "smiddags graag", {"case_type": "callback"}, "middag", None),
    ("case_part_of_day", "nooit", {"case_type": "callback"}, None, "ochtend, middag"),
    ("case_name", "12345", {"case_type": "complaint"}, None, "voornaam en achternaam"),
    ("case_confirm", "ja versturen", {"case_type": "report"}, "ja", None),
    ("case_confirm", "misschien", {"case_type": "report"}, None, "Ja, versturen"),
])
def test_validators(slot, value, slots, expected, message):
    result, texts = validate(slot, value, slots)
    assert result[slot] == expected
    if message:
        assert any(message in (t or "") for t in texts), texts


def test_a_change_button_empties_that_field_so_the_form_asks_it_again():
    result, _ = validate("case_confirm", "wijzig case_location", {"case_type": "report"})
    assert result == {"case_confirm": None, "case_location": None}
    result, _ = validate("case_confirm", "wijzig plek", {"case_type": "report"})
    assert result == {"case_confirm": None, "case_location": None}


def test_the_summary_lists_every_field_with_change_buttons():
    slots = {"case_type": "callback", "case_topic": "Parkeervergunning", "case_phone": "+31612345678",
             "case_part_of_day": "ochtend"}
    messages, _ = run(AskCaseConfirm(), tracker(slots=slots))
    assert "Dit stuur ik als terugbelverzoek" in messages[0]["text"] and "Dagdeel: ochtend" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Ja, versturen", "Wijzig onderwerp", "Wijzig telefoonnummer", "Wijzig dagdeel"]


class Desk:
    """The bot service's case API at the edge: records the request, answers like the service."""

    def __init__(self, error=None):
        self.error, self.requests = error, []

    def open_case(self, body):
        self.requests.append(body)
        if self.error:
            raise self.error
        return {"number": "Z-2026-480042", "type": body["type"], "due_date": "2026-12-15",
                "handling_term_days": 14, "department": {"id": "openbare_ruimte", "name": "Openbare Ruimte"},
                "lookup_code": "K7QF-M3ZD"}

    def lookup_case(self, number, verification, conversation_id):
        self.requests.append({"number": number, "verification": verification, "conversation_id": conversation_id})
        if self.error:
            raise self.error
        return {"number": number, "type_nl": "Melding", "status": "in_progress", "status_nl": "in behandeling",
                "department": {"id": "openbare_ruimte", "name": "Openbare Ruimte"}, "due_date": "2026-12-15"}


REPORT = {"case_type": "report", "case_category": "overig", "case_location": "Dorpsstraat 5, 1234 AB",
          "case_description": "er ligt glas", "case_contact": "anoniem", "case_confirm": "ja"}


def test_submit_sends_the_case_and_tells_number_department_and_term():
    desk = Desk()
    messages, events = run(ActionSubmitCase(desk), tracker([user("ja versturen", "inform")], REPORT))
    body = desk.requests[0]
    assert body["type"] == "report" and body["postcode"] == "1234 AB" and "email" not in body
    assert body["details"]["sub_category"] == "overig" and body["idempotency_key"].startswith("chat:")
    assert "Z-2026-480042" in messages[0]["text"] and "Openbare Ruimte" in messages[0]["text"]
    assert messages[0]["text"].endswith("Je code is K7QF-M3ZD. Bewaar deze code. "
                                        "Je hebt hem nodig om de status van je zaak op te vragen.")
    assert SlotSet("case_number", "Z-2026-480042") in events


def test_a_replayed_answer_without_code_says_how_to_ask_for_the_status():
    case = {"number": "Z-2026-480042", "type": "report", "due_date": "2026-12-15", "handling_term_days": 14,
            "department": {"id": "openbare_ruimte", "name": "Openbare Ruimte"}}
    assert "code" not in confirmation({**case, "contact": {"email": None, "phone": None}})
    assert confirmation({**case, "contact": {"email": None, "phone": None}}).endswith("Bel dan 14 0999.")
    assert "e-mailadres of telefoonnummer dat je gaf" in confirmation({**case, "contact": {"email": "a@b.nl"}})


def test_submit_when_the_service_is_down_says_nothing_was_sent_and_gives_the_phone_number():
    messages, events = run(ActionSubmitCase(Desk(BotServiceUnavailable("down"))), tracker([user("ja", "inform")], REPORT))
    assert "niets verstuurd" in messages[0]["text"] and "14 0999" in messages[0]["text"] and events == []


def test_submit_refused_says_why():
    messages, _ = run(ActionSubmitCase(Desk(Rejected("unknown product"))), tracker([user("ja", "inform")], REPORT))
    assert "unknown product" in messages[0]["text"]


def test_the_same_submission_retried_has_the_same_idempotency_key():
    events = [user("ja", "inform")]
    assert case_request(tracker(events, REPORT))["idempotency_key"] == case_request(tracker(events, REPORT))["idempotency_key"]


STATUS = {"status_number": "Z-2026-480042", "status_verification": "K7QF-M3ZD"}


def test_the_status_question_asks_for_the_code_not_the_postcode():
    messages, _ = run(AskStatusVerification(), tracker())
    text = messages[0]["text"]
    assert "code uit de bevestiging" in text and "K7QF-M3ZD" in text
    assert "e-mailadres of telefoonnummer" in text and "postcode" not in text


@pytest.mark.parametrize("value,expected,message", [
    ("k7qf m3zd", "K7QF-M3ZD", None),
    ("K7QFM3ZD", "K7QF-M3ZD", None),
    ("Jan@Example.nl", "Jan@example.nl", None),
    ("06-12345678", "+31612345678", None),
    ("1234 AB", None, "code uit de bevestiging"),
    ("K7QF-M3Z0", None, "code uit de bevestiging"),
    ("jan@", None, "e-mailadres klopt niet"),
])
def test_status_verification_takes_a_code_an_email_or_a_phone_number(value, expected, message):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateStatusForm().validate_status_verification(value, dispatcher, tracker(), {}))
    assert result == {"status_verification": expected}
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert any(message in t for t in texts) if message else texts == []


def test_status_lookup_sends_the_conversation_and_tells_the_status():
    desk = Desk()
    messages, events = run(ActionCaseStatus(desk), tracker(slots=STATUS))
    assert desk.requests == [{"number": "Z-2026-480042", "verification": "K7QF-M3ZD",
                              "conversation_id": "conversation-1"}]
    assert messages[0]["text"] == ("Zaak Z-2026-480042 (melding) is in behandeling. "
                                   "Openbare Ruimte behandelt hem, uiterlijk 15-12-2026.")
    assert SlotSet("status_verification", None) in events and SlotSet("status_number", None) in events


def test_status_not_found_names_the_code_and_the_phone_number():
    messages, _ = run(ActionCaseStatus(Desk(NotFound("x"))), tracker(slots=STATUS))
    text = messages[0]["text"]
    assert text.startswith("Ik kan geen zaak vinden") and "de code" in text and "14 0999" in text
    assert "postcode" not in text


def test_status_locked_says_when_to_try_again_and_to_call_the_contact_centre():
    messages, events = run(ActionCaseStatus(Desk(Locked("locked", retry_after=5 * 3600 + 1))), tracker(slots=STATUS))
    text = messages[0]["text"]
    assert "te veel pogingen" in text and "over 6 uur" in text and "bel 14 0999" in text.lower()
    assert SlotSet("status_verification", None) in events
