"""What citizens type in forms: accepted in normal forms, refused with a Dutch message."""
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
