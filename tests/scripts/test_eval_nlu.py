"""Fast checks of the pure helpers of scripts/eval_nlu.py (no training, no Rasa, no TensorFlow)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load_module():
    spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "scripts" / "eval_nlu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_nlu"] = module
    write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no scripts/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = write_bytecode
    return module


ev = _load_module()


class FakeCatalogue:
    """Just enough of bot.catalogue.Catalogue: product(key or name) and organisations."""

    def __init__(self, products, organisations):
        self.products = {name: SimpleNamespace(upl_name=name, key=ev.slug(name)) for name in products}
        self.organisations = {org: object() for org in organisations}

    def product(self, key_or_name):
        if key_or_name in self.products:
            return self.products[key_or_name]
        return next((p for p in self.products.values() if p.key == key_or_name), None)


CAT = FakeCatalogue(["paspoort", "rijbewijs", "melding openbare ruimte (straatverlichting)"], ["uwv", "duo"])


# ------------------------------------------------------------------ markup

@pytest.mark.parametrize("text, plain", [
    ("ik bedoel [parkeervergunning](product)", "ik bedoel parkeervergunning"),
    ('het gaat om [grofvuil]{"entity": "product", "value": "afvalinzameling grofvuil"}',
     "het gaat om grofvuil"),
    ("[verhuizing]{\"entity\": \"product\"} bedoel ik", "verhuizing bedoel ik"),
    ("mijn postcode is [1234 AB](postcode:1234AB) en [12](house_number)", "mijn postcode is 1234 AB en 12"),
    ("gewone [haken] blijven staan", "gewone [haken] blijven staan"),
    ("  dubbele   spaties ", "dubbele spaties"),
])
def test_strip_entity_markup(text, plain):
    assert ev.strip_entity_markup(text) == plain


def test_parse_examples_block_and_list():
    block = "- hallo\n- ik bedoel [paspoort](product)\n\n"
    assert ev.parse_examples(block) == ["hallo", "ik bedoel paspoort"]
    assert ev.parse_examples([{"text": "[rijbewijs](product) kwijt"}, "hoi"]) == ["rijbewijs kwijt", "hoi"]
    with pytest.raises(ev.EvalError):
        ev.parse_examples("geen streepje")


def test_read_nlu_examples_and_filter(tmp_path):
    doc = {"version": "3.1", "nlu": [
        {"intent": "ask_product/paspoort", "examples": "- paspoort aanvragen\n"},
        {"intent": "ask_product/rijbewijs", "examples": "- rijbewijs verlengen\n"},
        {"intent": "greet", "examples": "- hoi\n"},
        {"synonym": "paspoort", "examples": "- pas\n"},
    ]}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert ev.read_nlu_examples(tmp_path) == [
        ("ask_product/paspoort", "paspoort aanvragen"),
        ("ask_product/rijbewijs", "rijbewijs verlengen"),
        ("greet", "hoi"),
    ]
    out = tmp_path / "out"
    ev.write_filtered_nlu(tmp_path / "sub", out, {"paspoort"})
    assert ev.read_nlu_examples(out) == [("ask_product/paspoort", "paspoort aanvragen"), ("greet", "hoi")]
    kept = yaml.safe_load((out / "a.yml").read_text(encoding="utf-8"))
    assert kept["version"] == "3.1" and {"synonym": "paspoort", "examples": "- pas\n"} in kept["nlu"]


def test_label_for_intent():
    assert ev.label_for_intent("ask_product/melding_openbare_ruimte_straatverlichting", CAT) == \
        "melding openbare ruimte (straatverlichting)"
    assert ev.label_for_intent("ask_organisation/uwv", CAT) == "org:uwv"
    assert ev.label_for_intent("greet", CAT) == "greet"
    with pytest.raises(ev.EvalError):
        ev.label_for_intent("ask_product/bestaat_niet", CAT)
    with pytest.raises(ev.EvalError):
        ev.label_for_intent("ask_organisation/nasa", CAT)


def test_read_test_questions(tmp_path):
    path = tmp_path / "q.yml"
    path.write_text(yaml.safe_dump({"questions": [
        {"text": "paspoort kwijt", "product": "paspoort"},
        {"text": "ww aanvragen", "organisation": "uwv"},
    ]}), encoding="utf-8")
    assert ev.read_test_questions(path, CAT) == [
        ev.Question("paspoort kwijt", "product", "paspoort"),
        ev.Question("ww aanvragen", "organisation", "uwv"),
    ]
    path.write_text(yaml.safe_dump({"questions": [{"text": "x", "product": "onbekend"}]}), encoding="utf-8")
    with pytest.raises(ev.EvalError, match="unknown product"):
        ev.read_test_questions(path, CAT)
    path.write_text(yaml.safe_dump({"questions": [{"text": "x", "product": "paspoort", "organisation": "uwv"}]}),
                    encoding="utf-8")
    with pytest.raises(ev.EvalError, match="exactly one"):
        ev.read_test_questions(path, CAT)


def test_real_test_questions_match_catalogue_and_are_not_training_data():
    catalogue = ev.load_catalogue(ev.CATALOGUE_DIR)
    questions = ev.read_test_questions(ev.TEST_FILE, catalogue)
    training = {t.lower() for _, t in ev.read_nlu_examples(ev.NLU_DIR)}
    assert questions
    assert not [q.text for q in questions if q.text.lower() in training]


def test_select_quick_products_is_spread_and_deterministic():
    qs = [ev.Question(f"q{i}", "product", name) for i, name in enumerate("abcdefghij")]
    qs.append(ev.Question("o", "organisation", "uwv"))
    assert ev.select_quick_products(qs, 5) == ["a", "c", "e", "g", "i"]
    assert ev.select_quick_products(qs, 50) == list("abcdefghij")


# ----------------------------------------------------------------- metrics

def _row(kind, truth, product=None, organisation=None, top3=None, intent=None, text=None):
    return {"text": text or f"{truth}?", "kind": kind, "truth": truth, "product": product,
            "organisation": organisation, "top3": top3, "intent": intent}


def test_compute_metrics_toy_example():
    rows = [
        _row("product", "A", "A", top3=["A", "B"]),
        _row("product", "A", "B", top3=["B", "A"]),
        _row("product", "B", "B", top3=["B"]),
        _row("product", "B", None, top3=[], intent="nlu_fallback"),
        _row("organisation", "uwv", organisation="uwv"),
        _row("organisation", "duo", product="A"),  # a product for an organisation question
    ]
    m = ev.compute_metrics(rows)
    assert m["product_questions"] == 4 and m["organisation_questions"] == 2
    assert m["product_top1"] == pytest.approx(0.5)
    assert m["product_top3"] == pytest.approx(0.75)
    assert m["organisation_accuracy"] == pytest.approx(0.5)
    assert m["product_questions_without_product"] == 1
    # A: tp 1, fp 1 (the organisation question), fn 1 -> 2/4; B: tp 1, fp 1, fn 1 -> 2/4
    assert m["product_macro_f1"] == pytest.approx(0.5)


def test_compute_metrics_without_ranking_and_sklearn_agreement():
    from sklearn.metrics import f1_score

    rows = [_row("product", t, p) for t, p in
            [("A", "A"), ("A", "C"), ("B", "B"), ("B", "A"), ("C", "C"), ("C", None)]]
    m = ev.compute_metrics(rows)
    assert m["product_top3"] is None
    y_true = [r["truth"] for r in rows]
    y_pred = [r["product"] or "(none)" for r in rows]
    assert m["product_macro_f1"] == pytest.approx(
        f1_score(y_true, y_pred, labels=["A", "B", "C"], average="macro", zero_division=0))
    assert ev.compute_metrics([_row("organisation", "uwv", organisation="uwv")])["product_top1"] is None


def test_confused_pairs_and_missed():
    rows = [
        _row("product", "paspoort", "identiteitskaart", text="pas kwijt"),
        _row("product", "paspoort", "identiteitskaart", text="paspoort verlopen"),
        _row("product", "rijbewijs", "paspoort", text="rijbewijs"),
        _row("product", "rijbewijs", "rijbewijs"),
        _row("product", "afval", None, intent="nlu_fallback"),
        _row("product", "afval", None, intent="ask_organisation"),
        _row("product", "afval", None, intent="nlu_fallback"),
        _row("organisation", "uwv", product="bijstand"),  # not a product question
    ]
    pairs = ev.confused_pairs(rows, n=10)
    assert [(p["true"], p["predicted"], p["count"]) for p in pairs] == [
        ("paspoort", "identiteitskaart", 2), ("rijbewijs", "paspoort", 1)]
    assert pairs[0]["examples"] == ["pas kwijt", "paspoort verlopen"]
    assert len(ev.confused_pairs(rows, n=1)) == 1
    assert ev.missed_by_intent(rows) == {"nlu_fallback": 2, "ask_organisation": 1}


def test_read_rasa_parse_named_and_default_selectors():
    cat = FakeCatalogue(["paspoort", "rijbewijs", "identiteitskaart"], ["uwv"])
    ranking = [{"intent_response_key": "ask_product/rijbewijs", "confidence": 0.7},
               {"intent_response_key": "ask_organisation/uwv", "confidence": 0.2},
               {"intent_response_key": "ask_product/paspoort", "confidence": 0.1},
               {"intent_response_key": "ask_product/identiteitskaart", "confidence": 0.0}]
    selector = {"response": {"intent_response_key": "ask_product/rijbewijs"}, "ranking": ranking}
    named = {"intent": {"name": "ask_product", "confidence": 0.9},
             "response_selector": {"ask_product": selector}}
    got = ev.read_rasa_parse(named, cat)
    assert got["product"] == "rijbewijs" and got["organisation"] is None
    assert got["top3"] == ["rijbewijs", "paspoort"]  # first three responses, products only
    default = {"intent": {"name": "ask_product", "confidence": 0.9}, "response_selector": {"default": selector}}
    assert ev.read_rasa_parse(default, cat)["product"] == "rijbewijs"
    fallback = {"intent": {"name": "nlu_fallback", "confidence": 0.5}, "response_selector": {"ask_product": selector}}
    got = ev.read_rasa_parse(fallback, cat)
    assert got["product"] is None and got["top3"] == [] and len(got["ranking"]) == 3
    org = {"intent": {"name": "ask_organisation"}, "response_selector": {
        "ask_organisation": {"response": {"intent_response_key": "ask_organisation/uwv"}}}}
    assert ev.read_rasa_parse(org, cat)["organisation"] == "uwv"
    # an organisation response while the intent is ask_product is no product
    wrong = {"intent": {"name": "ask_product"}, "response_selector": {"default": {
        "response": {"intent_response_key": "ask_organisation/uwv"}, "ranking": []}}}
    assert ev.read_rasa_parse(wrong, cat)["product"] is None


def test_parse_component_times():
    log = "\n".join([
        "2024-05-01 10:00:00 INFO     rasa.cli.train  - Started",
        "2024-05-01 10:00:05 DEBUG    rasa.engine.graph  - Node 'run_SpacyNLP0' running 'SpacyNLP.provide'.",
        "Epochs: 100%|####| 5/5 [00:10<00:00]",
        "2024-05-01 10:00:07 DEBUG    rasa.engine.graph  - Node 'train_DIETClassifier5' running 'DIETClassifier.train'.",
        "2024-05-01 10:01:07 DEBUG    rasa.engine.graph  - Node 'run_DIETClassifier5' loading 'DIETClassifier.load' and kwargs: '{}'.",
        "2024-05-01 10:01:09 DEBUG    rasa.engine.graph  - Node 'run_DIETClassifier5' running 'DIETClassifier.process_training_data'.",
        "2024-05-01 10:01:10 INFO     rasa.engine.training.hooks  - Finished training component.",
    ])
    nodes, span = ev.parse_component_times(log)
    assert [(n["node"], n["seconds"]) for n in nodes] == [
        ("run_SpacyNLP0", 2.0), ("train_DIETClassifier5", 60.0), ("run_DIETClassifier5", 3.0)]
    assert span == 65.0
    totals = ev.component_totals(nodes)
    assert totals[0] == {"component": "DIETClassifier5", "seconds": 63.0,
                         "calls": ["process_training_data", "train"]}
    assert ev.parse_component_times("no timestamps here") == ([], 0.0)


def _blind(right_product=0.9, right_desk=0.95, oos=0.97, wrong=0.03):
    return {"right_product": right_product, "right_desk": right_desk, "out_of_scope_no_product": oos,
            "wrong_desk_among_answers": wrong}


def test_target_verdict():
    def ok(top1=0.96, p95=20.0, **blind):
        return {"status": "ok", "metrics": {"product_top1": top1}, "blind": _blind(**blind), "predict_ms_p95": p95}

    low = {"right_product": 0.5, "right_desk": 0.6}
    assert ev.target_verdict({"a": ok(), "b": ok(**low), "c": ok(**low)}) == (True, "met")
    assert ev.target_verdict({"a": ok(right_product=0.84), "b": ok(**low), "c": ok(**low)})[0] is False
    assert ev.target_verdict({"a": ok(wrong=0.06), "b": ok(**low), "c": ok(**low)})[0] is False
    assert ev.target_verdict({"a": ok(top1=0.94), "b": ok(**low), "c": ok(**low)})[0] is False
    assert ev.target_verdict({"a": ok(p95=51.0), "b": ok(**low), "c": ok(**low)})[0] is False
    assert ev.target_verdict({"a": ok(), "b": ok(right_product=0.95), "c": ok(**low)})[0] is False
    assert ev.target_verdict({"a": ok(), "c": ok(**low)})[0] is None
    assert ev.target_verdict({"b": ok()})[0] is None


class DeskCatalogue(FakeCatalogue):
    """FakeCatalogue whose products have departments."""

    def __init__(self, departments, organisations):
        super().__init__(list(departments), organisations)
        for name, department in departments.items():
            self.products[name].department = department


def test_blind_metrics_count_what_the_citizen_is_told():
    cat = DeskCatalogue({"paspoort": "burgerzaken", "identiteitskaart": "burgerzaken", "bijstand": "werk"}, ["uwv"])

    def row(kind, truth, product=None, organisation=None, decision="answer", text="vraag", candidates=()):
        return {"kind": kind, "truth": truth, "answer_product": product, "answer_organisation": organisation,
                "decision": decision, "text": text, "candidates": list(candidates)}

    rows = [row("product", "paspoort", "paspoort", text="paspoort verlopen"),
            row("product", "paspoort", "identiteitskaart"),              # wrong product, right desk
            row("product", "bijstand", "paspoort"),                      # wrong desk
            row("product", "bijstand", decision="clarify", candidates=["bijstand"]),
            row("organisation", "uwv", organisation="uwv", decision="organisation"),
            row("out_of_scope", "gibberish", "paspoort"),                # a product for gibberish: wrong desk too
            row("out_of_scope", "abuse", decision="fallback")]
    m = ev.compute_blind_metrics(rows, cat)
    assert m["right_product"] == 1 / 4
    assert m["right_desk"] == 3 / 5
    assert m["out_of_scope_no_product"] == 1 / 2
    assert m["answers_naming_a_product"] == 4 and m["wrong_desk_among_answers"] == 2 / 4
    assert m["right_candidate_offered"] == 1.0
    assert m["segments"]["product name present"]["n"] == 1
    worst = ev.worst_confusions(rows, cat)
    assert [w["same_desk"] for w in worst] == [False, False, True]


def test_read_blind_questions_checks_every_label(tmp_path):
    cat = FakeCatalogue(["paspoort"], ["uwv", "politie"])
    path = tmp_path / "blind.yml"
    path.write_text(yaml.safe_dump({"questions": [
        {"text": "pas kwijt", "product": "paspoort"}, {"text": "ww", "organisation": "uwv"},
        {"text": "asdf", "out_of_scope": "gibberish"}, {"text": "brand!", "safety": "emergency"}]}))
    questions = ev.read_blind_questions(path, cat)
    assert [(q.kind, q.truth, q.set) for q in questions] == [
        ("product", "paspoort", "blind"), ("organisation", "uwv", "blind"),
        ("out_of_scope", "gibberish", "blind"), ("safety", "politie", "blind")]
    path.write_text(yaml.safe_dump({"questions": [{"text": "x", "out_of_scope": "weather"}]}))
    with pytest.raises(ev.EvalError, match="out_of_scope must be one of"):
        ev.read_blind_questions(path, cat)


def test_names_product_sees_compounds_and_missing_accents():
    assert ev.names_product("mijn kinderpaspoort is weg", "paspoort")
    assert not ev.names_product("mijn kliko is kapot", "afvalcontainer")


def test_configs_and_args():
    config = ev.rasa_init_config(epochs=3)
    assert config["language"] == "nl"
    assert config["importers"][0]["name"] == ev.IMPORTER
    assert [c["epochs"] for c in config["pipeline"] if "epochs" in c] == [3, 3]
    assert [c["epochs"] for c in ev.rasa_init_config(None)["pipeline"] if "epochs" in c] == [100, 100]
    balie = ev.balie_config(epochs=None)
    assert "policies" not in balie and balie["importers"][0]["catalogue"] == str(ev.CATALOGUE_DIR)
    args = ev.parse_args(["--quick", "--only", "c,a"])
    assert args.quick == 10 and args.epochs == 5 and args.only == ["a", "c"]
    assert ev.parse_args([]).quick is None and ev.parse_args([]).epochs is None
    with pytest.raises(SystemExit):
        ev.parse_args(["--only", "x"])


def test_signalen_preprocessing_and_stemming():
    assert ev.signalen_preprocess("Id-kaart kwijt?!") == "id kaart kwijt  "
    assert ev._stem("vuilnisbakken") == "vuilnisbak"


def test_render_markdown_smoke():
    rows = [_row("product", "paspoort", "paspoort", top3=["paspoort"]),
            _row("product", "rijbewijs", "paspoort", top3=["paspoort", "rijbewijs"], text="rijbewijs kwijt"),
            _row("organisation", "uwv", organisation="uwv")]

    def ok(train):
        return {"name": "x", "status": "ok", "metrics": ev.compute_metrics(rows), "train_seconds": train,
                "predict_ms_median": 12.5, "predict_ms_p95": 20.0, "blind": None, "components": [
                    {"component": "DIETClassifier5", "seconds": 60.0, "calls": ["train"]},
                    {"component": "SpacyNLP0", "seconds": 0.2, "calls": ["provide"]}],
                "component_span_seconds": 61.0, "details": {}}

    report = {
        "generated": "2024-05-01T10:00:00+02:00", "command": "scripts/eval_nlu.py", "quick": False,
        "quick_epochs": None, "crossval": None,
        "machine": {"nproc": 2, "cpu": "cpu", "platform": "linux", "versions": {"rasa": "3.6.21"}},
        "data": {"training_examples": 10, "labels": {"total": 4, "products": 2, "organisations": 1,
                                                      "other_intents": 1},
                 "test_questions": 3, "product_questions": 2, "organisation_questions": 1,
                 "tested_products": 2, "test_texts_in_training": 0, "quick_products": None},
        "target": {"verdict": "not met"},
        "systems": {"a": ok(70.0), "b": ok(50.0),
                    "c": {"name": "c", "status": "failed", "error": "EvalError: boom\nlast line"}},
        "balie_confusions": ev.confused_pairs(rows),
        "balie_missed_by_intent": {},
    }
    md = ev.render_markdown(report)
    assert "**Targets: not met.**" in md
    assert "| rijbewijs → paspoort | 1 | “rijbewijs kwijt” |" in md
    assert "(c) TF-IDF + LogReg (Signalen): EvalError: boom … last line" in md
    assert "![blind-set scores per system](nlu.png)" in md
    assert "| outside the graph | 9 | 13% |" in md
