"""The rules that decide: time progress, slowness, what is due, which period a day is in.

Plain functions of their arguments (a `today` or `now` is always passed in), no Telegram and
no database, so they can be tested at the edges with a fake clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from db.facts import Closing, Due, ItemFacts, ReportCycle, Status, month_end, period_key

STATUS_ORDER = (Status.AHEAD, Status.GOOD, Status.AVERAGE, Status.SLOW)


def time_progress(start: date, deadline: date | None, today: date) -> float | None:
    """Share of the item's time already used (时序进度), 0.0–1.0; None without a deadline."""
    if deadline is None:
        return None
    total = (deadline - start).days
    if total <= 0:
        return 1.0 if today >= deadline else 0.0
    return min(1.0, max(0.0, (today - start).days / total))


def is_done(declared: str | None) -> bool:
    return declared == Status.AHEAD


def reminders_stop(item: ItemFacts) -> bool:
    """No reminder, chase or missed report once an item is done, or while its 办结 awaits review."""
    return is_done(item.declared) or item.closing == Closing.REQUESTED


def is_overdue(deadline: date | None, today: date, declared: str | None) -> bool:
    return deadline is not None and today > deadline and not is_done(declared)


def is_slow(
    *, declared: str | None, percent: int | None, progress: float | None, overdue: bool, margin: int
) -> bool:
    """Slow when the unit says so, when its percent trails time progress by more than the margin,
    or when the deadline has passed without a done report."""
    if declared == Status.SLOW or overdue:
        return True
    if percent is None or progress is None or is_done(declared):
        return False
    return percent < progress * 100 - margin


def effective_status(item: ItemFacts, today: date, margin: int) -> Status:
    """The mark the digest gives an item; no report at all counts as 一般或难以评价."""
    if is_done(item.declared):
        return Status.AHEAD
    if item.official and item.declared:
        return Status(item.declared)
    progress = time_progress(item.start, item.deadline, today)
    overdue = is_overdue(item.deadline, today, item.declared)
    if is_slow(declared=item.declared, percent=item.percent, progress=progress, overdue=overdue, margin=margin):
        return Status.SLOW
    return Status(item.declared) if item.declared else Status.AVERAGE


class Colour(StrEnum):
    """The three-colour warning (三色预警) of an item."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


COLOUR_ORDER = (Colour.RED, Colour.YELLOW, Colour.GREEN)


@dataclass(frozen=True)
class WarningThresholds:
    """When an item turns yellow or red: points its percent trails time progress by (more than), and
    reports missed in a row (at least)."""

    yellow_gap: int = 10
    red_gap: int = 30
    yellow_missed: int = 1
    red_missed: int = 3


def warning_colour(
    *, progress: float | None, percent: int | None, declared: str | None, overdue: bool, missed: int,
    thresholds: WarningThresholds = WarningThresholds(),
) -> Colour:
    """Green, yellow or red.

    Red when the deadline has passed without a done report, when the percent trails time progress by
    more than `red_gap` points, or when `red_missed` reports in a row were missed. Yellow when it trails
    by more than `yellow_gap`, when `yellow_missed` reports were missed, or when the unit (or the office's
    table) marks it 较为缓慢. Green otherwise, and always once reported done. Without a percent only the
    deadline, the misses and the mark count."""
    if is_done(declared):
        return Colour.GREEN
    # Rounded so that a gap of exactly 30 points is 30, not 30.000000000000004.
    gap = round(progress * 100 - percent, 6) if progress is not None and percent is not None else None
    if overdue or (gap is not None and gap > thresholds.red_gap) or missed >= thresholds.red_missed:
        return Colour.RED
    if ((gap is not None and gap > thresholds.yellow_gap) or missed >= thresholds.yellow_missed
            or declared == Status.SLOW):
        return Colour.YELLOW
    return Colour.GREEN


def missing_unit_ids(item: ItemFacts) -> list[int]:
    """Units that owe a report for this period (未报送); none once the item is done."""
    if reminders_stop(item) or item.cycle == ReportCycle.NONE:
        return []
    return [u for u in item.reporting_unit_ids if u not in item.reported_unit_ids]


def deadline_bucket(deadline: date, today: date, lead_days: Sequence[int]) -> int | None:
    """The lead day a deadline falls under today (7, 3, 1 …), or None when not yet or past.

    The smallest lead day not below the days left is chosen, so a round missed on day 7 still
    sends the 7-day reminder on day 5, and the 3-day one follows on day 3.
    """
    days_left = (deadline - today).days
    fitting = [d for d in lead_days if d >= days_left]
    if days_left < 0 or not fitting:
        return None
    return min(fitting)


def is_report_day(cycle: str, today: date, report_day: int, weekly_day: int = 5) -> bool:
    """Whether a report of this cycle falls due today (the report day, capped at month end)."""
    if cycle == ReportCycle.NONE:
        return False
    if cycle == ReportCycle.WEEKLY:
        return today.isoweekday() == weekly_day
    if cycle == ReportCycle.QUARTERLY and today.month % 3 != 0:
        return False
    return today.day == min(report_day, month_end(today.year, today.month).day)


def due_reminders(
    items: Iterable[ItemFacts], today: date, *, lead_days: Sequence[int], report_day: int
) -> list[Due]:
    """Everything due today: deadlines within the lead days, and reports due on the report day."""
    due: list[Due] = []
    for item in items:
        if reminders_stop(item):
            continue
        if item.deadline is not None:
            bucket = deadline_bucket(item.deadline, today, lead_days)
            if bucket is not None:
                due += [Due(item.id, u, f"deadline-{bucket}", item.deadline.isoformat())
                        for u in item.reporting_unit_ids]
        if is_report_day(item.cycle, today, report_day):
            period = period_key(item.cycle, today)
            due += [Due(item.id, u, "report", period) for u in missing_unit_ids(item)]
    return due


def count_by_status(statuses: Iterable[Status]) -> dict[Status, int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for status in statuses:
        counts[status] += 1
    return counts


def indicator_percent(baseline: float | None, target: float, current: float) -> int:
    """How far an indicator has moved from its baseline to its target, 0–100 (whole percent, rounded down).

    Works both ways: a target below the baseline (能耗下降, 离婚率 6.1 → 5.5) counts the fall.
    No baseline (基期值 "——") counts from 0. A target equal to its baseline is met or not.
    """
    start = 0.0 if baseline is None else baseline
    span = target - start
    if span == 0:
        return 100 if current == target else 0
    share = (current - start) / span
    if share != share:  # NaN from an infinite or NaN value
        return 0
    return int(max(0.0, min(1.0, share)) * 100 + 1e-9)


@dataclass(frozen=True)
class Assessed:
    """An item with the verdicts of the rules for one day."""

    facts: ItemFacts
    status: Status
    overdue_days: int
    progress: float | None

    @property
    def is_slow_or_overdue(self) -> bool:
        return self.status == Status.SLOW or self.overdue_days > 0


def assess(items: Sequence[ItemFacts], today: date, margin: int) -> list[Assessed]:
    assessed = []
    for item in items:
        overdue = is_overdue(item.deadline, today, item.declared)
        days = (today - item.deadline).days if overdue and item.deadline else 0
        assessed.append(Assessed(item, effective_status(item, today, margin), days,
                                 time_progress(item.start, item.deadline, today)))
    return assessed


def by_domain(assessed: Sequence[Assessed]) -> dict[str | None, list[Assessed]]:
    """Items grouped by domain, domains in the order of their first item."""
    grouped: dict[str | None, list[Assessed]] = defaultdict(list)
    for entry in sorted(assessed, key=lambda a: a.facts.number):
        grouped[entry.facts.domain].append(entry)
    return dict(grouped)
