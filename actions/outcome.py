"""Tell the bot service what an action decided, for the statistics (issue 13).

The outcome travels with the reply as a custom payload (bot/insights/outcome.py); the bot
service takes it out before the citizen sees anything and records a `turn` event. Actions
report facts only (ids, UPL names, a confidence), never what the citizen typed.
"""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue import Product
from bot.insights.outcome import (ANSWER, CLARIFY, FALLBACK, HANDOVER, JOURNEY, ORGANISATION, OUTCOME_KEY,
                                  SAFETY, Outcome)
from bot.understanding import Decision

__all__ = ["ANSWER", "CLARIFY", "FALLBACK", "HANDOVER", "JOURNEY", "ORGANISATION", "SAFETY",
           "report", "report_decision", "report_product", "report_journey", "intent_of", "is_outcome"]


def intent_of(tracker: Tracker) -> Optional[str]:
    """The intent NLU gave the citizen's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def report(dispatcher: CollectingDispatcher, outcome: Outcome) -> None:
    """Attach an outcome to this action's reply."""
    dispatcher.utter_message(json_message=outcome.to_custom())


def report_decision(dispatcher: CollectingDispatcher, decision: Decision) -> None:
    """The outcome of a bot/understanding.py decision, as the chat carried it out.

    For clarify and fallback the best guess is kept as `product` (with its score), so the
    review list can see what Balie thought of; only `department`/`organisation` say that a
    desk was named to the citizen.
    """
    guess = decision.product or next((c.product for c in decision.alternatives if c.product), None)
    named = decision.decision in (ANSWER, ORGANISATION, SAFETY)
    report(dispatcher, Outcome(
        decision=decision.decision, intent=decision.intent,
        product=guess.upl_name if guess else None,
        department=decision.department.id if named and decision.department else None,
        organisation=decision.organisation.id if named and decision.organisation else None,
        confidence=decision.confidence))


def report_product(dispatcher: CollectingDispatcher, tracker: Tracker, product: Product, department_id: str,
                   corrected: bool = False, confidence: Optional[float] = None) -> None:
    """A product answered by name (a button, a follow-up question): its department was named."""
    report(dispatcher, Outcome(decision=ANSWER, intent=intent_of(tracker), product=product.upl_name,
                               department=department_id, confidence=confidence, corrected=corrected))


def report_journey(dispatcher: CollectingDispatcher, tracker: Tracker, case_type: Optional[str] = None,
                   department: Optional[str] = None, product: Optional[str] = None) -> None:
    """A step of a case journey; with `department` when the case was opened and its department named."""
    report(dispatcher, Outcome(decision=JOURNEY, intent=intent_of(tracker), case_type=case_type,
                               department=department, product=product))


def is_outcome(message: dict) -> bool:
    """Whether a dispatcher message is an outcome (tests and the summary leave these out)."""
    return OUTCOME_KEY in (message.get("custom") or {})
