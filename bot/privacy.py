"""Privacy by design: a BSN or IBAN a citizen types is never stored or forwarded in clear.

Balie never asks for a BSN. Numbers are recognised with python-stdnum's checks (BSN
eleven-test, IBAN mod-97), so an ordinary number that fails the check stays as typed.

How a BSN is recognised:
- People group numbers as they like: `111222333`, `111.222.333`, `111-222-333`,
  `1112 22 333`, `1 1 1 2 2 2 3 3 3`. Numbers joined by single separators (space, dot,
  dash) form one run; a run of exactly 9 digits that passes the eleven-test is a BSN.
- A run of more than 9 digits is a longer number (a phone number, a case number
  Z-2026-000123); only a part of it written as 9 digits in one piece still counts, as in
  "06 12345678 111222333". A run that starts with `+` or `00` is an international phone
  number and never counts.
- Only 9 digits. stdnum also accepts 8 (it adds the leading zero), but a BSN is always
  written with 9 digits on the passport, the driving licence and in MijnOverheid, and
  8-digit numbers are KvK numbers, dates (20260312) and phone numbers without area code:
  one in eleven of those would pass the test and be removed for nothing.
- A sum of money (`111.222.333,00`, `111222333,-`) is not a BSN.
- Digits glued to letters (`AB111222333`, `111222333x`) are a code, not a BSN.
A BSN glued to another number by a single space ("111 222 333 4") is not recognised: it
cannot be told apart from one longer number.

How an IBAN is recognised: two letters and two digits, then letters and digits with or
without single spaces, dashes or dots, any case (`NL91 ABNA 0417 1643 00`,
`nl91abna0417164300`, `NL91-ABNA-0417-1643-00`); the longest such piece that passes the
country's length and the mod-97 check is removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from stdnum.iban import is_valid as is_iban
from stdnum.nl.bsn import is_valid as is_bsn

BSN_MASK = "[BSN verwijderd]"
IBAN_MASK = "[IBAN verwijderd]"

NOTICE = (
    "Je stuurde een burgerservicenummer of rekeningnummer. Dat heb ik weggehaald, "
    "om je privacy te beschermen. Het is niet bewaard. Deel dit soort nummers niet in de chat."
)

# A BSN has exactly 9 digits (see the module docstring for why not 8).
BSN_DIGITS = 9
# ISO 13616: an IBAN has at most 34 characters; the shortest (Norway) has 15.
IBAN_MIN, IBAN_MAX = 15, 34

# One character between the groups of a number, as people type them.
_SEPARATORS = " .-\u00a0"
_WORD = re.compile(r"\+?\w+")
_NUMBER = re.compile(r"\+?[0-9]+")
_AMOUNT_CENTS = re.compile(r",[0-9-]")
_IBAN_START = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}")
_IBAN_PIECES = re.compile(r"[0-9A-Za-z]+(?:[ .\-\u00a0][0-9A-Za-z]+){0,33}")


@dataclass(frozen=True)
class Masked:
    """Text with personal numbers replaced, and whether anything was replaced."""

    text: str
    masked: bool


def mask_personal_numbers(text: str) -> Masked:
    """Replace valid IBANs and BSNs in text by a marker."""
    without_iban = _mask_ibans(text)
    result = _mask_bsns(without_iban)
    return Masked(result, result != text)


def _mask_ibans(text: str) -> str:
    parts: List[str] = []
    position = 0
    search_from = 0
    while True:
        start = _IBAN_START.search(text, search_from)
        if start is None:
            break
        end = _valid_iban_end(text, start.start())
        if end is None:
            search_from = start.start() + 1
            continue
        parts += [text[position:start.start()], IBAN_MASK]
        position = search_from = end
    parts.append(text[position:])
    return "".join(parts)


def _valid_iban_end(text: str, start: int):
    """Where the longest valid IBAN starting at `start` ends, or None."""
    pieces = _IBAN_PIECES.match(text, start)
    candidates = []  # (end, compact) for every piece boundary, up to the longest IBAN
    compact = ""
    for piece in re.finditer(r"[0-9A-Za-z]+", pieces.group(0)):
        compact += piece.group(0)
        if len(compact) > IBAN_MAX:
            break
        candidates.append((start + piece.end(), compact))
    for end, candidate in reversed(candidates):
        if len(candidate) >= IBAN_MIN and is_iban(candidate):
            return end
    return None


def _mask_bsns(text: str) -> str:
    spans = [span for run in _number_runs(text) for span in _bsn_spans(text, run)]
    for start, end in reversed(spans):
        text = text[:start] + BSN_MASK + text[end:]
    return text


def _number_runs(text: str) -> List[List[re.Match]]:
    """Runs of number words joined by exactly one separator character."""
    runs: List[List[re.Match]] = []
    current: List[re.Match] = []
    previous = None
    for word in _WORD.finditer(text):
        joined = previous is not None and word.start() - previous.end() == 1 \
            and text[previous.end()] in _SEPARATORS
        if not _NUMBER.fullmatch(word.group(0)) or not joined:
            if current:
                runs.append(current)
            current = []
        if _NUMBER.fullmatch(word.group(0)):
            current.append(word)
        previous = word
    if current:
        runs.append(current)
    return runs


def _bsn_spans(text: str, run: List[re.Match]) -> List[Tuple[int, int]]:
    first = run[0].group(0)
    digits = "".join(word.group(0) for word in run)
    if first.startswith("+") or (first.startswith("00") and len(digits) > BSN_DIGITS):
        # An international phone number (+31 6 12345678, 0031 612345678).
        return []
    if _AMOUNT_CENTS.match(text, run[-1].end()):
        # A sum of money written the Dutch way: 111.222.333,00.
        return []
    if len(digits) == BSN_DIGITS:
        return [(run[0].start(), run[-1].end())] if is_bsn(digits) else []
    if len(digits) < BSN_DIGITS:
        return []
    return [(word.start(), word.end()) for word in run
            if len(word.group(0)) == BSN_DIGITS and is_bsn(word.group(0))]


# ---------- personal data in texts shown again later (the review list, issue 13) ----------
#
# The chat itself only removes BSNs and IBANs (above): an e-mail address or a phone number in
# a question is something the citizen wants the municipality to use. A text shown again out of
# its conversation (the beheerder's review list, training examples) needs none of that, so
# `mask_personal_data` also removes e-mail addresses, phone numbers, postcodes and case numbers.
# Names cannot be recognised reliably: the review list is for the beheerder role only, and an
# exported example is read by a person before it reaches data/nlu/ (docs/beheer.md).

EMAIL_MASK = "[e-mail verwijderd]"
PHONE_MASK = "[telefoonnummer verwijderd]"
POSTCODE_MASK = "[postcode verwijderd]"
CASE_NUMBER_MASK = "[zaaknummer verwijderd]"
# Every marker this module writes: exported training examples drop them (bot/insights/review.py).
MASKS = (BSN_MASK, IBAN_MASK, EMAIL_MASK, PHONE_MASK, POSTCODE_MASK, CASE_NUMBER_MASK)

# Deliberately loose (no check of the domain): a false hit only hides a word from the review list.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Case numbers as bot/cases/store.py draws them: Z-2026-000123 (any case, any separators).
_CASE_NUMBER = re.compile(r"(?<![0-9A-Za-z])[Zz][ -]?\d{4}[ -]?\d{6}(?![0-9])")
# A Dutch postcode: 4 digits (not starting with 0) and 2 letters; SA, SD and SS are not used.
_POSTCODE = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{3}) ?((?!SA|SD|SS|sa|sd|ss)[A-Za-z]{2})(?![0-9A-Za-z])")
# "2000 en", "1998 is": a year or an amount followed by a two-letter word is not a postcode.
_NOT_POSTCODE_WORDS = frozenset({"al", "de", "en", "er", "is", "in", "ik", "je", "ja", "na", "nu", "of", "om",
                                 "op", "te", "tot", "we", "ze", "zo", "an", "et", "eu", "km", "kg", "cm", "mm"})
# Phone numbers are found by libphonenumber (as in bot/validation.py), Dutch numbers by default.
PHONE_REGION = "NL"


def mask_personal_data(text: str) -> Masked:
    """Replace BSNs, IBANs, e-mail addresses, phone numbers, postcodes and case numbers by a marker."""
    import phonenumbers

    result = mask_personal_numbers(text).text
    result = _EMAIL.sub(EMAIL_MASK, result)
    result = _CASE_NUMBER.sub(CASE_NUMBER_MASK, result)
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(result, PHONE_REGION)]
    for start, end in reversed(spans):
        result = result[:start] + PHONE_MASK + result[end:]
    result = _POSTCODE.sub(_postcode_mask, result)
    return Masked(result, result != text)


def _postcode_mask(match: re.Match) -> str:
    letters = match.group(2)
    if letters.islower() and letters in _NOT_POSTCODE_WORDS and " " in match.group(0):
        return match.group(0)
    return POSTCODE_MASK
