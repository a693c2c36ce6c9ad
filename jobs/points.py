"""The points ledger (考核台账): which events earn or cost a unit points, as pure functions of the record.

Each entry is tied to the event that caused it (its `ref`): a report on time or late ("report:<id>"), a
report that never came for a due period ("due:<item>:<period>"), a report sent back ("returned:<id>"),
an item closed (办结) on time or late, an instruction (批示) answered. Recomputing from the same record gives
the same entries, so the ledger table is their materialisation (`db.ledger.replace_entries`), never a
second record. A unit's score for a period is the base plus the sum of its entries.

Lead units (牵头单位) of an item weigh `lead`, the other responsible units (责任/配合单位) weigh `co`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from db.facts import ItemFacts, Status
from jobs.policy import Policy
from jobs.ranking import month_due_days
from jobs.workdays import WorkCalendar


class Kind(StrEnum):
    ON_TIME = "on_time"  # 按时报送
    LATE = "late"  # 逾期报送
    MISSING = "missing"  # 未报送
    SENT_BACK = "sent_back"  # 退办
    DONE_ON_TIME = "done_on_time"  # 按期办结
    DONE_LATE = "done_late"  # 逾期办结
    ANSWERED = "answered"  # 批示按时办复
    ANSWERED_LATE = "answered_late"  # 批示逾期办复


class Role(StrEnum):
    LEAD = "lead"
    CO = "co"


@dataclass(frozen=True)
class Weights:
    """Points per event (before the role's factor), the base score and the roles' factors: the settings'
    POINTS_* values (bot.settings), documented in the README with their sources."""

    on_time: float = 1.0
    late: float = -1.0
    missing: float = -2.0
    sent_back: float = -2.0
    done_on_time: float = 1.0
    done_late: float = -5.0
    answered: float = 1.0
    answered_late: float = -1.0
    base: float = 100.0
    lead: float = 1.0
    co: float = 0.5

    def of(self, kind: Kind) -> float:
        return float(getattr(self, kind.value))

    def factor(self, role: Role) -> float:
        return self.lead if role == Role.LEAD else self.co


@dataclass(frozen=True)
class ReportEvent:
    """A unit's report as the ledger sees it: office-time days it came in and, if so, was sent back."""

    id: int
    item_id: int
    unit_id: int | None  # None for the office's own imported marks: they only tell when an item was done
    period: str
    day: date
    status: str
    returned: date | None = None


@dataclass(frozen=True)
class Event:
    """A 办结 or an answered instruction, from the review and instructions flows: what the hook takes."""

    unit_id: int
    item_id: int
    day: date
    on_time: bool
    ref: str  # the event's own id, e.g. "closing:12", "instruction:7"


@dataclass(frozen=True)
class Entry:
    unit_id: int
    year: int
    month: int
    kind: Kind
    item_id: int
    ref: str
    role: Role
    points: float
    day: date

    @property
    def key(self) -> tuple[int, str, str]:
        return self.unit_id, self.kind.value, self.ref


def role_of(item: ItemFacts, unit_id: int) -> Role:
    return Role.LEAD if unit_id in item.lead_unit_ids else Role.CO


def entry(item: ItemFacts, unit_id: int, kind: Kind, ref: str, day: date, weights: Weights) -> Entry:
    role = role_of(item, unit_id)
    return Entry(unit_id, day.year, day.month, kind, item.id, ref, role,
                 round(weights.of(kind) * weights.factor(role), 2), day)


def report_entries(items: Sequence[ItemFacts], reports: Iterable[ReportEvent], *, year: int, today: date,
                   policy: Policy, cal: WorkCalendar, weights: Weights) -> list[Entry]:
    """The entries of a year's reports up to `today`: for each due period of each reporting unit, its first
    report that counts (not sent back) on time or late, or "missing" once the due day is over; each report
    sent back by `today` costs its unit too. A period due before the item existed, or after it was reported
    done, asks nothing. Entries fall in the due day's month; a send-back in its own day's month."""
    first: dict[tuple[int, int, str], ReportEvent] = {}
    done_on: dict[int, date] = {}
    returned: list[ReportEvent] = []
    for report in sorted(reports, key=lambda r: (r.day, r.id)):
        if report.day > today:
            continue
        if report.returned is not None and report.returned <= today:
            if report.unit_id is not None:
                returned.append(report)
            continue
        if report.status == Status.AHEAD:
            done_on.setdefault(report.item_id, report.day)
        if report.unit_id is not None:
            first.setdefault((report.item_id, report.unit_id, report.period), report)
    by_id = {item.id: item for item in items}
    dues = {cycle: [d for month in range(1, 13) for d in month_due_days(cycle, year, month, policy, cal)]
            for cycle in {item.cycle for item in items}}  # the same for every item of a cycle
    entries = []
    for item in items:
        for period, due in dues[item.cycle]:
            if due > today or due < item.created or (item.id in done_on and done_on[item.id] <= due):
                continue
            for unit in item.reporting_unit_ids:
                came = first.get((item.id, unit, period))
                if came is None:
                    if due < today:  # the due day itself is still open
                        entries.append(entry(item, unit, Kind.MISSING, f"due:{item.id}:{period}", due, weights))
                    continue
                kind = Kind.ON_TIME if came.day <= due else Kind.LATE
                entries.append(entry(item, unit, kind, f"report:{came.id}", due, weights))
    for report in returned:
        item_of = by_id.get(report.item_id)
        if item_of is not None and report.unit_id is not None and report.returned is not None \
                and report.returned.year == year:
            entries.append(entry(item_of, report.unit_id, Kind.SENT_BACK, f"returned:{report.id}", report.returned,
                                 weights))
    return entries


def event_entries(items: Sequence[ItemFacts], events: Iterable[Event], *, on_time: Kind, late: Kind, year: int,
                  weights: Weights) -> list[Entry]:
    """The hook for 办结 and answered instructions: one entry per event of the year, its kind by `on_time`."""
    by_id = {item.id: item for item in items}
    return [entry(by_id[e.item_id], e.unit_id, on_time if e.on_time else late, e.ref, e.day, weights)
            for e in events if e.item_id in by_id and e.day.year == year]


def ledger_entries(items: Sequence[ItemFacts], reports: Iterable[ReportEvent], *, year: int, today: date,
                   policy: Policy, cal: WorkCalendar, weights: Weights, closings: Iterable[Event] = (),
                   instructions: Iterable[Event] = ()) -> list[Entry]:
    """Every entry of a year as of `today`: reports, 办结 (`closings`) and answered instructions."""
    return [*report_entries(items, reports, year=year, today=today, policy=policy, cal=cal, weights=weights),
            *event_entries(items, closings, on_time=Kind.DONE_ON_TIME, late=Kind.DONE_LATE, year=year,
                           weights=weights),
            *event_entries(items, instructions, on_time=Kind.ANSWERED, late=Kind.ANSWERED_LATE, year=year,
                           weights=weights)]


# ---------------------------------------------------------------- the ranking from the ledger


@dataclass(frozen=True)
class Standing:
    """A unit's sum of entries for a period, and its place."""

    unit_id: int
    name: str
    points: float
    counts: Mapping[str, int]
    rank: int = 0

    def score(self, base: float) -> float:
        return round(base + self.points, 2)

    @property
    def on_time_rate(self) -> float | None:
        due = sum(self.counts.get(k, 0) for k in (Kind.ON_TIME, Kind.LATE, Kind.MISSING))
        return self.counts.get(Kind.ON_TIME, 0) / due if due else None


@dataclass(frozen=True)
class LedgerRow:
    """A materialised entry as read back: what the ranking sums."""

    unit_id: int
    month: int
    kind: str
    points: float


def standings(rows: Iterable[LedgerRow], names: Mapping[int, str], *, month: int | None = None) -> list[Standing]:
    """Units ranked by their ledger's sum for a month (or the whole year with None), best first; every unit
    in `names` is ranked, one with no entry at the base. Equal sums share a rank."""
    points: dict[int, float] = dict.fromkeys(names, 0.0)
    counts: dict[int, dict[str, int]] = {u: {} for u in names}
    for row in rows:
        if month is not None and row.month != month:
            continue
        points[row.unit_id] = points.get(row.unit_id, 0.0) + row.points
        tally = counts.setdefault(row.unit_id, {})
        tally[row.kind] = tally.get(row.kind, 0) + 1
    ordered = sorted(points, key=lambda u: (-round(points[u], 2), u))
    ranked: list[Standing] = []
    for index, unit in enumerate(ordered, start=1):
        total = round(points[unit], 2)
        rank = ranked[-1].rank if ranked and round(ranked[-1].points, 2) == total else index
        ranked.append(Standing(unit, names.get(unit, f"#{unit}"), total, counts.get(unit, {}), rank))
    return ranked
