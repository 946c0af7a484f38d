"""LinearResponseSelector: trains, predicts in the ResponseSelector's shape, persists, calibrates."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.special import softmax

from nlu_components.linear_selector import LinearResponseSelector, _fit_temperature, normalise

EXAMPLES = {
    "ask_product/paspoort": [
        "paspoort aanvragen", "mijn paspoort is verlopen", "nieuw paspoort nodig voor vakantie",
        "hoe vraag ik een paspoort aan", "paspoort kwijt wat nu", "reisdocument paspoort verlengen",
    ],
    "ask_product/afvalkalender": [
        "wanneer wordt het afval opgehaald", "afvalkalender bekijken", "welke dag komt de vuilniswagen",
        "ophaaldagen container", "wanneer gaat de groene bak aan de straat", "afval ophaaldag in mijn straat",
    ],
    "ask_product/hondenbelasting": [
        "hondenbelasting betalen", "ik heb een puppy gekocht moet ik belasting betalen", "belasting voor mijn hond",
        "hond aanmelden belasting", "hondenbelasting afmelden hond overleden", "hoeveel is de hondenbelasting",
    ],
    "ask_organisation/duo": [
        "studiefinanciering aanvragen", "mijn studieschuld terugbetalen", "ov studentenkaart stopzetten",
        "lening voor mijn studie", "diploma kwijt waar vraag ik kopie", "studiefinanciering stopt",
    ],
    "ask_organisation/uwv": [
        "ww uitkering aanvragen", "ik ben ontslagen welke uitkering", "ziek uit dienst uitkering",
        "wia keuring", "werkloos geworden wat nu", "ww aanvragen na ontslag",
    ],
}


def training_data() -> TrainingData:
    messages = []
    for key, texts in EXAMPLES.items():
        intent = key.split("/")[0]
        messages += [Message(data={"text": t, "intent": intent, "intent_response_key": key}) for t in texts]
    messages += [Message(data={"text": "hallo", "intent": "greet"}), Message(data={"text": "doei", "intent": "goodbye"})]
    responses = {f"utter_{key}": [{"text": f"Antwoord over {key.split('/')[1]}."}] for key in EXAMPLES}
    return TrainingData(training_examples=messages, responses=responses)


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def context():
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage, **config):
    selector = LinearResponseSelector.create({**LinearResponseSelector.get_default_config(), **config},
                                             storage, Resource("selector"), context())
    selector.train(training_data())
    return selector


def parse(selector, text):
    return selector.process([Message(data={"text": text})])[0].as_dict_nlu().get("response_selector")


def test_chooses_the_product_despite_a_typo_and_in_the_response_selector_shape(storage):
    out = parse(trained(storage), "mijn paspoord is verlopen")
    assert out["all_retrieval_intents"] == ["ask_organisation", "ask_product"]
    product = out["ask_product"]
    assert product["response"]["intent_response_key"] == "ask_product/paspoort"
    assert product["response"]["utter_action"] == "utter_ask_product/paspoort"
    assert product["response"]["responses"] == [{"text": "Antwoord over paspoort."}]
    confidences = [entry["confidence"] for entry in product["ranking"]]
    assert product["response"]["confidence"] == confidences[0]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)  # three products, all ranked
    assert {entry["intent_response_key"] for entry in product["ranking"]} == set(
        k for k in EXAMPLES if k.startswith("ask_product/"))
    assert out["ask_organisation"]["response"]["intent_response_key"] in ("ask_organisation/duo", "ask_organisation/uwv")


def test_organisation_question(storage):
    out = parse(trained(storage), "ik ben werkloos en wil een ww uitkering")
    assert out["ask_organisation"]["response"]["intent_response_key"] == "ask_organisation/uwv"


def test_persists_and_loads_the_same_model(storage):
    selector = trained(storage)
    loaded = LinearResponseSelector.load(LinearResponseSelector.get_default_config(), storage,
                                         Resource("selector"), context())
    text = "wanneer komt de vuilniswagen"
    assert parse(loaded, text) == parse(selector, text)


def test_untrained_model_selects_nothing(storage):
    loaded = LinearResponseSelector.load(LinearResponseSelector.get_default_config(), storage,
                                         Resource("never-trained"), context())
    assert parse(loaded, "paspoort") is None


def test_message_without_text_is_left_alone(storage):
    message = trained(storage).process([Message(data={"text": ""})])[0]
    assert message.get("response_selector") is None


def test_only_the_configured_retrieval_intents(storage):
    out = parse(trained(storage, retrieval_intents=["ask_product"]), "paspoort")
    assert out["all_retrieval_intents"] == ["ask_product"]
    assert "ask_organisation" not in out


def test_ranking_length_limits_the_ranking(storage):
    out = parse(trained(storage, ranking_length=2), "paspoort")
    assert len(out["ask_product"]["ranking"]) == 2


def test_unknown_retrieval_intent_is_a_config_error(storage):
    with pytest.raises(InvalidConfigException, match="ask_weather"):
        trained(storage, retrieval_intents=["ask_weather"])


@pytest.mark.parametrize("config", [{"ranking_length": 0}, {"calibration_folds": 1}])
def test_impossible_settings_are_refused(storage, config):
    with pytest.raises(InvalidConfigException):
        LinearResponseSelector.create({**LinearResponseSelector.get_default_config(), **config},
                                      storage, Resource("selector"), context())


def test_retrieval_intent_with_one_response_is_skipped(storage):
    data = TrainingData(training_examples=[
        Message(data={"text": t, "intent": "ask_product", "intent_response_key": "ask_product/paspoort"})
        for t in EXAMPLES["ask_product/paspoort"]])
    selector = LinearResponseSelector.create(LinearResponseSelector.get_default_config(), storage,
                                             Resource("selector"), context())
    selector.train(data)
    assert parse(selector, "paspoort") is None


def test_fitted_temperature_recovers_the_true_one():
    # Labels drawn from softmax(margins / 0.4): the fit should find about 0.4.
    rng = np.random.default_rng(7)
    margins = rng.normal(0, 1, size=(4000, 6))
    truth = np.array([rng.choice(6, p=p) for p in softmax(margins / 0.4, axis=1)])
    assert _fit_temperature(margins, truth) == pytest.approx(0.4, abs=0.05)


def test_normalise_drops_case_and_accents():
    assert normalise("Categorieën Één") == "categorieen een"


def test_joint_model_ranks_products_and_organisations_together(storage):
    selector = trained(storage, joint=True)
    message = selector.process([Message(data={"text": "ik ben werkloos en wil een ww uitkering"})])[0]
    joint = message.get("retrieval_ranking")
    assert joint[0]["key"] == "ask_organisation/uwv"
    assert sum(entry["confidence"] for entry in joint) == pytest.approx(1.0)  # five responses, all ranked
    out = message.as_dict_nlu()["response_selector"]
    # Each retrieval intent keeps the ResponseSelector's shape, renormalised over its own responses.
    assert out["ask_organisation"]["response"]["intent_response_key"] == "ask_organisation/uwv"
    assert sum(e["confidence"] for e in out["ask_product"]["ranking"]) == pytest.approx(1.0)
    assert out["all_retrieval_intents"] == ["ask_organisation", "ask_product"]
