"""The plain facts that the database layer and the rules share: the marks and report cycles, an item
as the rules see it (`ItemFacts`), one reminder (`Due`), who receives it, and the calendar arithmetic
of periods (period keys, month ends).

The bottom of the layers: stdlib only, so `db/`, `jobs/` and `bot/` can all import it and it imports
none of them (tests/test_layers.py checks).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Status(StrEnum):
    """The four marks of the official progress table."""

    AHEAD = "ahead"  # 提前完成 / 已完成 □
    GOOD = "good"  # 推进良好 ★
    AVERAGE = "average"  # 一般或难以评价 —
    SLOW = "slow"  # 较为缓慢 ▲


class ReportCycle(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    WEEKLY = "weekly"
    NONE = "none"


class Closing(StrEnum):
    """Where an item stands on closing (办结): a unit's 已完成 asks for it, a supervisor or admin confirms it."""

    OPEN = ""
    REQUESTED = "requested"  # 申请办结: reported done, awaiting review (its reminders stop)
    CLOSED = "closed"  # 办结: confirmed; only now does the item count as done
    CANCELLED = "cancelled"  # 取消: an approved cancellation; out of every total


def counted_mark(status: str | None, source: str | None, closing: str) -> str | None:
    """The mark an item's latest report counts as: a unit's 已完成 (□) counts as done only once the item is
    closed (办结), until then (and after a refusal) as ★ 推进良好; a closed item is done whatever its
    report. The office's own table (an import) is its assessment already, and counts as it says."""
    if closing == Closing.CLOSED:
        return Status.AHEAD
    if status == Status.AHEAD and source != "import":
        return Status.GOOD
    return status


@dataclass(frozen=True)
class MilestoneFacts:
    """A milestone (节点) as the rules see it: its deadline, its own unit if any, the day it was done."""

    id: int
    deadline: date | None
    unit_id: int | None = None
    done: date | None = None


@dataclass(frozen=True)
class ItemFacts:
    """What the rules need to know of an item and its latest report."""

    id: int
    number: int
    title: str
    domain: str | None
    start: date
    deadline: date | None
    cycle: str = ReportCycle.MONTHLY.value
    lead_unit_ids: tuple[int, ...] = ()
    responsible_unit_ids: tuple[int, ...] = ()
    declared: str | None = None  # status of the latest report
    percent: int | None = None  # percent of the latest report
    reported_unit_ids: frozenset[int] = field(default_factory=frozenset)  # units reported this period
    # The latest mark is the office's own assessment (an imported progress table), not a unit's
    # self-report: it already weighs timeliness, so the rules do not override it.
    official: bool = False
    created: date = date.min  # reports due before the item existed are never missed
    reported: frozenset[tuple[int, str]] = field(default_factory=frozenset)  # (unit, period) of recent reports
    snoozed_unit_ids: frozenset[int] = field(default_factory=frozenset)
    closing: str = ""  # Closing: "" open, requested (申请办结, awaiting review), closed (办结)
    list_id: int = 0  # its task list (清单)
    list_code: str = ""  # the list's code, only while several lists are active (then messages name it)

    @property
    def ref(self) -> str:
        """The item as messages name it and users type it: "12", or "民生12" while several lists are active."""
        return item_label(self.list_code, self.number) if self.list_code else str(self.number)
    milestones: tuple[MilestoneFacts, ...] = ()  # by deadline

    @property
    def reporting_unit_ids(self) -> tuple[int, ...]:
        """Who receives the item's reminders: its responsible units; an item with none is reported by
        its lead units."""
        return self.responsible_unit_ids or self.lead_unit_ids


def item_label(code: str, number: int) -> str:
    """An item of a list as typed: 民生12, or 民生22#3 when the code ends in a digit (民生223 would not read).
    Given to a text's "#{number}", it stands without the "#" (bot.texts.t)."""
    return f"{code}#{number}" if code[-1:].isdigit() else f"{code}{number}"


def shown(ref: str | int) -> str:
    """An item as a message shows it: "#12" for a bare number, "民生12" (a list's label) as it stands."""
    return f"#{ref}" if str(ref).isdigit() else str(ref)


@dataclass(frozen=True)
class Due:
    """One item due for one unit: the unit of a reminder, never sent twice."""

    item_id: int
    unit_id: int
    reason: str  # "deadline-7", "deadline-3", "deadline-1", "report", "manual"
    period: str  # the deadline (ISO) or the report period key


def milestone_period(deadline: date, milestone_id: int) -> str:
    """The period of a reminder before a milestone: its deadline and its id ("2021-06-30@m12")."""
    return f"{deadline.isoformat()}@m{milestone_id}"


def milestone_of_period(period: str) -> int | None:
    """The milestone a reminder's period names ("2021-06-30@m12" → 12), else None."""
    tail = period.partition("@m")[2]
    return int(tail) if tail.isdigit() else None


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def year_day(year: int, today: date) -> date:
    """The day a list's year (考核年度) is seen from: today in its year, its last day once it is over."""
    return today if year >= today.year else date(year, 12, 31)


def add_months(day: date, months: int) -> date:
    """The same day `months` months away, capped at that month's end (31 Jan + 1 → 28/29 Feb)."""
    years, index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, index + 1
    return date(year, month, min(day.day, month_end(year, month).day))


def period_key(cycle: str, day: date) -> str:
    """The reporting period a day falls in: 2021-07, 2021-Q3, 2021-W29 (ISO week)."""
    if cycle == ReportCycle.QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if cycle == ReportCycle.WEEKLY:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{day.year}-{day.month:02d}"


def shift_period(cycle: str, day: date, steps: int) -> date:
    """A day in the period `steps` periods away (negative: back)."""
    if cycle == ReportCycle.WEEKLY:
        return day + timedelta(weeks=steps)
    months = 3 if cycle == ReportCycle.QUARTERLY else 1
    index = day.year * 12 + day.month - 1 + steps * months
    return date(index // 12, index % 12 + 1, 1)


def recent_period_keys(today: date, count: int = 5) -> set[str]:
    """Period keys of the last `count` periods of every cycle, for loading who reported when."""
    keys = set()
    for cycle in (ReportCycle.MONTHLY, ReportCycle.QUARTERLY, ReportCycle.WEEKLY):
        for steps in range(-count, 2):
            keys.add(period_key(cycle, shift_period(cycle, today, steps)))
    return keys
