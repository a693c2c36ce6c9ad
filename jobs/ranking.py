"""The monthly ranking of units (各单位督办工作排名), as offices publish it: pure functions, no I/O.

Each unit is scored on the items it reports on (its responsible items; lead units report when an item
has none): how many of the month's reports came in by their due day, and the colours of those items
at the end of the month. The method is printed under the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from db.facts import ItemFacts, ReportCycle, Status, month_end, period_key
from jobs.policy import Policy, due_day
from jobs.rules import Colour
from jobs.workdays import WorkCalendar


@dataclass(frozen=True)
class ReportDay:
    """A report that counts (not returned), as the ranking sees it: the office-time day it came in."""

    item_id: int
    unit_id: int | None  # None for the office's own imported marks
    period: str
    day: date
    status: str


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    name: str
    due: int
    on_time: int
    late: int
    missing: int
    items: int
    red: int
    yellow: int
    green: int
    score: float
    rank: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def month_due_days(cycle: str, year: int, month: int, policy: Policy, cal: WorkCalendar) -> list[tuple[str, date]]:
    """(period, due day) of the reports of a cycle that fall due in a month (due days moved off days off)."""
    if cycle == ReportCycle.NONE:
        return []
    if cycle == ReportCycle.QUARTERLY and month % 3:
        return []
    first = date(year, month, 1)
    if cycle == ReportCycle.WEEKLY:
        days, monday = [], first - timedelta(days=first.isoweekday() - 1)
        while monday <= month_end(year, month):
            nominal = monday + timedelta(days=policy.weekly_day - 1)
            if (nominal.year, nominal.month) == (year, month):
                days.append((period_key(cycle, nominal), cal.previous_workday(nominal)))
            monday += timedelta(days=7)
        return days
    return [(period_key(cycle, first), due_day(cycle, first, policy, cal))]


def rank_units(
    items: Sequence[ItemFacts],
    reports: Iterable[ReportDay],
    colours: Mapping[int, Colour],
    names: Mapping[int, str],
    *,
    year: int,
    month: int,
    policy: Policy,
    cal: WorkCalendar,
    on_time_weight: int = 60,
    until: date | None = None,
) -> list[UnitScore]:
    """Units ranked for a month, best first. A report is on time when it came in on or before its due day,
    late when after it (up to `until`, the month's end by default); a due day after `until` is not counted
    yet, nor one before the item existed or after it was reported done."""
    last = min(until or month_end(year, month), month_end(year, month))
    first_report: dict[tuple[int, int, str], date] = {}
    done_on: dict[int, date] = {}
    for report in reports:
        if report.day > last:
            continue
        if report.status == Status.AHEAD:
            done_on[report.item_id] = min(done_on.get(report.item_id, report.day), report.day)
        if report.unit_id is not None:
            key = (report.item_id, report.unit_id, report.period)
            first_report[key] = min(first_report.get(key, report.day), report.day)
    tally: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        for unit in item.reporting_unit_ids:
            tally[unit]["items"] += 1
            tally[unit][colours.get(item.id, Colour.GREEN).value] += 1
        for period, due in month_due_days(item.cycle, year, month, policy, cal):
            if due > last or due < item.created or (item.id in done_on and done_on[item.id] <= due):
                continue
            for unit in item.reporting_unit_ids:
                tally[unit]["due"] += 1
                came = first_report.get((item.id, unit, period))
                outcome = "missing" if came is None else "on_time" if came <= due else "late"
                tally[unit][outcome] += 1
    scores = [_score(unit, names.get(unit, f"#{unit}"), counts, on_time_weight) for unit, counts in tally.items()]
    # Equal scores: fewer red items first, then fewer missing reports, then the units' order of entry.
    scores.sort(key=lambda s: (-s.score, s.red, s.missing, s.unit_id))
    ranked, previous = [], None
    for index, score in enumerate(scores, start=1):
        rank = previous.rank if previous and (previous.score, previous.red) == (score.score, score.red) else index
        previous = UnitScore(**{**score.__dict__, "rank": rank})
        ranked.append(previous)
    return ranked


def _score(unit: int, name: str, counts: Mapping[str, int], weight: int) -> UnitScore:
    items, due = counts["items"], counts["due"]
    colour_share = (counts["green"] + 0.5 * counts["yellow"]) / items if items else 1.0
    score = weight * counts["on_time"] / due + (100 - weight) * colour_share if due else 100 * colour_share
    return UnitScore(unit, name, due, counts["on_time"], counts["late"], counts["missing"], items,
                     counts["red"], counts["yellow"], counts["green"], round(score, 1))
