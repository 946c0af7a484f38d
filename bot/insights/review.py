"""The review list ("leervragen"): what citizens asked that Balie did not understand well.

Built for the beheerder from the text-free `insight_events` rows (bot/insights/events.py)
joined with the citizens' own messages. A message is listed when Balie
- fell back ("ik begrijp je vraag niet"): outcome `fallback`;
- asked which product was meant: `clarify`;
- answered, and the citizen then picked another product under "Bedoelde je iets anders?": `corrected`;
- fell back or asked back, and the citizen asked for a person within HANDOVER_WINDOW: `handover`;
- answered with a confidence below LOW_CONFIDENCE: `low_confidence`.

Messages are grouped by their normalised text (case, accents, punctuation, white space), and
near-duplicates (character-trigram Jaccard >= NEAR_DUPLICATE) join the same item. Every text
that leaves this module is masked (bot/privacy.py `mask_personal_data`).

The text comes from `messages`, which the retention purge deletes (bot/retention.py): a purged
conversation's questions drop out of the list by themselves, while its events stay for the counts.

The beheerder assigns an item to a product, an intent or "out of scope"; the assignments are
exported as Rasa NLU YAML for data/nlu/, through the normal review of changes. Balie never
retrains itself (docs/beheer.md, "Wekelijks leren van vragen die Balie niet begreep").
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from ..catalogue import Catalogue, slug
from ..db import insight_events, messages, review_assignments
from ..privacy import MASKS, mask_personal_data
from .events import LOCAL_ZONE, local_day

# An answer below this confidence is listed: Balie answered, but only just (bot/understanding.py
# answers from 0.5). Measured answers between 0.5 and 0.7 are the ones most often wrong (reports/nlu.md).
LOW_CONFIDENCE = 0.7
# Two texts are one item when their character-trigram sets overlap this much (Jaccard index):
# "paspoort verlopen wat nu" and "pasport verlopen wat nu" join, "paspoort kwijt" does not.
NEAR_DUPLICATE = 0.8
# A request for a person this soon after a fallback or clarifying question counts as a
# handover after a misunderstanding (the fallback offers a person after the second miss).
HANDOVER_WINDOW = timedelta(minutes=5)
# The list covers the last week by default, a year at most per request.
DEFAULT_DAYS = 7
MAX_RANGE_DAYS = 366
# Bounds per request: the newest MAX_ROWS turns are read, the MAX_ITEMS largest groups returned.
MAX_ROWS = 20_000
MAX_ITEMS = 500
MAX_VARIANTS = 5
# An assignment's text is at most this long (a chat message is at most 1,000 characters; a
# training example longer than this is no good example).
MAX_TEXT = 500
# Assignments are masked examples the beheerder chose to keep as training data; they are deleted
# this many days after they were made (bot/retention.py), by then exported or no longer wanted.
REVIEW_RETENTION_DAYS = 90

FALLBACK, CLARIFY, ANSWER, ORGANISATION = "fallback", "clarify", "answer", "organisation"
ANSWERS = (ANSWER, ORGANISATION)
# What happened next, most telling first: ties in a group go to the earlier one.
OUTCOMES = ("handover", "corrected", "fallback", "clarify", "low_confidence")
# How the beheerder reads them (console and `make review`).
OUTCOMES_NL = {
    "handover": "wilde daarna een medewerker",
    "corrected": "koos daarna een ander product",
    "fallback": "Balie begreep het niet",
    "clarify": "Balie vroeg door",
    "low_confidence": "antwoord, maar twijfel",
}
OUT_OF_SCOPE = "out_of_scope"
PRODUCT_INTENT = "ask_product"
ORGANISATION_INTENT = "ask_organisation"
DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
NLU_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"


class ReviewError(ValueError):
    """A review request that cannot be done; `message_nl` says why, for the beheerder."""

    def __init__(self, reason: str, message_nl: str):
        super().__init__(reason)
        self.message_nl = message_nl


# ---------------------------------------------------------------- text

def normalise(text: str) -> str:
    """The grouping key of a text: lower case, no accents, punctuation as space, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def trigrams(key: str) -> frozenset:
    """Character trigrams of a normalised text, with a space at both ends (short words count too)."""
    padded = f" {key} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    """Jaccard index of the trigram sets of two normalised texts (1.0: the same)."""
    if a == b:
        return 1.0
    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second) if first | second else 0.0


def masked(text: str) -> str:
    """A citizen's text as it may be shown again: personal data masked, white space collapsed."""
    return " ".join(mask_personal_data(text).text.split())


# ---------------------------------------------------------------- classifying turns

@dataclass(frozen=True)
class Turn:
    """A citizen message with Balie's decision about it (a `turn` event joined with its text)."""

    conversation_id: str
    seq: int
    at: datetime
    decision: str
    text: str
    intent: Optional[str] = None
    product: Optional[str] = None
    confidence: Optional[float] = None


@dataclass(frozen=True)
class Event:
    """A `corrected` or `handover_requested` event: what happened after a turn."""

    kind: str
    conversation_id: str
    at: datetime
    seq: Optional[int] = None
    product: Optional[str] = None


@dataclass(frozen=True)
class Flagged:
    """A turn that belongs on the review list, with what happened next."""

    turn: Turn
    outcome: str
    corrected_to: Optional[str] = None


def is_low_confidence(turn: Turn) -> bool:
    """An answer (product or organisation) given with a confidence below LOW_CONFIDENCE."""
    return turn.decision in ANSWERS and turn.confidence is not None and turn.confidence < LOW_CONFIDENCE


def _corrected_turn(event: Event, turns: Sequence[Turn]) -> Optional[Turn]:
    """The answer a `corrected` event corrects.

    The event is recorded for the citizen's pick (its seq, the picked product). The answer it
    corrects is the latest answer or clarifying question before the pick. Should the event carry
    the seq of the question itself, the turn at that seq with another product than the pick is it.
    """
    if event.seq is not None:
        same = next((t for t in turns if t.seq == event.seq), None)
        if same is not None and same.product != event.product and same.decision in ANSWERS + (CLARIFY,):
            return same
    earlier = [t for t in turns if t.decision in ANSWERS + (CLARIFY,)
               and (t.seq < event.seq if event.seq is not None else t.at <= event.at and t.product != event.product)]
    return max(earlier, key=lambda t: t.seq, default=None)


def _handover_turn(event: Event, turns: Sequence[Turn]) -> Optional[Turn]:
    """The fallback or clarifying question a request for a person followed, if within HANDOVER_WINDOW."""
    missed = [t for t in turns if t.decision in (FALLBACK, CLARIFY)
              and event.at - HANDOVER_WINDOW <= t.at <= event.at
              and (event.seq is None or t.seq <= event.seq)]
    return max(missed, key=lambda t: t.seq, default=None)


def classify(turns: Iterable[Turn], events: Iterable[Event]) -> List[Flagged]:
    """The turns that belong on the review list, each with its outcome (see the module docstring)."""
    by_conversation: Dict[str, List[Turn]] = defaultdict(list)
    for turn in turns:
        by_conversation[turn.conversation_id].append(turn)
    corrected: Dict[Tuple[str, int], Optional[str]] = {}
    handed_over: set = set()
    for event in events:
        own = by_conversation.get(event.conversation_id, [])
        if event.kind == "corrected":
            turn = _corrected_turn(event, own)
            if turn is not None:
                corrected[(turn.conversation_id, turn.seq)] = event.product
        elif event.kind == "handover_requested":
            turn = _handover_turn(event, own)
            if turn is not None:
                handed_over.add((turn.conversation_id, turn.seq))
    flagged = []
    for own in by_conversation.values():
        for turn in own:
            key = (turn.conversation_id, turn.seq)
            if key in handed_over:
                outcome = "handover"
            elif key in corrected:
                outcome = "corrected"
            elif turn.decision in (FALLBACK, CLARIFY):
                outcome = turn.decision
            elif is_low_confidence(turn):
                outcome = "low_confidence"
            else:
                continue
            flagged.append(Flagged(turn, outcome, corrected.get(key)))
    return flagged


# ---------------------------------------------------------------- grouping

@dataclass(frozen=True)
class Assignment:
    """The beheerder's decision about a question: a product, an intent, or out of scope."""

    key: str
    text: str
    product: Optional[str]
    intent: Optional[str]
    out_of_scope: bool
    assigned_by: str
    assigned_at: datetime

    @property
    def nlu_intent(self) -> str:
        """The intent the example goes under in data/nlu/ (products: the retrieval intent)."""
        if self.out_of_scope:
            return OUT_OF_SCOPE
        if self.product:
            return f"{PRODUCT_INTENT}/{slug(self.product)}"
        return self.intent or OUT_OF_SCOPE

    def to_json(self) -> dict:
        return {"text": self.text, "product": self.product, "intent": self.intent,
                "out_of_scope": self.out_of_scope, "nlu_intent": self.nlu_intent,
                "assigned_by": self.assigned_by, "assigned_at": self.assigned_at.isoformat()}


@dataclass(frozen=True)
class ReviewItem:
    """One line of the review list: similar messages, how often, what Balie guessed, what happened."""

    key: str
    text: str
    count: int
    guessed_product: Optional[str]
    outcome: str
    outcomes: Dict[str, int]
    corrected_to: Optional[str]
    variants: Tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    assignment: Optional[Assignment] = None

    def to_json(self) -> dict:
        return {"key": self.key, "text": self.text, "count": self.count, "guessed_product": self.guessed_product,
                "outcome": self.outcome, "outcomes": self.outcomes, "corrected_to": self.corrected_to,
                "variants": list(self.variants), "first_seen": self.first_seen.isoformat(),
                "last_seen": self.last_seen.isoformat(),
                "assignment": self.assignment.to_json() if self.assignment else None}


@dataclass
class _Cluster:
    keys: List[str] = field(default_factory=list)
    members: List[Flagged] = field(default_factory=list)


def _most_common(values: Iterable, order: Sequence = ()) -> Optional[object]:
    """The most frequent non-empty value; ties go to the earlier one in `order`, then alphabetically."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    rank = {value: i for i, value in enumerate(order)}
    return min(counts, key=lambda v: (-counts[v], rank.get(v, len(rank)), str(v)))


def _clusters(flagged: Sequence[Flagged]) -> List[_Cluster]:
    """Group by normalised text, then join near-duplicates to the largest group they resemble."""
    exact: Dict[str, List[Flagged]] = defaultdict(list)
    for item in flagged:
        exact[normalise(item.turn.text)].append(item)
    clusters: List[_Cluster] = []
    # Which clusters have a trigram, so a key is compared with the few that share some at all.
    index: Dict[str, List[int]] = defaultdict(list)
    sizes: List[int] = []
    for key in sorted(exact, key=lambda k: (-len(exact[k]), k)):
        grams = trigrams(key)
        shared: Counter = Counter()
        for gram in grams:
            shared.update(index.get(gram, ()))
        best, best_score = None, 0.0
        for number, common in shared.items():
            score = common / (len(grams) + sizes[number] - common)
            if score >= NEAR_DUPLICATE and score > best_score:
                best, best_score = number, score
        if best is None:
            clusters.append(_Cluster())
            best = len(clusters) - 1
            sizes.append(len(grams))
            for gram in grams:  # a cluster is known by its first (largest) key's trigrams
                index[gram].append(best)
        clusters[best].keys.append(key)
        clusters[best].members.extend(exact[key])
    return clusters


def group(flagged: Sequence[Flagged], assignments: Sequence[Assignment] = ()) -> List[ReviewItem]:
    """Review items, largest first (then most recent); texts are masked here."""
    by_key = {a.key: a for a in assignments}
    items = []
    for cluster in _clusters(flagged):
        texts = Counter(masked(m.turn.text) for m in cluster.members)
        ordered = sorted(texts, key=lambda t: (-texts[t], t))
        outcomes = Counter(m.outcome for m in cluster.members)
        moments = [m.turn.at for m in cluster.members]
        items.append(ReviewItem(
            key=cluster.keys[0], text=ordered[0], count=len(cluster.members),
            guessed_product=_most_common(m.turn.product for m in cluster.members),
            outcome=_most_common((m.outcome for m in cluster.members), OUTCOMES),
            outcomes={o: outcomes[o] for o in OUTCOMES if outcomes[o]},
            corrected_to=_most_common(m.corrected_to for m in cluster.members),
            variants=tuple(ordered[1:1 + MAX_VARIANTS]), first_seen=min(moments), last_seen=max(moments),
            assignment=next((by_key[k] for k in [normalise(t) for t in ordered] + cluster.keys if k in by_key), None),
        ))
    items.sort(key=lambda i: (-i.count, -i.last_seen.timestamp(), i.key))
    return items[:MAX_ITEMS]


# ---------------------------------------------------------------- reading the database

def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def period(start: Optional[str] = None, end: Optional[str] = None, today: Optional[date] = None) -> Tuple[date, date]:
    """The days to list (YYYY-MM-DD, both included); default the last DEFAULT_DAYS days up to today."""
    today = today or local_day(datetime.now(timezone.utc))

    def day(value: Optional[str], default: date, name_nl: str) -> date:
        if value in (None, ""):
            return default
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ReviewError(f"'{name_nl}' must be a date YYYY-MM-DD",
                          f"De datum bij '{name_nl}' klopt niet. Schrijf hem zo: 2026-11-30.")

    last = day(end, today, "tot")
    first = day(start, last - timedelta(days=DEFAULT_DAYS - 1), "van")
    if first > last:
        raise ReviewError("from is after to", "De begindatum ligt na de einddatum. Kies een andere periode.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ReviewError(f"at most {MAX_RANGE_DAYS} days",
                          f"Kies een periode van hoogstens {MAX_RANGE_DAYS} dagen.")
    return first, last


def load(engine: Engine, first: date, last: date) -> Tuple[List[Turn], List[Event]]:
    """The turns worth a look between two days (with the citizen's text) and the events after them."""
    e = insight_events
    later = e.alias("later")
    with engine.connect() as conn:
        events = [Event(r.kind, r.conversation_id, _aware(r.at), r.seq, r.product) for r in conn.execute(
            sa.select(e.c.kind, e.c.conversation_id, e.c.at, e.c.seq, e.c.product)
            .where(e.c.kind.in_(("corrected", "handover_requested")), e.c.conversation_id.is_not(None),
                   e.c.day.between(first, last + timedelta(days=1)))
            .order_by(e.c.at.desc()).limit(MAX_ROWS))]
        # Answers are read too in conversations with a correction or a handover: those events
        # point back at them. Everything else only when it is itself a miss.
        followed = sa.exists().where(later.c.conversation_id == e.c.conversation_id,
                                     later.c.kind.in_(("corrected", "handover_requested")),
                                     later.c.day.between(first, last + timedelta(days=1)))
        worth = sa.or_(e.c.decision.in_((FALLBACK, CLARIFY)),
                       sa.and_(e.c.decision.in_(ANSWERS), e.c.confidence < LOW_CONFIDENCE),
                       followed)
        rows = conn.execute(
            sa.select(e.c.conversation_id, e.c.seq, e.c.at, e.c.decision, e.c.intent, e.c.product,
                      e.c.confidence, messages.c.text)
            .join(messages, sa.and_(messages.c.conversation_id == e.c.conversation_id,
                                    messages.c.seq == e.c.seq, messages.c.sender == "citizen"))
            .where(e.c.kind == "turn", e.c.day.between(first, last), worth)
            .order_by(e.c.at.desc()).limit(MAX_ROWS)).all()
    turns = [Turn(r.conversation_id, r.seq, _aware(r.at), r.decision or "", r.text or "", r.intent, r.product,
                  r.confidence) for r in rows]
    return turns, events


def review_list(engine: Engine, first: date, last: date) -> List[ReviewItem]:
    """The review list for the days from `first` to `last` (both included, Europe/Amsterdam)."""
    turns, events = load(engine, first, last)
    return group(classify(turns, events), assignments(engine))


# ---------------------------------------------------------------- assignments

@lru_cache(maxsize=1)
def domain_intents(path: Path = DOMAIN) -> Tuple[str, ...]:
    """The intents of domain.yml (the retrieval intents ask_product/ask_organisation are not listed there)."""
    with open(path, encoding="utf-8") as handle:
        domain = yaml.safe_load(handle) or {}
    return tuple(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or [])


def assignable_intents(catalogue: Catalogue) -> Tuple[str, ...]:
    """What an item may be assigned to besides a product: domain intents and other organisations."""
    intents = [i for i in domain_intents() if i != OUT_OF_SCOPE]
    organisations = [f"{ORGANISATION_INTENT}/{o}" for o in sorted(catalogue.organisations)]
    return tuple(intents + organisations)


def _row_to_assignment(row) -> Assignment:
    return Assignment(row.key, row.text, row.product, row.intent, bool(row.out_of_scope), row.assigned_by,
                      _aware(row.assigned_at))


def assignments(engine: Engine, first: Optional[date] = None, last: Optional[date] = None) -> List[Assignment]:
    """Stored assignments, oldest first; with days, only those made in that period (local days)."""
    query = sa.select(review_assignments).order_by(review_assignments.c.assigned_at, review_assignments.c.id)
    if first is not None:
        query = query.where(review_assignments.c.assigned_at >= _local_midnight(first))
    if last is not None:
        query = query.where(review_assignments.c.assigned_at < _local_midnight(last + timedelta(days=1)))
    with engine.connect() as conn:
        return [_row_to_assignment(r) for r in conn.execute(query)]


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE).astimezone(timezone.utc)


def assign(engine: Engine, catalogue: Catalogue, text: object, assigned_by: str, product: object = None,
           intent: object = None, out_of_scope: object = False,
           now: Optional[datetime] = None) -> Assignment:
    """Store (or change) the beheerder's decision about a text. Exactly one of product, intent, out_of_scope."""
    if not isinstance(text, str) or not text.strip():
        raise ReviewError("text is required", "Er is geen vraag meegestuurd.")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"text is longer than {MAX_TEXT} characters",
                          f"De vraag is te lang. Gebruik maximaal {MAX_TEXT} tekens.")
    chosen = [name for name, value in (("product", product), ("intent", intent), ("out_of_scope", out_of_scope))
              if value not in (None, "", False)]
    if len(chosen) != 1:
        raise ReviewError("give exactly one of product, intent, out_of_scope",
                          "Kies één ding: een product, een intentie of 'buiten scope'.")
    if out_of_scope is not False and out_of_scope is not True:
        raise ReviewError("out_of_scope must be true or false", "Kies een product, een intentie of 'buiten scope'.")
    if intent == OUT_OF_SCOPE:
        intent, out_of_scope = None, True
    upl_name = None
    if product:
        found = catalogue.product(product) if isinstance(product, str) else None
        if found is None:
            raise ReviewError("product must be a UPL name from the catalogue",
                              "Dit product staat niet in de productenlijst. Kies een product uit de lijst.")
        upl_name = found.upl_name
    if intent and (not isinstance(intent, str) or intent not in assignable_intents(catalogue)):
        raise ReviewError("intent must be an intent of domain.yml", "Kies een intentie uit de lijst.")
    shown = masked(text)
    key = normalise(shown)
    if not key:
        raise ReviewError("text has no words", "Deze vraag bevat geen woorden en kan geen voorbeeld worden.")
    values = dict(text=shown, product=upl_name, intent=intent or None, out_of_scope=bool(out_of_scope),
                  assigned_by=assigned_by[:64], assigned_at=now or datetime.now(timezone.utc))
    table = review_assignments
    try:
        with engine.begin() as conn:
            if not conn.execute(table.update().where(table.c.key == key).values(**values)).rowcount:
                conn.execute(table.insert().values(key=key, **values))
    except sa.exc.IntegrityError:
        # Another beheerder saved the same question at the same moment: the later decision counts.
        with engine.begin() as conn:
            conn.execute(table.update().where(table.c.key == key).values(**values))
    return Assignment(key, values["text"], upl_name, values["intent"], values["out_of_scope"],
                      values["assigned_by"], values["assigned_at"])


def purge_assignments(engine: Engine, before: datetime, dry_run: bool = False) -> int:
    """Delete assignments made before `before` (REVIEW_RETENTION_DAYS, bot/retention.py); returns how many."""
    table = review_assignments
    with engine.connect() as conn:
        if dry_run:
            return conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.assigned_at < before)).scalar_one()
        with conn.begin():
            return conn.execute(table.delete().where(table.c.assigned_at < before)).rowcount


# ---------------------------------------------------------------- export

def training_example(text: str) -> str:
    """A masked text as an NLU example: markers out, no entity brackets, one line."""
    for mask in MASKS:
        text = text.replace(mask, " ")
    # [ ] { } ( ) after ] are Rasa's entity annotation: a citizen's brackets must not become one.
    text = re.sub(r"[\[\]{}]", " ", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())


_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def known_examples(nlu_dir: Path = NLU_DIR) -> frozenset:
    """The normalised examples already in data/nlu/ (entity annotations read as their text)."""
    known = set()
    for path in sorted(nlu_dir.rglob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            # libyaml's loader when there is one: ~17,000 examples take 5 s with the pure-Python one.
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        for block in data.get("nlu") or []:
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                known.update(normalise(_ENTITY.sub(r"\1", line.strip()[2:]))
                             for line in examples.splitlines() if line.strip().startswith("- "))
    return frozenset(known)


def export_yaml(items: Sequence[Assignment], generated: Optional[datetime] = None,
                known: Iterable[str] = ()) -> str:
    """Rasa 3.x NLU YAML with the assigned examples, one block per intent, for data/nlu/ after review.

    Examples whose normalised text is in `known` (see `known_examples`: already in data/nlu/) are
    left out, so this week's export holds only what is new.
    """
    by_intent: Dict[str, List[str]] = defaultdict(list)
    seen = set(known)
    for item in items:
        example = training_example(item.text)
        key = normalise(example)
        if len(example) < 2 or key in seen:
            continue
        seen.add(key)
        by_intent[item.nlu_intent].append(example)
    moment = (generated or datetime.now(timezone.utc)).astimezone(LOCAL_ZONE)
    lines = [
        f"# Leervragen van Balie, gemaakt op {moment:%Y-%m-%d %H:%M}.",
        "# Lees elk voorbeeld na voordat je het in data/nlu/ zet: persoonsgegevens zijn weggehaald",
        "# (BSN, IBAN, e-mail, telefoon, postcode, zaaknummer), namen niet altijd.",
        "# Productvoorbeelden horen in data/nlu/products/, bij het blok van hetzelfde product.",
        'version: "3.1"',
        "nlu:",
    ]
    if not by_intent:
        lines[-1] = "nlu: []"
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in by_intent[intent]]
    return "\n".join(lines) + "\n"
