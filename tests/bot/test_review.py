"""The review list (bot/insights/review.py): which messages are listed, grouping, masking, assignments, export."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import yaml

from bot.catalogue import load_catalogue
from bot.db import connect, conversations, messages, review_assignments
from bot.insights import events, review
from bot.insights.review import Event, Flagged, Turn
from bot.settings import settings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_dir)


@pytest.fixture
def engine(tmp_path):
    return connect(f"sqlite:///{tmp_path / 'review.db'}")


def turn(text, decision="fallback", seq=1, conversation="c1", at=NOW, product=None, confidence=None):
    return Turn(conversation, seq, at, decision, text, None, product, confidence)


# ---------- text ----------

def test_normalise_ignores_case_accents_punctuation_and_spaces():
    assert review.normalise("  Wáár  is mijn PASPOORT?!  ") == "waar is mijn paspoort"
    assert review.normalise("café-terras_vergunning") == "cafe terras vergunning"
    assert review.normalise("???") == ""


def test_similarity_joins_typos_not_other_questions():
    assert review.similarity("mijn paspoort is verlopen wat nu", "mijn pasport is verlopen wat nu") >= review.NEAR_DUPLICATE
    assert review.similarity("mijn paspoort is verlopen", "mijn paspoort is kwijt") < review.NEAR_DUPLICATE
    assert review.similarity("", "") == 1.0


def test_masked_removes_personal_data():
    text = review.masked("Mijn bsn is 111222333, mail jan@example.nl, bel 06-12345678, ik woon in 1234 AB, "
                         "zaak Z-2026-000123, rekening NL91ABNA0417164300")
    for secret in ("111222333", "jan@example.nl", "06-12345678", "1234 AB", "Z-2026-000123", "NL91ABNA0417164300"):
        assert secret not in text
    assert "[BSN verwijderd]" in text and "[e-mail verwijderd]" in text and "[telefoonnummer verwijderd]" in text
    assert "[postcode verwijderd]" in text and "[zaaknummer verwijderd]" in text and "[IBAN verwijderd]" in text
    # A year followed by a word is no postcode; an ordinary number stays.
    assert review.masked("sinds 2000 en ook 12 keer") == "sinds 2000 en ook 12 keer"


# ---------- which turns are listed ----------

def test_classify_lists_misses_and_low_confidence_only():
    turns = [turn("blabla", "fallback", 1), turn("vergunning", "clarify", 3, product="omgevingsvergunning"),
             turn("paspoort", "answer", 5, product="paspoort", confidence=0.95),
             turn("paspot", "answer", 7, product="paspoort", confidence=review.LOW_CONFIDENCE - 0.01),
             turn("belasting", "organisation", 9, confidence=0.5),
             turn("hoi", "other", 11), turn("zelfmoord", "safety", 13, confidence=0.2),
             turn("button", "answer", 15, product="paspoort", confidence=None)]
    flagged = {f.turn.text: f.outcome for f in review.classify(turns, [])}
    assert flagged == {"blabla": "fallback", "vergunning": "clarify", "paspot": "low_confidence",
                       "belasting": "low_confidence"}


def test_a_corrected_answer_is_listed_with_the_product_picked():
    question = turn("mijn kliko is kapot", "answer", 1, product="huishoudelijk afvalinzameling", confidence=0.9)
    pick = turn("Container", "answer", 3, product="afvalcontainer", at=NOW + timedelta(seconds=20))
    corrected = Event("corrected", "c1", NOW + timedelta(seconds=20), seq=3, product="afvalcontainer")
    flagged = review.classify([question, pick], [corrected])
    assert [(f.turn.text, f.outcome, f.corrected_to) for f in flagged] == [
        ("mijn kliko is kapot", "corrected", "afvalcontainer")]
    # The event may also carry the question's own seq.
    same_seq = Event("corrected", "c1", NOW + timedelta(seconds=20), seq=1, product="afvalcontainer")
    assert [f.turn.seq for f in review.classify([question, pick], [same_seq])] == [1]


def test_a_handover_shortly_after_a_miss_is_a_handover_after_a_misunderstanding():
    miss = turn("ik snap het niet meer", "fallback", 1)
    ask = turn("medewerker", "handover", 3, at=NOW + timedelta(minutes=1))
    handover = Event("handover_requested", "c1", NOW + timedelta(minutes=1), seq=3)
    assert [(f.turn.seq, f.outcome) for f in review.classify([miss, ask], [handover])] == [(1, "handover")]
    late = Event("handover_requested", "c1", NOW + review.HANDOVER_WINDOW + timedelta(seconds=1))
    assert [f.outcome for f in review.classify([miss], [late])] == ["fallback"]
    other_conversation = Event("handover_requested", "c2", NOW + timedelta(minutes=1))
    assert [f.outcome for f in review.classify([miss], [other_conversation])] == ["fallback"]


# ---------- grouping ----------

def test_group_counts_similar_messages_and_picks_the_common_guess():
    flagged = [Flagged(turn("Paspoort verlopen, wat nu?", "clarify", i, f"c{i}", product="paspoort"), "clarify")
               for i in range(3)]
    flagged.append(Flagged(turn("paspoort verlopen wat nu", "fallback", 1, "c9"), "fallback"))
    flagged.append(Flagged(turn("pasport verlopen wat nu", "clarify", 1, "c8", product="identiteitskaart"), "clarify"))
    flagged.append(Flagged(turn("hondenpoep op de stoep", "fallback", 1, "c7"), "fallback"))
    items = review.group(flagged)
    assert [(i.text, i.count) for i in items] == [("Paspoort verlopen, wat nu?", 5), ("hondenpoep op de stoep", 1)]
    first = items[0]
    assert first.guessed_product == "paspoort" and first.outcome == "clarify"
    assert first.outcomes == {"fallback": 1, "clarify": 4}
    assert set(first.variants) == {"paspoort verlopen wat nu", "pasport verlopen wat nu"}


def test_group_masks_every_text_it_returns():
    flagged = [Flagged(turn(f"bel mij op 06-1234567{i} over mijn paspoort", "fallback", 1, f"c{i}"), "fallback")
               for i in range(3)]
    items = review.group(flagged)
    assert len(items) == 1 and items[0].count == 3
    assert items[0].text == "bel mij op [telefoonnummer verwijderd] over mijn paspoort"
    assert "0612" not in str(items[0].to_json())


# ---------- the database ----------

def add_turn(engine, conversation_id, seq, text, decision, at=NOW, **facts):
    with engine.begin() as conn:
        if conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id)).first() is None:
            conn.execute(conversations.insert().values(id=conversation_id, token_hash="x" * 64, created_at=at,
                                                       control="bot", last_seq=0))
        conn.execute(messages.insert().values(conversation_id=conversation_id, seq=seq, sender="citizen", text=text,
                                              delivered=True, created_at=at))
    events.record(engine, "turn", conversation_id, at=at, seq=seq, decision=decision, **facts)


def test_review_list_reads_events_and_messages_in_the_period(engine):
    add_turn(engine, "c1", 1, "asdfgh qwerty", "fallback")
    add_turn(engine, "c2", 1, "asdfgh  QWERTY!", "fallback")
    add_turn(engine, "c3", 1, "wanneer komt de vuilniswagen", "answer", product="huishoudelijk afvalinzameling",
             confidence=0.55)
    add_turn(engine, "c4", 1, "paspoort aanvragen", "answer", product="paspoort", confidence=0.97)
    add_turn(engine, "c5", 1, "te oud", "fallback", at=NOW - timedelta(days=10))
    items = review.review_list(engine, TODAY - timedelta(days=6), TODAY)
    assert [(i.text, i.count, i.outcome) for i in items] == [
        ("asdfgh QWERTY!", 2, "fallback"), ("wanneer komt de vuilniswagen", 1, "low_confidence")]
    assert items[1].guessed_product == "huishoudelijk afvalinzameling"


def test_purged_messages_drop_out_of_the_list(engine):
    add_turn(engine, "c1", 1, "xyz onbegrijpelijk", "fallback")
    with engine.begin() as conn:
        conn.execute(messages.delete())
    assert review.review_list(engine, TODAY, TODAY) == []


def test_period_defaults_and_refusals():
    assert review.period(today=TODAY) == (TODAY - timedelta(days=6), TODAY)
    assert review.period("2026-11-01", "2026-11-02", TODAY) == (date(2026, 11, 1), date(2026, 11, 2))
    for start, end in (("2026-11-31", None), ("gisteren", None), ("2026-11-05", "2026-11-01"),
                       ("2020-01-01", "2026-11-01")):
        with pytest.raises(review.ReviewError) as refused:
            review.period(start, end, TODAY)
        assert refused.value.message_nl


# ---------- assignments and export ----------

def test_assign_stores_masked_text_and_changes_on_a_second_decision(engine, catalogue):
    first = review.assign(engine, catalogue, "Mijn paspoort, bel 06-12345678", "bea", product="paspoort", now=NOW)
    assert first.text == "Mijn paspoort, bel [telefoonnummer verwijderd]" and first.nlu_intent == "ask_product/paspoort"
    second = review.assign(engine, catalogue, "mijn paspoort bel 06-12345678", "bea", out_of_scope=True, now=NOW)
    assert second.nlu_intent == "out_of_scope"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(review_assignments)).all()
    assert len(rows) == 1 and rows[0].out_of_scope and "06" not in rows[0].text


@pytest.mark.parametrize("kwargs", [
    {"text": "", "product": "paspoort"},
    {"text": "x" * (review.MAX_TEXT + 1), "product": "paspoort"},
    {"text": "vraag", "product": "bestaat niet"},
    {"text": "vraag", "intent": "geen_intent"},
    {"text": "vraag", "product": "paspoort", "intent": "greet"},
    {"text": "vraag"},
    {"text": "vraag", "out_of_scope": "ja"},
    {"text": "???", "out_of_scope": True},
    {"text": 12, "out_of_scope": True},
])
def test_assign_refuses_bad_input_in_dutch(engine, catalogue, kwargs):
    text = kwargs.pop("text")
    with pytest.raises(review.ReviewError) as refused:
        review.assign(engine, catalogue, text, "bea", **kwargs)
    assert refused.value.message_nl


def test_assignable_intents_come_from_the_domain_and_the_catalogue(catalogue):
    intents = review.assignable_intents(catalogue)
    assert "greet" in intents and "request_human" in intents and "out_of_scope" not in intents
    assert any(i.startswith("ask_organisation/") for i in intents)


def test_review_list_shows_the_assignment(engine, catalogue):
    add_turn(engine, "c1", 1, "hoe zit het met mijn pasport", "fallback")
    review.assign(engine, catalogue, "Hoe zit het met mijn pasport?", "bea", product="paspoort", now=NOW)
    [item] = review.review_list(engine, TODAY, TODAY)
    assert item.assignment is not None and item.assignment.product == "paspoort"


def test_export_is_rasa_nlu_yaml_grouped_by_intent(engine, catalogue):
    review.assign(engine, catalogue, "mijn pasport is verlopen", "bea", product="paspoort", now=NOW)
    review.assign(engine, catalogue, "mijn bsn 111222333 [test](entity) paspoort", "bea", product="paspoort", now=NOW)
    review.assign(engine, catalogue, "wat vind je van voetbal", "bea", out_of_scope=True, now=NOW)
    review.assign(engine, catalogue, "goedemorgen allemaal", "bea", intent="greet", now=NOW)
    exported = review.export_yaml(review.assignments(engine), NOW)
    data = yaml.safe_load(exported)
    assert data["version"] == "3.1"
    blocks = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert set(blocks) == {"ask_product/paspoort", "out_of_scope", "greet"}
    assert blocks["ask_product/paspoort"].splitlines() == ["- mijn pasport is verlopen",
                                                           "- mijn bsn test (entity) paspoort"]
    assert "111222333" not in exported and "verwijderd" not in exported

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().reads(exported)
    assert {m.get("intent") for m in training.training_examples} == {"ask_product", "out_of_scope", "greet"}
    assert not any(m.get("entities") for m in training.training_examples)


def test_export_without_assignments_is_still_valid():
    assert yaml.safe_load(review.export_yaml([], NOW)) == {"version": "3.1", "nlu": []}


def test_assignments_are_purged_after_the_retention_period(engine, catalogue):
    review.assign(engine, catalogue, "oude vraag", "bea", out_of_scope=True,
                  now=NOW - timedelta(days=review.REVIEW_RETENTION_DAYS + 1))
    review.assign(engine, catalogue, "nieuwe vraag", "bea", out_of_scope=True, now=NOW)
    assert review.purge_assignments(engine, NOW - timedelta(days=review.REVIEW_RETENTION_DAYS), dry_run=True) == 1
    assert review.purge_assignments(engine, NOW - timedelta(days=review.REVIEW_RETENTION_DAYS)) == 1
    assert [a.text for a in review.assignments(engine)] == ["nieuwe vraag"]


def test_review_list_and_assignments_on_postgresql(catalogue):
    """The same queries on PostgreSQL, the database in production (and in CI)."""
    from tests.fakes import fresh_postgres

    with fresh_postgres("balie_review") as url:
        engine = connect(url)
        try:
            add_turn(engine, "c1", 1, "qwerty uiop", "fallback")
            add_turn(engine, "c1", 3, "medewerker", "handover", at=NOW + timedelta(minutes=1))
            events.record(engine, "handover_requested", "c1", at=NOW + timedelta(minutes=1), seq=3, reason="x")
            review.assign(engine, catalogue, "qwerty uiop", "bea", out_of_scope=True, now=NOW)
            review.assign(engine, catalogue, "qwerty uiop", "bea", product="paspoort", now=NOW)
            [item] = review.review_list(engine, TODAY, TODAY)
            assert (item.text, item.outcome, item.assignment.product) == ("qwerty uiop", "handover", "paspoort")
        finally:
            engine.dispose()


def test_export_leaves_out_what_data_nlu_already_has(engine, catalogue, tmp_path):
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: case_status\n  examples: |\n'
                               "    - status van [Z-2026-000123](case_number)\n    - Mijn paspoort is VERLOPEN!\n",
                               encoding="utf-8")
    known = review.known_examples(nlu)
    assert "status van z 2026 000123" in known
    review.assign(engine, catalogue, "mijn paspoort is verlopen", "bea", product="paspoort", now=NOW)
    review.assign(engine, catalogue, "paspoort weg", "bea", product="paspoort", now=NOW)
    data = yaml.safe_load(review.export_yaml(review.assignments(engine), NOW, known))
    assert data["nlu"] == [{"intent": "ask_product/paspoort", "examples": "- paspoort weg\n"}]
    # The real data/nlu/ is read too: one of its examples is never exported again.
    assert len(review.known_examples()) > 1000


def test_the_retention_purge_deletes_old_assignments(engine, catalogue):
    from bot.retention import purge

    review.assign(engine, catalogue, "oude vraag", "bea", out_of_scope=True,
                  now=NOW - timedelta(days=review.REVIEW_RETENTION_DAYS, seconds=1))
    review.assign(engine, catalogue, "nieuwe vraag", "bea", out_of_scope=True, now=NOW - timedelta(days=1))
    assert purge(engine, NOW, 30, 365, dry_run=True).review_assignments == 1
    report = purge(engine, NOW, 30, 365)
    assert report.review_assignments == 1 and "review assignments: 1" in report.lines()
    assert [a.text for a in review.assignments(engine)] == ["nieuwe vraag"]
