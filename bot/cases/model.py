"""Case types, handling terms and the Case record."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from ..catalogue import Catalogue

from ..catalogue.model import CASE_TYPES

STATUS_NL = {"received": "ontvangen", "in_progress": "in behandeling", "done": "afgehandeld"}


class CaseError(ValueError):
    """A case request that cannot be accepted; str() says why, `message_nl` says it in Dutch."""

    def __init__(self, reason: str, message_nl: str | None = None):
        super().__init__(reason)
        self.message_nl = message_nl


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
