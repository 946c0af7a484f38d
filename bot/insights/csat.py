"""The citizen's answer to "Heeft dit je geholpen?" (KTO, klanttevredenheid): a score 1-5 and a comment.

One answer per conversation: the unique key on `csat_answers.conversation_id` decides, so
two answers sent at once cannot both count. The score is also recorded as a `csat` event,
so the statistics keep it after retention has cleared the comment (bot/retention.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import csat_answers
from ..privacy import mask_personal_numbers
from . import events

MIN_SCORE, MAX_SCORE = 1, 5
# A comment is a remark, not a letter: long enough for two or three sentences.
MAX_COMMENT_CHARS = 500


class AlreadyAnswered(Exception):
    """This conversation has an answer already."""


class InvalidAnswer(ValueError):
    """A score outside 1-5 or a comment that is too long; `message_nl` says which."""

    def __init__(self, reason: str, message_nl: str):
        super().__init__(reason)
        self.message_nl = message_nl


@dataclass(frozen=True)
class Answer:
    """One conversation's answer."""

    conversation_id: str
    score: int
    comment: Optional[str]
    created_at: datetime


def check(score: object, comment: object) -> tuple[int, Optional[str]]:
    """The score and the (stripped, masked) comment, or InvalidAnswer."""
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidAnswer(f"score must be a whole number from {MIN_SCORE} to {MAX_SCORE}",
                            f"Kies een cijfer van {MIN_SCORE} tot en met {MAX_SCORE}.")
    if comment is None:
        return score, None
    if not isinstance(comment, str):
        raise InvalidAnswer("comment must be text", "Je toelichting klopt niet. Typ gewone tekst.")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidAnswer(f"comment is longer than {MAX_COMMENT_CHARS} characters",
                            f"Je toelichting is te lang. Gebruik maximaal {MAX_COMMENT_CHARS} tekens.")
    # As in the chat: a BSN or IBAN typed in the comment is never stored.
    return score, (mask_personal_numbers(comment).text or None)


def answer(engine: Engine, conversation_id: str, score: object, comment: object = None,
           now: Optional[datetime] = None) -> Answer:
    """Store the answer and its `csat` event in one transaction; AlreadyAnswered for a second one."""
    score, comment = check(score, comment)
    moment = now or datetime.now(timezone.utc)
    try:
        with engine.begin() as conn:
            conn.execute(csat_answers.insert().values(conversation_id=conversation_id, score=score,
                                                      comment=comment, created_at=moment))
            events.record(conn, "csat", conversation_id, at=moment, score=score)
    except sa.exc.IntegrityError:
        raise AlreadyAnswered(conversation_id)
    return Answer(conversation_id, score, comment, moment)


def for_conversation(engine: Engine, conversation_id: str) -> Optional[Answer]:
    """The answer of a conversation, if it has one."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(csat_answers).where(csat_answers.c.conversation_id == conversation_id)).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return Answer(row.conversation_id, row.score, row.comment, created)
