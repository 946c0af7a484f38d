"""Canned responses ("standaardantwoorden"): short standard replies a clerk inserts in a chat.

Kept as data: data/desk/canned_responses.yml seeds the `canned_responses` table on the first
start; from then on a beheerder edits them in the console (page "Standaardantwoorden"). A
clerk picks one in a conversation; the server fills in the placeholders for that handover and
the console puts the text in the message box. It is never sent by itself: the clerk reads it first.

Placeholders: {product}, {telefoon} (the department's phone number from the catalogue),
{zaaknummer} (the latest case of the handover's conversation), {afdeling}. A placeholder
without a value becomes a readable Dutch stand-in ("(geen zaaknummer)"); an unknown one, a
typing error such as {telfoon}, stays as it is, so the clerk sees it and the beheerder can fix it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from ..catalogue import Catalogue
from ..db import canned_responses

SEED = Path(__file__).resolve().parents[2] / "data" / "desk" / "canned_responses.yml"
# A title fits on one line of the clerk's picker; a text is a short chat message, well under
# the 2,000 characters a clerk's message may have (bot/desk/api.py MAX_CLERK_MESSAGE).
MAX_TITLE = 60
MAX_TEXT = 1000
# The picker stays a short list; more than this is a sign the list needs tidying, not more room.
MAX_RESPONSES = 200

# What each placeholder becomes when the handover has no value for it (Dutch, for the citizen).
MISSING = {
    "product": "(geen product)",
    "telefoon": "(geen telefoonnummer)",
    "zaaknummer": "(geen zaaknummer)",
    "afdeling": "(geen afdeling)",
}
PLACEHOLDERS = tuple(MISSING)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


class CannedError(ValueError):
    """A canned response that cannot be saved; `message_nl` says why, for the beheerder."""

    def __init__(self, reason: str, message_nl: str, status: int = 400):
        super().__init__(reason)
        self.message_nl = message_nl
        self.status = status


class CannedNotFound(LookupError):
    """No (live) canned response has this id."""


@dataclass(frozen=True)
class CannedResponse:
    """One standard reply as the beheerder wrote it (placeholders not filled in)."""

    id: int
    title: str
    text: str
    updated_by: Optional[str]
    updated_at: datetime

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "text": self.text, "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat()}


def check(title: object, text: object) -> tuple:
    """A title of 1 to MAX_TITLE and a text of 1 to MAX_TEXT characters, stripped; else CannedError."""
    if not isinstance(title, str) or not title.strip():
        raise CannedError("title is required", "Geef het standaardantwoord een titel.")
    if not isinstance(text, str) or not text.strip():
        raise CannedError("text is required", "Schrijf de tekst van het standaardantwoord.")
    title, text = " ".join(title.split()), text.strip()
    if len(title) > MAX_TITLE:
        raise CannedError(f"title is longer than {MAX_TITLE} characters",
                          f"De titel is te lang. Gebruik maximaal {MAX_TITLE} tekens.")
    if len(text) > MAX_TEXT:
        raise CannedError(f"text is longer than {MAX_TEXT} characters",
                          f"De tekst is te lang. Gebruik maximaal {MAX_TEXT} tekens.")
    return title, text


def load_seed(path: Path = SEED) -> List[dict]:
    """The seed file's entries ({id, title, text}); an error names the file, entry and field."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    entries = data.get("canned_responses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a list 'canned_responses' is required")
    seeds, ids = [], set()
    for number, entry in enumerate(entries, 1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise ValueError(f"{where}: field 'id' (text) is required")
        if entry["id"] in ids:
            raise ValueError(f"{where}: id '{entry['id']}' is used twice")
        ids.add(entry["id"])
        try:
            title, text = check(entry.get("title"), entry.get("text"))
        except CannedError as exc:
            raise ValueError(f"{where} ({entry['id']}): {exc}")
        seeds.append({"id": entry["id"], "title": title, "text": text})
    return seeds


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class CannedStore:
    """The canned responses in the database."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = _now):
        self.engine = engine
        self.now = now

    def seed(self, path: Path = SEED) -> int:
        """Load the seed file when the table has never held a canned response; returns how many were added.

        A restart never brings a deleted one back: deleted rows stay (deleted_at) and count as "held".
        """
        table = canned_responses
        with self.engine.connect() as conn:
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                return 0
        added = 0
        for entry in load_seed(path):
            try:
                with self.engine.begin() as conn:
                    conn.execute(table.insert().values(title=entry["title"], text=entry["text"], seed=entry["id"],
                                                       updated_by=None, updated_at=self.now()))
                added += 1
            except sa.exc.IntegrityError:  # another process seeded this one at the same moment
                continue
        return added

    def all(self) -> List[CannedResponse]:
        """The live canned responses, by title."""
        table = canned_responses
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).where(table.c.deleted_at.is_(None))
                                .order_by(table.c.title, table.c.id).limit(MAX_RESPONSES)).all()
        return [CannedResponse(r.id, r.title, r.text, r.updated_by, _aware(r.updated_at)) for r in rows]

    def get(self, canned_id: int) -> CannedResponse:
        """One live canned response, or CannedNotFound."""
        found = next((c for c in self.all() if c.id == canned_id), None)
        if found is None:
            raise CannedNotFound(canned_id)
        return found

    def _check_title_free(self, conn, title: str, own_id: Optional[int] = None) -> None:
        table = canned_responses
        query = sa.select(table.c.id).where(table.c.deleted_at.is_(None),
                                            sa.func.lower(table.c.title) == title.lower())
        if own_id is not None:
            query = query.where(table.c.id != own_id)
        if conn.execute(query).first() is not None:
            raise CannedError("a canned response with this title exists",
                              "Er is al een standaardantwoord met deze titel. Kies een andere titel.", 409)

    def add(self, title: object, text: object, by: str) -> CannedResponse:
        """A new canned response (400 beyond the limits, 409 for a title in use)."""
        title, text = check(title, text)
        table = canned_responses
        now = self.now()
        with self.engine.begin() as conn:
            self._check_title_free(conn, title)
            live = conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.deleted_at.is_(None))).scalar_one()
            if live >= MAX_RESPONSES:
                raise CannedError(f"at most {MAX_RESPONSES} canned responses",
                                  f"Er zijn al {MAX_RESPONSES} standaardantwoorden. Verwijder eerst een oud antwoord.")
            new_id = conn.execute(table.insert().values(title=title, text=text, updated_by=by[:64],
                                                        updated_at=now)).inserted_primary_key[0]
        return CannedResponse(new_id, title, text, by[:64], now)

    def update(self, canned_id: int, title: object, text: object, by: str) -> CannedResponse:
        """Change a canned response's title and text."""
        title, text = check(title, text)
        table = canned_responses
        now = self.now()
        with self.engine.begin() as conn:
            self._check_title_free(conn, title, canned_id)
            changed = conn.execute(table.update().where(table.c.id == canned_id, table.c.deleted_at.is_(None))
                                   .values(title=title, text=text, updated_by=by[:64], updated_at=now)).rowcount
        if not changed:
            raise CannedNotFound(canned_id)
        return CannedResponse(canned_id, title, text, by[:64], now)

    def delete(self, canned_id: int, by: str) -> None:
        """Remove a canned response from the list (its row stays, see `seed`)."""
        table = canned_responses
        with self.engine.begin() as conn:
            changed = conn.execute(table.update().where(table.c.id == canned_id, table.c.deleted_at.is_(None))
                                   .values(deleted_at=self.now(), updated_by=by[:64])).rowcount
        if not changed:
            raise CannedNotFound(canned_id)


# ---------------------------------------------------------------- filling in

def values_for(catalogue: Catalogue, upl_name: Optional[str], queue: Optional[str],
               case_numbers: Sequence[str] = ()) -> Dict[str, Optional[str]]:
    """The placeholder values of a handover.

    The department is the product's (it handles the citizen's question), else the queue's; the
    case number is the latest case opened in the conversation.
    """
    product = catalogue.product(upl_name) if upl_name else None
    department = catalogue.departments.get(product.department) if product else None
    department = department or catalogue.departments.get(queue or "")
    return {
        "product": product.title if product else None,
        "telefoon": department.phone if department else None,
        "zaaknummer": case_numbers[-1] if case_numbers else None,
        "afdeling": department.name if department else None,
    }


def fill(text: str, values: Dict[str, Optional[str]]) -> str:
    """The text with known placeholders filled in; a missing value becomes MISSING, an unknown name stays."""
    def replace(match: re.Match) -> str:
        name = match.group(1).lower()
        if name not in MISSING:
            return match.group(0)
        return values.get(name) or MISSING[name]

    return _PLACEHOLDER.sub(replace, text)
