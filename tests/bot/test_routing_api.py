"""POST /api/route: the same routing as the chat, for contact forms and measurement."""
from __future__ import annotations

import pytest
import requests

from bot.catalogue import load_catalogue
from bot.routing import route
from bot.settings import settings


def parse(intent, products=(), organisations=(), fallback=False):
    ranking = [{"name": intent, "confidence": 0.9}]
    if fallback:
        ranking.insert(0, {"name": "nlu_fallback", "confidence": 0.55})
    return {
        "intent": ranking[0], "intent_ranking": ranking,
        "response_selector": {
            "ask_product": {"ranking": [{"intent_response_key": f"ask_product/{k}", "confidence": c} for k, c in products]},
            "ask_organisation": {"ranking": [{"intent_response_key": f"ask_organisation/{k}", "confidence": c} for k, c in organisations]},
        },
    }


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_dir)


def test_a_clear_product_is_answered_with_its_department(catalogue):
    result = route(parse("ask_product", [("paspoort", 0.8), ("identiteitskaart", 0.1)]), catalogue)
    assert result["decision"] == "answer"
    assert result["product"] == "paspoort" and result["department"] == {"id": "burgerzaken", "name": "Burgerzaken"}
    assert result["organisation"] is None and result["confidence"] == pytest.approx(0.72)
    assert result["alternatives"] == [{"product": "identiteitskaart", "confidence": 0.09}]


def test_two_close_products_get_a_clarifying_question_not_a_guess(catalogue):
    result = route(parse("ask_product", [("paspoort", 0.55), ("identiteitskaart", 0.4)]), catalogue)
    assert result["decision"] == "clarify"
    assert result["product"] is None and result["department"] is None
    assert [a["product"] for a in result["alternatives"]] == ["paspoort", "identiteitskaart"]


def test_nothing_likely_means_fallback_with_the_weak_candidates(catalogue):
    result = route(parse("ask_product", [("paspoort", 0.1), ("identiteitskaart", 0.08), ("rijbewijs", 0.07)]),
                   catalogue)
    assert result["decision"] == "fallback" and result["product"] is None
    assert [a["product"] for a in result["alternatives"]] == ["paspoort", "identiteitskaart", "rijbewijs"]


def test_candidates_under_the_floor_are_left_out(catalogue):
    result = route(parse("ask_product", [("paspoort", 0.98), ("identiteitskaart", 0.06), ("noodreisdocument", 0.05)]),
                   catalogue)
    assert [a["product"] for a in result["alternatives"]] == ["identiteitskaart"]  # 0.9 x 0.05 < 0.05


def test_organisation(catalogue):
    result = route(parse("ask_organisation", organisations=[("uwv", 0.8)]), catalogue)
    assert result["decision"] == "organisation"
    assert result["product"] is None and result["department"] is None and result["organisation"] == "UWV"


def test_nlu_fallback_still_decides_on_the_scores(catalogue):
    unsure = route(parse("ask_product", [("rijbewijs", 0.4)], fallback=True), catalogue)
    assert unsure["decision"] == "clarify" and unsure["product"] is None


def test_text_outside_the_vocabulary_never_gets_a_product(catalogue):
    gibberish = parse("ask_product", [("paspoort", 0.99)])
    gibberish["scope"] = {"known_share": 0.1, "language": "unknown", "in_scope": False}
    result = route(gibberish, catalogue)
    assert result["decision"] == "fallback" and result["product"] is None and result["alternatives"] == []


def test_safety_goes_to_the_helping_organisation(catalogue):
    result = route(parse("domestic_violence"), catalogue)
    assert result["decision"] == "safety" and result["organisation"] == "Veilig Thuis"


@pytest.mark.parametrize("share,decision", [(0.35, "safety"), (0.3, "safety"), (0.2, "answer")])
def test_danger_second_in_the_ranking_still_comes_first(catalogue, share, decision):
    """A long story about rent arrears that mentions not wanting to live: 113, not the product."""
    message = parse("ask_product", products=[("schuldhulpverlening", 0.95)])
    message["intent"]["confidence"] = 1 - share
    message["intent_ranking"] = [{"name": "ask_product", "confidence": 1 - share},
                                 {"name": "suicide_risk", "confidence": share * 2 / 3},
                                 {"name": "emergency", "confidence": share / 3}]
    result = route(message, catalogue)
    assert result["decision"] == decision
    if decision == "safety":
        assert result["organisation"] == "113 Zelfmoordpreventie" and result["product"] is None


def test_chitchat_routes_nowhere(catalogue):
    result = route(parse("greet"), catalogue)
    assert (result["product"], result["department"], result["organisation"]) == (None, None, None)
    assert result["decision"] == "fallback"


@pytest.mark.servers
def test_route_through_the_real_model(stack):
    url = f"{stack.bot_url}/api/route"
    result = requests.post(url, json={"text": "mijn paspoort is verlopen, hoe vraag ik een nieuwe aan"}, timeout=30).json()
    assert result["decision"] == "answer"
    assert result["product"] == "paspoort" and result["department"]["id"] == "burgerzaken"
    assert 0 <= result["confidence"] <= 1 and all(0 <= a["confidence"] <= 1 for a in result["alternatives"])
    assert requests.post(url, json={"text": "wanneer wordt mijn WW uitkering betaald"}, timeout=30).json()["organisation"] == "UWV"
    gibberish = requests.post(url, json={"text": "sdfkj qwpoei zxmcnv"}, timeout=30).json()
    assert gibberish["decision"] == "fallback" and gibberish["product"] is None


@pytest.mark.servers
@pytest.mark.parametrize("kwargs,reason", [
    ({"json": {"text": ""}}, "text is required"),
    ({"json": {}}, "text is required"),
    ({"json": {"text": "x" * 1001}}, "text is longer than 1000 characters"),
    ({"data": "geen json", "headers": {"Content-Type": "application/json"}}, "body is not valid JSON"),
])
def test_bad_input_gets_400_with_a_reason(stack, kwargs, reason):
    response = requests.post(f"{stack.bot_url}/api/route", timeout=10, **kwargs)
    assert response.status_code == 400 and response.json()["error"] == reason
