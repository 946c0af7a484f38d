"""The journey the citizen asks for in so many words wins.

"Ik wil een klacht indienen over hoe ik aan de balie behandeld ben" is a complaint, and
"kan iemand mij terugbellen over mijn bijzondere bijstand" a callback request, even though
both name a product that DIET knows well. A statistical model weighs those words against
the rest of the sentence; a citizen who says "klacht" or "bel me terug" means it. So this
component sets the intent when a pattern from data/catalogue/case_types.yml matches:
`open_case` with the case type as entity, `request_human` or `case_status`. The product
selector's output stays in the message, so the actions carry the product into the case.

The patterns are data (maintainers add wordings without Python) and are copied into the
trained model, so a running Rasa needs no access to data/.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (ENTITIES, INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY,
                                       TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .linear_selector import normalise

MODEL_FILE = "journey_words.json"
CASE_INTENT = "open_case"
STOP_INTENT = "stop"
CASE_ENTITY = "case_type"
EXTRACTOR = "JourneyWords"
# Safety first: a message about danger is never turned into a form.
PROTECTED_INTENTS = frozenset({"emergency", "domestic_violence", "suicide_risk"})


def load_patterns(catalogue_dir: str) -> List[Tuple[str, Optional[str], str]]:
    """(intent, case type or None, pattern) from the catalogue, case types first."""
    from bot.catalogue import load_catalogue  # the bot package reads and checks data/catalogue

    catalogue = load_catalogue(catalogue_dir)
    patterns = [(CASE_INTENT, case_type.id, word)
                for case_type in catalogue.case_types.values() for word in case_type.words]
    patterns += [(intent, None, word) for intent, words in catalogue.journey_words.items() for word in words]
    return patterns


class Journeys:
    """Compiled patterns; `match` gives the first journey a text asks for."""

    def __init__(self, patterns: List[Tuple[str, Optional[str], str]]):
        self.patterns = patterns
        self._compiled = [(intent, case_type, re.compile(pattern)) for intent, case_type, pattern in patterns]

    def match(self, text: str) -> Optional[Tuple[str, Optional[str], Tuple[int, int]]]:
        """(intent, case type, span in the normalised text) or None.

        Case types go before other journeys, and a callback before a complaint when both
        match ("bel me terug over mijn klacht" is a callback about a complaint)."""
        clean = normalise(text or "")
        hits = [(intent, case_type, found.span()) for intent, case_type, pattern in self._compiled
                for found in [pattern.search(clean)] if found]
        if not hits:
            return None
        order = {"callback": 0, "complaint": 1, "report": 2, "question": 3}
        # Stopping goes first: "laat maar" in the middle of a form must always stop it.
        hits.sort(key=lambda h: (h[0] != STOP_INTENT, h[0] != CASE_INTENT, order.get(h[1] or "", 9)))
        return hits[0]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class JourneyWords(GraphComponent):
    """Sets the intent when the citizen names a journey (complaint, callback, person...)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Read at training time, relative to where `rasa train` runs (the repository root).
        return {"catalogue": "data/catalogue"}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 journeys: Optional[Journeys] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._journeys = journeys

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "JourneyWords":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        import json

        self._journeys = Journeys(load_patterns(self._config["catalogue"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_text(json.dumps(self._journeys.patterns), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "JourneyWords":
        import json

        merged = {**cls.get_default_config(), **config}
        if Path(merged["catalogue"]).is_dir():
            # The catalogue next to the running server is newer than the model: a maintainer's
            # new wording works after a restart, without retraining.
            return cls(config, model_storage, resource, Journeys(load_patterns(merged["catalogue"])))
        try:
            with model_storage.read_from(resource) as directory:
                patterns = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, Journeys([tuple(p) for p in patterns]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or self._journeys is None or text.startswith("/"):
                continue
            if (message.get(INTENT) or {}).get("name") in PROTECTED_INTENTS:
                continue
            hit = self._journeys.match(text)
            if hit is None:
                continue
            intent, case_type, (start, end) = hit
            message.set(INTENT, {"name": intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
            message.set(INTENT_RANKING_KEY, [{"name": intent, PREDICTED_CONFIDENCE_KEY: 1.0}] + ranking,
                        add_to_output=True)
            if case_type:
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != CASE_ENTITY]
                entities.append({"entity": CASE_ENTITY, "value": case_type, "start": start, "end": end,
                                 "confidence_entity": 1.0, "extractor": EXTRACTOR})
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
