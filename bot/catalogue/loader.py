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
    CASE_SLOTS,
    CASE_TYPES,
    CaseField,
    CaseType,
    HOW_VALUES,
    WEEKDAYS,
    CaseSpec,
    Catalogue,
    CatalogueError,
    Department,
    Exclusion,
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
MAX_SYNONYMS = 30
MAX_SYNONYM = 60


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


def _synonyms(entry: dict, where: str) -> tuple:
    raw = entry.get("synonyms") or []
    if not isinstance(raw, list) or len(raw) > MAX_SYNONYMS:
        raise CatalogueError(f"{where}: synonyms must be a list of at most {MAX_SYNONYMS} words")
    result = []
    for word in raw:
        if not isinstance(word, str) or not word.strip() or len(word) > MAX_SYNONYM:
            raise CatalogueError(f"{where}: synonym {word!r} must be text of 1 to {MAX_SYNONYM} characters")
        result.append(" ".join(word.lower().split()))
    return tuple(dict.fromkeys(result))


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
                synonyms=_synonyms(entry, where),
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


def _excluded(directory: Path, upl: set, products: Dict[str, Product],
              organisations: Dict[str, Organisation]) -> Dict[str, Exclusion]:
    """Municipal UPL products left out on purpose, each with a reason (upl_excluded.yml)."""
    path = directory / "upl_excluded.yml"
    if not path.exists():
        return {}
    result: Dict[str, Exclusion] = {}
    for entry in (_read_yaml(path) or {}).get("excluded", []):
        where = f"{path.name}: {entry.get('upl_name', '?')}"
        name = _require(entry, "upl_name", where)
        if name not in upl:
            raise CatalogueError(f"{where}: '{name}' is not an exact UPL product name")
        if name in products:
            raise CatalogueError(f"{where}: '{name}' is excluded but also a product; remove one of the two")
        organisation = entry.get("organisation")
        if organisation is not None and organisation not in organisations:
            raise CatalogueError(f"{where}: unknown organisation '{organisation}'")
        result[name] = Exclusion(name, _text(entry, "reason", where, MAX_FIELD, required=True), organisation)
    return result


def _patterns(raw: Any, where: str) -> tuple:
    if not isinstance(raw, list) or not raw:
        raise CatalogueError(f"{where}: words must be a non-empty list of regular expressions")
    for pattern in raw:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise CatalogueError(f"{where}: '{pattern}' is not a valid regular expression: {exc}") from exc
    return tuple(raw)


def _case_types(directory: Path, departments: Dict[str, Department]) -> tuple:
    """Case types and journey words from case_types.yml."""
    path = directory / "case_types.yml"
    raw = _read_yaml(path) or {}
    result: Dict[str, CaseType] = {}
    for type_id, entry in (raw.get("case_types") or {}).items():
        where = f"{path.name}: {type_id}"
        if type_id not in CASE_TYPES:
            raise CatalogueError(f"{where}: case type must be one of {CASE_TYPES}")
        if entry.get("department") not in departments:
            raise CatalogueError(f"{where}: unknown department '{entry.get('department')}'")
        term = entry.get("handling_term_days")
        if not isinstance(term, int) or not 1 <= term <= 365:
            raise CatalogueError(f"{where}: handling_term_days must be a whole number of days 1-365")
        fields = []
        for number, raw_field in enumerate(entry.get("fields") or [], start=1):
            field_where = f"{where}: field {number}"
            slot = _require(raw_field, "slot", field_where)
            if slot not in CASE_SLOTS:
                raise CatalogueError(f"{field_where}: slot '{slot}' is not one of {CASE_SLOTS}")
            optional = bool(raw_field.get("optional", False))
            if optional and not (raw_field.get("skip_title") and raw_field.get("skip_value")):
                raise CatalogueError(f"{field_where}: an optional field needs skip_title and skip_value")
            fields.append(CaseField(slot, _text(raw_field, "label", field_where, MAX_TITLE, required=True),
                                    _text(raw_field, "question", field_where, MAX_FIELD, required=True),
                                    optional, raw_field.get("skip_title"), raw_field.get("skip_value")))
        if not fields:
            raise CatalogueError(f"{where}: fields must list at least one question")
        result[type_id] = CaseType(
            id=type_id,
            name=_text(entry, "name", where, MAX_TITLE, required=True),
            title=_text(entry, "title", where, MAX_TITLE, required=True),
            button=_text(entry, "button", where, MAX_TITLE, required=True),
            intro=_text(entry, "intro", where, MAX_FIELD, required=True),
            next_step=_text(entry, "next_step", where, MAX_FIELD, required=True),
            department=entry["department"],
            handling_term_days=term,
            basis=_text(entry, "basis", where, MAX_FIELD, required=True),
            words=_patterns(entry.get("words"), where),
            fields=tuple(fields),
        )
    missing = set(CASE_TYPES) - set(result)
    if missing:
        raise CatalogueError(f"{path.name}: case types {sorted(missing)} are missing")
    journeys = {name: _patterns(patterns, f"{path.name}: journeys: {name}")
                for name, patterns in (raw.get("journeys") or {}).items()}
    follow_ups = {name: _patterns(patterns, f"{path.name}: follow_ups: {name}")
                  for name, patterns in (raw.get("follow_ups") or {}).items()}
    return result, journeys, follow_ups


def missing_upl_products(catalogue: Catalogue, directory: str | Path) -> list:
    """Municipal UPL names that are neither a product nor excluded with a reason."""
    upl = _upl_names(Path(directory))
    return sorted(upl - set(catalogue.products) - set(catalogue.excluded))


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
    upl = _upl_names(directory)
    products = _products(directory, departments, upl, signalen, pages)
    organisations = _organisations(directory)
    case_types, journeys, follow_ups = _case_types(directory, departments)
    return Catalogue(
        departments=departments,
        products=products,
        organisations=organisations,
        closed_days=_closed_days(directory),
        signalen=signalen,
        topics=_topics(directory, products),
        excluded=_excluded(directory, upl, products, organisations),
        case_types=case_types,
        journey_words=journeys,
        follow_up_words=follow_ups,
    )
