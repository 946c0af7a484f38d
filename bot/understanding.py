"""What Balie does with a question: answer it, ask which one is meant, or say it does not know.

One decision for the chat (actions/routing.py) and the routing API (bot/routing.py), so
the API says exactly what the chat would do. The input is Rasa's parse result: DIET's
intent ranking, the calibrated product and organisation rankings of the
LinearResponseSelector (nlu_components/), and the ScopeGuard's verdict.

A confident wrong answer sends a citizen to the wrong desk, which costs more than a
question back. So a product or organisation is named only when its score is high and
clearly ahead of the next; otherwise the citizen gets the likely candidates as buttons
(clarify), or, when nothing is likely, an honest "I don't know" with a person on offer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .catalogue import Catalogue, Department, Organisation, Product

ANSWER, CLARIFY, FALLBACK, ORGANISATION, SAFETY = "answer", "clarify", "fallback", "organisation", "safety"
DECISIONS = (ANSWER, CLARIFY, FALLBACK, ORGANISATION, SAFETY)

PRODUCT_INTENT = "ask_product"
ORGANISATION_INTENT = "ask_organisation"
# Intents whose product ranking says which product is meant.
PRODUCT_INTENTS = frozenset({PRODUCT_INTENT, "ask_vague", "choose_product"})
# Safety intents go to the organisation that helps at once, whatever else was said.
SAFETY_ORGANISATIONS = {"emergency": "politie", "domestic_violence": "veilig_thuis",
                        "suicide_risk": "zelfmoordpreventie"}
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Thresholds:
    """When a score is high enough to answer, and when candidates are worth a question.

    A candidate's score is P(intent) x P(product | intent): DIET's confidence that the
    message asks about a product (or another organisation) times the selector's calibrated
    confidence in that product. Chosen on the training data's out-of-fold predictions and
    the old test file (reports/nlu.md), never on the blind set.
    """

    # Name one product or organisation only at this score or above ...
    answer: float = 0.5
    # ... and only when it is at least this many times the runner-up's score ...
    lead: float = 2.0
    # ... and the candidates at the same desk (department or organisation) together have at
    # least this score: a wrong desk is the runaround Balie exists to end (issue 10 asks for
    # at most 5% wrong desks among answers).
    desk: float = 0.7
    # Candidates shown in a clarifying question have at least this score ...
    candidate: float = 0.05
    # ... and together at least this much; below it Balie says it does not know.
    clarify_mass: float = 0.25
    max_candidates: int = 4
    # Danger comes first even when it is not the top intent: a story that starts with rent
    # arrears and then says "ik wil er niet meer zijn" gets 113, not the debt counsellor.
    # Missing an emergency costs more than a safety answer too many, so the bar is low: the
    # safety intents together need this much of DIET's confidence.
    safety: float = 0.3


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Candidate:
    """A product or another organisation, with its score."""

    score: float
    product: Optional[Product] = None
    organisation: Optional[Organisation] = None

    @property
    def key(self) -> str:
        return self.product.upl_name if self.product else self.organisation.id

    def to_json(self) -> dict:
        if self.product:
            return {"product": self.product.upl_name, "confidence": round(self.score, 4)}
        return {"organisation": self.organisation.id, "name": self.organisation.name,
                "confidence": round(self.score, 4)}


@dataclass(frozen=True)
class Decision:
    """What the chat does with one message, and why."""

    decision: str
    intent: Optional[str]
    language: str = "nl"
    product: Optional[Product] = None
    department: Optional[Department] = None
    organisation: Optional[Organisation] = None
    confidence: float = 0.0
    alternatives: Tuple[Candidate, ...] = field(default_factory=tuple)


def _selector_ranking(parse: dict, retrieval_intent: str) -> List[Tuple[str, float]]:
    selector = (parse.get("response_selector") or {}).get(retrieval_intent) or {}
    return [((entry.get("intent_response_key") or "").split("/", 1)[-1], float(entry.get("confidence") or 0))
            for entry in selector.get("ranking") or []]


def intent_confidences(parse: dict) -> dict:
    """DIET's confidence per intent, without the fallback pseudo-intent."""
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    return {r.get("name"): float(r.get("confidence") or 0) for r in ranking
            if r.get("name") and r.get("name") != FALLBACK_INTENT}


def _candidate(key: str, score: float, catalogue: Catalogue) -> Optional[Candidate]:
    base, _, item = key.partition("/")
    if base == PRODUCT_INTENT:
        product = catalogue.product(item)
        return Candidate(score, product=product) if product else None
    if base == ORGANISATION_INTENT and item not in SAFETY_ORGANISATIONS.values():
        organisation = catalogue.organisations.get(item)
        return Candidate(score, organisation=organisation) if organisation else None
    return None


def candidates(parse: dict, catalogue: Catalogue) -> List[Candidate]:
    """Products and organisations, each scored P(intent) x P(item | intent), best first.

    With the selector's joint ranking (products and organisations in one model) the intent
    part is DIET's confidence that the message asks about a product or organisation at all.
    """
    intents = intent_confidences(parse)
    p_product = sum(intents.get(name, 0.0) for name in PRODUCT_INTENTS)
    p_organisation = intents.get(ORGANISATION_INTENT, 0.0)
    joint = parse.get("retrieval_ranking")
    result = []
    if joint:
        for entry in joint:
            found = _candidate(str(entry.get("key") or ""),
                               (p_product + p_organisation) * float(entry.get("confidence") or 0), catalogue)
            if found:
                result.append(found)
    else:
        for key, confidence in _selector_ranking(parse, PRODUCT_INTENT):
            found = _candidate(f"{PRODUCT_INTENT}/{key}", p_product * confidence, catalogue)
            if found:
                result.append(found)
        for key, confidence in _selector_ranking(parse, ORGANISATION_INTENT):
            found = _candidate(f"{ORGANISATION_INTENT}/{key}", p_organisation * confidence, catalogue)
            if found:
                result.append(found)
    result.sort(key=lambda c: -c.score)
    return result


def desk(candidate: Candidate) -> str:
    """Where a candidate sends the citizen: a department or another organisation."""
    return f"dept:{candidate.product.department}" if candidate.product else f"org:{candidate.organisation.id}"


def safety_signal(parse: dict) -> tuple:
    """(the most likely safety intent, the safety intents' summed confidence) from DIET's ranking."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") in SAFETY_ORGANISATIONS]
    if not ranking:
        return None, 0.0
    best = max(ranking, key=lambda r: r.get("confidence") or 0.0)
    return best["name"], sum(r.get("confidence") or 0.0 for r in ranking)


def top_intent(parse: dict) -> Optional[str]:
    """The intent Rasa predicted, nlu_fallback included."""
    return (parse.get("intent") or {}).get("name")


def decide(parse: dict, catalogue: Catalogue, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Decision:
    """Answer, clarify, fall back, send to another organisation, or safety first."""
    intent = top_intent(parse)
    scope = parse.get("scope") or {}
    language = scope.get("language") or "nl"
    if intent in SAFETY_ORGANISATIONS:
        organisation = catalogue.organisations.get(SAFETY_ORGANISATIONS[intent])
        return Decision(SAFETY, intent, language, organisation=organisation, confidence=1.0)
    safety_intent, safety_score = safety_signal(parse)
    if safety_score >= thresholds.safety:
        organisation = catalogue.organisations.get(SAFETY_ORGANISATIONS[safety_intent])
        return Decision(SAFETY, safety_intent, language, organisation=organisation, confidence=safety_score)
    if scope and not scope.get("in_scope", True):
        # Mostly words Balie never learnt: whatever the models guess is a guess.
        return Decision(FALLBACK, intent, language)
    ranked = candidates(parse, catalogue)
    if not ranked:
        return Decision(FALLBACK, intent, language)
    first = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    desk_mass = sum(c.score for c in ranked if desk(c) == desk(first))
    if (first.score >= thresholds.answer and first.score >= thresholds.lead * runner_up
            and desk_mass >= thresholds.desk):
        if first.product:
            return Decision(ANSWER, intent, language, product=first.product,
                            department=catalogue.department_of(first.product), confidence=first.score,
                            alternatives=tuple(c for c in ranked[1:thresholds.max_candidates]
                                               if c.score >= thresholds.candidate))
        return Decision(ORGANISATION, intent, language, organisation=first.organisation, confidence=first.score)
    shortlist = tuple(c for c in ranked[:thresholds.max_candidates] if c.score >= thresholds.candidate)
    if shortlist and sum(c.score for c in shortlist) >= thresholds.clarify_mass:
        return Decision(CLARIFY, intent, language, confidence=first.score, alternatives=shortlist)
    return Decision(FALLBACK, intent, language, confidence=first.score, alternatives=shortlist)
