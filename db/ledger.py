"""Queries of the points ledger (考核台账): the reports it is derived from and its entries, written so that a
recompute is idempotent; and the items reported in a month, for month-on-month (环比). Keyword-only
functions taking a session, like `db.items`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, update
from sqlmodel import Session, col, select

from db.engine import plain_rows
from db.models import PointEntry, ProgressReport, Status
from db.reports import counting


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


KEY = ("unit_id", "kind", "ref")
CHANGEABLE = ("year", "month", "item_id", "role", "points", "day")
CHUNK = 500  # ids per DELETE: under SQLite's bound parameter limit


def replace_entries(session: Session, *, year: int, entries: Iterable[dict[str, Any]], now: datetime) -> Written:
    """Make a year's ledger exactly `entries` (column → value, keyed by unit, kind and ref): new ones are
    added, those whose points, month or day moved are updated, those whose cause vanished are removed; the
    rest is left alone, so writing the same entries twice writes nothing. Plain rows and bulk statements: a
    year of a 10,000-item list is some 50,000 entries."""
    columns = [col(getattr(PointEntry, name)) for name in ("id", *KEY, *CHANGEABLE)]
    existing = {tuple(row[1:4]): (row[0], tuple(row[4:]))
                for row in plain_rows(session, select(*columns).where(PointEntry.year == year))}
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for entry in entries:
        old = existing.pop(tuple(entry[k] for k in KEY), None)
        if old is None:
            added.append({**entry, "created_at": now})
        elif old[1] != tuple(entry[k] for k in CHANGEABLE):
            changed.append({"id": old[0], **{k: entry[k] for k in CHANGEABLE}})
    if added:
        session.execute(insert(PointEntry), added)
    if changed:
        session.execute(update(PointEntry), changed)
    gone = [row_id for row_id, _ in existing.values()]
    for index in range(0, len(gone), CHUNK):
        session.execute(delete(PointEntry).where(col(PointEntry.id).in_(gone[index:index + CHUNK])))
    return Written(len(added), len(changed), len(gone))


@dataclass(frozen=True)
class Sum:
    """An entry as a ranking sums it."""

    unit_id: int
    month: int
    kind: str
    points: float


def sums_of(session: Session, *, year: int, month: int | None = None) -> list[Sum]:
    """A year's entries (of one month) as plain values, for the ranking."""
    query = select(PointEntry.unit_id, PointEntry.month, PointEntry.kind, PointEntry.points).where(
        PointEntry.year == year)
    if month is not None:
        query = query.where(PointEntry.month == month)
    return [Sum(*row) for row in plain_rows(session, query)]


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
