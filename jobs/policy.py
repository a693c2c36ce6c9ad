"""The reminder policy: which items are due for which unit today, and why.

It follows each item's report cycle on China's working days: before a deadline (lead days),
before a report is due and on the day, follow-ups on the 1st and 3rd working day after a
missed report, and escalation (督办) after the third missed report in a row. A due day that
falls on a day off moves to the previous working day. Pure functions of `today`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from db.facts import Due, ItemFacts, ReportCycle, milestone_period, month_end, period_key, shift_period
from jobs.rules import reminders_stop
from jobs.workdays import WorkCalendar


@dataclass(frozen=True)
class Policy:
    lead_days: tuple[int, ...] = (7, 3, 1)
    report_day: int = 25
    weekly_day: int = 5  # ISO weekday a weekly report is due
    before_due_days: tuple[int, ...] = (3, 0)
    missed_followups: tuple[int, ...] = (1, 3)  # working days after a missed due day
    escalate_after: int = 3


@dataclass(frozen=True)
class Escalation:
    """A responsible unit that missed `streak` reports in a row on an item."""

    item_id: int
    unit_id: int
    period: str
    streak: int


@dataclass
class Plan:
    due: list[Due] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)


def nominal_due(cycle: str, day: date, policy: Policy) -> date:
    """The due day of the period containing `day`, before moving it off a day off."""
    if cycle == ReportCycle.WEEKLY:
        return day + timedelta(days=policy.weekly_day - day.isoweekday())
    month = day.month
    if cycle == ReportCycle.QUARTERLY:
        month = ((day.month - 1) // 3 + 1) * 3
    return date(day.year, month, min(policy.report_day, month_end(day.year, month).day))


@lru_cache(maxsize=16384)
def _previous_workday(cal: WorkCalendar, day: date) -> date:
    # Thousands of items share the same few due days: look each one up once per round.
    return cal.previous_workday(day)


@lru_cache(maxsize=4096)
def _nth_workday_after(cal: WorkCalendar, day: date, n: int) -> date:
    return cal.nth_workday_after(day, n)


def due_day(cycle: str, day: date, policy: Policy, cal: WorkCalendar) -> date:
    return _previous_workday(cal, nominal_due(cycle, day, policy))


def next_due(cycle: str, today: date, policy: Policy, cal: WorkCalendar) -> date:
    """The first due day on or after today (this period's or the next one's)."""
    due = due_day(cycle, today, policy, cal)
    return due if due >= today else due_day(cycle, shift_period(cycle, today, 1), policy, cal)


def last_due(cycle: str, today: date, policy: Policy, cal: WorkCalendar) -> date:
    """The last due day strictly before today."""
    due = due_day(cycle, today, policy, cal)
    return due if due < today else due_day(cycle, shift_period(cycle, today, -1), policy, cal)


def smallest_reached(offsets: Sequence[int], send_day, today: date) -> int | None:  # type: ignore[no-untyped-def]
    """The smallest offset whose send day has come: the latest reminder of a series."""
    reached = [o for o in offsets if send_day(o) <= today]
    return min(reached) if reached else None


def deadline_due(item: ItemFacts, today: date, policy: Policy, cal: WorkCalendar) -> list[Due]:
    if item.deadline is None or today > item.deadline:
        return []
    lead = smallest_reached(policy.lead_days, lambda d: _previous_workday(cal, item.deadline - timedelta(days=d)),
                            today)
    if lead is None:
        return []
    return [Due(item.id, u, f"deadline-{lead}", item.deadline.isoformat()) for u in _units(item, today)]


def milestone_due(item: ItemFacts, today: date, policy: Policy, cal: WorkCalendar) -> list[Due]:
    """Before each open milestone as before a deadline (the same lead days), to its own unit when it has
    one, else to the item's reporting units. The period names the milestone, so each is reminded once."""
    due: list[Due] = []
    for milestone in item.milestones:
        deadline = milestone.deadline
        if deadline is None or milestone.done is not None or today > deadline:
            continue
        lead = smallest_reached(policy.lead_days,
                                lambda d, due=deadline: _previous_workday(cal, due - timedelta(days=d)), today)
        if lead is None:
            continue
        units = [milestone.unit_id] if milestone.unit_id is not None else _units(item, today)
        due += [Due(item.id, u, f"milestone-{lead}", milestone_period(deadline, milestone.id))
                for u in units if u not in item.snoozed_unit_ids]
    return due


def report_due(item: ItemFacts, today: date, policy: Policy, cal: WorkCalendar) -> list[Due]:
    """Before the next due day, and follow-ups after a missed one."""
    due: list[Due] = []
    upcoming = next_due(item.cycle, today, policy, cal)
    period = period_key(item.cycle, upcoming)
    before = smallest_reached(policy.before_due_days,
                              lambda d: _previous_workday(cal, upcoming - timedelta(days=d)), today)
    if before is not None:
        reason = "report-due" if before == 0 else f"report-before-{before}"
        due += [Due(item.id, u, reason, period) for u in _units(item, today) if (u, period) not in item.reported]
    missed = last_due(item.cycle, today, policy, cal)
    missed_period = period_key(item.cycle, missed)
    if missed >= item.created:
        followup = max((n for n in policy.missed_followups if _nth_workday_after(cal, missed, n) <= today),
                       default=None)
        if followup is not None:
            due += [Due(item.id, u, f"report-missed-{followup}", missed_period) for u in _units(item, today)
                    if (u, missed_period) not in item.reported]
    return due


def missed_streak(item: ItemFacts, unit_id: int, today: date, policy: Policy, cal: WorkCalendar) -> int:
    """How many due days in a row, up to the last one, passed without a report from the unit."""
    streak, day = 0, last_due(item.cycle, today, policy, cal)
    while day >= item.created and (unit_id, period_key(item.cycle, day)) not in item.reported:
        streak += 1
        if streak >= policy.escalate_after:
            break
        day = due_day(item.cycle, shift_period(item.cycle, day, -1), policy, cal)
    return streak


def plan_reminders(items: Iterable[ItemFacts], today: date, policy: Policy, cal: WorkCalendar) -> Plan:
    """Everything due today; an item reported done leaves every rhythm."""
    plan = Plan()
    for item in items:
        if reminders_stop(item):
            continue
        plan.due += deadline_due(item, today, policy, cal)
        plan.due += milestone_due(item, today, policy, cal)
        if item.cycle == ReportCycle.NONE:
            continue
        plan.due += report_due(item, today, policy, cal)
        missed_period = period_key(item.cycle, last_due(item.cycle, today, policy, cal))
        for unit_id in item.reporting_unit_ids:
            streak = missed_streak(item, unit_id, today, policy, cal)
            if streak >= policy.escalate_after:
                plan.escalations.append(Escalation(item.id, unit_id, missed_period, streak))
    return plan


def manual_chase(items: Iterable[ItemFacts], today: date) -> list[Due]:
    """An admin's /remind: every unit that has not reported this period, once a day."""
    return [Due(f.id, u, "manual", f"{period_key(f.cycle, today)}@{today.isoformat()}")
            for f in items if not reminders_stop(f) and f.cycle != ReportCycle.NONE
            for u in f.reporting_unit_ids
            if (u, period_key(f.cycle, today)) not in f.reported and u not in f.snoozed_unit_ids]


def _units(item: ItemFacts, today: date) -> list[int]:
    return [u for u in item.reporting_unit_ids if u not in item.snoozed_unit_ids]


def digest_due_today(today: date, weekday: int, cal: WorkCalendar) -> bool:
    """The digest day, or the first working day after it in the same week when it is a day off."""
    if not cal.is_workday(today):
        return False
    monday = today - timedelta(days=today.isoweekday() - 1)
    scheduled = monday + timedelta(days=weekday - 1)
    if today < scheduled:
        return False
    return all(not cal.is_workday(scheduled + timedelta(days=d)) for d in range((today - scheduled).days))


@dataclass(frozen=True)
class ScheduledDay:
    day: date
    workday: bool
    due: list[Due]
    escalations: list[Escalation]
    digest: bool


def forecast(items: Sequence[ItemFacts], today: date, policy: Policy, cal: WorkCalendar, *,
             already: set[tuple[int, int, str, str]], digest_weekday: int, days: int = 7) -> list[ScheduledDay]:
    """What the daily rounds would send over the next days if nobody reported meanwhile."""
    sent = set(already)
    escalated: set[tuple[int, int, str]] = set()
    plan_days = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        if not cal.is_workday(day):
            plan_days.append(ScheduledDay(day, False, [], [], False))
            continue
        plan = plan_reminders(items, day, policy, cal)
        new = [d for d in plan.due if (d.item_id, d.unit_id, d.reason, d.period) not in sent]
        sent |= {(d.item_id, d.unit_id, d.reason, d.period) for d in new}
        escalations = [e for e in plan.escalations if (e.item_id, e.unit_id, e.period) not in escalated]
        escalated |= {(e.item_id, e.unit_id, e.period) for e in escalations}
        plan_days.append(ScheduledDay(day, True, new, escalations, digest_due_today(day, digest_weekday, cal)))
    return plan_days
