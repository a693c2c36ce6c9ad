"""The reports that fall due in a month, per report cycle: what the monthly ranking counts (its points come
from the ledger, `jobs.points`). Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import date, timedelta

from db.facts import ReportCycle, month_end, period_key
from jobs.policy import Policy, due_day
from jobs.workdays import WorkCalendar


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
