"""Statistics for the team lead, computed from the text-free events (bot/insights/events.py).

Every number comes from `insight_events`, so it survives the retention purge of the texts.
Two kinds of numbers:

- **Counts of events** (handovers, cases, fallbacks, CSAT answers, products) count on the day
  the event happened.
- **Verdicts about a conversation** (contained, ownerless) count on the day the conversation
  started and look at all its events, also those of later days. A conversation still going on
  is judged by what happened so far.

Definitions (docs/beheer.md explains them in Dutch):
- *with question*: a conversation with at least one `turn` Balie decided on (any decision but
  `other`, which is a greeting, thanks or another plain rule answer). Conversations without a
  question (opened and left, or only "hoi") are counted, not judged.
- *owner*: Balie named a department or another organisation (a turn with `department` or
  `organisation`: an answer, a safety answer, a case confirmation), a case was opened, or a
  clerk took the conversation (`handover_claimed`).
- *ownerless* ("zonder eigenaar"): a conversation with a question and no owner. The citizen
  left without knowing who handles their question: the number Balie exists to bring to zero.
- *contained*: Balie itself gave the owner, without a person: no handover was asked for and no
  callback was requested. `contained` is their share of the conversations with a question.
"""
from __future__ import annotations

import csv
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import insight_events
from .outcome import ANSWER, FALLBACK, OTHER

# The longest period one request may ask for: a year, leap day included. Longer periods make
# the per-day list (and the work) grow without limit; ask per year instead.
MAX_PERIOD_DAYS = 366
TOP_PRODUCTS = 20
# A case of this type means a person calls the citizen back: not contained.
CALLBACK = "callback"


@dataclass(frozen=True)
class Event:
    """The columns of an insight event that the statistics read."""

    kind: str
    conversation_id: Optional[str]
    day: date
    decision: Optional[str] = None
    intent: Optional[str] = None
    product: Optional[str] = None
    department: Optional[str] = None
    organisation: Optional[str] = None
    confidence: Optional[float] = None
    case_type: Optional[str] = None
    reason: Optional[str] = None
    wait_seconds: Optional[float] = None
    score: Optional[int] = None


class InvalidPeriod(ValueError):
    """A period the statistics refuse; `message_nl` says why, for the team lead."""

    def __init__(self, reason: str, message_nl: str):
        super().__init__(reason)
        self.message_nl = message_nl


def period(first: Optional[str], last: Optional[str], today: date, default_days: int = 30) -> tuple[date, date]:
    """The period of `from` and `to` (YYYY-MM-DD, both included); by default the last `default_days` days."""
    def parse(value: str, name: str) -> date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InvalidPeriod(f"{name} must be a date written YYYY-MM-DD",
                                f"De datum bij '{name}' klopt niet. Schrijf hem als JJJJ-MM-DD, bijvoorbeeld 2026-03-01.")
    end = parse(last, "to") if last else today
    try:
        start = parse(first, "from") if first else end - timedelta(days=default_days - 1)
    except OverflowError:  # "to" in the year 1
        start = date.min
    if start > end:
        raise InvalidPeriod("from is after to", "De begindatum ligt na de einddatum. Kies een andere periode.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidPeriod(f"the period is longer than {MAX_PERIOD_DAYS} days",
                            f"Die periode is te lang. Kies maximaal {MAX_PERIOD_DAYS} dagen.")
    return start, end


def load(engine: Engine, first: date, last: date) -> List[Event]:
    """The events of the period, plus the later events of conversations that started in it."""
    started = (sa.select(insight_events.c.conversation_id)
               .where(insight_events.c.kind == "conversation", insight_events.c.day >= first,
                      insight_events.c.day <= last))
    columns = [insight_events.c[name] for name in Event.__dataclass_fields__]
    query = (sa.select(*columns)
             .where(sa.or_(sa.and_(insight_events.c.day >= first, insight_events.c.day <= last),
                           insight_events.c.conversation_id.in_(started)))
             .order_by(insight_events.c.at, insight_events.c.id))
    with engine.connect() as conn:
        return [Event(**row._mapping) for row in conn.execute(query)]


# ---------- small measures ----------

def median(values: Sequence[float]) -> Optional[float]:
    """The median, or None without values."""
    return round(statistics.median(values), 1) if values else None


def p90(values: Sequence[float]) -> Optional[float]:
    """The 90th percentile by the nearest-rank method: 9 in 10 values are at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 1)


def share(part: int, whole: int) -> Optional[float]:
    """part / whole rounded to 3 decimals; None when there is nothing to divide."""
    return round(part / whole, 3) if whole else None


# ---------- verdicts per conversation ----------

@dataclass(frozen=True)
class Verdict:
    """What the statistics conclude about one conversation."""

    with_question: bool
    owner: bool
    contained: bool

    @property
    def ownerless(self) -> bool:
        return self.with_question and not self.owner


def judge(events: Iterable[Event]) -> Verdict:
    """The verdict on one conversation from all its events (see the module docstring)."""
    asked = named = case = person = asked_person = callback = False
    for event in events:
        if event.kind == "turn":
            asked = asked or (event.decision or OTHER) != OTHER
            named = named or bool(event.department or event.organisation)
        elif event.kind == "case":
            case = True
            callback = callback or event.case_type == CALLBACK
        elif event.kind == "handover_requested":
            asked_person = True
        elif event.kind == "handover_claimed":
            person = True
    owner = named or case or person
    contained = asked and (named or case) and not (asked_person or person or callback)
    return Verdict(asked, owner, contained)


# ---------- the numbers ----------

def _counts(mine: Sequence[Event], judged: Sequence[Verdict]) -> dict:
    """All numbers for some events and the verdicts on the conversations that started then."""
    with_question = sum(1 for v in judged if v.with_question)
    contained = sum(1 for v in judged if v.contained)
    turns = [e for e in mine if e.kind == "turn"]
    requested = [e for e in mine if e.kind == "handover_requested"]
    waits = [e.wait_seconds for e in mine if e.kind == "handover_claimed" and e.wait_seconds is not None]
    cases = [e for e in mine if e.kind == "case"]
    scores = [e.score for e in mine if e.kind == "csat" and e.score is not None]
    products = Counter(e.product for e in turns if e.decision == ANSWER and e.product)
    return {
        "conversations": len(judged),
        "with_question": with_question,
        "contained": share(contained, with_question),
        "contained_conversations": contained,
        "ownerless": sum(1 for v in judged if v.ownerless),
        "turns": {"count": len(turns), "decisions": dict(sorted(Counter(e.decision or "other" for e in turns).items()))},
        "fallbacks": sum(1 for e in turns if e.decision == FALLBACK),
        "corrected": sum(1 for e in mine if e.kind == "corrected"),
        "handovers": {
            "count": len(requested),
            "reasons": dict(sorted(Counter(e.reason or "unknown" for e in requested).items())),
            "claimed": len(waits),
            "wait_seconds": {"median": median(waits), "p90": p90(waits)},
        },
        "cases": {
            "count": len(cases),
            "by_type": dict(sorted(Counter(e.case_type or "unknown" for e in cases).items())),
            "by_department": dict(sorted(Counter(e.department or "unknown" for e in cases).items())),
        },
        "top_products": [{"product": name, "count": count}
                         for name, count in sorted(products.items(), key=lambda item: (-item[1], item[0]))[:TOP_PRODUCTS]],
        "csat": {"responses": len(scores), "mean": round(statistics.fmean(scores), 2) if scores else None,
                 "scores": {str(s): scores.count(s) for s in range(1, 6)}},
    }


def compute(events: Iterable[Event], first: date, last: date) -> dict:
    """The statistics of the period [first, last] with a list per day (see the module docstring)."""
    events = list(events)
    by_conversation: Dict[str, List[Event]] = defaultdict(list)
    conversation_days: Dict[str, date] = {}
    for event in events:
        if event.conversation_id:
            by_conversation[event.conversation_id].append(event)
        if event.kind == "conversation" and event.conversation_id and first <= event.day <= last:
            conversation_days.setdefault(event.conversation_id, event.day)
    verdicts_per_day: Dict[date, List[Verdict]] = defaultdict(list)
    for cid, day in conversation_days.items():
        verdicts_per_day[day].append(judge(by_conversation[cid]))
    in_period = [e for e in events if first <= e.day <= last]
    per_day: Dict[date, List[Event]] = defaultdict(list)
    for event in in_period:
        per_day[event.day].append(event)
    result = {"from": first.isoformat(), "to": last.isoformat()}
    result.update(_counts(in_period, [v for verdicts in verdicts_per_day.values() for v in verdicts]))
    result["days"] = []
    for offset in range((last - first).days + 1):  # by offset: the day after 9999-12-31 does not exist
        day = first + timedelta(days=offset)
        numbers = _counts(per_day.get(day, []), verdicts_per_day.get(day, []))
        result["days"].append({"day": day.isoformat(), **numbers})
    return result


def statistics_for(engine: Engine, first: date, last: date) -> dict:
    """Load and compute: what GET /api/desk/stats returns."""
    return compute(load(engine, first, last), first, last)


# ---------- CSV ----------

CSV_COLUMNS = ("day", "conversations", "with_question", "contained_share", "contained_conversations", "ownerless",
               "fallbacks", "corrected", "handovers", "handovers_claimed", "wait_median_seconds",
               "wait_p90_seconds", "cases", "csat_responses", "csat_mean")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"),
# as in bot/desk/audit.py. Our cells are numbers and dates, but "total" rows and future columns
# should not have to think about it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return text  # a negative number is a number, not a formula
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(label: str, numbers: dict) -> List[str]:
    handovers = numbers["handovers"]
    return [csv_cell(v) for v in (
        label, numbers["conversations"], numbers["with_question"], numbers["contained"],
        numbers["contained_conversations"], numbers["ownerless"], numbers["fallbacks"], numbers["corrected"],
        handovers["count"], handovers["claimed"], handovers["wait_seconds"]["median"],
        handovers["wait_seconds"]["p90"], numbers["cases"]["count"], numbers["csat"]["responses"],
        numbers["csat"]["mean"])]


def write_csv(result: dict, out: TextIO) -> None:
    """One row per day and a last row `total` for the whole period (RFC 4180, header first)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for day in result["days"]:
        writer.writerow(_csv_row(day["day"], day))
    writer.writerow(_csv_row("total", result))
