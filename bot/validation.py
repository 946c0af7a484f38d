"""Checks of what citizens type in forms, with a Dutch (B1) message when it is wrong.

Used by the actions (form validation) and by the bot service's API, so both accept the
same values. Phone numbers: phonenumbers (Google's libphonenumber); e-mail: email-validator.
"""
from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

POSTCODE = re.compile(r"\b([1-9][0-9]{3})\s?([A-Za-z]{2})\b")
# Postcode letters SA, SD and SS are not used in Dutch postcodes.
UNUSED_POSTCODE_LETTERS = {"SA", "SD", "SS"}
HOUSE_NUMBER = re.compile(r"^\s*(\d{1,5})(?:\s*[-/ ]?\s*([a-zA-Z]{1,4}|\d{1,4}|bis))?\s*$")


class InvalidValue(ValueError):
    """A value that is not accepted; str() is the Dutch message for the citizen."""


def phone(text: str) -> str:
    """A Dutch or international phone number in E.164 form (+31612345678)."""
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        raise InvalidValue("Dat telefoonnummer klopt niet. Typ het zo: 06 12345678 of 010 1234567.")
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("Dat telefoonnummer klopt niet. Typ het zo: 06 12345678 of 010 1234567.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(text: str) -> str:
    """A normalised e-mail address (syntax check only: we do not look up the domain)."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidValue("Dat e-mailadres klopt niet. Typ het zo: naam@voorbeeld.nl.")


def postcode(text: str) -> str:
    """A Dutch postcode as '1234 AB'."""
    match = POSTCODE.search(text or "")
    if not match or match.group(2).upper() in UNUSED_POSTCODE_LETTERS:
        raise InvalidValue("Die postcode klopt niet. Een postcode heeft 4 cijfers en 2 letters, zoals 1234 AB.")
    return f"{match.group(1)} {match.group(2).upper()}"


def find_postcode(text: str) -> str | None:
    """The first valid postcode in a text, or None."""
    try:
        return postcode(text)
    except InvalidValue:
        return None


def house_number(text: str) -> str:
    """A house number with optional addition: '12', '12a', '12-2', '12 bis'."""
    match = HOUSE_NUMBER.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InvalidValue("Dat huisnummer klopt niet. Typ het nummer met een eventuele toevoeging, zoals 12 of 12a.")
    addition = match.group(2)
    return f"{int(match.group(1))}{('-' + addition) if addition and addition.isdigit() else (addition or '').lower()}"


def contact(text: str) -> dict:
    """An e-mail address or phone number, whichever the citizen typed."""
    text = (text or "").strip()
    if "@" in text:
        return {"email": email(text)}
    try:
        return {"phone": phone(text)}
    except InvalidValue:
        raise InvalidValue("Typ een e-mailadres (naam@voorbeeld.nl) of een telefoonnummer (06 12345678).")
