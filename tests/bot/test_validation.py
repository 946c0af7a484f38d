"""What citizens type in forms: accepted in normal forms, refused with a Dutch message."""
from datetime import datetime

import pytest

from bot import validation


@pytest.mark.parametrize("text,expected", [
    ("06-12345678", "+31612345678"), ("06 1234 5678", "+31612345678"),
    ("010 123 4567", "+31101234567"), ("+31 20 123 4567", "+31201234567"),
])
def test_phone_numbers(text, expected):
    assert validation.phone(text) == expected


@pytest.mark.parametrize("text", ["0612", "12345", "bel me", "06-1234567890123"])
def test_bad_phone_numbers(text):
    with pytest.raises(validation.InvalidValue, match="telefoonnummer"):
        validation.phone(text)


def test_email_is_normalised_and_checked():
    assert validation.email(" Jan@Example.NL ") == "Jan@example.nl"
    with pytest.raises(validation.InvalidValue, match="e-mailadres"):
        validation.email("jan@")


@pytest.mark.parametrize("text,expected", [("1234AB", "1234 AB"), ("mijn postcode is 5611 em", "5611 EM")])
def test_postcodes(text, expected):
    assert validation.postcode(text) == expected


@pytest.mark.parametrize("text", ["0123 AB", "1234 SS", "12 AB", "postcode"])
def test_bad_postcodes(text):
    with pytest.raises(validation.InvalidValue, match="4 cijfers en 2 letters"):
        validation.postcode(text)


@pytest.mark.parametrize("text,expected", [("12", "12"), ("12 A", "12a"), ("12-2", "12-2"), ("7bis", "7bis")])
def test_house_numbers(text, expected):
    assert validation.house_number(text) == expected


@pytest.mark.parametrize("text", ["0", "abc", "12 abcdef"])
def test_bad_house_numbers(text):
    with pytest.raises(validation.InvalidValue, match="huisnummer"):
        validation.house_number(text)


def test_contact_is_email_or_phone():
    assert validation.contact("piet@example.nl") == {"email": "piet@example.nl"}
    assert validation.contact("0612345678") == {"phone": "+31612345678"}
    with pytest.raises(validation.InvalidValue, match="e-mailadres .* of een telefoonnummer"):
        validation.contact("morgen")


NOW = datetime(2026, 11, 27, 10, 0)  # a Friday


@pytest.mark.parametrize("text, expected", [
    ("gisteren", "26-11-2026"),
    ("het gebeurde eergisteren aan de balie", "25-11-2026"),
    ("vanochtend", "27-11-2026"),
    ("gisteravond rond acht uur", "26-11-2026"),
    ("op 3 november belde ik", "03-11-2026"),
    ("2 december", "02-12-2025"),  # a day without a year lies in the past
    ("12-11-2026 om 14:30", "12-11-2026 14:30"),
    ("2 dagen geleden", "25-11-2026"),
    ("vandaag", "27-11-2026"),
])
def test_incident_moment_names_the_day(text, expected):
    assert validation.incident_moment(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "vorige week", "in oktober", "2 weken geleden", "weet ik niet meer", "toen ik mijn paspoort ophaalde",
    "op 3 nov en op 10 nov", "32-10", "",
])
def test_incident_moment_without_a_single_day_is_none(text):
    assert validation.incident_moment(text, NOW) is None


@pytest.mark.parametrize("text", ["morgen", "3-12-2026", "15 januari 2027"])
def test_incident_moment_in_the_future_is_refused(text):
    with pytest.raises(validation.InvalidValue, match="toekomst"):
        validation.incident_moment(text, NOW)
