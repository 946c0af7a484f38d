"""Conversations and their messages, stored before anything is forwarded or answered.

Every message gets a sequence number per conversation, so a client can ask for
"everything after N" after a reload or a lost connection.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import conversations, messages
from ..insights import events

SENDERS = ("citizen", "bot", "clerk", "system")


class ConversationNotFound(LookupError):
    """No conversation with this id (or the token does not match: we do not say which)."""


@dataclass(frozen=True)
class Message:
    """One stored chat message."""

    seq: int
    sender: str
    text: str
    buttons: List[dict] = field(default_factory=list)
    created_at: Optional[datetime] = None
    delivered: bool = True
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "sender": self.sender,
            "text": self.text,
            "buttons": self.buttons,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            **self.meta,
        }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _row_to_message(row) -> Message:
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return Message(row.seq, row.sender, row.text, row.buttons or [], created, row.delivered, row.meta or {})


class ChatStore:
    """Stores conversations and messages in the bot service's database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create_conversation(self) -> tuple[str, str]:
        """A new conversation; returns (id, token). Only the token's hash is stored."""
        conversation_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(32)
        created_at = _now()
        with self.engine.begin() as conn:
            conn.execute(conversations.insert().values(
                id=conversation_id, token_hash=_hash(token), created_at=created_at,
                control="bot", last_seq=0,
            ))
            # Counted for the statistics (issue 13) in the same transaction: no conversation uncounted.
            events.record(conn, "conversation", conversation_id, at=created_at)
        return conversation_id, token

    def authorise(self, conversation_id: str, token: str) -> None:
        """Raise ConversationNotFound unless the token belongs to this conversation."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(conversations.c.token_hash).where(conversations.c.id == conversation_id)
            ).first()
        if row is None or not hmac.compare_digest(row.token_hash, _hash(token or "")):
            raise ConversationNotFound(conversation_id)

    def control(self, conversation_id: str) -> str:
        """Who answers this conversation now: bot, waiting, clerk or closed."""
        with self.engine.connect() as conn:
            control = conn.execute(
                sa.select(conversations.c.control).where(conversations.c.id == conversation_id)
            ).scalar_one_or_none()
        if control is None:
            raise ConversationNotFound(conversation_id)
        return control

    def add(self, conversation_id: str, sender: str, text: str,
            buttons: Optional[List[dict]] = None, client_id: Optional[str] = None,
            delivered: bool = True, meta: Optional[dict] = None) -> tuple[Message, bool]:
        """Store a message; returns (message, created). A known client_id returns the stored one."""
        if sender not in SENDERS:
            raise ValueError(f"unknown sender {sender}")
        with self.engine.begin() as conn:
            if client_id:
                existing = conn.execute(sa.select(messages).where(
                    messages.c.conversation_id == conversation_id,
                    messages.c.client_id == client_id,
                )).first()
                if existing:
                    return _row_to_message(existing), False
            # Increment the counter in the same transaction: the row lock (PostgreSQL) or the
            # database write lock (SQLite) makes concurrent writers take turns.
            conn.execute(conversations.update().where(conversations.c.id == conversation_id)
                         .values(last_seq=conversations.c.last_seq + 1))
            seq = conn.execute(sa.select(conversations.c.last_seq)
                               .where(conversations.c.id == conversation_id)).scalar_one()
            created_at = _now()
            conn.execute(messages.insert().values(
                conversation_id=conversation_id, seq=seq, sender=sender, text=text,
                buttons=buttons or None, client_id=client_id, delivered=delivered,
                created_at=created_at, meta=meta or None,
            ))
        return Message(seq, sender, text, buttons or [], created_at, delivered, meta or {}), True

    def offered_buttons(self, conversation_id: str) -> List[dict]:
        """The buttons Balie offers now: those of the bot messages after the citizen's last message.

        Older buttons belong to a question that has been answered; clicking one again could
        restart a flow, so only the current offer counts (see chat/api.py, the button contract).
        """
        with self.engine.connect() as conn:
            last_citizen = conn.execute(
                sa.select(sa.func.max(messages.c.seq)).where(
                    messages.c.conversation_id == conversation_id, messages.c.sender == "citizen")
            ).scalar() or 0
            rows = conn.execute(
                sa.select(messages.c.buttons).where(
                    messages.c.conversation_id == conversation_id, messages.c.seq > last_citizen,
                    messages.c.sender == "bot").order_by(messages.c.seq)
            ).all()
        return [b for row in rows for b in (row.buttons or []) if isinstance(b, dict)]

    def by_client_id(self, conversation_id: str, client_id: str) -> Optional[Message]:
        """The citizen message the widget sent with this client_id, if stored."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(messages).where(
                messages.c.conversation_id == conversation_id, messages.c.client_id == client_id,
            )).first()
        return _row_to_message(row) if row else None

    def mark_delivered(self, conversation_id: str, seq: int) -> None:
        """Rasa has handled this citizen message."""
        with self.engine.begin() as conn:
            conn.execute(messages.update().where(
                messages.c.conversation_id == conversation_id, messages.c.seq == seq,
            ).values(delivered=True))

    def replies_after(self, conversation_id: str, seq: int) -> List[Message]:
        """The answers to the citizen message at seq: what follows it, up to the next citizen message."""
        replies = []
        for message in self.after(conversation_id, seq):
            if message.sender == "citizen":
                break
            replies.append(message)
        return replies

    def after(self, conversation_id: str, seq: int, limit: int = 500) -> List[Message]:
        """All messages with a sequence number above seq, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(messages)
                .where(messages.c.conversation_id == conversation_id, messages.c.seq > seq)
                .order_by(messages.c.seq).limit(limit)
            ).all()
        return [_row_to_message(r) for r in rows]
