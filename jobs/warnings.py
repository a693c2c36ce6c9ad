"""Three-colour warnings (三色预警) for many items at once: the rule of `jobs.rules` fed with missed reports.

Pure functions of the facts, a day and the working calendar, like the rules themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from db.facts import ItemFacts, MilestoneFacts, ReportCycle, period_key, shift_period
from jobs.policy import Policy, due_day, last_due
from jobs.rules import (
    COLOUR_ORDER,
    Colour,
    WarningThresholds,
    is_overdue,
    reminders_stop,
    time_progress,
    warning_colour,
)
from jobs.workdays import WorkCalendar

DOTS = {Colour.GREEN: "🟢", Colour.YELLOW: "🟡", Colour.RED: "🔴"}


@dataclass(frozen=True)
class Warning:
    """An item's colour on a day, with what decided it."""

    item_id: int
    colour: Colour
    progress: float | None
    percent: int | None
    missed: int
    overdue_days: int
    missed_milestones: int = 0

    @property
    def dot(self) -> str:
        return DOTS[self.colour]


DueDays = tuple[tuple[date, str], ...]


@lru_cache(maxsize=64)
def recent_due_days(cycle: str, today: date, policy: Policy, cal: WorkCalendar, count: int) -> DueDays:
    """The last `count` due days before today, latest first, each with its period: the same for every
    item of a cycle, so a round over thousands of items works them out once."""
    days: list[tuple[date, str]] = []
    day = last_due(cycle, today, policy, cal)
    for _ in range(count):
        days.append((day, period_key(cycle, day)))
        day = due_day(cycle, shift_period(cycle, day, -1), policy, cal)
    return tuple(days)


def missed_reports(item: ItemFacts, today: date, policy: Policy, cal: WorkCalendar, limit: int) -> int:
    """Reports missed in a row up to the last due day, by the unit that missed most (at most `limit`):
    `jobs.policy.missed_streak` over due days worked out once per cycle."""
    if item.cycle == ReportCycle.NONE or reminders_stop(item):
        return 0
    due_days = recent_due_days(item.cycle, today, policy, cal, max(1, limit))
    return max((_missed_in_a_row(item, unit, due_days) for unit in item.reporting_unit_ids), default=0)


def _missed_in_a_row(item: ItemFacts, unit_id: int, due_days: DueDays) -> int:
    streak = 0
    for day, period in due_days:
        if day < item.created or (unit_id, period) in item.reported:
            break
        streak += 1
    return streak


def missed_milestones(milestones: Sequence[MilestoneFacts], today: date) -> tuple[int, bool]:
    """(how many milestones are missed today, whether the last one is among them): a milestone is
    missed once its deadline has passed and it was not done by then or since (done by today)."""
    dated = [m for m in milestones if m.deadline is not None]
    missed = [m for m in dated if m.deadline < today and (m.done is None or m.done > today)]  # type: ignore[operator]
    last = max(dated, key=lambda m: (m.deadline, m.id), default=None)
    return len(missed), last is not None and last in missed


def milestone_colour(milestones: Sequence[MilestoneFacts], today: date) -> Colour:
    """The milestones' own colour: yellow for a missed one, red for two, or when the last one is missed."""
    missed, last = missed_milestones(milestones, today)
    if missed >= 2 or last:
        return Colour.RED
    return Colour.YELLOW if missed else Colour.GREEN


def worse(a: Colour, b: Colour) -> Colour:
    return min(a, b, key=COLOUR_ORDER.index)


def warn(item: ItemFacts, today: date, policy: Policy, cal: WorkCalendar, thresholds: WarningThresholds) -> Warning:
    progress = time_progress(item.start, item.deadline, today)
    overdue = is_overdue(item.deadline, today, item.declared)
    missed = missed_reports(item, today, policy, cal, thresholds.red_missed)
    colour = warning_colour(progress=progress, percent=item.percent, declared=item.declared, overdue=overdue,
                            missed=missed, thresholds=thresholds)
    nodes = 0 if reminders_stop(item) else missed_milestones(item.milestones, today)[0]
    if nodes:
        colour = worse(colour, milestone_colour(item.milestones, today))
    days = (today - item.deadline).days if overdue and item.deadline else 0
    return Warning(item.id, colour, progress, item.percent, missed, days, nodes)


def warnings_for(items: Iterable[ItemFacts], today: date, policy: Policy, cal: WorkCalendar,
                 thresholds: WarningThresholds) -> dict[int, Warning]:
    """Item id → its warning today."""
    return {item.id: warn(item, today, policy, cal, thresholds) for item in items}


def colour_counts(warnings: Iterable[Warning]) -> dict[Colour, int]:
    counts = dict.fromkeys(COLOUR_ORDER, 0)
    for warning in warnings:
        counts[warning.colour] += 1
    return counts


def red_first(warnings: Sequence[Warning], numbers: Mapping[int, int]) -> list[Warning]:
    """Red items, then yellow ones, each by item number; green ones are left out."""
    rank = {colour: i for i, colour in enumerate(COLOUR_ORDER)}
    flagged = [w for w in warnings if w.colour != Colour.GREEN]
    return sorted(flagged, key=lambda w: (rank[w.colour], numbers.get(w.item_id, 0)))
