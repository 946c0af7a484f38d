"""Which product (or which other organisation) a question is about: a linear model.

Rasa's ResponseSelector learns this with a neural network. On Balie's data (about 110
products, some 30 examples each) a linear support vector machine on character and word
n-grams chooses the right product more often, and trains in seconds instead of minutes
(reports/nlu.md has the side-by-side figures). The output has exactly the shape the
ResponseSelector writes, so the retrieval action `utter_ask_product`, the custom actions
and the routing API read it unchanged, and one rule still serves every product.

Confidences: an SVM gives margins, not probabilities. The margins are turned into
probabilities with a softmax whose temperature is fitted on out-of-fold margins of the
training data (temperature scaling, Guo et al. 2017): the ranking stays the SVM's and
the confidences are calibrated enough for "did you mean" buttons and thresholds.
"""

from __future__ import annotations

import logging
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_union
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

# Rasa's config check warns that retrieval examples go unused when no component of the
# class ResponseSelector is in the pipeline. This component uses them; the warning would
# only mislead maintainers.
warnings.filterwarnings(
    "ignore",
    message="You have defined training data with examples for training a response selector",
)

MODEL_FILE = "selectors.joblib"
# Output key of the joint ranking over all retrieval intents (config `joint: true`).
JOINT_RANKING_KEY = "retrieval_ranking"
# Temperatures searched when calibrating (margins of a LinearSVC lie roughly in -2..2).
TEMPERATURE_BOUNDS = (0.01, 10.0)


def normalise(text: str) -> str:
    """Lower case without accents: "categorieën" and "categorieen" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Selector:
    """The trained model of one retrieval intent (e.g. ask_product)."""

    pipeline: Pipeline
    temperature: float
    labels: List[str]  # intent response keys, in the order of the model's classes

    def ranking(self, text: str) -> List[tuple]:
        """(intent response key, confidence), most likely first."""
        margins = self.pipeline.decision_function([text])[0]
        if len(self.labels) == 2:  # binary SVM: one margin for the second class
            margins = np.array([-margins, margins])
        probabilities = softmax(np.asarray(margins) / self.temperature)
        order = np.argsort(-probabilities, kind="stable")
        return [(self.labels[i], float(probabilities[i])) for i in order]


def _fit_temperature(margins: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the log loss of out-of-fold margins."""

    def log_loss(temperature: float) -> float:
        return -float(np.mean(log_softmax(margins / temperature, axis=1)[np.arange(len(truth)), truth]))

    return float(minimize_scalar(log_loss, bounds=TEMPERATURE_BOUNDS, method="bounded").x)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearResponseSelector(GraphComponent):
    """Chooses the response of each retrieval intent with a linear SVM on n-grams."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Retrieval intents to learn; empty means every retrieval intent in the data.
            "retrieval_intents": [],
            # Character n-grams within word boundaries: robust to typos ("paspoord"),
            # missing accents and compounds written split or joined ("afval container").
            "char_ngram_range": [2, 4],
            # Character n-grams seen only once say nothing about a product and cost time.
            "char_min_df": 2,
            # Word unigrams and bigrams: "oud papier" is not "papier" plus "oud".
            "word_ngram_range": [1, 2],
            # Regularisation of the SVM (sklearn's default; 0.3 and 3 were no better in
            # 5-fold cross-validation on the training data).
            "C": 1.0,
            # Folds for the out-of-fold margins that calibrate the temperature.
            "calibration_folds": 5,
            # Entries kept in the ranking of each retrieval intent.
            "ranking_length": 10,
            "random_seed": 42,
            # One model for all retrieval intents together: it tells a product from another
            # organisation with the same n-grams it uses to tell products apart, instead of
            # leaving that choice to the intent classifier. The joint ranking goes into the
            # output as `retrieval_ranking`; each retrieval intent still gets its own ranking
            # (the joint one restricted to its responses and renormalised).
            "joint": False,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 selectors: Optional[Dict[str, Selector]] = None,
                 responses: Optional[Dict[str, List[Dict[str, Any]]]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._selectors = selectors or {}
        self._responses = responses or {}
        if self._config["ranking_length"] < 1:
            raise InvalidConfigException("LinearResponseSelector: ranking_length must be at least 1.")
        if self._config["calibration_folds"] < 2:
            raise InvalidConfigException("LinearResponseSelector: calibration_folds must be at least 2.")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearResponseSelector":
        return cls(config, model_storage, resource)

    # --- training -------------------------------------------------------------------

    def _new_pipeline(self) -> Pipeline:
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self._config["char_ngram_range"]),
                            preprocessor=normalise, sublinear_tf=True, min_df=self._config["char_min_df"]),
            TfidfVectorizer(analyzer="word", ngram_range=tuple(self._config["word_ngram_range"]),
                            preprocessor=normalise, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
        )
        return Pipeline([("features", features),
                         ("svm", LinearSVC(C=self._config["C"], random_state=self._config["random_seed"]))])

    def _train_one(self, retrieval_intent: str, examples: List[Message]) -> Optional[Selector]:
        texts = [ex.get(TEXT) for ex in examples]
        keys = np.array([ex.get(INTENT_RESPONSE_KEY) for ex in examples])
        labels, truth, counts = np.unique(keys, return_inverse=True, return_counts=True)
        if len(labels) < 2:
            logger.warning(f"{retrieval_intent}: needs at least two responses to choose from; skipped.")
            return None
        folds = min(self._config["calibration_folds"], int(counts.min()))
        if folds >= 2:
            cv = StratifiedKFold(folds, shuffle=True, random_state=self._config["random_seed"])
            margins = cross_val_predict(self._new_pipeline(), texts, truth, cv=cv, method="decision_function")
            if margins.ndim == 1:
                margins = np.stack([-margins, margins], axis=1)
            temperature = _fit_temperature(margins, truth)
        else:
            # Too few examples of some response to hold any out: no calibration possible.
            logger.warning(f"{retrieval_intent}: a response has only one example; confidences are not calibrated.")
            temperature = 1.0
        pipeline = self._new_pipeline().fit(texts, truth)
        logger.info(f"{retrieval_intent}: {len(labels)} responses, {len(texts)} examples, "
                    f"{folds}-fold temperature {temperature:.3f}")
        return Selector(pipeline, temperature, [str(label) for label in labels])

    def train(self, training_data: TrainingData) -> Resource:
        wanted = self._config["retrieval_intents"] or sorted(training_data.retrieval_intents)
        unknown = set(wanted) - set(training_data.retrieval_intents)
        if unknown:
            raise InvalidConfigException(
                f"LinearResponseSelector: no training examples for retrieval intent(s) {sorted(unknown)}.")
        groups = [("+".join(wanted), set(wanted))] if self._config["joint"] else [(ri, {ri}) for ri in wanted]
        for name, intents in groups:
            examples = [ex for ex in training_data.intent_examples
                        if ex.get(INTENT) in intents and ex.get(INTENT_RESPONSE_KEY) and ex.get(TEXT)]
            selector = self._train_one(name, examples)
            if selector is not None:
                self._selectors[name] = selector
        self._responses = {key: value for key, value in training_data.responses.items()
                           if any(key.startswith(f"utter_{ri}/") for ri in wanted)}
        self._persist()
        return self._resource

    def _persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"selectors": self._selectors, "responses": self._responses}, directory / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearResponseSelector":
        try:
            with model_storage.read_from(resource) as directory:
                stored = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("LinearResponseSelector: no trained model found; it will select nothing.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, stored["selectors"], stored["responses"])

    # --- prediction -----------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not self._selectors:
                continue
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
            rankings: Dict[str, List[tuple]] = {}
            for name, selector in self._selectors.items():
                ranking = selector.ranking(text)
                if "+" in name:
                    message.set(JOINT_RANKING_KEY, [{"key": key, PREDICTED_CONFIDENCE_KEY: confidence}
                                                    for key, confidence in ranking[: self._config["ranking_length"]]],
                                add_to_output=True)
                    for retrieval_intent in name.split("+"):
                        own = [(k, c) for k, c in ranking if k.startswith(retrieval_intent + "/")]
                        total = sum(c for _, c in own) or 1.0
                        rankings[retrieval_intent] = [(k, c / total) for k, c in own]
                else:
                    rankings[name] = ranking
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = sorted(rankings)
            for retrieval_intent, ranking in rankings.items():
                if ranking:
                    properties[retrieval_intent] = self._prediction(ranking)
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages

    def _prediction(self, ranking: List[tuple]) -> Dict[str, Any]:
        """The ResponseSelector's output shape for one retrieval intent."""
        top_key, top_confidence = ranking[0]
        utter_action = intent_response_key_to_template_key(top_key)
        return {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self._responses.get(utter_action) or [{TEXT: top_key}],
                PREDICTED_CONFIDENCE_KEY: top_confidence,
                INTENT_RESPONSE_KEY: top_key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: confidence, INTENT_RESPONSE_KEY: key}
                for key, confidence in ranking[: self._config["ranking_length"]]
            ],
        }
