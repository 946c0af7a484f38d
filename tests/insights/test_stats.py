"""bot/insights/stats.py on hand-made events: the definitions, per day, and the period checks."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.db import connect
from bot.insights import events
from bot.insights.stats import (MAX_PERIOD_DAYS, Event, InvalidPeriod, compute, csv_cell, judge, load, median, p90,
                                period, write_csv)

MONDAY = date(2026, 3, 2)
TUESDAY = MONDAY + timedelta(days=1)


def conversation(cid: str, day: date = MONDAY, *more: Event) -> list:
    return [Event("conversation", cid, day), *more]


def turn(cid: str, decision: str, day: date = MONDAY, **facts) -> Event:
    return Event("turn", cid, day, decision=decision, **facts)


def answered(cid: str, day: date = MONDAY, product: str = "paspoort", department: str = "burgerzaken") -> list:
    return conversation(cid, day, turn(cid, "answer", day, product=product, department=department, confidence=0.9))


def test_a_conversation_with_a_named_department_is_contained_and_has_an_owner():
    verdict = judge(answered("a"))
    assert verdict.with_question and verdict.owner and verdict.contained and not verdict.ownerless


def test_not_understood_is_ownerless_and_not_contained():
    verdict = judge(conversation("a", MONDAY, turn("a", "fallback"), turn("a", "fallback")))
    assert verdict.ownerless and not verdict.contained


def test_an_organisation_a_case_or_a_claimed_handover_is_an_owner():
    assert judge(conversation("a", MONDAY, turn("a", "organisation", organisation="uwv"))).owner
    assert judge(conversation("b", MONDAY, turn("b", "journey", case_type="report"),
                              Event("case", "b", MONDAY, case_type="report", department="openbare_ruimte"))).contained
    person = judge(conversation("c", MONDAY, turn("c", "handover"), Event("handover_requested", "c", MONDAY),
                                Event("handover_claimed", "c", MONDAY, wait_seconds=30.0)))
    assert person.owner and not person.contained and not person.ownerless


def test_a_handover_nobody_took_leaves_the_conversation_without_owner():
    verdict = judge(conversation("a", MONDAY, turn("a", "handover"), Event("handover_requested", "a", MONDAY)))
    assert verdict.ownerless and not verdict.contained


def test_a_callback_request_has_an_owner_but_is_not_contained():
    verdict = judge(conversation("a", MONDAY, turn("a", "fallback"),
                                 Event("case", "a", MONDAY, case_type="callback", department="kcc")))
    assert verdict.owner and not verdict.contained


def test_a_conversation_without_a_question_is_counted_but_not_judged():
    result = compute(conversation("a"), MONDAY, MONDAY)
    assert result["conversations"] == 1 and result["with_question"] == 0
    assert result["ownerless"] == 0 and result["contained"] is None


def test_only_a_greeting_is_no_question():
    verdict = judge(conversation("a", MONDAY, turn("a", "other", intent="greet"), turn("a", "other", intent="goodbye")))
    assert not verdict.with_question and not verdict.ownerless
    assert judge(conversation("b", MONDAY, turn("b", "other", intent="greet"), turn("b", "clarify"))).ownerless


def test_the_first_and_the_last_day_of_the_calendar():
    assert period(None, "0001-01-05", today=MONDAY)[0] == date.min
    result = compute([], date(9999, 12, 30), date(9999, 12, 31))
    assert [d["day"] for d in result["days"]] == ["9999-12-30", "9999-12-31"]


def test_median_and_p90_of_waiting_times():
    assert median([]) is None and p90([]) is None
    assert median([10, 30, 20]) == 20 and median([10, 20, 30, 40]) == 25
    values = list(range(1, 11))  # 1..10: nine in ten are at or below 9
    assert p90(values) == 9 and p90([5]) == 5
    assert p90(list(range(1, 101))) == 90


def test_the_whole_period_and_each_day():
    evts = (
        answered("a", MONDAY)
        + answered("b", MONDAY, product="afvalinzameling grofvuil", department="afval")
        + conversation("c", MONDAY, turn("c", "fallback"), turn("c", "fallback"))
        + conversation("d", TUESDAY, turn("d", "handover", TUESDAY),
                       Event("handover_requested", "d", TUESDAY, reason="asked for a person", department="kcc"),
                       Event("handover_claimed", "d", TUESDAY, wait_seconds=40.0),
                       Event("csat", "d", TUESDAY, score=4))
        + conversation("e", TUESDAY, turn("e", "journey", TUESDAY, case_type="report"),
                       Event("case", "e", TUESDAY, case_type="report", department="openbare_ruimte"),
                       Event("csat", "e", TUESDAY, score=5))
        + answered("f", TUESDAY)
        + [Event("handover_claimed", "x", TUESDAY, wait_seconds=100.0)]  # a conversation of an earlier period
    )
    result = compute(evts, MONDAY, TUESDAY)
    assert (result["from"], result["to"]) == ("2026-03-02", "2026-03-03")
    assert result["conversations"] == 6 and result["with_question"] == 6
    assert result["contained_conversations"] == 4 and result["contained"] == round(4 / 6, 3)
    assert result["ownerless"] == 1 and result["fallbacks"] == 2
    assert result["handovers"] == {"count": 1, "reasons": {"asked for a person": 1}, "claimed": 2,
                                   "wait_seconds": {"median": 70.0, "p90": 100.0}}
    assert result["cases"] == {"count": 1, "by_type": {"report": 1}, "by_department": {"openbare_ruimte": 1}}
    assert result["top_products"] == [{"product": "paspoort", "count": 2},
                                      {"product": "afvalinzameling grofvuil", "count": 1}]
    assert result["csat"]["responses"] == 2 and result["csat"]["mean"] == 4.5
    assert result["csat"]["scores"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    monday, tuesday = result["days"]
    assert monday["day"] == "2026-03-02" and tuesday["day"] == "2026-03-03"
    assert (monday["conversations"], monday["ownerless"], monday["contained_conversations"]) == (3, 1, 2)
    assert (tuesday["conversations"], tuesday["ownerless"], tuesday["handovers"]["count"]) == (3, 0, 1)
    assert monday["csat"]["responses"] == 0 and tuesday["cases"]["count"] == 1
    assert monday["turns"]["decisions"] == {"answer": 2, "fallback": 2}


def test_a_conversation_counts_on_its_first_day_and_is_judged_by_its_later_events():
    # Started on Monday, answered after midnight: Monday's conversation, with an owner.
    evts = conversation("a", MONDAY, turn("a", "answer", TUESDAY, product="paspoort", department="burgerzaken"))
    result = compute(evts, MONDAY, TUESDAY)
    assert result["days"][0]["conversations"] == 1 and result["days"][0]["ownerless"] == 0
    assert result["days"][1]["conversations"] == 0 and result["days"][1]["turns"]["count"] == 1
    # The same events, asked for Monday only: the later answer still counts for the verdict.
    assert compute(evts, MONDAY, MONDAY)["ownerless"] == 0


def test_an_empty_period_has_zeros_and_no_averages():
    result = compute([], MONDAY, MONDAY + timedelta(days=6))
    assert result["conversations"] == 0 and result["contained"] is None and result["ownerless"] == 0
    assert result["handovers"]["wait_seconds"] == {"median": None, "p90": None}
    assert result["csat"] == {"responses": 0, "mean": None, "scores": {str(s): 0 for s in range(1, 6)}}
    assert result["top_products"] == [] and len(result["days"]) == 7


def test_top_products_are_the_twenty_most_answered():
    evts = []
    for n in range(25):
        evts += conversation(f"c{n}", MONDAY, *[turn(f"c{n}", "answer", product=f"product {n:02d}",
                                                    department="burgerzaken")] * (n + 1))
    evts.append(turn("c0", "clarify", product="niet genoemd"))  # a guess, not an answer
    top = compute(evts, MONDAY, MONDAY)["top_products"]
    assert len(top) == 20 and top[0] == {"product": "product 24", "count": 25}
    assert top[-1]["product"] == "product 05" and "niet genoemd" not in [t["product"] for t in top]


@pytest.mark.parametrize("first,last,message", [
    ("2026-13-01", None, "klopt niet"),
    ("gisteren", None, "JJJJ-MM-DD"),
    ("2026-03-10", "2026-03-01", "begindatum ligt na de einddatum"),
    ("2025-03-01", "2026-03-02", f"maximaal {MAX_PERIOD_DAYS} dagen"),
])
def test_bad_periods_are_refused_in_dutch(first, last, message):
    with pytest.raises(InvalidPeriod) as refused:
        period(first, last, today=MONDAY)
    assert message in refused.value.message_nl


def test_the_default_period_is_the_last_thirty_days_and_a_year_is_allowed():
    assert period(None, None, today=MONDAY) == (MONDAY - timedelta(days=29), MONDAY)
    assert period("2024-01-01", "2024-12-31", today=MONDAY) == (date(2024, 1, 1), date(2024, 12, 31))  # 366 days


def test_load_reads_the_period_and_the_later_events_of_its_conversations():
    engine = connect("sqlite://")
    monday_noon = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
    events.record(engine, "conversation", "a", at=monday_noon)
    events.record(engine, "turn", "a", at=monday_noon + timedelta(days=1), decision="answer", department="afval")
    events.record(engine, "conversation", "b", at=monday_noon - timedelta(days=3))  # before the period
    events.record(engine, "turn", "b", at=monday_noon - timedelta(days=3), decision="fallback")
    loaded = load(engine, MONDAY, MONDAY)
    assert sorted((e.kind, e.conversation_id) for e in loaded) == [("conversation", "a"), ("turn", "a")]
    assert compute(loaded, MONDAY, MONDAY)["ownerless"] == 0


def test_the_day_is_the_day_in_amsterdam():
    engine = connect("sqlite://")
    # 23:30 UTC on Monday is 00:30 on Tuesday in Amsterdam (CET).
    events.record(engine, "conversation", "late", at=datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc))
    assert compute(load(engine, TUESDAY, TUESDAY), TUESDAY, TUESDAY)["conversations"] == 1


def test_the_csv_has_a_row_per_day_and_a_total_and_is_spreadsheet_safe():
    out = io.StringIO()
    write_csv(compute(answered("a") + conversation("b", TUESDAY, turn("b", "fallback", TUESDAY)), MONDAY, TUESDAY), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["day"] for r in rows] == ["2026-03-02", "2026-03-03", "total"]
    assert rows[0]["contained_share"] == "1.0" and rows[1]["ownerless"] == "1" and rows[2]["conversations"] == "2"
    assert rows[1]["wait_median_seconds"] == "" and rows[2]["fallbacks"] == "1"
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_cell(-1) == "-1" and csv_cell(None) == ""
