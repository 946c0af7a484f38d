"""Retention keeps the statistics: events stay, CSAT scores stay, CSAT comments go (bot/retention.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.chat.store import ChatStore
from bot.db import connect, conversations, csat_answers, insight_events, messages
from bot.insights import csat, events
from bot.insights.stats import statistics_for
from bot.retention import purge
from tests.fakes import fresh_postgres

NOW = datetime.now(timezone.utc)
OLD = NOW - timedelta(days=45)


def conversation(engine, created: datetime, comment: str) -> str:
    """A conversation with one answered question, a CSAT answer with a comment, all at `created`."""
    conversation_id, _ = ChatStore(engine).create_conversation()
    with engine.begin() as conn:
        conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(created_at=created))
        conn.execute(insight_events.update().where(insight_events.c.conversation_id == conversation_id)
                     .values(at=created, day=events.local_day(created)))
        conn.execute(messages.insert().values(conversation_id=conversation_id, seq=1, sender="citizen",
                                              text="wanneer komt het grofvuil", created_at=created))
    events.record(engine, "turn", conversation_id, at=created, seq=1, decision="answer",
                  product="afvalinzameling grofvuil", department="afval", confidence=0.93)
    csat.answer(engine, conversation_id, 5, comment, now=created)
    return conversation_id


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield connect(f"sqlite:///{tmp_path / 'balie.db'}")
    else:
        with fresh_postgres(required=False) as url:
            engine = connect(url)
            yield engine
            engine.dispose()


def test_the_purge_keeps_the_counts_and_the_score_and_clears_the_comment(engine):
    old = conversation(engine, OLD, "Top, bel me op 0612345678")
    recent = conversation(engine, NOW - timedelta(days=1), "Duidelijk antwoord")
    first, last = events.local_day(OLD) - timedelta(days=1), events.local_day(NOW)
    before = statistics_for(engine, first, last)

    report = purge(engine, NOW, retention_days=30, audit_retention_days=365)

    assert report.conversations == 1 and report.csat_comments_cleared == 1
    assert any("CSAT comments cleared (the scores stay): 1" in line for line in report.lines())
    with engine.connect() as conn:
        assert conn.execute(sa.select(messages).where(messages.c.conversation_id == old)).first() is None
        answers = {r.conversation_id: r for r in conn.execute(sa.select(csat_answers))}
        kinds = sorted(conn.execute(sa.select(insight_events.c.kind)
                                    .where(insight_events.c.conversation_id == old)).scalars())
    assert answers[old].score == 5 and answers[old].comment is None
    assert answers[recent].comment == "Duidelijk antwoord"
    assert kinds == ["conversation", "csat", "turn"]
    after = statistics_for(engine, first, last)
    assert after == before and after["conversations"] == 2 and after["csat"]["responses"] == 2
    assert after["top_products"] == [{"product": "afvalinzameling grofvuil", "count": 2}]


def test_a_dry_run_counts_the_comments_it_would_clear(engine):
    old = conversation(engine, OLD, "Prima")
    report = purge(engine, NOW, retention_days=30, audit_retention_days=365, dry_run=True)
    assert report.csat_comments_cleared == 1
    assert csat.for_conversation(engine, old).comment == "Prima"
