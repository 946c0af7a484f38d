"""Plain domain types of the catalogue."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Mapping, Optional, Tuple

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
CASE_TYPES = ("report", "complaint", "callback", "question")
# Slots of the case form in domain.yml; a case type asks a selection of them.
CASE_SLOTS = ("case_category", "case_location", "case_description", "case_when", "case_employee",
              "case_wish", "case_name", "case_contact", "case_topic", "case_phone", "case_part_of_day")
CONTACT_CENTRE = "kcc"
HOW_VALUES = ("online", "appointment", "phone", "desk", "form", "chat_case", "automatic")


@dataclass(frozen=True)
class Problem:
    """One mistake in the data a maintainer edits, in Dutch (B1): where it is and what to do.

    Maintainers are not developers, so the message names the file and the entry they
    opened, says what is wrong in their words, and `fix` says what to change.
    """

    file: str
    entry: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, {self.entry}" if self.entry else self.file
        return f"{where}: {self.message} {self.fix}".strip()


class CatalogueError(ValueError):
    """The catalogue data is invalid; the message names file, entry and field.

    `problem` is set when the loader found it: the same text, in parts.
    """

    def __init__(self, message: object, problem: Optional[Problem] = None):
        super().__init__(str(message))
        self.problem = problem


def shown_path(path: Path | str) -> str:
    """A path as a maintainer typed it: relative to the working folder (the repo) when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def slug(upl_name: str) -> str:
    """Turn a UPL name into the key used in NLU intents (`ask_product/<slug>`).

    Rasa intent names cannot hold spaces or brackets, so "melding openbare ruimte
    (straatverlichting)" becomes "melding_openbare_ruimte_straatverlichting".
    """
    return re.sub(r"[^a-z0-9]+", "_", upl_name.lower()).strip("_")


@dataclass(frozen=True)
class Hours:
    """Opening hours of one weekday."""

    opens: time
    closes: time


@dataclass(frozen=True)
class Department:
    """A municipal department that handles products and questions."""

    id: str
    name: str
    description: str
    phone: str
    email: str
    address: str
    page: str
    question_term_days: int
    hours: Mapping[str, Hours]

    def hours_text(self) -> str:
        """Opening hours in short Dutch, one line per weekday, e.g. 'maandag 09:00-17:00'."""
        lines = []
        for day, day_nl in zip(WEEKDAYS, WEEKDAY_NL):
            h = self.hours.get(day)
            lines.append(
                f"{day_nl} {h.opens:%H:%M}-{h.closes:%H:%M}" if h else f"{day_nl} gesloten"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class CaseSpec:
    """What can be opened from the chat for a product."""

    type: str
    handling_term_days: int
    basis: str
    signalen: Optional[str] = None


@dataclass(frozen=True)
class Product:
    """A municipal product or service, keyed by its UPL uniform product name."""

    upl_name: str
    title: str
    department: str
    answer: str
    how: str
    page: str
    bring: Optional[str] = None
    cost: Optional[str] = None
    duration: Optional[str] = None
    where: Optional[str] = None
    case: Optional[CaseSpec] = None
    theme: str = ""
    # Everyday and regional words citizens use for it ("kliko", "snippergroen"): kept as
    # data so a maintainer can add one, and used as extra evidence when routing.
    synonyms: Tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The NLU key of this product (see `slug`)."""
        return slug(self.upl_name)


@dataclass(frozen=True)
class Organisation:
    """Another organisation that handles questions citizens ask the municipality."""

    id: str
    name: str
    handles: str
    answer: str
    website: str
    phone: Optional[str] = None

    def reply(self) -> str:
        """What Balie says when a question is for this organisation (Dutch, B1)."""
        contact = f"Website: {self.website}"
        if self.phone:
            contact = f"Telefoon: {self.phone}. {contact}"
        return f"Dit regelt de gemeente niet, maar {self.name}. {self.answer} {contact}"


@dataclass(frozen=True)
class CaseField:
    """One question of the case form."""

    slot: str
    label: str
    question: str
    optional: bool = False
    skip_title: Optional[str] = None
    skip_value: Optional[str] = None


@dataclass(frozen=True)
class CaseType:
    """A kind of case the chat can open (data/catalogue/case_types.yml)."""

    id: str
    name: str
    title: str
    button: str
    intro: str
    next_step: str
    department: str
    handling_term_days: int
    basis: str
    words: Tuple[str, ...]
    fields: Tuple[CaseField, ...]

    def field(self, slot: str) -> Optional[CaseField]:
        """The form field filling this slot, if this type asks it."""
        return next((f for f in self.fields if f.slot == slot), None)

    @property
    def slots(self) -> Tuple[str, ...]:
        """The slots this type asks, in order."""
        return tuple(f.slot for f in self.fields)


@dataclass(frozen=True)
class Exclusion:
    """A municipal UPL product Balie deliberately does not answer itself, and why."""

    upl_name: str
    reason: str
    organisation: Optional[str] = None


@dataclass(frozen=True)
class Catalogue:
    """Everything Balie knows about who handles what."""

    departments: Mapping[str, Department]
    products: Mapping[str, Product]
    organisations: Mapping[str, Organisation]
    closed_days: Mapping[date, str]
    signalen: Mapping[str, tuple] = field(default_factory=dict)
    topics: Mapping[str, tuple] = field(default_factory=dict)
    excluded: Mapping[str, Exclusion] = field(default_factory=dict)
    case_types: Mapping[str, CaseType] = field(default_factory=dict)
    # Patterns per journey (request_human, case_status) the citizen asks for in so many words.
    journey_words: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    # Patterns per follow-up intent (ask_cost, ...) for short questions about the product in context.
    follow_up_words: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    @property
    def contact_centre(self) -> Department:
        """The first desk for everything: its phone number is the fallback in every error message."""
        return self.departments[CONTACT_CENTRE]

    def product(self, upl_name_or_key: str) -> Optional[Product]:
        """Find a product by UPL name or by its NLU key."""
        if upl_name_or_key in self.products:
            return self.products[upl_name_or_key]
        return self._by_key().get(upl_name_or_key)

    def _by_key(self) -> dict:
        return {p.key: p for p in self.products.values()}

    def department_of(self, product: Product) -> Department:
        """The department responsible for a product."""
        return self.departments[product.department]

    def is_open(self, department_id: str, moment: datetime) -> bool:
        """Whether a department is open at a local moment (office hours, closed days)."""
        if moment.date() in self.closed_days:
            return False
        hours = self.departments[department_id].hours.get(WEEKDAYS[moment.weekday()])
        return bool(hours) and hours.opens <= moment.time() < hours.closes

    def next_opening(self, department_id: str, moment: datetime) -> datetime:
        """The next moment (at or after `moment`) the department opens."""
        day = moment.date()
        for offset in range(0, 15):
            current = day + timedelta(days=offset)
            if current in self.closed_days:
                continue
            hours = self.departments[department_id].hours.get(WEEKDAYS[current.weekday()])
            if not hours:
                continue
            start = datetime.combine(current, hours.opens, tzinfo=moment.tzinfo)
            end = datetime.combine(current, hours.closes, tzinfo=moment.tzinfo)
            if moment < start:
                return start
            if moment < end:
                return moment
        raise CatalogueError(f"department {department_id} has no opening in the next two weeks")
