"""Read and check `data/catalogue/`: one loader for the bot service and the actions.

Maintainers read what this loader finds wrong (`make validate`, or a service that will not
start), so every problem is Dutch (B1) and names the file, the entry and what to do.
`load_catalogue` raises the first problem; `check_catalogue` reads on and returns them all,
leaving out the entries that have one.
"""
from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Tuple
from urllib.parse import urlsplit

import phonenumbers
import yaml
from phonenumbers import shortnumberinfo

from .. import validation
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
    Problem,
    Product,
    shown_path,
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
# Balie offers a button per product of a broad topic, at most five (MAX_CLARIFY_BUTTONS in
# actions/routing.py): a sixth product in topics.yml would never be shown.
MAX_TOPIC_PRODUCTS = 5

# A municipality's own number is 14 followed by its area code ("14 020"); libphonenumber
# does not know the fictional area code of Gemeente Voorbeeld (0999), so the form is checked.
MUNICIPAL_NUMBER = re.compile(r"^14 ?0\d{2,3}$")
# Three-digit national short numbers (112, 113, 144); libphonenumber 9.0 lacks 113.
SHORT_NUMBER = re.compile(r"^1\d{2}$")
# "0800 0543 (BelastingTelefoon)", "113 of 0800 0113": a label in brackets, alternatives with "of".
PHONE_LABEL = re.compile(r"\s*\([^)]*\)\s*$")

# libyaml parses data/nlu/ in 0.02 s where the pure-Python parser takes 1.3 s (measured).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CASE_TYPE_NAMES_NL = "report (melding), complaint (klacht), callback (terugbelverzoek) of question (vraag)"


@dataclass(frozen=True)
class Where:
    """The file and entry a problem is about, e.g. products/afval.yml, product "grofvuil"."""

    file: str
    entry: str = ""

    def problem(self, message: str, fix: str = "") -> Problem:
        """A problem here: what is wrong and what to do, in Dutch (B1)."""
        return Problem(self.file, self.entry, message, fix)

    def error(self, message: str, fix: str = "") -> CatalogueError:
        """The same, to raise."""
        problem = self.problem(message, fix)
        return CatalogueError(problem, problem)

    def part(self, name: str) -> "Where":
        """A part of this entry, e.g. 'soort zaak "report", vraag 2'."""
        return Where(self.file, f"{self.entry}, {name}" if self.entry else name)


class EntryErrors(CatalogueError):
    """Several mistakes in one entry; `problems` lists them all."""

    def __init__(self, problems: List[Problem]):
        super().__init__(problems[0], problems[0])
        self.problems = problems


class _Entry:
    """Checks the fields of one entry each on its own, so a maintainer sees every mistake in it at once."""

    def __init__(self) -> None:
        self.problems: List[Problem] = []

    def check(self, parse: Callable[..., Any], *args: Any) -> Any:
        """parse(*args), or None with the problem noted."""
        try:
            return parse(*args)
        except CatalogueError as exc:
            self.problems.extend(getattr(exc, "problems", None) or [exc.problem])
            return None

    def done(self) -> None:
        """Raise the mistakes found, if any."""
        if self.problems:
            raise EntryErrors(self.problems)


@dataclass(frozen=True)
class CatalogueReport:
    """The catalogue read without stopping at the first problem (`check_catalogue`)."""

    # The entries without problems; the whole catalogue when `problems` is empty.
    catalogue: Catalogue
    problems: Tuple[Problem, ...]
    # Every product as listed, with its file, also when the entry has a problem: other checks
    # (NLU examples) then do not report the same mistake a second time.
    product_files: Mapping[str, str]
    organisation_ids: frozenset
    excluded_names: frozenset


def suggest(value: Any, options: Iterable[str]) -> str:
    """The option closest to a mistyped value, else the first one: for 'bijvoorbeeld "afval"'."""
    options = sorted(str(o) for o in options)
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    return close[0] if close else (options[0] if options else "")


def _read_yaml(path: Path) -> Any:
    where = Where(shown_path(path))
    if not path.exists():
        raise where.error("dit bestand ontbreekt.", "Zet het bestand terug (git laat zien wat er was).")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        raise where.error(f"dit is geen geldige YAML{line}: {getattr(exc, 'problem', None) or exc}.",
                          "Controleer op die regel de inspringing, de dubbele punt en de aanhalingstekens.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise where.error(f"dit bestand kan ik niet lezen: {exc}.", "Sla het op als UTF-8-tekst.") from exc


def read_document(path: Path, problems: List[Problem]) -> dict:
    """A YAML file's top level; a problem (and an empty document) when it cannot be read.

    Shared with `checks.py`, which reads data/nlu/, rules, stories and domain.yml the same way.
    """
    try:
        doc = _read_yaml(path) or {}
    except CatalogueError as exc:
        problems.append(exc.problem)
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(shown_path(path), "", "bovenaan het bestand staat niet wat ik verwacht.",
                                "Vergelijk met docs/beheer.md of met de vorige versie (git diff)."))
        return {}
    return doc


def section(doc: dict, key: str, path: Path, problems: List[Problem], mapping: bool = False) -> Any:
    """The list (or mapping) under `key` of a document; a problem when it is something else."""
    value = doc.get(key)
    if value is None:
        return {} if mapping else []
    if not isinstance(value, dict if mapping else list):
        kind = "onderdelen met elk een naam en een dubbele punt" if mapping else "een lijst (regels die met - beginnen)"
        problems.append(Problem(shown_path(path), "", f'onder "{key}:" moeten {kind} staan.',
                                "Vergelijk met de voorbeelden in het bestand en in docs/beheer.md."))
        return {} if mapping else []
    return value


def _entries(path: Path, key: str, problems: List[Problem], mapping: bool = False) -> Any:
    """The list (or mapping) under `key` at the top of a YAML file."""
    return section(read_document(path, problems), key, path, problems, mapping)


SHAPE_FIX = ("Vergelijk het met een ander onderdeel in hetzelfde bestand: "
             "let op de inspringing, het streepje en de dubbele punten.")


def _each(items: Iterable, problems: List[Problem], where_of: Callable[[Any], Where],
          parse: Callable[[Any, Where], Any], shape: type = dict) -> list:
    """parse(item, where) for each item; an item with a problem is reported and left out.

    An item is an entry of a list, or a (name, value) pair of a mapping; its entry (or
    value) must be a `shape`, else it is reported as badly formed.
    """
    result = []
    for item in items:
        where = where_of(item)
        value = item[1] if isinstance(item, tuple) else item
        try:
            if not isinstance(value, shape):
                raise where.error("dit onderdeel heeft niet de goede vorm.", SHAPE_FIX)
            result.append(parse(item, where))
        except CatalogueError as exc:
            problems.extend(getattr(exc, "problems", None) or [exc.problem or Problem(where.file, where.entry, str(exc))])
        except (AttributeError, KeyError, TypeError, ValueError):
            problems.append(Problem(where.file, where.entry, "dit onderdeel heeft niet de goede vorm.", SHAPE_FIX))
    return result


def _require(entry: dict, key: str, where: Where) -> Any:
    value = entry.get(key)
    if value in (None, ""):
        raise where.error(f'het veld "{key}" ontbreekt of is leeg.', f'Vul "{key}" in.')
    return value


def _text(entry: dict, key: str, where: Where, limit: int, required: bool = False) -> Any:
    value = _require(entry, key, where) if required else entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise where.error(f'het veld "{key}" moet tekst zijn.', "Zet de tekst tussen aanhalingstekens.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise where.error(f'het veld "{key}" heeft {len(value)} tekens; het maximum is {limit}.',
                          "Maak de tekst korter: korte zinnen lezen beter in de chat.")
    return value


def _synonyms(entry: dict, where: Where) -> tuple:
    raw = entry.get("synonyms") or []
    if not isinstance(raw, list) or len(raw) > MAX_SYNONYMS:
        raise where.error(f'"synonyms" moet een lijst van hoogstens {MAX_SYNONYMS} woorden zijn.',
                          "Schrijf het zo: synonyms: [kliko, vuilnisbak].")
    result = []
    for word in raw:
        if not isinstance(word, str) or not word.strip() or len(word) > MAX_SYNONYM:
            raise where.error(f'het woord "{word}" in "synonyms" moet tekst van 1 tot {MAX_SYNONYM} tekens zijn.',
                              "Haal het weg of maak het korter.")
        result.append(" ".join(word.lower().split()))
    return tuple(dict.fromkeys(result))


def _page(entry: dict, where: Where, taken: Dict[str, str]) -> str:
    page = _require(entry, "page", where)
    if not isinstance(page, str) or not PAGE_PATTERN.match(page):
        raise where.error(f'pagina "{page}" is geen goed pad.',
                          "Schrijf het zoals /afval/grofvuil: een / vooraan, dan kleine letters, cijfers en streepjes.")
    if any(page == r or page.startswith(r + "/") for r in RESERVED_PAGES):
        raise where.error(f'pagina "{page}" gebruikt Balie zelf.',
                          f"Kies een ander pad. Deze zijn bezet: {', '.join(RESERVED_PAGES)}.")
    if page in taken:
        raise where.error(f'pagina "{page}" is ook de pagina van {taken[page]}.',
                          "Geef elk product en elke afdeling een eigen pagina.")
    taken[page] = f"{where.entry} ({where.file})"
    return page


def _hours(raw: Any, where: Where) -> Dict[str, Hours]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise where.error('"hours" moet per dag de openingstijd geven.',
                          'Schrijf het zo: hours: {monday: "09:00-17:00", tuesday: "09:00-17:00"}.')
    result = {}
    for day, span in raw.items():
        if day not in WEEKDAYS:
            raise where.error(f'onbekende dag "{day}" bij "hours".',
                              f"Gebruik de Engelse namen: {', '.join(WEEKDAYS)}.")
        try:
            opens, closes = (datetime.strptime(p.strip(), "%H:%M").time() for p in span.split("-"))
        except (AttributeError, ValueError) as exc:
            raise where.error(f'de openingstijd "{span}" op {day} klopt niet.',
                              f'Schrijf het zo: {day}: "09:00-17:00". Is de afdeling dicht? Laat de dag dan weg.') from exc
        if opens >= closes:
            raise where.error(f"op {day} gaat de afdeling dicht ({closes:%H:%M}) voordat ze opengaat ({opens:%H:%M}).",
                              "Zet de openingstijd eerst, dan de sluitingstijd.")
        result[day] = Hours(opens, closes)
    return result


def _phone_number_ok(number: str) -> bool:
    if MUNICIPAL_NUMBER.match(number) or SHORT_NUMBER.match(number):
        return True
    try:
        validation.phone(number)
        return True
    except validation.InvalidValue:
        try:
            return shortnumberinfo.is_valid_short_number_for_region(phonenumbers.parse(number, "NL"), "NL")
        except phonenumbers.NumberParseException:
            return False


def _phone(value: Any, where: Where) -> str:
    """A phone number as shown to citizens; a label in brackets and alternatives with 'of' may follow."""
    text = str(value).strip()
    numbers = PHONE_LABEL.sub("", text).split(" of ")
    if not all(_phone_number_ok(n.strip()) for n in numbers):
        raise where.error(f'het telefoonnummer "{text}" klopt niet.',
                          'Schrijf een Nederlands nummer, zoals "14 0999", "0800 2000" of "088 898 92 94". '
                          'Uitleg mag erachter tussen haakjes: "0800 0543 (BelastingTelefoon)".')
    return text


def _email(value: Any, where: Where) -> str:
    try:
        validation.email(str(value))
    except validation.InvalidValue:
        raise where.error(f'het e-mailadres "{value}" klopt niet.', "Schrijf het zo: naam@voorbeeld.nl.") from None
    return value


def _website(value: Any, where: Where) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or any(c.isspace() for c in str(value)):
        raise where.error(f'de website "{value}" is geen goed webadres.',
                          "Schrijf het hele adres met https:// ervoor, zoals https://www.uwv.nl.")
    return value


def _term(raw: dict, key: str, where: Where) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        raise where.error(f'"{key}" moet een heel aantal dagen zijn, van 1 tot 365.',
                          f"Schrijf alleen het getal, zoals {key}: 10.")
    return value


def _upl_names(directory: Path) -> set:
    path = directory / "upl_names.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise Where(shown_path(path)).error(f"dit bestand kan ik niet lezen: {exc}.",
                                            "Zet het bestand terug (git laat zien wat er was).") from exc
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _signalen(directory: Path) -> Dict[str, tuple]:
    """Signalen sub categories by sub slug: (main slug, main name, sub name, handling code)."""
    path = directory / "signalen_categories.csv"
    try:
        with path.open(encoding="utf-8") as fh:
            rows = [line for line in fh if not line.startswith("#")]
        return {
            r["sub_slug"]: (r["main_slug"], r["main_name"], r["sub_name"], r["handling"])
            for r in csv.DictReader(rows)
        }
    except (OSError, KeyError) as exc:
        raise Where(shown_path(path)).error(
            f"dit bestand kan ik niet lezen ({exc}).",
            "De eerste regel moet zijn: main_slug,main_name,sub_slug,sub_name,handling.") from exc


def _department_id(value: Any, department_ids: set, where: Where) -> str:
    if value not in department_ids:
        raise where.error(f'afdeling "{value}" bestaat niet.',
                          "Kies een afdeling uit data/catalogue/departments.yml "
                          f'(bijvoorbeeld "{suggest(value, department_ids)}").')
    return value


def _upl_name(entry: dict, where: Where, upl: set) -> str:
    name = _require(entry, "upl_name", where)
    if name not in upl:
        raise where.error(f'"{name}" staat niet in de Uniforme Productnamenlijst.',
                          "Gebruik de naam precies zoals in data/catalogue/upl_names.txt "
                          f'(bijvoorbeeld "{suggest(name, upl)}").')
    return name


def _how(entry: dict, where: Where) -> str:
    how = _require(entry, "how", where)
    if how not in HOW_VALUES:
        raise where.error(f'"how: {how}" kan niet.', f"Kies een van: {', '.join(HOW_VALUES)}.")
    return how


def _department(entry: dict, where: Where, pages: Dict[str, str], seen: Dict[str, Department]) -> Department:
    fields = _Entry()
    dep = Department(
        id=_require(entry, "id", where),
        name=fields.check(_text, entry, "name", where, MAX_TITLE, True),
        description=fields.check(_text, entry, "description", where, MAX_FIELD, True),
        phone=fields.check(lambda: _phone(_require(entry, "phone", where), where)),
        email=fields.check(lambda: _email(_require(entry, "email", where), where)),
        address=fields.check(_require, entry, "address", where),
        page=fields.check(_page, entry, where, pages),
        question_term_days=fields.check(_term, entry, "question_term_days", where),
        hours=fields.check(_hours, entry.get("hours"), where),
    )
    if dep.id in seen:
        fields.problems.append(where.problem("deze afdeling staat twee keer in het bestand.",
                                             "Geef elke afdeling een eigen id."))
    fields.done()
    seen[dep.id] = dep
    return dep


def _case(raw: Any, where: Where, signalen: Dict[str, tuple]) -> CaseSpec | None:
    if raw is None:
        return None
    where = where.part("case")
    if not isinstance(raw, dict):
        raise where.error('"case" moet type, handling_term_days en basis geven, of null zijn.',
                          "Zie het voorbeeld in docs/beheer.md.")
    case_type = _require(raw, "type", where)
    if case_type not in CASE_TYPES:
        raise where.error(f'de soort zaak "{case_type}" bestaat niet.',
                          f"Kies {CASE_TYPE_NAMES_NL}: de soorten uit data/catalogue/case_types.yml.")
    term = _term(raw, "handling_term_days", where)
    sub = raw.get("signalen")
    if case_type == "report" and sub not in signalen:
        raise where.error(f'een melding heeft een Signalen-categorie nodig; "{sub}" bestaat niet.',
                          "Kies een sub_slug uit data/catalogue/signalen_categories.csv "
                          f'(bijvoorbeeld "{suggest(sub, signalen)}").')
    return CaseSpec(case_type, term, _require(raw, "basis", where), sub)


def _product(entry: dict, where: Where, theme: str, department_ids: set, upl: set, signalen,
             pages: Dict[str, str], seen: Dict[str, Where], keys: Dict[str, str]) -> Product:
    name = _upl_name(entry, where, upl)
    if name in seen:
        raise where.error(f"dit product staat twee keer in de catalogus; de eerste keer in {seen[name].file}.",
                          "Haal een van de twee weg.")
    seen[name] = where
    fields = _Entry()
    product = Product(
        upl_name=name,
        title=fields.check(_text, entry, "title", where, MAX_TITLE, True),
        department=fields.check(_department_id, entry.get("department"), department_ids, where),
        answer=fields.check(_text, entry, "answer", where, MAX_ANSWER, True),
        how=fields.check(_how, entry, where),
        page=fields.check(_page, entry, where, pages),
        bring=fields.check(_text, entry, "bring", where, MAX_FIELD),
        cost=fields.check(_text, entry, "cost", where, MAX_FIELD),
        duration=fields.check(_text, entry, "duration", where, MAX_FIELD),
        where=fields.check(_text, entry, "where", where, MAX_FIELD),
        case=fields.check(_case, entry.get("case"), where, signalen),
        theme=theme,
        synonyms=fields.check(_synonyms, entry, where),
    )
    if product.key in keys:
        fields.problems.append(where.problem(
            f"de sleutel voor de voorbeeldzinnen (ask_product/{product.key}) is dezelfde "
            f'als die van product "{keys[product.key]}".',
            "Controleer de UPL-naam: twee producten kunnen niet dezelfde sleutel hebben."))
    fields.done()
    keys[product.key] = name
    return product


def _organisation(entry: dict, where: Where, seen: set) -> Organisation:
    fields = _Entry()
    org = Organisation(
        id=_require(entry, "id", where),
        name=fields.check(_require, entry, "name", where),
        handles=fields.check(_text, entry, "handles", where, MAX_FIELD, True),
        answer=fields.check(_text, entry, "answer", where, MAX_ANSWER, True),
        website=fields.check(lambda: _website(_require(entry, "website", where), where)),
        phone=None if entry.get("phone") is None else fields.check(_phone, entry["phone"], where),
    )
    if org.id in seen:
        fields.problems.append(where.problem("deze organisatie staat twee keer in het bestand.",
                                             "Geef elke organisatie een eigen id."))
    fields.done()
    seen.add(org.id)
    return org


def _exclusion(entry: dict, where: Where, upl: set, product_names, organisation_ids) -> Exclusion:
    """A municipal UPL product left out on purpose, with a reason (upl_excluded.yml)."""
    name = _upl_name(entry, where, upl)
    if name in product_names:
        raise where.error(f'"{name}" staat hier en ook als product in de catalogus.',
                          "Haal het uit een van de twee weg.")
    organisation = entry.get("organisation")
    if organisation is not None and organisation not in organisation_ids:
        raise where.error(f'organisatie "{organisation}" bestaat niet.',
                          "Kies een id uit data/catalogue/organisations.yml "
                          f'(bijvoorbeeld "{suggest(organisation, organisation_ids)}"), of laat organisation weg.')
    return Exclusion(name, _text(entry, "reason", where, MAX_FIELD, required=True), organisation)


def _patterns(raw: Any, where: Where) -> tuple:
    if not isinstance(raw, list) or not raw:
        raise where.error("hier moet een lijst van reguliere expressies staan (regels die met - beginnen).",
                          'Schrijf het zo: - "\\\\bklacht indienen\\\\b".')
    for pattern in raw:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise where.error(f'"{pattern}" is geen geldige reguliere expressie ({exc}).',
                              "Controleer de haakjes en de tekens \\ . * ? + in deze regel.") from exc
    return tuple(raw)


def _case_field(number: int, raw: dict, where: Where) -> CaseField:
    where = where.part(f"vraag {number}")
    slot = _require(raw, "slot", where)
    if slot not in CASE_SLOTS:
        raise where.error(f'slot "{slot}" bestaat niet.',
                          f'Kies een van: {", ".join(CASE_SLOTS)} (bijvoorbeeld "{suggest(slot, CASE_SLOTS)}").')
    optional = bool(raw.get("optional", False))
    if optional and not (raw.get("skip_title") and raw.get("skip_value")):
        raise where.error("een vraag met optional: true heeft skip_title en skip_value nodig.",
                          "Vul skip_title in (de tekst op de knop om over te slaan) en skip_value (wat Balie dan opslaat).")
    return CaseField(slot, _text(raw, "label", where, MAX_TITLE, required=True),
                     _text(raw, "question", where, MAX_FIELD, required=True),
                     optional, raw.get("skip_title"), raw.get("skip_value"))


def _case_fields(raw_fields: Any, where: Where) -> tuple:
    if not isinstance(raw_fields, list) or not raw_fields:
        raise where.error('"fields" moet minstens één vraag geven.',
                          "Zet de vragen onder fields:, elk met slot, label en question.")
    fields = _Entry()
    result = [fields.check(_case_field, number, raw, where) for number, raw in enumerate(raw_fields, start=1)]
    slots = [f.slot for f in result if f]
    for slot in sorted({s for s in slots if slots.count(s) > 1}):
        fields.problems.append(where.problem(f'slot "{slot}" wordt twee keer gevraagd.',
                                             "Haal een van de twee vragen weg."))
    fields.done()
    return tuple(result)


def _case_type(item: tuple, where: Where, department_ids: set) -> CaseType:
    type_id, entry = item
    if type_id not in CASE_TYPES:
        raise where.error(f'de soort zaak "{type_id}" bestaat niet.', f"Gebruik {CASE_TYPE_NAMES_NL}.")
    fields = _Entry()
    case_type = CaseType(
        id=type_id,
        name=fields.check(_text, entry, "name", where, MAX_TITLE, True),
        title=fields.check(_text, entry, "title", where, MAX_TITLE, True),
        button=fields.check(_text, entry, "button", where, MAX_TITLE, True),
        intro=fields.check(_text, entry, "intro", where, MAX_FIELD, True),
        next_step=fields.check(_text, entry, "next_step", where, MAX_FIELD, True),
        department=fields.check(_department_id, entry.get("department"), department_ids, where),
        handling_term_days=fields.check(_term, entry, "handling_term_days", where),
        basis=fields.check(_text, entry, "basis", where, MAX_FIELD, True),
        words=fields.check(_patterns, entry.get("words"), where.part("words")),
        fields=fields.check(_case_fields, entry.get("fields"), where),
    )
    fields.done()
    return case_type


def _case_types(directory: Path, department_ids: set, problems: List[Problem]) -> tuple:
    """Case types and journey words from case_types.yml."""
    path = directory / "case_types.yml"
    file = shown_path(path)
    doc = read_document(path, problems)
    raw_types = section(doc, "case_types", path, problems, mapping=True)
    types = _each(raw_types.items(), problems, lambda item: Where(file, f'soort zaak "{item[0]}"'),
                  lambda item, where: _case_type(item, where, department_ids))
    missing = [t for t in CASE_TYPES if t not in raw_types]
    if missing:
        problems.append(Problem(file, "", "de soort zaak " + " en ".join(f'"{t}"' for t in missing) + " ontbreekt.",
                                f"Balie heeft alle vier de soorten nodig: {CASE_TYPE_NAMES_NL}. Zet ze terug."))
    words = {}
    for key in ("journeys", "follow_ups"):
        pairs = _each(section(doc, key, path, problems, mapping=True).items(), problems,
                      lambda item, key=key: Where(file, f'{key} "{item[0]}"'),
                      lambda item, where: (item[0], _patterns(item[1], where)), shape=list)
        words[key] = dict(pairs)
    return {t.id: t for t in types}, words["journeys"], words["follow_ups"]


def _closed_day(entry: dict, where: Where) -> tuple:
    day = entry.get("date")
    if not isinstance(day, date):
        raise where.error(f'de datum "{day}" klopt niet.', "Schrijf het zo: {date: 2027-12-25, name: Eerste Kerstdag}.")
    return day, _require(entry, "name", where)


def _topic(item: tuple, where: Where, product_names) -> tuple:
    topic, names = item
    if not isinstance(names, list) or not names:
        raise where.error("hier moet een lijst van producten staan.", "Schrijf het zo: afval: [afvalkalender, afvalcontainer].")
    unknown = [n for n in names if n not in product_names]
    if unknown:
        raise where.error(f'het product "{unknown[0]}" staat niet in de catalogus.',
                          "Gebruik de UPL-naam van een product uit data/catalogue/products/ "
                          f'(bijvoorbeeld "{suggest(unknown[0], product_names)}").')
    if len(names) > MAX_TOPIC_PRODUCTS:
        raise where.error(f"hier staan {len(names)} producten; Balie laat er hoogstens {MAX_TOPIC_PRODUCTS} zien.",
                          f"Houd de {MAX_TOPIC_PRODUCTS} producten waar het meest naar gevraagd wordt.")
    return topic, tuple(names)


def _listed(entries: list, key: str) -> set:
    """The ids as written in a file, also of entries with a problem: other entries refer to them."""
    return {e.get(key) for e in entries if isinstance(e, dict) and isinstance(e.get(key), str)}


def _label(kind: str, entry: Any, key: str) -> str:
    value = entry.get(key, "?") if isinstance(entry, dict) else "?"
    return f'{kind} "{value}"'


def missing_upl_products(catalogue: Catalogue, directory: str | Path) -> list:
    """Municipal UPL names that are neither a product nor excluded with a reason."""
    upl = _upl_names(Path(directory))
    return sorted(upl - set(catalogue.products) - set(catalogue.excluded))


def check_catalogue(directory: str | Path) -> CatalogueReport:
    """Read the whole catalogue and list every problem, instead of stopping at the first."""
    directory = Path(directory)
    problems: List[Problem] = []

    def read(loader: Callable[[Path], Any], fallback: Any) -> Any:
        try:
            return loader(directory)
        except CatalogueError as exc:
            problems.append(exc.problem)
            return fallback

    upl = read(_upl_names, set())
    signalen = read(_signalen, {})
    pages: Dict[str, str] = {}

    path = directory / "departments.yml"
    raw_departments = _entries(path, "departments", problems)
    department_ids = _listed(raw_departments, "id")
    seen_departments: Dict[str, Department] = {}
    _each(raw_departments, problems, lambda e, f=shown_path(path): Where(f, _label("afdeling", e, "id")),
          lambda e, where: _department(e, where, pages, seen_departments))

    raw_products = []  # ((path, path as shown), entry)
    for path in sorted((directory / "products").glob("*.yml")):
        raw_products += [((path, shown_path(path)), e) for e in _entries(path, "products", problems)]
    product_files = {e["upl_name"]: file for (_, file), e in raw_products
                     if isinstance(e, dict) and isinstance(e.get("upl_name"), str)}
    seen_products: Dict[str, Where] = {}
    keys: Dict[str, str] = {}
    products = _each(raw_products, problems,
                     lambda item: Where(item[0][1], _label("product", item[1], "upl_name")),
                     lambda item, where: _product(item[1], where, item[0][0].stem, department_ids, upl, signalen,
                                                  pages, seen_products, keys))

    path = directory / "organisations.yml"
    raw_organisations = _entries(path, "organisations", problems)
    organisation_ids = _listed(raw_organisations, "id")
    seen_organisations: set = set()
    organisations = _each(raw_organisations, problems, lambda e, f=shown_path(path): Where(f, _label("organisatie", e, "id")),
                          lambda e, where: _organisation(e, where, seen_organisations))

    case_types, journeys, follow_ups = _case_types(directory, department_ids, problems)

    path = directory / "holidays.yml"
    closed = _each(_entries(path, "closed", problems), problems,
                   lambda e, f=shown_path(path): Where(f, _label("vrije dag", e, "date")), _closed_day)

    path = directory / "topics.yml"
    topics = _each(_entries(path, "topics", problems, mapping=True).items(), problems,
                   lambda item, f=shown_path(path): Where(f, f'onderwerp "{item[0]}"'),
                   lambda item, where: _topic(item, where, set(product_files)), shape=list)

    path = directory / "upl_excluded.yml"
    raw_excluded = _entries(path, "excluded", problems) if path.exists() else []
    excluded = _each(raw_excluded, problems,
                     lambda e, f=shown_path(path): Where(f, _label("uitzondering", e, "upl_name")),
                     lambda e, where: _exclusion(e, where, upl, set(product_files), organisation_ids))

    catalogue = Catalogue(
        departments=seen_departments,
        products={p.upl_name: p for p in products},
        organisations={o.id: o for o in organisations},
        closed_days=dict(closed),
        signalen=signalen,
        topics=dict(topics),
        excluded={e.upl_name: e for e in excluded},
        case_types=case_types,
        journey_words=journeys,
        follow_up_words=follow_ups,
    )
    excluded_names = frozenset(_listed(raw_excluded, "upl_name"))
    return CatalogueReport(catalogue, tuple(problems), product_files, frozenset(organisation_ids), excluded_names)


@functools.lru_cache(maxsize=4)
def load_catalogue(directory: str | Path) -> Catalogue:
    """Load and check the whole catalogue; raises CatalogueError naming the first bad entry."""
    report = check_catalogue(directory)
    if report.problems:
        first = report.problems[0]
        more = len(report.problems) - 1
        hint = f" Er zijn nog {more} andere problemen: `make validate` noemt ze allemaal." if more else ""
        raise CatalogueError(f"{first}{hint}", first)
    return report.catalogue
