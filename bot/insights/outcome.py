"""What Balie decided for one citizen message: the contract between the actions and the bot service.

The decision is made in the action server (actions/outcome.py reports it), but the bot
service owns the statistics. So an action attaches its outcome to its reply as a custom
payload, `dispatcher.utter_message(json_message={"balie_outcome": {...}})`. Rasa's REST
channel returns it as a list item of its own, `{"recipient_id": ..., "custom": {...}}`, next
to the text replies; the bot service takes these items out before anything is stored or shown
(`split_replies`) and records one `turn` event per citizen message (bot/chat/api.py).

Only facts, never text: the same rule as bot/insights/events.py.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Iterable, List, Optional, Tuple

OUTCOME_KEY = "balie_outcome"

# answer | clarify | fallback | organisation | safety: bot/understanding.py's decisions.
# journey: a step of a case journey (report, complaint, callback, question, status lookup).
# handover: the citizen asked for a person. other: Rasa answered without an outcome (a rule).
ANSWER, CLARIFY, FALLBACK, ORGANISATION, SAFETY = "answer", "clarify", "fallback", "organisation", "safety"
JOURNEY, HANDOVER, OTHER = "journey", "handover", "other"
DECISIONS = (ANSWER, CLARIFY, FALLBACK, ORGANISATION, SAFETY, JOURNEY, HANDOVER, OTHER)

# Column widths of insight_events (bot/db.py): longer values are cut, not refused.
_WIDTHS = {"intent": 64, "product": 120, "department": 40, "organisation": 40, "case_type": 16}


@dataclass(frozen=True)
class Outcome:
    """One turn's decision and the facts behind it (UPL name, department id, organisation id)."""

    decision: str
    intent: Optional[str] = None
    product: Optional[str] = None
    department: Optional[str] = None
    organisation: Optional[str] = None
    confidence: Optional[float] = None
    case_type: Optional[str] = None
    # The citizen picked another product from "Bedoelde je iets anders?": the first answer was wrong.
    corrected: bool = False

    def to_custom(self) -> dict:
        """The custom payload an action sends (None fields left out)."""
        return {OUTCOME_KEY: {k: v for k, v in asdict(self).items() if _given(v)}}

    @property
    def owner_named(self) -> bool:
        """Balie told the citizen who handles it: a department or another organisation."""
        return bool(self.department or self.organisation)

    @property
    def ends_conversation(self) -> bool:
        """A natural end: someone named (or a case opened), so the widget may ask "Heeft dit je geholpen?".

        Never after a safety answer: a citizen in danger is not asked to rate the chat.
        """
        return self.decision != SAFETY and self.owner_named

    def event_facts(self) -> dict:
        """The columns of a `turn` event (bot/insights/events.py)."""
        return {"decision": self.decision, "intent": self.intent, "product": self.product,
                "department": self.department, "organisation": self.organisation,
                "confidence": self.confidence, "case_type": self.case_type}


def _given(value: object) -> bool:
    """A fact worth sending or keeping: not None and not False (0.0 is a confidence, so `is`)."""
    return value is not None and value is not False


def parse(data: object) -> Optional[Outcome]:
    """An Outcome from a custom payload's `balie_outcome` object; None when it is not one.

    The action server is ours, but a wrong type must never break a citizen's reply: what does
    not fit is dropped.
    """
    if not isinstance(data, dict) or data.get("decision") not in DECISIONS:
        return None
    values = {"decision": data["decision"], "corrected": data.get("corrected") is True}
    for name, width in _WIDTHS.items():
        value = data.get(name)
        if isinstance(value, str) and value:
            values[name] = value[:width]
    confidence = data.get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and math.isfinite(confidence):
        values["confidence"] = round(min(max(float(confidence), 0.0), 1.0), 4)
    return Outcome(**values)


def merge(outcomes: Iterable[Outcome]) -> Optional[Outcome]:
    """One outcome per turn: several actions may run for one message (a form: validate, then ask).

    The later action's decision counts; facts it leaves empty are kept from the earlier ones.
    """
    merged: Optional[Outcome] = None
    for outcome in outcomes:
        if merged is None:
            merged = outcome
            continue
        later = {f.name: getattr(outcome, f.name) for f in fields(Outcome) if _given(getattr(outcome, f.name))}
        merged = replace(merged, **later)
    return merged


def split_replies(answers: List[dict]) -> Tuple[List[dict], Optional[Outcome]]:
    """Rasa's REST answers → (what the citizen sees, the turn's outcome).

    Every item with a `custom` payload is taken out: the citizen sees text and buttons only.
    """
    visible, outcomes = [], []
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        custom = answer.get("custom")
        if custom is not None:
            found = parse(custom.get(OUTCOME_KEY)) if isinstance(custom, dict) else None
            if found:
                outcomes.append(found)
            if not (answer.get("text") or answer.get("buttons")):
                continue
            answer = {k: v for k, v in answer.items() if k != "custom"}
        visible.append(answer)
    return visible, merge(outcomes)
