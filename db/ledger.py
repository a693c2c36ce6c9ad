"""Queries of the points ledger (考核台账): the reports it is derived from and its entries, written so that a
recompute is idempotent; and the items reported in a month, for month-on-month (环比). Keyword-only
functions taking a session, like `db.queries`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db.models import PointEntry, ProgressReport, Status
from db.queries import counting, plain_rows

CHANGEABLE = ("year", "month", "item_id", "role", "points", "day")


@dataclass(frozen=True)
class LedgerReport:
    id: int
    item_id: int
    unit_id: int | None
    period: str
    created_at: datetime
    status: str
    returned_at: datetime | None


def ledger_reports(session: Session, *, year: int) -> list[LedgerReport]:
    """Every report of a year's periods (returned ones too), and every done report (the item asks nothing
    after it): what `jobs.points` derives a year's entries from."""
    query = select(ProgressReport.id, ProgressReport.item_id, ProgressReport.unit_id, ProgressReport.period,
                   ProgressReport.created_at, ProgressReport.status, ProgressReport.returned_at).where(
        or_(col(ProgressReport.period).startswith(f"{year}-"), ProgressReport.status == Status.AHEAD))
    return [LedgerReport(*row) for row in plain_rows(session, query)]


@dataclass(frozen=True)
class Written:
    added: int
    changed: int
    removed: int


def replace_entries(session: Session, *, year: int, entries: Iterable[PointEntry]) -> Written:
    """Make a year's ledger exactly `entries` (keyed by unit, kind and ref): new ones are added, those whose
    points or month moved are updated, those whose cause vanished are removed; the rest is left alone, so
    writing the same entries twice writes nothing."""
    existing = {(e.unit_id, e.kind, e.ref): e for e in session.exec(select(PointEntry).where(PointEntry.year == year))}
    wanted = {(e.unit_id, e.kind, e.ref): e for e in entries}
    added = changed = 0
    for key, new in wanted.items():
        old = existing.pop(key, None)
        if old is None:
            session.add(new)
            added += 1
        elif any(getattr(old, name) != getattr(new, name) for name in CHANGEABLE):
            for name in CHANGEABLE:
                setattr(old, name, getattr(new, name))
            session.add(old)
            changed += 1
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    return Written(added, changed, len(existing))


def entries_of(session: Session, *, year: int, unit_id: int | None = None,
               month: int | None = None) -> list[PointEntry]:
    """A year's entries (of one unit, of one month), by day."""
    query = select(PointEntry).where(PointEntry.year == year)
    if unit_id is not None:
        query = query.where(PointEntry.unit_id == unit_id)
    if month is not None:
        query = query.where(PointEntry.month == month)
    return list(session.exec(query.order_by(PointEntry.day, PointEntry.id)).all())


def items_reported_between(session: Session, *, start: datetime, end: datetime) -> set[int]:
    """Items with a unit's report written in [start, end) that still counted at `end` (month-on-month's
    "newly reported")."""
    query = select(ProgressReport.item_id).where(
        col(ProgressReport.created_at) >= start, col(ProgressReport.unit_id).is_not(None), counting(end)).distinct()
    return {row[0] for row in plain_rows(session, query)}
