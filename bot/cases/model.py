"""Case types, handling terms and the Case record."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from ..catalogue import Catalogue

CASE_TYPES = ("report", "complaint", "callback", "question")
CASE_TYPE_NL = {
    "report": "Melding openbare ruimte",
    "complaint": "Klacht",
    "callback": "Terugbelverzoek",
    "question": "Vraag aan een afdeling",
}
STATUS_NL = {"received": "ontvangen", "in_progress": "in behandeling", "done": "afgehandeld"}

# Awb 9:11: a complaint is handled within six weeks of receipt.
COMPLAINT_TERM_DAYS = 42
# Local service norms of Gemeente Voorbeeld (example values).
CALLBACK_TERM_DAYS = 2
REPORT_TERM_DAYS = 10
# Who handles a case when the product does not say: the department for each type.
DEFAULT_DEPARTMENT = {"report": "openbare_ruimte", "complaint": "klachten",
                      "callback": "kcc", "question": "kcc"}


class CaseError(ValueError):
    """A case request that cannot be accepted; the message says why."""


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

    def to_json(self, catalogue: Catalogue) -> dict:
        department = catalogue.departments.get(self.department)
        return {
            "number": self.number,
            "type": self.type,
            "type_nl": CASE_TYPE_NL[self.type],
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
    """(department id, handling term in days) for a new case, from the catalogue."""
    if case_type not in CASE_TYPES:
        raise CaseError(f"type must be one of {', '.join(CASE_TYPES)}")
    product = catalogue.product(upl_name) if upl_name else None
    if upl_name and product is None:
        raise CaseError(f"unknown product '{upl_name}'")
    if case_type == "complaint":
        # Every complaint goes to the complaints coordinator, whatever it is about.
        return "klachten", COMPLAINT_TERM_DAYS
    if case_type == "callback":
        return (product.department if product else "kcc"), CALLBACK_TERM_DAYS
    if product and product.case and product.case.type == case_type:
        return product.department, product.case.handling_term_days
    if product:
        department = catalogue.departments[product.department]
        term = REPORT_TERM_DAYS if case_type == "report" else department.question_term_days
        return product.department, term
    department = DEFAULT_DEPARTMENT[case_type]
    term = REPORT_TERM_DAYS if case_type == "report" else catalogue.departments[department].question_term_days
    return department, term


def due(created: date, term_days: int) -> date:
    """The last day of the handling term (calendar days, as Awb terms are counted)."""
    return created + timedelta(days=term_days)
