"""Read and check `data/catalogue/`: one loader for the bot service and the actions."""
from __future__ import annotations

import csv
import functools
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict

import yaml

from .model import (
    CASE_TYPES,
    HOW_VALUES,
    WEEKDAYS,
    CaseSpec,
    Catalogue,
    CatalogueError,
    Department,
    Hours,
    Organisation,
    Product,
)

# A page is a path on the municipal site; the demo site (bot/site/) serves one per product
# and department, next to the bot service's own routes, which must stay reachable.
PAGE_PATTERN = re.compile(r"^(/[a-z0-9]+(-[a-z0-9]+)*)+$")
RESERVED_PAGES = ("/api", "/desk", "/static", "/health", "/privacy", "/favicon.ico")

# Limits that keep answers readable in a phone-sized chat bubble.
MAX_TITLE = 40
MAX_ANSWER = 500
MAX_FIELD = 300


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read: {exc}") from exc


def _require(entry: dict, key: str, where: str) -> Any:
    value = entry.get(key)
    if value in (None, ""):
        raise CatalogueError(f"{where}: missing field '{key}'")
    return value


def _text(entry: dict, key: str, where: str, limit: int, required: bool = False) -> Any:
    value = _require(entry, key, where) if required else entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: field '{key}' must be text")
    value = " ".join(value.split())
    if len(value) > limit:
        raise CatalogueError(f"{where}: field '{key}' is {len(value)} characters, limit {limit}")
    return value


def _page(entry: dict, where: str, taken: Dict[str, str]) -> str:
    page = _require(entry, "page", where)
    if not isinstance(page, str) or not PAGE_PATTERN.match(page):
        raise CatalogueError(f"{where}: page '{page}' must be a path like /afval/grofvuil "
                             "(lower case letters, digits and hyphens)")
    if any(page == r or page.startswith(r + "/") for r in RESERVED_PAGES):
        raise CatalogueError(f"{where}: page '{page}' is taken by Balie itself ({', '.join(RESERVED_PAGES)})")
    if page in taken:
        raise CatalogueError(f"{where}: page '{page}' is also the page of {taken[page]}")
    taken[page] = where
    return page


def _hours(raw: dict, where: str) -> Dict[str, Hours]:
    result = {}
    for day, span in (raw or {}).items():
        if day not in WEEKDAYS:
            raise CatalogueError(f"{where}: unknown weekday '{day}'")
        try:
            opens, closes = (datetime.strptime(p.strip(), "%H:%M").time() for p in span.split("-"))
        except ValueError as exc:
            raise CatalogueError(f"{where}: hours for {day} must look like 09:00-17:00") from exc
        if opens >= closes:
            raise CatalogueError(f"{where}: {day} closes before it opens")
        result[day] = Hours(opens, closes)
    return result


def _upl_names(directory: Path) -> set:
    lines = (directory / "upl_names.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _signalen(directory: Path) -> Dict[str, tuple]:
    """Signalen sub categories by sub slug: (main slug, main name, sub name, handling code)."""
    with (directory / "signalen_categories.csv").open(encoding="utf-8") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    return {
        r["sub_slug"]: (r["main_slug"], r["main_name"], r["sub_name"], r["handling"])
        for r in csv.DictReader(rows)
    }


def _departments(directory: Path, pages: Dict[str, str]) -> Dict[str, Department]:
    path = directory / "departments.yml"
    result: Dict[str, Department] = {}
    for entry in (_read_yaml(path) or {}).get("departments", []):
        where = f"{path.name}: department {entry.get('id', '?')}"
        dep = Department(
            id=_require(entry, "id", where),
            name=_text(entry, "name", where, MAX_TITLE, required=True),
            description=_text(entry, "description", where, MAX_FIELD, required=True),
            phone=str(_require(entry, "phone", where)),
            email=_require(entry, "email", where),
            address=_require(entry, "address", where),
            page=_page(entry, where, pages),
            question_term_days=int(_require(entry, "question_term_days", where)),
            hours=_hours(entry.get("hours"), where),
        )
        if dep.id in result:
            raise CatalogueError(f"{where}: duplicate id")
        result[dep.id] = dep
    return result


def _case(raw: Any, where: str, signalen: Dict[str, tuple]) -> CaseSpec | None:
    if raw is None:
        return None
    case_type = _require(raw, "type", where + " case")
    if case_type not in CASE_TYPES:
        raise CatalogueError(f"{where}: case type '{case_type}' is not one of {CASE_TYPES}")
    term = raw.get("handling_term_days")
    if not isinstance(term, int) or not 1 <= term <= 365:
        raise CatalogueError(f"{where}: case handling_term_days must be a whole number of days 1-365")
    sub = raw.get("signalen")
    if case_type == "report" and sub not in signalen:
        raise CatalogueError(f"{where}: report needs a Signalen sub category, '{sub}' is unknown")
    return CaseSpec(case_type, term, _require(raw, "basis", where + " case"), sub)


def _products(directory: Path, departments, upl, signalen, pages: Dict[str, str]) -> Dict[str, Product]:
    result: Dict[str, Product] = {}
    keys: Dict[str, str] = {}
    for path in sorted((directory / "products").glob("*.yml")):
        for entry in (_read_yaml(path) or {}).get("products", []):
            where = f"products/{path.name}: {entry.get('upl_name', '?')}"
            name = _require(entry, "upl_name", where)
            if name not in upl:
                raise CatalogueError(f"{where}: '{name}' is not an exact UPL product name")
            if name in result:
                raise CatalogueError(f"{where}: product appears twice")
            if entry.get("department") not in departments:
                raise CatalogueError(f"{where}: unknown department '{entry.get('department')}'")
            how = _require(entry, "how", where)
            if how not in HOW_VALUES:
                raise CatalogueError(f"{where}: how must be one of {HOW_VALUES}")
            product = Product(
                upl_name=name,
                title=_text(entry, "title", where, MAX_TITLE, required=True),
                department=entry["department"],
                answer=_text(entry, "answer", where, MAX_ANSWER, required=True),
                how=how,
                page=_page(entry, where, pages),
                bring=_text(entry, "bring", where, MAX_FIELD),
                cost=_text(entry, "cost", where, MAX_FIELD),
                duration=_text(entry, "duration", where, MAX_FIELD),
                where=_text(entry, "where", where, MAX_FIELD),
                case=_case(entry.get("case"), where, signalen),
                theme=path.stem,
            )
            if product.key in keys:
                raise CatalogueError(f"{where}: NLU key '{product.key}' clashes with '{keys[product.key]}'")
            keys[product.key] = name
            result[name] = product
    return result


def _organisations(directory: Path) -> Dict[str, Organisation]:
    path = directory / "organisations.yml"
    result = {}
    for entry in (_read_yaml(path) or {}).get("organisations", []):
        where = f"{path.name}: {entry.get('id', '?')}"
        org = Organisation(
            id=_require(entry, "id", where),
            name=_require(entry, "name", where),
            handles=_text(entry, "handles", where, MAX_FIELD, required=True),
            answer=_text(entry, "answer", where, MAX_ANSWER, required=True),
            website=_require(entry, "website", where),
            phone=entry.get("phone"),
        )
        result[org.id] = org
    return result


def _closed_days(directory: Path) -> Dict[date, str]:
    raw = _read_yaml(directory / "holidays.yml") or {}
    return {entry["date"]: entry["name"] for entry in raw.get("closed", [])}


def _topics(directory: Path, products: Dict[str, Product]) -> Dict[str, tuple]:
    raw = _read_yaml(directory / "topics.yml") or {}
    result = {}
    for topic, names in (raw.get("topics") or {}).items():
        unknown = [n for n in names if n not in products]
        if unknown:
            raise CatalogueError(f"topics.yml: {topic}: unknown products {unknown}")
        result[topic] = tuple(names)
    return result


@functools.lru_cache(maxsize=4)
def load_catalogue(directory: str | Path) -> Catalogue:
    """Load and check the whole catalogue; raises CatalogueError naming the bad entry."""
    directory = Path(directory)
    pages: Dict[str, str] = {}
    departments = _departments(directory, pages)
    signalen = _signalen(directory)
    products = _products(directory, departments, _upl_names(directory), signalen, pages)
    return Catalogue(
        departments=departments,
        products=products,
        organisations=_organisations(directory),
        closed_days=_closed_days(directory),
        signalen=signalen,
        topics=_topics(directory, products),
    )
