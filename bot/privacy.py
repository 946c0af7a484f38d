"""Privacy by design: a BSN or IBAN a citizen types is never stored or forwarded in clear.

Balie never asks for a BSN. Numbers are recognised with python-stdnum's checks (BSN
eleven-test, IBAN mod-97), so an ordinary 9-digit number that fails the test stays.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.iban import is_valid as is_iban
from stdnum.nl.bsn import is_valid as is_bsn

_BSN_CANDIDATE = re.compile(r"(?<![\d-])(\d[\d .]{7,11}\d)(?![\d-])")
_IBAN_CANDIDATE = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30})\b", re.IGNORECASE)

BSN_MASK = "[BSN verwijderd]"
IBAN_MASK = "[IBAN verwijderd]"

NOTICE = (
    "Je stuurde een burgerservicenummer of rekeningnummer. Dat heb ik weggehaald, "
    "om je privacy te beschermen. Het is niet bewaard. Deel dit soort nummers niet in de chat."
)


@dataclass(frozen=True)
class Masked:
    """Text with personal numbers replaced, and whether anything was replaced."""

    text: str
    masked: bool


def mask_personal_numbers(text: str) -> Masked:
    """Replace valid BSNs and IBANs in text by a marker."""
    changed = False

    def iban(match: re.Match) -> str:
        nonlocal changed
        if is_iban(match.group(1)):
            changed = True
            return IBAN_MASK
        return match.group(0)

    def bsn(match: re.Match) -> str:
        nonlocal changed
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 9 and is_bsn(digits):
            changed = True
            return BSN_MASK
        return match.group(0)

    result = _IBAN_CANDIDATE.sub(iban, text)
    result = _BSN_CANDIDATE.sub(bsn, result)
    return Masked(result, changed)
