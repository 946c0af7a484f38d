"""Is this text something Balie can have learnt about at all? And in which language?

DIET always picks one of the intents it knows, and the product selector always ranks
products: keyboard mash ("sdfkj qwe") or a Polish sentence still came out as a product
question with a confident product. Both models are blind to what they have never seen.
This component is not: it knows the words of the training data and measures which share
of the message's words it recognises. A message of mostly unknown words is out of scope
for the models, whatever they say, and becomes `nlu_fallback` before any product is named.

Dutch writes compounds as one word ("containerdeksel", "lantaarnpaalreparatie"), and
citizens misspell; so a word also counts as known when most of its character 4-grams
occur in the training words.

It also tells the language (`nl`, `en` or `unknown`) from function words, so an English
question gets an English answer (bot/understanding.py) instead of being held to Dutch
vocabulary. Both facts go into the parse output under `scope`.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Set, Text

import joblib

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .linear_selector import normalise

MODEL_FILE = "scope.joblib"
FALLBACK_INTENT = "nlu_fallback"
WORD = re.compile(r"[a-z]+")
# Function words that decide the language of a short message. Words both languages use
# ("is", "in", "over", "me") are left out.
DUTCH_WORDS = frozenset(
    "de het een ik mijn je jij jullie wij we ons onze hoe waar wat wie wanneer waarom kan kun "
    "moet mag wil wordt word ben bent zijn heb hebt heeft niet geen met voor van naar bij "
    "ook nog maar dat die dit deze er al wel graag aub alsjeblieft gemeente".split())
ENGLISH_WORDS = frozenset(
    "the a an my your our how where what who when why can could should must may would "
    "do does did am are is was have has not no with for of to at from this that these "
    "there please i you we they it municipality city council".split())
# Safety comes first: never silence a message that a safety intent recognised.
PROTECTED_INTENTS = frozenset({"emergency", "domestic_violence", "suicide_risk"})


def words(text: str) -> List[str]:
    """Lower-case words without accents, letters only."""
    return WORD.findall(normalise(text or ""))


def grams(word: str, n: int = 4) -> Set[str]:
    """Character n-grams of a word with boundary marks (so prefixes and suffixes count)."""
    padded = f"<{word}>"
    return {padded[i:i + n] for i in range(max(1, len(padded) - n + 1))}


def language(tokens: Iterable[str]) -> str:
    """`nl`, `en` or `unknown`, by counting function words of each language."""
    tokens = list(tokens)
    dutch = sum(t in DUTCH_WORDS for t in tokens)
    english = sum(t in ENGLISH_WORDS for t in tokens)
    if english >= 2 and english > dutch:
        return "en"
    if dutch >= 1 and dutch >= english:
        return "nl"
    return "unknown"


class Vocabulary:
    """The words of the training data, and their character 4-grams."""

    def __init__(self, texts: Iterable[str]):
        self.words: Set[str] = set()
        for text in texts:
            self.words.update(words(text))
        self.grams: Set[str] = set()
        for word in self.words:
            self.grams |= grams(word)

    def knows(self, word: str, min_gram_share: float) -> bool:
        """A training word, or (compounds, typos) a word whose 4-grams are mostly known."""
        if word in self.words:
            return True
        if len(word) < 4:
            return False
        own = grams(word)
        return sum(g in self.grams for g in own) / len(own) >= min_gram_share

    def known_share(self, tokens: List[str], min_gram_share: float) -> float:
        """Share of the tokens this vocabulary knows (1.0 for a message without words)."""
        if not tokens:
            return 1.0
        return sum(self.knows(t, min_gram_share) for t in tokens) / len(tokens)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ScopeGuard(GraphComponent):
    """Turns messages of mostly unknown words into nlu_fallback; tells the language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Below this share of known words a Dutch (or unknown-language) message is
            # out of scope for the models. Chosen on the training data and the old test
            # file, not on the blind set (reports/nlu.md).
            "min_known_share": 0.5,
            # A word outside the vocabulary still counts as known when this share of its
            # character 4-grams occurs in training words.
            "min_gram_share": 0.75,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Vocabulary] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        for key in ("min_known_share", "min_gram_share"):
            if not 0.0 <= float(self._config[key]) <= 1.0:
                raise InvalidConfigException(f"ScopeGuard: {key} must lie between 0 and 1.")
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ScopeGuard":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._vocabulary = Vocabulary(ex.get(TEXT) for ex in training_data.training_examples if ex.get(TEXT))
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._vocabulary, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ScopeGuard":
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, vocabulary)

    def assess(self, text: str) -> Dict[str, Any]:
        """{"known_share": float, "language": str, "in_scope": bool} for one text."""
        tokens = words(text)
        lang = language(tokens)
        share = (self._vocabulary.known_share(tokens, self._config["min_gram_share"])
                 if self._vocabulary else 1.0)
        # English is held to the product models, not to Dutch vocabulary.
        in_scope = lang == "en" or share >= self._config["min_known_share"]
        return {"known_share": round(share, 3), "language": lang, "in_scope": in_scope}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            scope = self.assess(text)
            message.set("scope", scope, add_to_output=True)
            intent = message.get(INTENT) or {}
            if scope["in_scope"] or intent.get("name") in PROTECTED_INTENTS:
                continue
            confidence = 1.0 - scope["known_share"]
            message.set(INTENT, {"name": FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: confidence},
                        add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
            message.set(INTENT_RANKING_KEY,
                        [{"name": FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: confidence}] + ranking,
                        add_to_output=True)
        return messages
