"""Dutch (B1) texts the actions build from catalogue data."""
from __future__ import annotations

from typing import List

from bot.catalogue import Department, Product
from bot.settings import settings


REPHRASE = (
    "Sorry, ik begrijp je vraag nog niet goed. Kun je het op een andere manier zeggen? "
    "Bijvoorbeeld: 'Mijn vuilnisbak is niet geleegd'."
)


def contact_line(department: Department) -> str:
    """How to reach a department, in one short paragraph."""
    return (
        f"Dit regelt {department.name}. Bel {department.phone} of mail naar {department.email}."
    )


def page_link(product: Product) -> str:
    """Link to the product's page on the municipal website."""
    return f"{settings.public_url}{product.page}"


def followup_buttons() -> List[dict]:
    """Buttons for the follow-up questions Balie can answer about the current product."""
    return [
        {"title": "Wat kost het?", "payload": "/ask_cost"},
        {"title": "Wat moet ik meenemen?", "payload": "/ask_bring"},
        {"title": "Hoe lang duurt het?", "payload": "/ask_duration"},
        {"title": "Waar moet ik heen?", "payload": "/ask_location"},
    ]


def choose_button(product: Product) -> dict:
    """A button that picks a product after a clarifying question."""
    return {
        "title": product.title,
        "payload": '/choose_product{"product": "%s"}' % product.upl_name,
    }
