"""Explicit journey words win: the patterns of data/catalogue/case_types.yml on citizens' phrasings."""
from __future__ import annotations

import pytest

from bot.settings import settings
from nlu_components.journey_words import Journeys, load_patterns


@pytest.fixture(scope="module")
def journeys() -> Journeys:
    return Journeys(load_patterns(settings.catalogue_dir))


@pytest.mark.parametrize("text,intent,case_type", [
    ("Ik wil een klacht indienen over hoe ik aan de balie behandeld ben", "open_case", "complaint"),
    ("ik wil klagen over een medewerker van burgerzaken", "open_case", "complaint"),
    ("Kan iemand mij terugbellen over mijn aanvraag voor bijzondere bijstand?", "open_case", "callback"),
    ("bel me terug over mn paspoort", "open_case", "callback"),
    ("ik wil graag teruggebeld worden over de wmo", "open_case", "callback"),
    ("ik wil een melding maken over een kapotte lantaarnpaal", "open_case", "report"),
    ("kan ik hier een losliggende stoeptegel melden", "open_case", "report"),
    ("zet mijn vraag door naar de afdeling belastingen", "open_case", "question"),
    ("ik wil een medewerker spreken over mijn bijstand", "request_human", None),
    ("medewerker", "request_human", None),
    ("kan ik met een mens praten", "request_human", None),
    ("wat is de status van Z-2026-000123", "case_status", None),
    ("hoe staat het met mijn melding", "case_status", None),
    ("I want to file a complaint about the service", "open_case", "complaint"),
    ("laat maar", "stop", None),
    ("Stop!", "stop", None),
])
def test_explicit_words_start_the_journey(journeys, text, intent, case_type):
    found = journeys.match(text)
    assert found is not None and found[:2] == (intent, case_type)


@pytest.mark.parametrize("text", [
    "mijn paspoort is verlopen",
    "ik heb last van de buren, ze maken elke nacht herrie",
    "hoe meld ik mijn verhuizing",  # a product (verhuismelding), not a report about public space
    "wat kost een klachtenregeling eigenlijk",
    "de medewerker was heel vriendelijk, bedankt",
    "laat maar weten wanneer het grofvuil komt",
])
def test_product_questions_stay_product_questions(journeys, text):
    assert journeys.match(text) is None


@pytest.mark.parametrize("text", ["kan ik hier mijn verhuizing melden", "ik wil de geboorte van mijn zoon melden"])
def test_civil_affairs_notifications_are_not_reports(journeys, text):
    assert journeys.match(text) is None
