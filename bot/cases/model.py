"""Case types, handling terms and the Case record."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from ..catalogue import Catalogue

from ..catalogue.model import CASE_TYPES

STATUS_NL = {"received": "ontvangen", "in_progress": "in behandeling", "done": "afgehandeld"}

# The lookup code a citizen gets once, at confirmation, to ask for the status later.
# No 0/O, 1/I/L: read aloud by a clerk or copied from a screen, no character can be taken
# for another. 31 characters, 8 of them: 31**8 = 8.5e11, about 40 bits. That is too little
# against unlimited guessing; the attempt limits of the status lookup (bot/cases/store.py)
# are what make it safe.
LOOKUP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOOKUP_CODE_LENGTH = 8
_LOOKUP_CODE = re.compile(rf"^[{LOOKUP_CODE_ALPHABET}]{{{LOOKUP_CODE_LENGTH}}}$")


class CaseError(ValueError):
    """A case request that cannot be accepted; str() says why, `message_nl` says it in Dutch."""

    def __init__(self, reason: str, message_nl: str | None = None):
        super().__init__(reason)
        self.message_nl = message_nl


class CaseNumbersExhausted(CaseError):
    """No free case number could be drawn for this year: the service's fault, not the caller's."""


class NoMatch(LookupError):
    """No case with this number and verification: an unknown number and a wrong answer alike."""


class LookupLocked(Exception):
    """Too many failed status lookups for this case number or conversation; `retry_after` in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"locked for {retry_after} s")
        self.retry_after = retry_after


def new_lookup_code() -> str:
    """A random lookup code, grouped for reading: 'K7QF-M3ZD'."""
    raw = "".join(secrets.choice(LOOKUP_CODE_ALPHABET) for _ in range(LOOKUP_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_lookup_code(text: str) -> Optional[str]:
    """'k7qf m3zd', 'K7QF-M3ZD' -> 'K7QF-M3ZD'; None when the text cannot be a lookup code."""
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    if not _LOOKUP_CODE.match(raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class Case:
    """A stored case."""

    number: str
    type: str
    status: str
    upl_name: Optional[str]
    department: str
    handling_term_days: int
    due_date: date
    channel: str
    conversation_id: Optional[str]
    details: dict = field(default_factory=dict)
    contact_email: Optional[str] = None
    contact_phone: Optional[str] = None
    contact_postcode: Optional[str] = None
    created_at: Optional[datetime] = None
    # The lookup code in clear: only on the Case that CaseStore.open() just created, so the
    # caller can show it once. Never stored (the database has its hash), never in to_json().
    lookup_code: Optional[str] = field(default=None, repr=False, compare=False)

    def to_json(self, catalogue: Catalogue) -> dict:
        department = catalogue.departments.get(self.department)
        return {
            "number": self.number,
            "type": self.type,
            "type_nl": catalogue.case_types[self.type].title,
            "status": self.status,
            "status_nl": STATUS_NL.get(self.status, self.status),
            "product": self.upl_name,
            "department": {"id": self.department, "name": department.name if department else self.department},
            "handling_term_days": self.handling_term_days,
            "due_date": self.due_date.isoformat(),
            "channel": self.channel,
            "conversation_id": self.conversation_id,
            "details": self.details,
            "contact": {"email": self.contact_email, "phone": self.contact_phone,
                        "postcode": self.contact_postcode},
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


def responsibility(catalogue: Catalogue, case_type: str, upl_name: Optional[str]) -> tuple[str, int]:
    """(department id, handling term in days) for a new case, from the catalogue.

    The case type (data/catalogue/case_types.yml) gives the default department and term;
    a product's own department and case term go first, except for complaints, which the
    complaints coordinator handles within the legal term whatever they are about.
    """
    if case_type not in CASE_TYPES:
        raise CaseError(f"type must be one of {', '.join(CASE_TYPES)}", "Kies een soort zaak uit de lijst.")
    product = catalogue.product(upl_name) if upl_name else None
    if upl_name and product is None:
        raise CaseError(f"unknown product '{upl_name}'",
                        f"Het product \"{upl_name}\" staat niet in de productenlijst. "
                        "Controleer de naam of laat het veld leeg.")
    kind = catalogue.case_types[case_type]
    if case_type == "complaint":
        return kind.department, kind.handling_term_days
    if product and product.case and product.case.type == case_type:
        return product.department, product.case.handling_term_days
    department = product.department if product else kind.department
    if case_type == "question":
        return department, catalogue.departments[department].question_term_days
    return department, kind.handling_term_days


def due(created: date, term_days: int) -> date:
    """The last day of the handling term (calendar days, as Awb terms are counted)."""
    return created + timedelta(days=term_days)
