"""NLU evaluation of Balie: which product (or other organisation) a question is about.

Three systems are trained on the same data (everything in data/nlu/) and evaluated on
the held-out questions in tests/nlu/test_questions.yml, which are never used in training:

  a  Balie's pipeline (config.yml), trained with `rasa train nlu`
  b  the pipeline `rasa init` (Rasa 3.6) trains with, language nl
  c  TF-IDF + logistic regression as Amsterdam's Signalen classification trains it

Writes reports/nlu.md, reports/nlu.json and reports/nlu.png (or --out DIR).

    .venv/bin/python scripts/eval_nlu.py                 # full run (slow: two Rasa trainings)
    .venv/bin/python scripts/eval_nlu.py --quick --out /tmp/nlu-smoke   # smoke test
    .venv/bin/python scripts/eval_nlu.py --only c        # one system

Exit status is non-zero when a system fails (the report still lists the others).
Heavy imports (Rasa, TensorFlow, spaCy) happen inside the functions that need them, so
the pure helpers can be unit tested quickly (tests/scripts/test_eval_nlu.py).
"""
from __future__ import annotations

import os

# Before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime  # noqa: E402
from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple  # noqa: E402

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.catalogue import Catalogue, load_catalogue, slug  # noqa: E402
from bot.understanding import SAFETY_ORGANISATIONS  # noqa: E402

NLU_DIR = ROOT / "data" / "nlu"
CATALOGUE_DIR = ROOT / "data" / "catalogue"
TEST_FILE = ROOT / "tests" / "nlu" / "test_questions.yml"
BLIND_FILE = ROOT / "tests" / "nlu" / "blind" / "questions.yml"
BALIE_CONFIG = ROOT / "config.yml"
IMPORTER = "bot.catalogue.rasa_importer.CatalogueImporter"

PRODUCT_INTENT = "ask_product"
ORG_INTENT = "ask_organisation"
ORG_PREFIX = "org:"

SYSTEMS = {
    "a": "Balie (config.yml)",
    "b": "Rasa default (`rasa init`)",
    "c": "TF-IDF + LogReg (Signalen)",
}

# The pipeline a project made by `rasa init` (Rasa 3.6) is trained with: its config.yml
# leaves `pipeline:` empty (the list is there, commented out) and Rasa fills it in from
# rasa/engine/recipes/config_files/default_config.yml, reproduced here.
RASA_INIT_PIPELINE: List[Dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100, "constrain_similarities": True},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]

# Hyperparameter grid of Signalen's classifier training (Amsterdam/signals,
# app/signals/apps/classification/train.py, `parameters_slow`; the same grid is in
# Amsterdam/classification app/engine.py). Signalen searches it with GridSearchCV(cv=5); here
# cv=3: with ~17,000 examples and 430 labels the 41 fits of cv=5 took 373 s, a quarter of the
# 25 minutes the whole evaluation may take. The report names the parameters the search chose.
SIGNALEN_GRID = {
    "clf__class_weight": (None, "balanced"),
    "clf__max_iter": (300, 500),
    "clf__penalty": ("l1",),
    "clf__multi_class": ("auto",),
    "clf__solver": ("liblinear",),
    "tfidf__norm": ("l2",),
    "tfidf__use_idf": (False,),
    "vect__max_df": (1.0,),
    "vect__max_features": (None,),
    "vect__ngram_range": ((1, 1), (1, 2)),
}
SIGNALEN_CV = 3


def quiet_library_warnings() -> None:
    """Hide the deprecation chatter of Rasa's dependencies (Rasa re-enables it on import)."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)


class EvalError(RuntimeError):
    """A problem with the data or a system; the message says what and where."""


# --------------------------------------------------------------------------- data

# `[text](entity)`, `[text](entity:value)`, `[text]{"entity": ...}` -> `text`
_MARKUP = re.compile(r"\[([^\[\]]+)\](?:\([^()]*\)|\{[^{}]*\})")


def strip_entity_markup(text: str) -> str:
    """Plain text of a Rasa training example: entity annotations removed."""
    return " ".join(_MARKUP.sub(r"\1", text).split())


def parse_examples(examples: Any) -> List[str]:
    """Example texts of one Rasa `examples:` value (a `- item` block or a list)."""
    texts: List[str] = []
    if isinstance(examples, str):
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(line[2:])
            elif line == "-":
                continue
            elif line:
                raise EvalError(f"training example line does not start with '- ': {line!r}")
    elif isinstance(examples, list):
        for item in examples:
            texts.append(item["text"] if isinstance(item, dict) else str(item))
    else:
        raise EvalError(f"unexpected examples value: {examples!r}")
    texts = [strip_entity_markup(t) for t in texts]
    return [t for t in texts if t]


def nlu_files(directory: Path) -> List[Path]:
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml"))
    if not files:
        raise EvalError(f"no NLU files in {directory}")
    return files


def read_nlu_examples(directory: Path) -> List[Tuple[str, str]]:
    """(intent, plain text) of every intent example in a Rasa NLU directory."""
    pairs = []
    for path in nlu_files(directory):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in doc.get("nlu") or []:
            if "intent" in entry:
                for text in parse_examples(entry.get("examples") or ""):
                    pairs.append((entry["intent"], text))
    if not pairs:
        raise EvalError(f"no intent examples in {directory}")
    return pairs


def label_for_intent(intent: str, catalogue: Catalogue) -> str:
    """Label of the TF-IDF baseline: UPL name, `org:<id>` or the intent itself."""
    base, _, key = intent.partition("/")
    if base == PRODUCT_INTENT and key:
        product = catalogue.product(key)
        if product is None:
            raise EvalError(f"training intent {intent}: no product with key '{key}' in the catalogue")
        return product.upl_name
    if base == ORG_INTENT and key:
        if key not in catalogue.organisations:
            raise EvalError(f"training intent {intent}: no organisation '{key}' in the catalogue")
        return ORG_PREFIX + key
    return intent


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # "product", "organisation", "out_of_scope" or "safety"
    truth: str  # UPL name, organisation id, kind of out-of-scope text, or the safety organisation
    set: str = "old"  # "old" (tests/nlu/test_questions.yml) or "blind" (tests/nlu/blind/questions.yml)


OUT_OF_SCOPE_KINDS = ("gibberish", "off_topic", "english", "other_language", "injection", "abuse")


def read_blind_questions(path: Path, catalogue: Catalogue) -> List[Question]:
    """The blind realistic set: products, organisations, out-of-scope texts and safety texts."""
    from bot.understanding import SAFETY_ORGANISATIONS

    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = []
    for i, entry in enumerate(doc.get("questions") or [], start=1):
        where = f"{path.name} question {i}"
        text = (entry or {}).get("text")
        if not text:
            raise EvalError(f"{where}: missing text")
        labels = [k for k in ("product", "organisation", "out_of_scope", "safety") if k in entry]
        if len(labels) != 1:
            raise EvalError(f"{where}: needs exactly one of product, organisation, out_of_scope, safety")
        kind, value = labels[0], entry[labels[0]]
        if kind == "product":
            product = catalogue.product(value)
            if product is None:
                raise EvalError(f"{where}: unknown product {value!r}")
            value = product.upl_name
        elif kind == "organisation" and value not in catalogue.organisations:
            raise EvalError(f"{where}: unknown organisation {value!r}")
        elif kind == "out_of_scope" and value not in OUT_OF_SCOPE_KINDS:
            raise EvalError(f"{where}: out_of_scope must be one of {OUT_OF_SCOPE_KINDS}")
        elif kind == "safety":
            if value not in SAFETY_ORGANISATIONS:
                raise EvalError(f"{where}: safety must be one of {tuple(SAFETY_ORGANISATIONS)}")
            value = SAFETY_ORGANISATIONS[value]
        questions.append(Question(text, kind, value, "blind"))
    if not questions:
        raise EvalError(f"no questions in {path}")
    return questions


def read_test_questions(path: Path, catalogue: Catalogue) -> List[Question]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = []
    for i, entry in enumerate(doc.get("questions") or [], start=1):
        where = f"{path.name} question {i}"
        text = (entry or {}).get("text")
        if not text:
            raise EvalError(f"{where}: missing text")
        if ("product" in entry) == ("organisation" in entry):
            raise EvalError(f"{where}: needs exactly one of 'product' or 'organisation'")
        if "product" in entry:
            product = catalogue.product(entry["product"])
            if product is None:
                raise EvalError(f"{where}: unknown product {entry['product']!r}")
            questions.append(Question(text, "product", product.upl_name))
        else:
            if entry["organisation"] not in catalogue.organisations:
                raise EvalError(f"{where}: unknown organisation {entry['organisation']!r}")
            questions.append(Question(text, "organisation", entry["organisation"]))
    if not questions:
        raise EvalError(f"no questions in {path}")
    return questions


def select_quick_products(questions: Sequence[Question], n: int) -> List[str]:
    """n tested products spread over the alphabet (deterministic)."""
    names = sorted({q.truth for q in questions if q.kind == "product"})
    if n >= len(names):
        return names
    return [names[i * len(names) // n] for i in range(n)]


def filter_nlu_doc(doc: dict, keep_keys: Iterable[str]) -> dict:
    """A Rasa NLU document without the ask_product/<key> intents not in keep_keys."""
    keep = set(keep_keys)
    entries = []
    for entry in doc.get("nlu") or []:
        base, _, key = str(entry.get("intent", "")).partition("/")
        if base == PRODUCT_INTENT and key and key not in keep:
            continue
        entries.append(entry)
    return {**doc, "nlu": entries}


def write_filtered_nlu(source: Path, target: Path, keep_keys: Iterable[str]) -> None:
    keep = list(keep_keys)
    for path in nlu_files(source):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(yaml.safe_dump(filter_nlu_doc(doc, keep), allow_unicode=True,
                                      sort_keys=False), encoding="utf-8")


# ------------------------------------------------------------------------ metrics

def f1_macro(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Macro-averaged F1 over `labels` (other values count only as errors)."""
    if not labels:
        return float("nan")
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == label and p == label)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != label and p == label)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == label and p != label)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


def _mean(values: List[bool]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def compute_metrics(rows: Sequence[dict]) -> dict:
    """Scores of one system from its per-question rows.

    A row has `kind` ("product"/"organisation"), `truth`, `product` (predicted UPL name
    or None), `organisation` (predicted id or None) and `top3` (UPL names, or None when
    the system has no ranking). Macro-F1 is over the tested products and uses every
    question: a product predicted for an organisation question is a false positive.
    """
    product_rows = [r for r in rows if r["kind"] == "product"]
    org_rows = [r for r in rows if r["kind"] == "organisation"]
    labels = sorted({r["truth"] for r in product_rows})
    y_true = [r["truth"] if r["kind"] == "product" else ORG_PREFIX + r["truth"] for r in rows]
    y_pred = [r.get("product") or (ORG_PREFIX + r["organisation"] if r.get("organisation") else "(none)")
              for r in rows]
    has_top3 = product_rows and all(r.get("top3") is not None for r in product_rows)
    return {
        "product_questions": len(product_rows),
        "organisation_questions": len(org_rows),
        "product_top1": _mean([r.get("product") == r["truth"] for r in product_rows]),
        "product_top3": _mean([r["truth"] in r["top3"][:3] for r in product_rows]) if has_top3 else None,
        "product_macro_f1": f1_macro(y_true, y_pred, labels) if labels else None,
        "organisation_accuracy": _mean([r.get("organisation") == r["truth"] for r in org_rows]),
        "product_questions_without_product": sum(1 for r in product_rows if not r.get("product")),
    }


# Targets on the blind realistic set (issue 10), and on the old file for regression.
BLIND_TARGETS = {"right_product": (">=", 0.85), "right_desk": (">=", 0.93),
                 "out_of_scope_no_product": (">=", 0.95), "wrong_desk_among_answers": ("<=", 0.05)}
OLD_FILE_TARGET = 0.95
PARSE_P95_TARGET_MS = 50.0
STORY_WORDS = 20


def _words(text: str) -> List[str]:
    from nlu_components.linear_selector import normalise

    return re.findall(r"[a-z0-9]+", normalise(text))


def names_product(text: str, upl_name: str) -> bool:
    """Whether a word (4+ letters) of the product's UPL name occurs in the text (compounds count)."""
    clean = " ".join(_words(text))
    return any(word in clean for word in _words(upl_name) if len(word) >= 4)


def true_desk(row: dict, catalogue: Catalogue) -> Optional[str]:
    """The desk that should answer: the product's department or the organisation."""
    if row["kind"] == "product":
        return "dept:" + catalogue.products[row["truth"]].department
    if row["kind"] in ("organisation", "safety"):
        return "org:" + row["truth"]
    return None


def predicted_desk(row: dict, catalogue: Catalogue) -> Optional[str]:
    """The desk the citizen was sent to, if any."""
    if row.get("answer_product"):
        return "dept:" + catalogue.products[row["answer_product"]].department
    if row.get("answer_organisation"):
        return "org:" + row["answer_organisation"]
    return None


def compute_blind_metrics(rows: Sequence[dict], catalogue: Catalogue) -> dict:
    """Scores on the blind realistic set, as the citizen experiences them.

    Right product: the product was named (answered) and is right. Right desk: the
    department of the named product, or the named organisation, is the right one
    (products, organisations and safety texts). Out of scope: the share that got no
    product. Wrong desk among answers: of all answers that named a product, the share
    that sent the citizen to the wrong desk (out-of-scope texts included: any product is
    wrong there). Clarifying questions and fallbacks name nothing: they are not right,
    but they are not a runaround either.
    """
    products = [r for r in rows if r["kind"] == "product"]
    in_scope = [r for r in rows if r["kind"] in ("product", "organisation", "safety")]
    oos = [r for r in rows if r["kind"] == "out_of_scope"]
    answered = [r for r in rows if r.get("answer_product")]

    def right_product(r):
        return r.get("answer_product") == r["truth"]

    def right_desk(r):
        return predicted_desk(r, catalogue) == true_desk(r, catalogue)

    segments = {
        "stories (20+ words)": [r for r in products if len(r["text"].split()) >= STORY_WORDS],
        "shorter texts": [r for r in products if len(r["text"].split()) < STORY_WORDS],
        "product name absent": [r for r in products if not names_product(r["text"], r["truth"])],
        "product name present": [r for r in products if names_product(r["text"], r["truth"])],
    }
    decisions = Counter(r.get("decision") or "?" for r in rows)
    return {
        "texts": len(rows),
        "product_texts": len(products),
        "organisation_texts": sum(1 for r in rows if r["kind"] == "organisation"),
        "safety_texts": sum(1 for r in rows if r["kind"] == "safety"),
        "out_of_scope_texts": len(oos),
        "right_product": _mean([right_product(r) for r in products]),
        "right_desk": _mean([right_desk(r) for r in in_scope]),
        "organisation_right": _mean([right_desk(r) for r in rows if r["kind"] == "organisation"]),
        "safety_right": _mean([right_desk(r) for r in rows if r["kind"] == "safety"]),
        "out_of_scope_no_product": _mean([not r.get("answer_product") for r in oos]),
        "out_of_scope_nothing_named": _mean([predicted_desk(r, catalogue) is None for r in oos]),
        "wrong_desk_among_answers": _mean([not right_desk(r) for r in answered]),
        "answers_naming_a_product": len(answered),
        "decisions": {k: v / len(rows) for k, v in sorted(decisions.items())} if rows else {},
        "right_candidate_offered": _mean([r["truth"] in (r.get("candidates") or []) for r in products
                                         if r.get("decision") in ("clarify", "fallback")]),
        "segments": {name: {"n": len(seg), "right_product": _mean([right_product(r) for r in seg]),
                            "right_desk": _mean([right_desk(r) for r in seg])} for name, seg in segments.items()},
        "out_of_scope_by_kind": {kind: _mean([not r.get("answer_product") for r in oos if r["truth"] == kind])
                                 for kind in OUT_OF_SCOPE_KINDS},
    }


def worst_confusions(rows: Sequence[dict], catalogue: Catalogue, n: int = 20) -> List[dict]:
    """The n most frequent wrong answers: wrong desk first, then wrong product at the right desk."""
    groups: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for r in rows:
        said = r.get("answer_product") or (f"org:{r['answer_organisation']}" if r.get("answer_organisation") else None)
        if said is None or said == r["truth"] or said == f"org:{r['truth']}":
            continue
        truth = r["truth"] if r["kind"] == "product" else f"{r['kind']}:{r['truth']}"
        groups[(truth, said)].append(r["text"])

    def severity(item):
        (truth, said), texts = item
        wrong = {"truth": truth.split(":", 1)[-1], "kind": "product" if ":" not in truth else truth.split(":")[0]}
        same_desk = (wrong["kind"] == "product" and not said.startswith("org:")
                     and catalogue.products[wrong["truth"]].department == catalogue.products[said].department)
        return (same_desk, -len(texts), truth, said)

    ordered = sorted(groups.items(), key=severity)
    result = []
    for (truth, said), texts in ordered[:n]:
        same = (":" not in truth and not said.startswith("org:")
                and catalogue.products[truth].department == catalogue.products[said].department)
        result.append({"true": truth, "answered": said, "count": len(texts), "same_desk": same, "examples": texts[:3]})
    return result


def training_profile(examples: Sequence[Tuple[str, str]], catalogue: Catalogue) -> List[dict]:
    """Per product: training examples, share of stories (20+ words), share without the product's name."""
    per: Dict[str, List[str]] = defaultdict(list)
    for intent, text in examples:
        base, _, key = intent.partition("/")
        if base == PRODUCT_INTENT and key and catalogue.product(key):
            per[catalogue.product(key).upl_name].append(text)
    return [{"product": name, "examples": len(texts),
             "stories": sum(len(t.split()) >= STORY_WORDS for t in texts) / len(texts),
             "without_name": sum(not names_product(t, name) for t in texts) / len(texts)}
            for name, texts in sorted(per.items())]


def confused_pairs(rows: Sequence[dict], n: int = 10) -> List[dict]:
    """The n most frequent (true product -> other predicted product) errors, with texts."""
    groups: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for r in rows:
        if r["kind"] == "product" and r.get("product") and r["product"] != r["truth"]:
            groups[(r["truth"], r["product"])].append(r["text"])
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [{"true": t, "predicted": p, "count": len(texts), "examples": texts}
            for (t, p), texts in ordered[:n]]


def missed_by_intent(rows: Sequence[dict]) -> Dict[str, int]:
    """Product questions that got no product at all, by the intent predicted instead."""
    counts = Counter(r.get("intent") or "?" for r in rows
                     if r["kind"] == "product" and not r.get("product"))
    return dict(counts.most_common())


def parse_component_times(log_text: str) -> Tuple[List[dict], float]:
    """Seconds per graph node from a `rasa train --debug` log.

    Rasa runs the training graph node by node (dask's synchronous scheduler) and logs
    "Node '<name>' loading '<Class>.load'" (when it loads a trained component) and
    "Node '<name>' running '<Class>.<fn>'" as a node starts: a node lasts until the next
    node starts, the last one until the last timestamped line. Returns the nodes (name,
    call, seconds) and the span from the first node to the last line. Timestamps have
    one-second resolution.
    """
    stamp = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:[.,](\d+))?"
    node_re = re.compile(r"Node '([^']+)' (loading|running) '([^']+)'")
    any_re = re.compile(r"^(?:\x1b\[[0-9;]*m)*" + stamp)

    def when(date: str, frac: Optional[str]) -> float:
        value = datetime.strptime(date, "%Y-%m-%d %H:%M:%S").timestamp()
        return value + (float("0." + frac) if frac else 0.0)

    starts: List[List[Any]] = []  # [start, node, call]
    last = None
    for line in log_text.splitlines():
        m = any_re.match(line)
        if not m:
            continue
        last = when(m.group(1), m.group(2))
        node = node_re.search(line)
        if not node:
            continue
        name, what, call = node.groups()
        if starts and starts[-1][1] == name:  # "loading" then "running" of one node
            if what == "running":
                starts[-1][2] = call
            continue
        starts.append([last, name, call])
    if not starts:
        return [], 0.0
    nodes = []
    for i, (start, name, call) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else (last or start)
        nodes.append({"node": name, "call": call, "seconds": max(0.0, end - start)})
    return nodes, max(0.0, (last or starts[-1][0]) - starts[0][0])


def component_totals(nodes: Sequence[dict]) -> List[dict]:
    """Node times summed per pipeline component (train_X3 + run_X3 -> X3)."""
    totals: Dict[str, float] = defaultdict(float)
    calls: Dict[str, List[str]] = defaultdict(list)
    for node in nodes:
        name = re.sub(r"^(train|run|provide|process|load)_", "", node["node"])
        totals[name] += node["seconds"]
        calls[name].append(node["call"].split(".")[-1])
    return [{"component": name, "seconds": seconds, "calls": sorted(set(calls[name]))}
            for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1])]


# ---------------------------------------------------------------- Rasa systems a, b

@dataclass
class SystemRun:
    key: str
    name: str
    rows: List[dict] = field(default_factory=list)
    train_seconds: Optional[float] = None
    predict_ms: List[float] = field(default_factory=list)
    load_seconds: Optional[float] = None
    components: List[dict] = field(default_factory=list)
    component_span_seconds: Optional[float] = None
    details: Dict[str, Any] = field(default_factory=dict)
    error: Optional[str] = None


def _importer_entry() -> dict:
    # The importer resolves its catalogue relative to the config file; our configs live
    # in a temp dir, so pass the absolute path.
    return {"name": IMPORTER, "catalogue": str(CATALOGUE_DIR)}


def balie_config(epochs: Optional[int]) -> dict:
    config = yaml.safe_load(BALIE_CONFIG.read_text(encoding="utf-8"))
    config["importers"] = [_importer_entry()]
    config.pop("policies", None)
    if epochs:
        for component in config.get("pipeline") or []:
            if "epochs" in component:
                component["epochs"] = epochs
    return config


def rasa_init_config(epochs: Optional[int]) -> dict:
    pipeline = [dict(c) for c in RASA_INIT_PIPELINE]
    if epochs:
        for component in pipeline:
            if "epochs" in component:
                component["epochs"] = epochs
    return {"recipe": "default.v1", "assistant_id": "rasa_init_baseline", "language": "nl",
            "importers": [_importer_entry()], "pipeline": pipeline}


def check_rasa_init_pipeline() -> Optional[str]:
    """Warn when the installed Rasa's default pipeline differs from RASA_INIT_PIPELINE."""
    try:
        import rasa
        path = Path(rasa.__file__).parent / "engine" / "recipes" / "config_files" / "default_config.yml"
        installed = yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]
    except Exception as exc:  # pragma: no cover - informational only
        return f"could not read Rasa's default config: {exc}"
    if installed != RASA_INIT_PIPELINE:
        return f"installed Rasa's default pipeline differs from the one in this script: {installed}"
    return None


def train_rasa(config: dict, nlu_dir: Path, work: Path, name: str,
               config_path: Optional[Path] = None) -> Tuple[Path, float, str]:
    """`rasa train nlu` in a subprocess; returns (model path, wall seconds, debug log).

    Uses config_path as is when given, else writes `config` to the temp dir.
    """
    if config_path is None:
        config_path = work / f"config_{name}.yml"
        config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out_dir = work / "models"
    log_path = work / f"train_{name}.log"
    env = dict(os.environ)
    env.update({
        # A fresh cache: nothing is reused from earlier trainings (honest times), and
        # nothing is written to the repository's .rasa/ directory.
        "RASA_CACHE_DIRECTORY": str(work / f"cache_{name}"),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TMPDIR": str(work),  # Rasa's own temp files end up in our temp dir
    })
    cmd = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config_path),
           "--nlu", str(nlu_dir), "--out", str(out_dir), "--fixed-model-name", name, "--debug"]
    print(f"[{name}] training: {' '.join(cmd[1:])}", flush=True)
    with log_path.open("w", encoding="utf-8") as log:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait()
        except BaseException:
            # Ctrl-C or similar: stop the training we started (its own process group).
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except Exception:
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        seconds = time.monotonic() - start
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    model = out_dir / f"{name}.tar.gz"
    if rc != 0 or not model.exists():
        tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log_text.splitlines()[-25:])
        raise EvalError(f"rasa train nlu failed (exit {rc}, model {'missing' if not model.exists() else 'present'}); "
                        f"last log lines:\n{tail}")
    return model, seconds, log_text


def _key(intent_response_key: Optional[str], base: str) -> Optional[str]:
    prefix = base + "/"
    if intent_response_key and intent_response_key.startswith(prefix):
        return intent_response_key[len(prefix):]
    return None


def read_rasa_parse(message: dict, catalogue: Catalogue) -> dict:
    """Predicted intent, product, organisation and product ranking of a parsed message.

    The product is the ask_product response selector's response when the intent is
    ask_product (a pipeline with one ResponseSelector for all retrieval intents reports
    it under "default"); with any other intent the predicted product is None. top3 is
    the products among the selector's first three ranked responses, again only when
    the intent is ask_product. `ranking` keeps the selector's top three whatever the intent.
    """
    intent = (message.get("intent") or {}).get("name")
    confidence = (message.get("intent") or {}).get("confidence")
    selectors = message.get("response_selector") or {}

    def selector(base: str) -> dict:
        return selectors.get(base) or selectors.get("default") or {}

    def upl(key: Optional[str]) -> Optional[str]:
        if not key:
            return None
        product = catalogue.product(key)
        return product.upl_name if product else f"?{key}"

    product_sel = selector(PRODUCT_INTENT)
    ranked = (product_sel.get("ranking") or [])[:3]
    ranking = [{"response": e.get("intent_response_key"), "confidence": e.get("confidence")} for e in ranked]
    product = organisation = None
    top3: List[str] = []
    if intent == PRODUCT_INTENT:
        response = (product_sel.get("response") or {}).get("intent_response_key")
        product = upl(_key(response, PRODUCT_INTENT))
        top3 = [p for p in (upl(_key(e.get("intent_response_key"), PRODUCT_INTENT)) for e in ranked) if p]
    elif intent == ORG_INTENT:
        response = ((selector(ORG_INTENT).get("response") or {}).get("intent_response_key"))
        organisation = _key(response, ORG_INTENT)
    elif intent in SAFETY_ORGANISATIONS:
        organisation = SAFETY_ORGANISATIONS[intent]
    # What the citizen is told: for a baseline, its top-1 whenever it names one.
    return {"intent": intent, "intent_confidence": confidence, "product": product,
            "organisation": organisation, "top3": top3, "ranking": ranking,
            "decision": "answer" if product else ("organisation" if organisation else "fallback"),
            "answer_product": product, "answer_organisation": organisation}


def read_balie_parse(message: dict, catalogue: Catalogue) -> dict:
    """read_rasa_parse plus what the chat does with it: bot/understanding.py's decision.

    `product` stays the model's top-1 (the regression measure on the old file);
    `answer_product` is named only when Balie answers, so clarifying questions and
    fallbacks name no product.
    """
    from bot.understanding import ANSWER, decide

    row = read_rasa_parse(message, catalogue)
    decision = decide(message, catalogue)
    row.update({
        "decision": decision.decision,
        "answer_product": decision.product.upl_name if decision.decision == ANSWER else None,
        "answer_organisation": decision.organisation.id if decision.organisation else None,
        "candidates": [c.key for c in decision.alternatives],
        "score": round(decision.confidence, 4),
        "language": decision.language,
        "known_share": (message.get("scope") or {}).get("known_share"),
    })
    return row


def predict_rasa(model: Path, questions: Sequence[Question], catalogue: Catalogue,
                 run: SystemRun, balie: bool = False) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structlog otherwise prints a debug line per parsed message.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    quiet_library_warnings()

    async def go() -> None:
        start = time.monotonic()
        agent = Agent.load(str(model))
        if not agent.is_ready():
            raise EvalError(f"model {model.name} did not load")
        run.load_seconds = time.monotonic() - start
        await agent.parse_message("hallo")  # warm-up: first call builds the graph
        for q in questions:
            t0 = time.perf_counter()
            message = await agent.parse_message(q.text)
            run.predict_ms.append((time.perf_counter() - t0) * 1000)
            read = read_balie_parse if balie else read_rasa_parse
            run.rows.append({"text": q.text, "kind": q.kind, "truth": q.truth, "set": q.set,
                             **read(message, catalogue)})

    asyncio.run(go())


def reuse_balie_model(model: Path, questions: Sequence[Question], catalogue: Catalogue) -> SystemRun:
    """System (a) from the model `make model` trained (scripts/train_model.py), not trained again.

    The training time and the time per component come from that training's record
    (models/balie.train.json) and its debug log. The model was trained with config.yml on
    data/nlu/ like `rasa train nlu` would (plus the dialogue, which parsing does not use).
    """
    if not model.exists():
        raise EvalError(f"model {model} does not exist: run `make model` first")
    run = SystemRun("a", SYSTEMS["a"])
    run.details["config"] = balie_config(None)
    run.details["config_file"] = str(BALIE_CONFIG.relative_to(ROOT))
    run.details["reused_model"] = str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model)
    record = model.with_name(model.name.split(".")[0] + ".train.json")  # scripts/train_model.py writes it
    if record.exists():
        facts = json.loads(record.read_text(encoding="utf-8"))
        run.train_seconds = facts.get("seconds")
        run.details["trained"] = facts.get("finished")
        log = ROOT / facts.get("log", "")
        if log.is_file():
            nodes, run.component_span_seconds = parse_component_times(log.read_text(encoding="utf-8", errors="replace"))
            run.components = component_totals(nodes)
    print(f"[a] reusing {model.name} (trained in {run.train_seconds or '?'} s); predicting {len(questions)} questions",
          flush=True)
    predict_rasa(model, questions, catalogue, run, balie=True)
    return run


def run_rasa_system(key: str, config: dict, nlu_dir: Path, questions: Sequence[Question],
                    catalogue: Catalogue, work: Path, config_path: Optional[Path] = None) -> SystemRun:
    run = SystemRun(key, SYSTEMS[key])
    run.details["config"] = config
    run.details["config_file"] = str(config_path.relative_to(ROOT)) if config_path else "(generated)"
    model, run.train_seconds, log_text = train_rasa(config, nlu_dir, work, f"system_{key}", config_path)
    nodes, run.component_span_seconds = parse_component_times(log_text)
    run.components = component_totals(nodes)
    print(f"[{key}] trained in {run.train_seconds:.0f}s; predicting {len(questions)} questions", flush=True)
    predict_rasa(model, questions, catalogue, run, balie=key == "a")
    return run


# --------------------------------------------------------------- TF-IDF system c

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # CountVectorizer's default token pattern
_PUNCT = re.compile(r"[^\w\s]")


def signalen_preprocess(text: str) -> str:
    """Lowercase; punctuation becomes a space."""
    return _PUNCT.sub(" ", str(text).lower())


@lru_cache(maxsize=1)
def dutch_stop_words() -> frozenset:
    """spaCy's Dutch stop words, normalised like the texts (so they match tokens)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spacy.lang.nl.stop_words import STOP_WORDS

    words = set()
    for word in STOP_WORDS:
        words.update(_TOKEN.findall(signalen_preprocess(word)))
    return frozenset(words)


@lru_cache(maxsize=None)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("dutch")


def signalen_tokenize(text: str) -> List[str]:
    """Tokens stemmed with Snowball Dutch; stop words stay unstemmed so the vectorizer's
    stop list removes them (Signalen uses nltk's DutchStemmer(ignore_stopwords=True))."""
    stops = dutch_stop_words()
    return [t if t in stops else _stem(t) for t in _TOKEN.findall(text)]


def run_tfidf_system(examples: Sequence[Tuple[str, str]], questions: Sequence[Question],
                     catalogue: Catalogue) -> SystemRun:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    run = SystemRun("c", SYSTEMS["c"])
    # Signalen shuffles (train_test_split) before its grid search; our files are ordered
    # by intent and by example style, so unshuffled cv folds would be skewed.
    examples = list(examples)
    random.Random(42).shuffle(examples)
    texts = [t for _, t in examples]
    labels = [label_for_intent(i, catalogue) for i, _ in examples]
    stops = sorted(dutch_stop_words())
    pipeline = Pipeline([
        ("vect", CountVectorizer(preprocessor=signalen_preprocess, tokenizer=signalen_tokenize,
                                 token_pattern=None, stop_words=stops)),
        ("tfidf", TfidfTransformer()),
        ("clf", LogisticRegression()),
    ])
    search = GridSearchCV(pipeline, SIGNALEN_GRID, cv=SIGNALEN_CV, n_jobs=1)
    print(f"[c] training: GridSearchCV over {len(texts)} examples, {len(set(labels))} labels", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.monotonic()
        search.fit(texts, labels)
        run.train_seconds = time.monotonic() - start
    not_converged = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
    model = search.best_estimator_
    run.details = {
        "best_params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in search.best_params_.items()},
        "cv_accuracy": search.best_score_,
        "fits": len(search.cv_results_["params"]) * SIGNALEN_CV + 1,
        "convergence_warnings": not_converged,
        "stop_words": len(stops),
    }
    classes = list(model.classes_)
    products = {p.upl_name for p in catalogue.products.values()}
    for q in questions:
        t0 = time.perf_counter()
        proba = model.predict_proba([q.text])[0]
        run.predict_ms.append((time.perf_counter() - t0) * 1000)
        order = sorted(range(len(classes)), key=lambda i: -proba[i])
        best = classes[order[0]]
        top3 = [classes[i] for i in order[:3] if classes[i] in products]
        kind = "ask_product" if best in products else (ORG_INTENT if best.startswith(ORG_PREFIX) else best)
        product = best if best in products else None
        organisation = best[len(ORG_PREFIX):] if best.startswith(ORG_PREFIX) else SAFETY_ORGANISATIONS.get(best)
        run.rows.append({
            "text": q.text, "kind": q.kind, "truth": q.truth, "set": q.set, "intent": kind,
            "intent_confidence": float(proba[order[0]]),
            "product": product, "organisation": organisation, "top3": top3,
            "decision": "answer" if product else ("organisation" if organisation else "fallback"),
            "answer_product": product, "answer_organisation": organisation,
        })
    return run


# ------------------------------------------------------------------------- report

def _fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        usable = os.cpu_count()
    versions = {"python": platform.python_version()}
    for module in ("rasa", "sklearn", "spacy", "tensorflow"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:
            pass
    return {"nproc": usable, "cpu": cpu, "platform": platform.platform(), "versions": versions}


def target_verdict(results: Dict[str, dict]) -> Tuple[Optional[bool], str]:
    """Issue 10's targets: the blind set's four, beating both baselines there, the old file."""
    a = results.get("a")
    if not a or a.get("status") != "ok" or not a.get("blind"):
        return None, "not determined (Balie not evaluated on the blind set)"
    blind = a["blind"]
    misses = []
    for metric, (op, target) in BLIND_TARGETS.items():
        value = blind[metric]
        if value is None or (value < target if op == ">=" else value > target):
            misses.append(f"{metric} {_fmt(value)} (target {op} {target})")
    for key in ("b", "c"):
        other = results.get(key)
        if other and other.get("status") == "ok" and other.get("blind"):
            if not (blind["right_product"] > other["blind"]["right_product"]
                    and blind["right_desk"] > other["blind"]["right_desk"]):
                misses.append(f"does not beat ({key}) on the blind set")
    if (a["metrics"]["product_top1"] or 0) < OLD_FILE_TARGET:
        misses.append(f"old file top-1 {_fmt(a['metrics']['product_top1'])} (target >= {OLD_FILE_TARGET})")
    if (a.get("predict_ms_p95") or 0) > PARSE_P95_TARGET_MS:
        misses.append(f"parse p95 {_fmt(a['predict_ms_p95'], 1)} ms (target <= {PARSE_P95_TARGET_MS:.0f})")
    missing = [k for k in ("b", "c") if results.get(k, {}).get("status") != "ok"]
    if misses:
        return False, "not met: " + "; ".join(misses)
    if missing:
        return None, f"not determined (baseline {', '.join(missing)} not evaluated)"
    return True, "met"


def plot(results: Dict[str, dict], path: Path, quick: bool) -> None:
    with warnings.catch_warnings():
        # matplotlib 3.5 with a newer pyparsing warns about deprecated names on import.
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    keys = [k for k in SYSTEMS if results.get(k, {}).get("status") == "ok"]
    metrics = [("right_product", "right product (blind)"), ("right_desk", "right desk (blind)"),
               ("out_of_scope_no_product", "out of scope: no product (blind)")]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(metrics)
    for j, (metric, label) in enumerate(metrics):
        values = [(results[k].get("blind") or {}).get(metric) or 0.0 for k in keys]
        xs = [i + (j - (len(metrics) - 1) / 2) * width for i in range(len(keys))]
        bars = ax.bar(xs, values, width, label=label)
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:.2f}", (bar.get_x() + bar.get_width() / 2, value),
                        ha="center", va="bottom", fontsize=8)
    ax.axhline(BLIND_TARGETS["right_product"][1], color="grey", linestyle="--", linewidth=1,
               label=f"target right product ≥ {BLIND_TARGETS['right_product'][1]}")
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([f"({k}) {SYSTEMS[k].replace('`', '')}" for k in keys], fontsize=8)
    ax.set_ylim(0, 1.18)
    ax.set_ylabel("score on the blind realistic set")
    ax.set_title("Balie NLU: product routing" + (" (QUICK SMOKE RUN, not a result)" if quick else ""))
    ax.legend(loc="upper center", ncol=len(metrics) + 1, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def render_markdown(report: dict) -> str:
    out: List[str] = []
    add = out.append
    data, machine, results = report["data"], report["machine"], report["systems"]
    add("# NLU evaluation: product routing")
    add("")
    if report["quick"]:
        add(f"**QUICK SMOKE RUN** ({data['quick_products']} products, {report['quick_epochs']} epochs): "
            "the numbers below test the script, they are not results.")
        add("")
    add(f"- Date: {report['generated']}")
    add(f"- Machine: nproc {machine['nproc']}, {machine['cpu'] or 'unknown CPU'}, {machine['platform']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()))
    add(f"- Training data: {data['training_examples']} examples in `data/nlu/`, {data['labels']['total']} labels "
        f"({data['labels']['products']} products, {data['labels']['organisations']} organisations, "
        f"{data['labels']['other_intents']} other intents). The same data trains all three systems.")
    add(f"- Test: {data['test_questions']} held-out questions in `tests/nlu/test_questions.yml` "
        f"({data['product_questions']} product, {data['organisation_questions']} organisation; "
        f"{data['tested_products']} products), never used in training; "
        f"{data['test_texts_in_training']} test texts also occur verbatim in the training data.")
    add(f"- Command: `{report['command']}`")
    if report.get("epochs_override"):
        add(f"- Epochs of DIETClassifier and ResponseSelector set to {report['epochs_override']} for (a) and (b).")
    if report.get("baseline_epochs"):
        add(f"- (b) is the `rasa init` recipe with the epochs of DIETClassifier and ResponseSelector capped at "
            f"{report['baseline_epochs']} (instead of 100): with 100, training (b) alone takes longer than the "
            f"whole evaluation may (25 minutes on 2 cores). (a) uses config.yml unchanged.")
    if report.get("reused_model"):
        add(f"- (a) is the model `make model` trained (`{report['reused_model']}`, scripts/train_model.py: a full "
            "`rasa train` with config.yml); it is evaluated as is, not trained a second time. Its training time "
            "below is that training's.")
    if data.get("blind_texts"):
        add(f"- Blind realistic set: {data['blind_texts']} texts in `tests/nlu/blind/questions.yml` "
            f"({data['blind_products']} products, {data['blind_organisations']} organisations), written without "
            "sight of `data/nlu/` from `tests/nlu/blind/STYLE.md`; never trained on (`tests/nlu/test_blind_set.py`).")
    add("")
    add(f"**Targets: {report['target']['verdict']}.**")
    add("")
    add("## Blind realistic set: what a citizen gets")
    add("")
    add("| system | right product | right desk | out of scope: no product | wrong desk among answers naming a product "
        "| answers naming a product | organisations right | safety right |")
    add("|---|---|---|---|---|---|---|---|")
    for key, name in SYSTEMS.items():
        r = results.get(key)
        if not r or r["status"] != "ok" or not r.get("blind"):
            continue
        b = r["blind"]
        add(f"| ({key}) {name} | {_fmt(b['right_product'])} | {_fmt(b['right_desk'])} "
            f"| {_fmt(b['out_of_scope_no_product'])} | {_fmt(b['wrong_desk_among_answers'])} "
            f"| {b['answers_naming_a_product']} | {_fmt(b['organisation_right'])} | {_fmt(b['safety_right'])} |")
    add("| target (Balie) | ≥ 0.85 | ≥ 0.93 | ≥ 0.95 | ≤ 0.05 | | | |")
    add("")
    add("Right product: Balie named the product (answered, not a clarifying question) and it is right. Right desk: "
        "the department of the named product, or the named organisation, is the one that handles it (product, "
        "organisation and safety texts). Out of scope: share of out-of-scope texts that got no product. Wrong "
        "desk among answers: of every answer that named one product (out-of-scope texts included), the share "
        "that sent the citizen to the wrong desk. The baselines answer with their top-1 whenever it is a product.")
    add("")
    a_blind = (results.get("a") or {}).get("blind")
    if a_blind:
        add("**Balie's decisions** (share of all blind texts): " + ", ".join(
            f"{k} {v:.2f}" for k, v in a_blind["decisions"].items())
            + f". When it asked back or fell back on a product text, the right product was among the offered "
              f"buttons in {_fmt(a_blind['right_candidate_offered'])} of the cases.")
        add("")
        add("| Balie on product texts | n | right product | right desk |")
        add("|---|---|---|---|")
        for name, seg in a_blind["segments"].items():
            add(f"| {name} | {seg['n']} | {_fmt(seg['right_product'])} | {_fmt(seg['right_desk'])} |")
        add("")
        add("Out-of-scope texts without a product, by kind: " + ", ".join(
            f"{k} {_fmt(v)}" for k, v in a_blind["out_of_scope_by_kind"].items()) + ".")
        add("")
        a_sys = results["a"]
        add(f"Parse time of Balie's model, in process, one text at a time over both sets: median "
            f"{_fmt(a_sys['predict_ms_median'], 1)} ms, p95 {_fmt(a_sys['predict_ms_p95'], 1)} ms "
            f"(target p95 ≤ {PARSE_P95_TARGET_MS:.0f} ms).")
        add("")
        worst = report.get("balie_blind_confusions") or []
        if worst:
            add("### The 20 worst confusions on the blind set")
            add("")
            add("Wrong desk first, then the wrong product at the right desk; by count.")
            add("")
            add("| true | Balie answered | count | same desk | example |")
            add("|---|---|---|---|---|")
            for w in worst:
                add(f"| {w['true']} | {w['answered']} | {w['count']} | {'yes' if w['same_desk'] else 'no'} "
                    f"| “{w['examples'][0]}” |")
            add("")
    add("## Old test file (regression)")
    add("")
    add("| system | top-1 product acc. | top-3 product acc. | product macro-F1 | organisation acc. "
        "| product questions without product | training time (s) | prediction (median ms/question) |")
    add("|---|---|---|---|---|---|---|---|")
    for key, name in SYSTEMS.items():
        r = results.get(key)
        if r is None:
            continue
        if r["status"] != "ok":
            add(f"| ({key}) {name} | failed | | | | | | |")
            continue
        m = r["metrics"]
        add(f"| ({key}) {name} | {_fmt(m['product_top1'])} | {_fmt(m['product_top3'])} "
            f"| {_fmt(m['product_macro_f1'])} | {_fmt(m['organisation_accuracy'])} "
            f"| {m['product_questions_without_product']} | {_fmt(r['train_seconds'], 0)} "
            f"| {_fmt(r['predict_ms_median'], 1)} |")
    add("")
    add(f"Top-1 is the model's first product whatever Balie then decides (target for Balie ≥ {OLD_FILE_TARGET}).")
    add("")
    add("![blind-set scores per system](nlu.png)")
    add("")
    add("Definitions: a product question counts as correct when the predicted intent is `ask_product` and the "
        "response selector's response is the right product; any other intent (e.g. `nlu_fallback`) predicts no "
        "product, which is wrong. Top-3: the right product is among the selector's first three responses "
        "(again only with intent `ask_product`; for (c) the three most probable labels). Macro-F1 is the mean F1 "
        "over the tested products, computed over all test questions (a product predicted for an organisation "
        "question is a false positive). Organisation accuracy: intent `ask_organisation` with the right "
        "organisation. Training time is the wall clock of `rasa train nlu` (process start to model file) for "
        "(a) and (b), and of the grid search plus refit for (c), measured in this run. Prediction time is one "
        "question at a time, in process, after one warm-up parse.")
    add("")
    failed = {k: r for k, r in results.items() if r["status"] != "ok"}
    if failed:
        add("## Failed systems")
        add("")
        for k, r in failed.items():
            lines = [line.strip() for line in r["error"].splitlines() if line.strip()]
            detail = lines[0] + (f" … {lines[-1]}" if len(lines) > 1 else "")
            add(f"- ({k}) {SYSTEMS[k]}: {detail} (full message in `nlu.json`)")
        add("")

    add("## Systems")
    add("")
    add("- **(a) Balie**: `config.yml` (SpacyNLP `nl_balie`, lemma and char n-gram features, "
        "DIETClassifier for the intent, `LinearResponseSelector` (`nlu_components/linear_selector.py`: "
        "linear SVM on character and word n-grams, temperature-calibrated) for the product or organisation, "
        "FallbackClassifier 0.55/0.08), trained with "
        "`rasa train nlu --config config.yml --nlu data/nlu`"
        + (" (a copy with epochs lowered to "f"{report['epochs_override']})." if report.get("epochs_override") else "."))
    add("- **(b) Rasa default**: the pipeline a `rasa init` project trains with in Rasa 3.6 — its generated "
        "`config.yml` leaves `pipeline:` empty (the list is there commented out) and Rasa uses "
        "`rasa/engine/recipes/config_files/default_config.yml`: WhitespaceTokenizer, RegexFeaturizer, "
        "LexicalSyntacticFeaturizer, CountVectorsFeaturizer, CountVectorsFeaturizer (char_wb 1–4), "
        "DIETClassifier (100 epochs, constrain_similarities), EntitySynonymMapper, ResponseSelector (100 "
        "epochs, constrain_similarities; one selector for all retrieval intents), FallbackClassifier 0.3/0.1; "
        "`language: nl` and Balie's importer line so the retrieval responses exist. No random seed, as generated.")
    c = results.get("c", {}).get("details") or {}
    best = c.get("best_params") or {}
    add("- **(c) TF-IDF + logistic regression as Signalen trains it** (Amsterdam/signals "
        "`app/signals/apps/classification/train.py`; same grid in Amsterdam/classification `app/engine.py`): "
        "CountVectorizer → TfidfTransformer → LogisticRegression, GridSearchCV over Signalen's grid (cv=3; Signalen uses 5, see SIGNALEN_CV): "
        "penalty l1, solver liblinear, multi_class auto, max_iter 300/500, class_weight None/balanced, "
        "tf-idf norm l2 with use_idf False, max_df 1.0, ngram_range (1,1)/(1,2). Differences from Signalen, as "
        "asked: punctuation is stripped before tokenising, stemming is `snowballstemmer` Dutch in the tokenizer "
        "(stop words are left unstemmed, like nltk's `DutchStemmer(ignore_stopwords=True)` does), and stop "
        "words are spaCy's Dutch list (Signalen: nltk's, which needs a corpus download). Labels: UPL name per "
        "product, `org:<id>` per organisation, and every other intent as its own label; Rasa entity markup "
        "is stripped."
        + (f" Chosen by the grid search: {', '.join(f'{k}={v}' for k, v in sorted(best.items()) if k in ('clf__class_weight', 'clf__max_iter', 'vect__ngram_range'))}; "
           f"cv accuracy {_fmt(c.get('cv_accuracy'))}; {c.get('fits')} fits; "
           f"{c.get('convergence_warnings')} convergence warnings." if best else ""))
    add("")

    a = results.get("a")
    if a and a["status"] == "ok":
        add("## Balie: most confused product pairs")
        add("")
        pairs = report.get("balie_confusions") or []
        if pairs:
            add("| true → predicted | count | questions |")
            add("|---|---|---|")
            for p in pairs:
                texts = "; ".join(f"“{t}”" for t in p["examples"])
                add(f"| {p['true']} → {p['predicted']} | {p['count']} | {texts} |")
        else:
            add("No product question was routed to another product.")
        missed = report.get("balie_missed_by_intent") or {}
        if missed:
            add("")
            add("Product questions that got no product, by predicted intent: "
                + ", ".join(f"`{k}` {v}" for k, v in missed.items()) + " (see `nlu.json` for the texts).")
        add("")

    add("## Where training time goes")
    add("")
    add("Per pipeline component, from the `Node ... loading/running` lines of `rasa train --debug` "
        "(`rasa train nlu --debug` for a system trained here) (one-second resolution; train_X and run_X nodes "
        "of a component are summed). \"Outside the graph\" is process start-up (importing Rasa/TensorFlow), "
        "reading and validating the data, and packaging the model.")
    add("")
    for key in ("a", "b"):
        r = results.get(key)
        if not r or r["status"] != "ok":
            continue
        add(f"**({key}) {SYSTEMS[key]}** — {r['train_seconds']:.0f} s wall clock:")
        add("")
        add("| component | seconds | share |")
        add("|---|---|---|")
        total = r["train_seconds"] or 0.0
        shown = 0.0
        for comp in r["components"]:
            if comp["seconds"] < 0.5 and total > 30:
                continue
            shown += comp["seconds"]
            add(f"| {comp['component']} ({', '.join(comp['calls'])}) | {comp['seconds']:.0f} "
                f"| {comp['seconds'] / total:.0%} |" if total else "| | | |")
        small = sum(c["seconds"] for c in r["components"]) - shown
        if small > 0:
            add(f"| other graph nodes | {small:.0f} | {small / total:.0%} |")
        outside = max(0.0, total - (r.get("component_span_seconds") or 0.0))
        add(f"| outside the graph | {outside:.0f} | {outside / total:.0%} |" if total else "")
        add("")
    c_run = results.get("c")
    if c_run and c_run["status"] == "ok":
        add(f"(c) trains in {c_run['train_seconds']:.1f} s, all of it the grid search "
            f"({(c_run.get('details') or {}).get('fits')} logistic-regression fits on a sparse matrix).")
        add("")
    profile = report.get("training_profile") or []
    if profile:
        add("## Training data per product")
        add("")
        add(f"{len(profile)} products; stories are examples of {STORY_WORDS} words or more; 'without name' "
            "examples contain no word (4+ letters) of the product's UPL name.")
        add("")
        add("| product | examples | stories | without name |")
        add("|---|---|---|---|")
        for p in profile:
            add(f"| {p['product']} | {p['examples']} | {p['stories']:.0%} | {p['without_name']:.0%} |")
        add("")
    if not report.get("crossval"):
        add("Cross-validation on the training data is not part of this report (the held-out test file is the "
            "measure).")
        add("")
    return "\n".join(out).rstrip() + "\n"


def _percentile(values: Sequence[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def system_summary(run: SystemRun, catalogue: Catalogue) -> dict:
    old = [r for r in run.rows if r.get("set", "old") == "old"]
    blind = [r for r in run.rows if r.get("set") == "blind"]
    return {
        "name": run.name,
        "status": "ok",
        "metrics": compute_metrics(old),
        "blind": compute_blind_metrics(blind, catalogue) if blind else None,
        "predict_ms_p95": _percentile(run.predict_ms, 0.95),
        "train_seconds": run.train_seconds,
        "predict_ms_median": statistics.median(run.predict_ms) if run.predict_ms else None,
        "model_load_seconds": run.load_seconds,
        "components": run.components,
        "component_span_seconds": run.component_span_seconds,
        "details": run.details,
    }


# --------------------------------------------------------------------------- main

def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", nargs="?", type=int, const=10, default=None, metavar="N",
                        help="smoke test: at most N products (default 10) and few epochs")
    parser.add_argument("--epochs", type=int, default=None,
                        help="override the epochs of DIET/ResponseSelector (default: 5 with --quick)")
    parser.add_argument("--baseline-epochs", type=int, default=4,
                        help="epochs of DIET/ResponseSelector for (b), the rasa init recipe (default 4: with "
                             "430 products and ~17,000 examples an epoch of each takes about a minute and a half "
                             "on 2 cores (8 epochs: 1711 s for (b) alone), so the whole evaluation stays under "
                             "25 minutes; its 100 epochs would take hours)")
    parser.add_argument("--model", type=Path, default=None,
                        help="use this trained Balie model for (a) instead of training it again (make eval "
                             "passes models/balie.tar.gz, which make keeps up to date with config and data)")
    parser.add_argument("--blind", type=Path, default=BLIND_FILE,
                        help="the blind realistic set (default tests/nlu/blind/questions.yml)")
    parser.add_argument("--only", default="a,b,c", help="systems to run, e.g. a,c (default a,b,c)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports",
                        help="output directory (default reports/)")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SYSTEMS]
    if unknown or not only:
        parser.error(f"--only takes a comma-separated subset of {','.join(SYSTEMS)}; got {args.only!r}")
    args.only = [k for k in SYSTEMS if k in only]
    if args.quick is not None and args.quick < 1:
        parser.error("--quick N needs N >= 1")
    if args.epochs is None and args.quick is not None:
        args.epochs = 5
    if args.model is not None and (args.quick is not None or args.epochs is not None):
        parser.error("--model evaluates the trained model as is: not with --quick or --epochs")
    return args


def run_systems(keys: Sequence[str], work: Path, keep_keys: Optional[set], epochs: Optional[int],
                examples: Sequence[Tuple[str, str]], questions: Sequence[Question],
                catalogue: Catalogue, baseline_epochs: Optional[int] = None,
                balie_model: Optional[Path] = None) -> Tuple[Dict[str, SystemRun], Dict[str, dict]]:
    """Train and evaluate each system; a failing system is recorded, not fatal."""
    results: Dict[str, dict] = {}
    runs: Dict[str, SystemRun] = {}
    nlu_dir = NLU_DIR
    if keep_keys is not None:
        nlu_dir = work / "nlu"
        write_filtered_nlu(NLU_DIR, nlu_dir, keep_keys)
    for key in keys:
        try:
            if key == "a" and balie_model is not None:
                run = reuse_balie_model(balie_model, questions, catalogue)
            elif key == "a":
                # Without an epoch override, train from config.yml itself.
                run = run_rasa_system("a", balie_config(epochs), nlu_dir, questions, catalogue, work,
                                      None if epochs else BALIE_CONFIG)
            elif key == "b":
                run = run_rasa_system("b", rasa_init_config(epochs or baseline_epochs), nlu_dir, questions,
                                      catalogue, work)
            else:
                run = run_tfidf_system(examples, questions, catalogue)
        except Exception as exc:  # one failing system must not hide the others
            message = f"{type(exc).__name__}: {exc}"
            print(f"[{key}] FAILED: {message}", file=sys.stderr, flush=True)
            results[key] = {"name": SYSTEMS[key], "status": "failed", "error": message}
            continue
        runs[key] = run
        results[key] = system_summary(run, catalogue)
        m, b = results[key]["metrics"], results[key]["blind"] or {}
        print(f"[{key}] old file top-1 {_fmt(m['product_top1'])}; blind: right product {_fmt(b.get('right_product'))}, "
              f"right desk {_fmt(b.get('right_desk'))}, out of scope without product "
              f"{_fmt(b.get('out_of_scope_no_product'))}, wrong desk among answers "
              f"{_fmt(b.get('wrong_desk_among_answers'))}; train {results[key]['train_seconds']:.0f}s", flush=True)
    return runs, results


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    quiet_library_warnings()
    os.chdir(ROOT)  # Balie's config and importer expect the repository root
    catalogue = load_catalogue(CATALOGUE_DIR)
    questions = read_test_questions(TEST_FILE, catalogue)
    blind = read_blind_questions(args.blind, catalogue) if args.blind.exists() else []
    examples = read_nlu_examples(NLU_DIR)

    keep_keys = None
    if args.quick is not None:
        chosen = select_quick_products(questions, args.quick)
        keep_keys = {catalogue.product(name).key for name in chosen}
        questions = [q for q in questions if q.kind == "organisation" or q.truth in chosen]
        blind = [q for q in blind if q.kind != "product" or q.truth in chosen]
        examples = [(i, t) for i, t in examples
                    if not (i.startswith(PRODUCT_INTENT + "/") and i.split("/", 1)[1] not in keep_keys)]

    labels = Counter(label_for_intent(i, catalogue) for i, _ in examples)
    training_texts = {t.lower() for _, t in examples}
    product_labels = {lab for lab in labels if lab in {p.upl_name for p in catalogue.products.values()}}
    untrained = sorted({q.truth for q in questions if q.kind == "product"} - product_labels)
    if untrained:
        raise EvalError(f"tested products without training examples: {', '.join(untrained[:10])}")

    data = {
        "training_examples": len(examples),
        "labels": {
            "total": len(labels),
            "products": len(product_labels),
            "organisations": sum(1 for lab in labels if lab.startswith(ORG_PREFIX)),
            "other_intents": sum(1 for lab in labels if lab not in product_labels and not lab.startswith(ORG_PREFIX)),
        },
        "test_questions": len(questions),
        "product_questions": sum(1 for q in questions if q.kind == "product"),
        "organisation_questions": sum(1 for q in questions if q.kind == "organisation"),
        "tested_products": len({q.truth for q in questions if q.kind == "product"}),
        "test_texts_in_training": sum(1 for q in questions if q.text.lower() in training_texts),
        "quick_products": len(keep_keys) if keep_keys is not None else None,
        "blind_texts": len(blind),
        "blind_products": len({q.truth for q in blind if q.kind == "product"}),
        "blind_organisations": len({q.truth for q in blind if q.kind == "organisation"}),
    }
    print(f"{data['training_examples']} training examples, {data['labels']['total']} labels; "
          f"{data['test_questions']} test questions; systems {','.join(args.only)}", flush=True)

    warning = check_rasa_init_pipeline() if "b" in args.only else None
    if warning:
        print(f"warning: {warning}", file=sys.stderr)

    # SIGTERM unwinds like Ctrl-C: the training we started is stopped, temp dirs go.
    signal.signal(signal.SIGTERM, _terminate)
    with tempfile.TemporaryDirectory(prefix="balie-eval-") as tmp:
        tempfile.tempdir = tmp  # Rasa's in-process temp files go there too
        try:
            runs, results = run_systems(args.only, Path(tmp), keep_keys, args.epochs,
                                        examples, questions + blind, catalogue, args.baseline_epochs,
                                        args.model.resolve() if args.model else None)
        finally:
            tempfile.tempdir = None

    met, verdict = target_verdict(results)
    report = {
        "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["scripts/eval_nlu.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick is not None,
        "quick_epochs": args.epochs if args.quick is not None else None,
        "epochs_override": args.epochs,
        "baseline_epochs": None if args.epochs else args.baseline_epochs,
        "reused_model": str(args.model) if args.model else None,
        "crossval": None,
        "machine": machine_info(),
        "data": data,
        "target": {"blind": {k: list(v) for k, v in BLIND_TARGETS.items()}, "old_file_top1": OLD_FILE_TARGET,
                   "parse_p95_ms": PARSE_P95_TARGET_MS, "met": met, "verdict": verdict},
        "systems": results,
    }
    report["training_profile"] = training_profile(examples, catalogue)
    if "a" in runs:
        blind_rows = [r for r in runs["a"].rows if r.get("set") == "blind"]
        report["balie_blind_confusions"] = worst_confusions(blind_rows, catalogue, 20)
        report["balie_confusions"] = confused_pairs([r for r in runs["a"].rows if r.get("set") == "old"], 10)
        report["balie_missed_by_intent"] = missed_by_intent([r for r in runs["a"].rows if r.get("set") == "old"])
        report["balie_predictions"] = [
            {**row, "correct": (row.get("product") if row["kind"] == "product" else row.get("organisation")) == row["truth"],
             "ms": round(ms, 2)}
            for row, ms in zip(runs["a"].rows, runs["a"].predict_ms)
        ]

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlu.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n",
                                       encoding="utf-8")
    (args.out / "nlu.md").write_text(render_markdown(report), encoding="utf-8")
    if any(r["status"] == "ok" for r in results.values()):
        plot(results, args.out / "nlu.png", report["quick"])
    print(f"wrote {args.out / 'nlu.md'}, nlu.json, nlu.png; target: {verdict}", flush=True)
    return 1 if any(r["status"] != "ok" for r in results.values()) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
