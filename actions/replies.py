"""Dutch (B1) texts the actions build from catalogue data."""
from __future__ import annotations

from typing import List

from bot.catalogue import Department, Organisation, Product
from bot.settings import settings
from bot.understanding import Candidate


REPHRASE = (
    "Sorry, ik begrijp je vraag nog niet goed. Kun je het op een andere manier zeggen? "
    "Bijvoorbeeld: 'Mijn vuilnisbak is niet geleegd'."
)

OUT_OF_SCOPE = (
    "Daar kan ik je helaas niet mee helpen. Ik beantwoord vragen over de gemeente, zoals paspoort, "
    "afval, belastingen, vergunningen en zorg. Ook kan ik je doorverbinden met een medewerker."
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


def organisation_answer(organisation: Organisation) -> str:
    """Another organisation handles this: who, and how to reach them."""
    return organisation.reply()


def candidate_button(candidate: Candidate) -> dict:
    """A button for a product or another organisation in a clarifying question."""
    if candidate.product:
        return choose_button(candidate.product)
    return {"title": candidate.organisation.name[:40],
            "payload": '/choose_organisation{"organisation": "%s"}' % candidate.organisation.id}


# Many residents are internationals: an English question gets a short English answer.
ENGLISH_PERSON_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}
ENGLISH_NOTE = "Balie works best in Dutch. A person can help you in English too: click 'Talk to a person'."
ENGLISH_CLARIFY = "I am not sure what you mean. Is it one of these? Choose one, or ask your question in other words."
ENGLISH_NOT_UNDERSTOOD = "Sorry, I do not understand your question. " + ENGLISH_NOTE


def english_product_answer(product: Product, department: Department) -> str:
    """Who handles it, how to reach them and the (Dutch) page, in plain English."""
    return (f"This is handled by the municipality's department {department.name}. "
            f"Phone {department.phone} or e-mail {department.email}. "
            f"More information (in Dutch): {page_link(product)}. {ENGLISH_NOTE}")


def english_organisation_answer(organisation: Organisation) -> str:
    """Another organisation handles it, in plain English."""
    phone = f" Phone: {organisation.phone}." if organisation.phone else ""
    return (f"The municipality does not handle this: {organisation.name} does. "
            f"Website: {organisation.website}.{phone} {ENGLISH_NOTE}")
