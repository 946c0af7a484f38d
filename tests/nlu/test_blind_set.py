"""The blind realistic set stays blind and realistic.

It is the yardstick of `make eval` (reports/nlu.md): written without sight of data/nlu/, in
the mix citizens write (../shared/data/citizen_style.md, tests/nlu/blind/STYLE.md). These
tests fail when a training example comes too close to an evaluation text (then the set
measures memory, not understanding) and when the mix drifts below what issue 10 asks.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.catalogue import load_catalogue
from bot.catalogue.rasa_importer import catalogue_examples
from bot.settings import settings
from tests.scripts.test_eval_nlu import ev

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "nlu" / "blind" / "questions.yml"
# Nearly identical: equal after normalising, or a character-trigram Jaccard of at least this.
MAX_JACCARD = 0.8
STORY_WORDS = 20


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_dir)


@pytest.fixture(scope="module")
def blind(catalogue):
    return ev.read_blind_questions(BLIND, catalogue)


@pytest.fixture(scope="module")
def training_texts(catalogue):
    texts = [text for _, text in ev.read_nlu_examples(ROOT / "data" / "nlu")]
    # The importer trains on the catalogue's titles and synonyms too.
    texts += [m.get("text") for m in catalogue_examples(catalogue)]
    return texts


def near_duplicates(evaluation: list, training: list) -> list:
    """(evaluation text, training text, Jaccard) pairs that are nearly identical."""
    from sklearn.feature_extraction.text import CountVectorizer

    eval_norm = [normalise(t) for t in evaluation]
    train_norm = [normalise(t) for t in training]
    exact = set(train_norm)
    pairs = [(e, e, 1.0) for e in eval_norm if e in exact]
    vectoriser = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, lowercase=False)
    vectoriser.fit(eval_norm + train_norm)
    a, b = vectoriser.transform(eval_norm), vectoriser.transform(train_norm)
    shared = (a @ b.T).tocoo()  # |A ∩ B| for every pair with any trigram in common
    size_a, size_b = a.sum(axis=1).A1, b.sum(axis=1).A1
    for i, j, inter in zip(shared.row, shared.col, shared.data):
        jaccard = inter / (size_a[i] + size_b[j] - inter)
        if jaccard >= MAX_JACCARD:
            pairs.append((evaluation[i], training[j], round(float(jaccard), 3)))
    return pairs


def test_near_duplicate_detection_finds_a_copy_and_a_small_edit():
    found = near_duplicates(["Mijn paspoort is verlopen, wat nu?", "hoe laat gaat het zwembad open"],
                            ["mijn paspoort is verlopen wat nu", "mijn paspoort is verlopen, wat moet ik nu"])
    assert {f[0] for f in found} == {"mijn paspoort is verlopen wat nu", "Mijn paspoort is verlopen, wat nu?"}


def test_no_training_example_is_nearly_identical_to_an_evaluation_text(blind, training_texts):
    pairs = near_duplicates([q.text for q in blind], training_texts)
    assert not pairs, "training examples too close to blind texts (remove them from data/nlu/):\n" + "\n".join(
        f"  {j}: {e!r} ~ {t!r}" for e, t, j in pairs[:20])


def test_the_set_has_the_size_and_mix_citizens_write_in(blind):
    products = [q for q in blind if q.kind == "product"]
    assert len(blind) >= 600
    assert len({q.truth for q in products}) >= 250
    assert sum(len(q.text.split()) >= STORY_WORDS for q in blind) / len(blind) >= 0.30
    assert sum(not ev.names_product(q.text, q.truth) for q in products) / len(products) >= 0.20
    assert sum(q.kind == "organisation" for q in blind) >= 60
    assert sum(q.kind == "out_of_scope" for q in blind) >= 100


def test_the_style_guide_the_writer_worked_from_is_next_to_the_set():
    assert (BLIND.parent / "STYLE.md").stat().st_size > 1000
