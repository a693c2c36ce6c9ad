"""The office's working-day overrides (/holiday: extra holidays and adjusted workdays, 调休).

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from db.models import (
    CalendarOverride,
)


def calendar_overrides(session: Session) -> dict[date, bool]:
    return {o.day: o.workday for o in session.exec(select(CalendarOverride)).all()}


def set_calendar_override(session: Session, *, day: date, workday: bool | None, note: str | None,
                          created_by: int) -> None:
    """Mark a day as a working day or a day off; None removes the override."""
    row = session.get(CalendarOverride, day)
    if workday is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(CalendarOverride(day=day, workday=workday, note=note, created_by=created_by))
    else:
        row.workday, row.note, row.created_by = workday, note, created_by


def list_calendar_overrides(session: Session) -> list[CalendarOverride]:
    return list(session.exec(select(CalendarOverride).order_by(col(CalendarOverride.day))).all())
