"""Snoozes: a unit's reminders for an item muted until a day.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, select

from db.models import (
    Snooze,
)


def active_snoozes(session: Session, *, today: date) -> set[tuple[int, int]]:
    """(item, unit) pairs left out of reminders today."""
    rows = session.exec(select(Snooze.item_id, Snooze.unit_id).where(Snooze.until > today)).all()
    return {(i, u) for i, u in rows}


def snooze(session: Session, *, item_id: int, unit_ids: Iterable[int], until: date, created_by: int,
           now: datetime) -> None:
    for unit_id in unit_ids:
        row = session.exec(select(Snooze).where(Snooze.item_id == item_id, Snooze.unit_id == unit_id)).first()
        if row is None:
            session.add(Snooze(item_id=item_id, unit_id=unit_id, until=until, created_by=created_by, created_at=now))
        else:
            row.until, row.created_by, row.created_at = until, created_by, now


def snoozes_of_item(session: Session, *, item_id: int, today: date) -> list[Snooze]:
    return list(session.exec(select(Snooze).where(Snooze.item_id == item_id, Snooze.until > today)).all())
