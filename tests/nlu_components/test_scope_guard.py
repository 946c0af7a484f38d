"""ScopeGuard: text of mostly unknown words falls back before any product is named; the language."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.scope_guard import ScopeGuard, Vocabulary, language, words

TRAINING = ["mijn paspoort is verlopen", "de lantaarnpaal in mijn straat is kapot", "wanneer wordt het afval opgehaald",
            "ik wil een container aanvragen", "hoe vraag ik bijstand aan", "de vuilniswagen is niet geweest"]


def guard(tmp_path, **config):
    component = ScopeGuard.create({**ScopeGuard.get_default_config(), **config}, LocalModelStorage(tmp_path),
                                  Resource("scope"), ExecutionContext(GraphSchema({}), "test"))
    component.train(TrainingData(training_examples=[Message(data={"text": t, "intent": "ask_product"})
                                                    for t in TRAINING]))
    return component


def parse(component, text, intent="ask_product"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}]})
    component.process([message])
    return message


def test_words_are_lower_case_without_accents():
    assert words("Één Lantaarnpaal, kapot!") == ["een", "lantaarnpaal", "kapot"]


def test_compounds_and_typos_of_known_words_count_as_known():
    vocabulary = Vocabulary(TRAINING)
    assert vocabulary.knows("lantaarnpaal", 0.75)
    assert vocabulary.knows("vuilniswagens", 0.75)  # a form not in the data
    assert not vocabulary.knows("qwpoeiru", 0.75)


@pytest.mark.parametrize("text,expected", [
    ("how do I register my new address in the municipality", "en"),
    ("hoe meld ik mijn nieuwe adres", "nl"),
    ("asdf qwer", "unknown"),
])
def test_language(text, expected):
    assert language(words(text)) == expected


def test_gibberish_becomes_nlu_fallback(tmp_path):
    message = parse(guard(tmp_path), "sdkfj qwpoeiru zxmvn")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert message.get("scope") == {"known_share": 0.0, "language": "unknown", "in_scope": False}


def test_a_known_question_is_left_alone(tmp_path):
    message = parse(guard(tmp_path), "mijn paspoort is kapot")
    assert message.get("intent")["name"] == "ask_product" and message.get("scope")["in_scope"]


def test_english_is_not_held_to_dutch_words(tmp_path):
    message = parse(guard(tmp_path), "how do I register my new address")
    assert message.get("intent")["name"] == "ask_product" and message.get("scope")["language"] == "en"


def test_safety_is_never_silenced(tmp_path):
    message = parse(guard(tmp_path), "hlp brnd", intent="emergency")
    assert message.get("intent")["name"] == "emergency"


def test_persists(tmp_path):
    component = guard(tmp_path)
    loaded = ScopeGuard.load(component._config, component._model_storage, component._resource,
                             ExecutionContext(GraphSchema({}), "test"))
    assert loaded.assess("sdkfj qwpoeiru")["in_scope"] is False
    assert loaded.assess("paspoort verlopen")["in_scope"] is True


@pytest.mark.parametrize("setting", ["min_known_share", "min_gram_share"])
def test_settings_outside_0_to_1_are_refused(tmp_path, setting):
    with pytest.raises(InvalidConfigException):
        guard(tmp_path, **{setting: 1.5})
