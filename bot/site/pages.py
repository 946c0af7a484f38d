"""The demo website of the fictional Gemeente Voorbeeld, rendered from the catalogue.

Balie's answers link to the product's page on the municipal site (`page` in
data/catalogue/). On a real site those pages exist; on the demo site we render one per
product and department from the same catalogue, so no link in a demo conversation ends
in a 404. Pages are rendered once, at start-up; every value is escaped.
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Dict

from ..catalogue import Catalogue, Department, Product

HERE = Path(__file__).resolve().parent
LAYOUT = Template((HERE / "layout.html").read_text(encoding="utf-8"))
HOME = Template((HERE / "home.html").read_text(encoding="utf-8"))

# How a product is arranged, in the words of the page (catalogue field `how`).
HOW_NL = {
    "online": "Je regelt dit online, met DigiD.",
    "appointment": "Maak eerst een afspraak. Daarna kom je naar het gemeentehuis.",
    "phone": "Je regelt dit door ons te bellen.",
    "desk": "Je regelt dit aan de balie in het gemeentehuis.",
    "form": "Je regelt dit met een formulier op onze website.",
    "chat_case": "Je kunt dit direct in de chat doorgeven. Je krijgt dan een zaaknummer.",
    "automatic": "Hier hoef je zelf niets voor te doen: de gemeente regelt het.",
}


def _page(title: str, description: str, main: str) -> str:
    return LAYOUT.substitute(title=escape(title), description=escape(description), main=main)


def _contact(department: Department) -> str:
    return (
        '<section class="contact" aria-labelledby="contact-titel">'
        f'<h2 id="contact-titel">Contact: {escape(department.name)}</h2>'
        f'<p>Bel <a href="tel:{escape(department.phone.replace(" ", ""))}">{escape(department.phone)}</a> '
        f'of mail naar <a href="mailto:{escape(department.email)}">{escape(department.email)}</a>.</p>'
        f"<p>Adres: {escape(department.address)}</p>"
        f'<p><a href="{escape(department.page)}">Meer over {escape(department.name)}</a></p>'
        "<p>Alle gegevens zijn voorbeeldwaarden.</p>"
        "</section>"
    )


def _facts(product: Product) -> str:
    rows = [("Zo regel je het", HOW_NL.get(product.how, "")), ("Wat moet je meenemen?", product.bring),
            ("Wat kost het?", product.cost), ("Hoe lang duurt het?", product.duration),
            ("Waar moet je heen?", product.where)]
    if product.case:
        rows.append(("Afhandeltermijn", f"{product.case.handling_term_days} dagen ({product.case.basis})"))
    items = "".join(f"<dt>{escape(q)}</dt><dd>{escape(a)}</dd>" for q, a in rows if a)
    return f"<dl>{items}</dl>" if items else ""


def product_page(catalogue: Catalogue, product: Product) -> str:
    department = catalogue.department_of(product)
    main = (
        '<main id="inhoud" tabindex="-1" class="page"><div class="wrap">'
        f'<p class="breadcrumb"><a href="/">Home</a> › <a href="{escape(department.page)}">'
        f"{escape(department.name)}</a></p>"
        f"<h1>{escape(product.title)}</h1>"
        f"<p>{escape(product.answer)}</p>"
        f"{_facts(product)}"
        f"{_contact(department)}"
        "</div></main>"
    )
    return _page(product.title, product.answer[:150], main)


def department_page(catalogue: Catalogue, department: Department) -> str:
    products = sorted((p for p in catalogue.products.values() if p.department == department.id),
                      key=lambda p: p.title.lower())
    links = "".join(f'<li><a href="{escape(p.page)}">{escape(p.title)}</a></li>' for p in products)
    hours = "".join(f"<li>{escape(line)}</li>" for line in department.hours_text().splitlines())
    main = (
        '<main id="inhoud" tabindex="-1" class="page"><div class="wrap">'
        '<p class="breadcrumb"><a href="/">Home</a></p>'
        f"<h1>{escape(department.name)}</h1>"
        f"<p>{escape(department.description)}</p>"
        + (f'<h2>Producten en diensten</h2><ul>{links}</ul>' if links else "")
        + f"<h2>Openingstijden</h2><ul>{hours}</ul>"
        f"{_contact(department)}"
        "</div></main>"
    )
    return _page(department.name, department.description[:150], main)


def home_page(catalogue: Catalogue) -> str:
    departments = sorted(catalogue.departments.values(), key=lambda d: d.name.lower())
    tiles = "\n".join(
        f'        <li class="tile"><h3><a href="{escape(d.page)}">{escape(d.name)}</a></h3>'
        f"<p>{escape(d.description)}</p></li>"
        for d in departments
    )
    return _page("Home", "Demopagina van de fictieve Gemeente Voorbeeld met de Balie-chat.",
                 HOME.substitute(departments=tiles))


def render_site(catalogue: Catalogue) -> Dict[str, str]:
    """Path → HTML of every page of the demo site: home, departments, products."""
    pages = {"/": home_page(catalogue)}
    for department in catalogue.departments.values():
        pages[department.page] = department_page(catalogue, department)
    for product in catalogue.products.values():
        pages[product.page] = product_page(catalogue, product)
    return pages
