"""Reminders as recorded and sent, the messages the bot sent, and the digest's log.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from db.engine import insert_ignore_many
from db.facts import Due
from db.models import (
    DigestLog,
    Reminder,
    SentMessage,
)


def record_due(session: Session, *, due: Iterable[Due], now: datetime) -> int:
    """Write the reminders that are not yet on record; returns how many were new. Two processes
    writing the same round both succeed, and each reminder is on record once."""
    rows = [dict(item_id=d.item_id, unit_id=d.unit_id, reason=d.reason, period=d.period, created_at=now,
                 status="pending") for d in dict.fromkeys(due)]
    return len(insert_ignore_many(session, Reminder, rows, Reminder.id))


def recorded_reminders(session: Session) -> set[tuple[int, int, str, str]]:
    """(item, unit, reason, period) of every reminder already written."""
    rows = session.exec(select(Reminder.item_id, Reminder.unit_id, Reminder.reason, Reminder.period)).all()
    return {(i, u, r, p) for i, u, r, p in rows}


def pending_reminders(session: Session, *, unit_id: int | None = None) -> dict[int, list[Reminder]]:
    """Reminders written but not sent yet, grouped by unit."""
    query = select(Reminder).where(Reminder.status == "pending")
    if unit_id is not None:
        query = query.where(Reminder.unit_id == unit_id)
    grouped: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in session.exec(query.order_by(col(Reminder.unit_id), col(Reminder.id))).all():
        grouped[reminder.unit_id].append(reminder)
    return grouped


def mark_reminders(session: Session, *, reminder_ids: Iterable[int], status: str, now: datetime) -> None:
    for reminder in session.exec(select(Reminder).where(col(Reminder.id).in_(list(reminder_ids)))).all():
        reminder.status = status
        if status == "sent":
            reminder.sent_at = now


def record_sent_message(
    session: Session, *, kind: str, chat_id: int, message_id: int, unit_id: int | None,
    item_ids: Sequence[int], now: datetime,
) -> None:
    session.add(SentMessage(kind=kind, chat_id=chat_id, message_id=message_id, unit_id=unit_id,
                            item_ids=list(item_ids), sent_at=now))


def sent_message(session: Session, *, chat_id: int, message_id: int) -> SentMessage | None:
    return session.exec(
        select(SentMessage).where(SentMessage.chat_id == chat_id, SentMessage.message_id == message_id)
    ).first()


def digest_posted(session: Session, *, chat_id: int, period: str) -> bool:
    query = select(DigestLog).where(DigestLog.chat_id == chat_id, DigestLog.period == period)
    return session.exec(query).first() is not None


def log_digest(session: Session, *, chat_id: int, period: str, now: datetime) -> None:
    session.add(DigestLog(chat_id=chat_id, period=period, sent_at=now))
