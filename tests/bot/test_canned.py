"""Canned responses (bot/desk/canned.py): the seed, the limits, filling in the placeholders."""
from __future__ import annotations

import pytest

from bot.catalogue import load_catalogue
from bot.db import connect
from bot.desk import canned
from bot.desk.canned import CannedError, CannedNotFound, CannedStore
from bot.settings import settings


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_dir)


@pytest.fixture
def store(tmp_path):
    return CannedStore(connect(f"sqlite:///{tmp_path / 'canned.db'}"))


def test_fill_knows_four_placeholders_and_leaves_unknown_ones_visible(catalogue):
    values = canned.values_for(catalogue, "paspoort", "kcc", ["Z-2026-000001", "Z-2026-000002"])
    burgerzaken = catalogue.departments["burgerzaken"]
    text = canned.fill("{product} bij {afdeling}, bel {telefoon}, zaak {zaaknummer}, {telfoon} {Product}", values)
    assert text == (f"Paspoort bij {burgerzaken.name}, bel {burgerzaken.phone}, zaak Z-2026-000002, "
                    "{telfoon} Paspoort")


def test_fill_says_so_when_a_value_is_missing(catalogue):
    values = canned.values_for(catalogue, None, "kcc")
    kcc = catalogue.contact_centre
    assert canned.fill("{product} / {zaaknummer} / {afdeling} / {telefoon}", values) == \
        f"(geen product) / (geen zaaknummer) / {kcc.name} / {kcc.phone}"
    assert canned.fill("{afdeling} {telefoon}", canned.values_for(catalogue, None, "bestaat-niet")) == \
        "(geen afdeling) (geen telefoonnummer)"
    assert canned.fill("geen {haakjes", {}) == "geen {haakjes"


def test_the_seed_file_is_valid_and_loaded_once(store):
    seeds = canned.load_seed()
    assert seeds and all(len(s["title"]) <= canned.MAX_TITLE and len(s["text"]) <= canned.MAX_TEXT for s in seeds)
    assert store.seed() == len(seeds)
    assert store.seed() == 0
    first = store.all()[0]
    store.delete(first.id, "bea")
    # A restart does not bring a deleted response back.
    assert store.seed() == 0 and first.id not in [c.id for c in store.all()]


def test_seed_errors_name_file_and_entry(tmp_path):
    bad = tmp_path / "canned.yml"
    bad.write_text("canned_responses:\n  - id: a\n    title: ''\n    text: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"canned.yml: entry 1 \(a\)"):
        canned.load_seed(bad)


def test_add_update_delete_with_limits(store):
    added = store.add("  Terugbellen  ", "We bellen je terug op {telefoon}.", "bea")
    assert added.title == "Terugbellen"
    changed = store.update(added.id, "Terugbellen morgen", "Morgen bellen we je.", "bea")
    assert store.get(added.id) == changed
    with pytest.raises(CannedError) as too_long:
        store.add("x" * (canned.MAX_TITLE + 1), "tekst", "bea")
    assert too_long.value.status == 400 and "60 tekens" in too_long.value.message_nl
    with pytest.raises(CannedError) as text_too_long:
        store.update(added.id, "titel", "x" * (canned.MAX_TEXT + 1), "bea")
    assert "1000 tekens" in text_too_long.value.message_nl
    assert store.add("t" * canned.MAX_TITLE, "x" * canned.MAX_TEXT, "bea")
    with pytest.raises(CannedError) as duplicate:
        store.add("terugbellen MORGEN", "tekst", "bea")
    assert duplicate.value.status == 409
    for title, text in (("", "tekst"), ("titel", "  "), (None, "tekst"), ("titel", 5)):
        with pytest.raises(CannedError):
            store.add(title, text, "bea")
    store.delete(added.id, "bea")
    with pytest.raises(CannedNotFound):
        store.get(added.id)
    with pytest.raises(CannedNotFound):
        store.update(added.id, "a", "b", "bea")
    with pytest.raises(CannedNotFound):
        store.delete(added.id, "bea")
