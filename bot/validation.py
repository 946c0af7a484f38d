"""Checks of what citizens type in forms, with a Dutch (B1) message when it is wrong.

Used by the actions (form validation) and by the bot service's API, so both accept the
same values. Phone numbers: phonenumbers (Google's libphonenumber); e-mail: email-validator;
Dutch date expressions: dateparser.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Optional

import phonenumbers
from dateparser.search import search_dates
from email_validator import EmailNotValidError, validate_email

POSTCODE = re.compile(r"\b([1-9][0-9]{3})\s?([A-Za-z]{2})\b")
# Postcode letters SA, SD and SS are not used in Dutch postcodes.
UNUSED_POSTCODE_LETTERS = {"SA", "SD", "SS"}
HOUSE_NUMBER = re.compile(r"^\s*(\d{1,5})(?:\s*[-/ ]?\s*([a-zA-Z]{1,4}|\d{1,4}|bis))?\s*$")


# dateparser's Dutch data has no words for a part of a day; they name a day all the same
# (days back from today).
DAY_PARTS = {
    "vanochtend": 0, "vanmorgen": 0, "vanmiddag": 0, "vanavond": 0, "vannacht": 0,
    "gisterochtend": 1, "gistermorgen": 1, "gistermiddag": 1, "gisteravond": 1, "gisternacht": 1,
}
# "vorige week", "in oktober": a period, not a day. We keep the citizen's words only.
PERIOD_WORDS = re.compile(r"\b(week|weken|maand|maanden|jaar|jaren)\b", re.I)
CLOCK_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")
# Older than this is a misreading ("32-10" read as 1932), not an answer.
MAX_YEARS_BACK = 10
DATE_SETTINGS = {"PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day"]}


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


def incident_moment(text: str, now: datetime) -> Optional[str]:
    """The day (and clock time, if typed) a Dutch answer to "when did it happen?" names.

    'gisteren', 'vanochtend', '3 november', '12-11 om 14:30', '2 dagen geleden' give
    '26-11-2026' or '12-11-2026 14:30'. None when the answer names no single day
    ('vorige week', 'weet ik niet meer', two dates). A day after today is refused.
    """
    text = (text or "").strip()
    lowered = text.lower()
    for word, days_back in DAY_PARTS.items():
        if re.search(rf"\b{word}\b", lowered):
            return f"{now.date() - timedelta(days=days_back):%d-%m-%Y}"
    if PERIOD_WORDS.search(lowered):
        return None
    found = search_dates(text, languages=["nl"], settings={**DATE_SETTINGS, "RELATIVE_BASE": now})
    if not found or len(found) != 1:
        return None
    words, moment = found[0]
    if moment.date() > now.date():
        raise InvalidValue("Die datum ligt in de toekomst. Wanneer gebeurde het? Bijvoorbeeld: 'gisteren' of '3 november'.")
    if moment.date() < date(now.year - MAX_YEARS_BACK, now.month, 1):
        return None
    clock = CLOCK_TIME.search(words)
    return f"{moment:%d-%m-%Y}" + (f" {int(clock.group(1)):02d}:{clock.group(2)}" if clock else "")
