"""China's working days and quiet hours: when a reminder may be sent.

Pure functions of their arguments, like `jobs.rules`: no Telegram, no database. The calendar is
built from the admins' overrides (loaded by the caller) and the `chinese_calendar` package, which
knows the official holidays and the adjusted workdays (调休) of the years its release covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
# Even the longest holiday (Spring Festival) is far shorter; more means the overrides are broken.
MAX_SEARCH_DAYS = 366


class WorkCalendar:
    """Which days are working days: the admins' overrides first, then the official calendar,
    and Monday–Friday for a year the calendar package does not cover yet."""

    __slots__ = ("_days", "_overrides", "_years")

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = {_as_date(d): bool(w) for d, w in (overrides or {}).items()}
        # Rounds ask about the same few days for thousands of items: answer each day once.
        self._days: dict[date, bool] = {}
        self._years: dict[int, bool] = {}

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def covers(self, year: int) -> bool:
        """Whether the calendar package knows the holidays of this year."""
        known = self._years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                known = True
            except NotImplementedError:
                known = False
            self._years[year] = known
        return known

    def uncovered_years(self, days: Iterable[date]) -> set[int]:
        """The years among these days that fall back to Monday–Friday (admins must be told)."""
        return {year for year in {d.year for d in days} if not self.covers(year)}

    def is_workday(self, day: date) -> bool:
        day = _as_date(day)
        known = self._days.get(day)
        if known is None:
            known = self._decide(day)
            self._days[day] = known
        return known

    def _decide(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if self.covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def previous_workday(self, day: date) -> date:
        """The day itself if it is a working day, else the closest working day before it."""
        return self._search(_as_date(day), -1)

    def next_workday(self, day: date) -> date:
        """The day itself if it is a working day, else the closest working day after it."""
        return self._search(_as_date(day), 1)

    def nth_workday_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n ≥ 1): follow-ups after a missed due date."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        current = _as_date(day)
        for _ in range(n):
            current = self._search(current + timedelta(days=1), 1)
        return current

    def workdays_between(self, a: date, b: date) -> int:
        """Working days d with a < d ≤ b (negative when b is before a), so that
        `workdays_between(a, nth_workday_after(a, n)) == n`."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def _search(self, day: date, step: int) -> date:
        for offset in range(MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset * step)
            if self.is_workday(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days of {day}: check the calendar overrides")


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


def shift_to_workday(due: date, cal: WorkCalendar) -> date:
    """A reminder that would fall on a day off moves to the previous working day."""
    return cal.previous_workday(due)


def in_quiet_hours(now: datetime, start: time = QUIET_START, end: time = QUIET_END) -> bool:
    """Whether `now` (wall-clock time in its own zone) is inside the quiet window [start, end);
    the window may cross midnight, and start == end means no quiet hours."""
    if start == end:
        return False
    clock = now.time().replace(tzinfo=None)
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def next_send_time(now: datetime, start: time = QUIET_START, end: time = QUIET_END) -> datetime:
    """`now` when sending is allowed, else the end of the quiet window (same time zone)."""
    if not in_quiet_hours(now, start, end):
        return now
    day = now.date()
    if start > end and now.time().replace(tzinfo=None) >= start:
        day += timedelta(days=1)  # in the evening part of a window that ends tomorrow morning
    return datetime.combine(day, end.replace(tzinfo=None), tzinfo=now.tzinfo)
