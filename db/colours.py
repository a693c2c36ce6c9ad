"""Monthly colours (红黄绿) kept at each month's end, for the month-on-month view and the card.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from db.models import (
    MonthlyColour,
)


def save_monthly_colours(session: Session, *, month: str, rows: Iterable[MonthlyColour], overwrite: bool) -> int:
    """Keep each item's colour for a month; with `overwrite` False a colour already kept stays. Returns
    how many were written."""
    rows = list(rows)
    existing = {c.item_id: c for c in session.exec(
        select(MonthlyColour).where(MonthlyColour.month == month,
                                    col(MonthlyColour.item_id).in_([r.item_id for r in rows]))).all()}
    written = 0
    for row in rows:
        old = existing.get(row.item_id)
        if old is None:
            session.add(row)
        elif overwrite:
            old.colour, old.percent, old.time_progress, old.missed, old.recorded_at = (
                row.colour, row.percent, row.time_progress, row.missed, row.recorded_at)
            session.add(old)
        else:
            continue
        written += 1
    return written


def monthly_colours(session: Session, *, item_ids: Iterable[int], year: int) -> dict[int, dict[str, str]]:
    """Item id → {"2021-07": "red", …} for the months of a year that were kept."""
    rows = session.exec(select(MonthlyColour).where(col(MonthlyColour.item_id).in_(list(set(item_ids))),
                                                    col(MonthlyColour.month).startswith(f"{year}-"))).all()
    kept: dict[int, dict[str, str]] = defaultdict(dict)
    for row in rows:
        kept[row.item_id][row.month] = row.colour
    return dict(kept)


def month_kept(session: Session, *, month: str) -> bool:
    return session.exec(select(MonthlyColour.item_id).where(MonthlyColour.month == month)).first() is not None


def colours_of_month(session: Session, *, month: str) -> dict[int, str]:
    return {r.item_id: r.colour for r in session.exec(select(MonthlyColour).where(MonthlyColour.month == month))}
