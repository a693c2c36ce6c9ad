"""Three-colour warnings at each threshold, with dates passed in; the due days a ranking counts and the
recipients of a reminder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from db.models import Contact, Status
from db.outbox import reminder_recipients
from jobs.policy import Policy, missed_streak
from jobs.ranking import month_due_days
from jobs.rules import Colour, ItemFacts, WarningThresholds, period_key, warning_colour
from jobs.warnings import missed_reports, warn
from jobs.workdays import WorkCalendar

GREEN, YELLOW, RED = Colour.GREEN, Colour.YELLOW, Colour.RED
START, END = date(2021, 1, 1), date(2021, 12, 31)
HALF_WAY = date(2021, 7, 2)  # 182 of 364 days: time progress exactly 50%
CAL = WorkCalendar()
POLICY = Policy()


def colour(percent: int | None = None, *, progress: float | None = 0.5, declared: str | None = None,
           overdue: bool = False, missed: int = 0, **thresholds: int) -> Colour:
    return warning_colour(progress=progress, percent=percent, declared=declared, overdue=overdue, missed=missed,
                          thresholds=WarningThresholds(**thresholds))


@pytest.mark.parametrize(("percent", "expected"), [
    (50, GREEN), (41, GREEN), (40, GREEN),  # trailing by 10: not more than 10
    (39, YELLOW), (25, YELLOW), (20, YELLOW),  # trailing by 11 … 30
    (19, RED), (0, RED),  # trailing by more than 30
    (90, GREEN),  # ahead of time
])
def test_the_gap_to_time_progress(percent: int, expected: Colour) -> None:
    assert colour(percent) == expected


@pytest.mark.parametrize(("missed", "expected"), [(0, GREEN), (1, YELLOW), (2, YELLOW), (3, RED), (5, RED)])
def test_missed_reports(missed: int, expected: Colour) -> None:
    assert colour(50, missed=missed) == expected
    assert colour(None, missed=missed) == expected  # no percent: the misses still count


def test_overdue_declared_and_done() -> None:
    assert colour(95, overdue=True) == RED
    assert colour(50, declared=Status.SLOW) == YELLOW  # the unit (or the office's table) says 较为缓慢
    assert colour(19, declared=Status.AHEAD, missed=4) == GREEN  # reported done: nothing left to warn about
    assert colour(None) == GREEN and colour(None, progress=None) == GREEN  # nothing known yet
    assert colour(0, progress=None) == GREEN  # no deadline, no time progress to trail


def test_thresholds_come_from_the_settings() -> None:
    assert colour(44, yellow_gap=5) == YELLOW and colour(44) == GREEN
    assert colour(35, red_gap=10, yellow_gap=5) == RED
    assert colour(50, missed=1, yellow_missed=2) == GREEN and colour(50, missed=2, red_missed=2) == RED


def facts(**kw) -> ItemFacts:  # type: ignore[no-untyped-def]
    base = dict(id=1, number=1, title="t", domain=None, start=START, deadline=END, responsible_unit_ids=(10,),
                lead_unit_ids=(20,), created=START)
    base.update(kw)
    return ItemFacts(**base)


def monthly(*months: int, unit: int = 10) -> frozenset[tuple[int, str]]:
    return frozenset((unit, f"2021-{m:02d}") for m in months)


@pytest.mark.parametrize(("percent", "expected"), [(40, GREEN), (39, YELLOW), (20, YELLOW), (19, RED)])
def test_the_gap_on_a_day(percent: int, expected: Colour) -> None:
    item = facts(percent=percent, declared=Status.GOOD, reported=monthly(4, 5, 6))
    warning = warn(item, HALF_WAY, POLICY, CAL, WarningThresholds())
    assert warning.progress == 0.5 and warning.missed == 0 and warning.colour == expected


@pytest.mark.parametrize(("today", "missed", "expected"), [
    (date(2021, 6, 24), 0, GREEN),  # June's report is not due before Friday 25 June
    (date(2021, 6, 28), 1, YELLOW),  # June missed
    (date(2021, 7, 26), 2, YELLOW),  # June and July (due Friday 23, the 25th being a Sunday)
    (date(2021, 8, 26), 3, RED),  # three in a row
])
def test_missed_reports_counted_from_the_due_days(today: date, missed: int, expected: Colour) -> None:
    item = facts(percent=100 * (today - START).days // 364, declared=Status.GOOD, reported=monthly(3, 4, 5))
    warning = warn(item, today, POLICY, CAL, WarningThresholds())
    assert (warning.missed, warning.colour) == (missed, expected)


def test_missed_reports_take_the_unit_that_missed_most_and_ignore_days_before_the_item() -> None:
    item = facts(responsible_unit_ids=(10, 11), reported=monthly(5, 6, 7) | monthly(5, unit=11))
    assert missed_reports(item, date(2021, 7, 26), POLICY, CAL, 3) == 2
    assert missed_reports(facts(created=date(2021, 7, 24)), date(2021, 7, 26), POLICY, CAL, 3) == 0
    assert missed_reports(facts(cycle="none"), date(2021, 7, 26), POLICY, CAL, 3) == 0


@pytest.mark.parametrize("cycle", ["monthly", "quarterly", "weekly"])
def test_missed_reports_agree_with_the_policy_streak(cycle: str) -> None:
    # The due days are worked out once per cycle; the count must stay the policy's own streak.
    periods = list(dict.fromkeys(period_key(cycle, date(2021, 1, 1) + timedelta(days=d)) for d in range(365)))
    items = [facts(cycle=cycle, created=date(2021, 1, 1) + timedelta(days=n * 17),
                   reported=frozenset((10, p) for p in periods[n % 5::(n % 4) + 2])) for n in range(12)]
    for today in (date(2021, 3, 1) + timedelta(days=d) for d in range(0, 300, 11)):
        for limit in (1, 3, 5):
            counting = replace(POLICY, escalate_after=limit)
            assert [missed_reports(i, today, POLICY, CAL, limit) for i in items] == [
                missed_streak(i, 10, today, counting, CAL) for i in items]


def test_overdue_by_date() -> None:
    item = facts(deadline=date(2021, 6, 30), percent=99, declared=Status.GOOD, reported=monthly(4, 5, 6))
    assert warn(item, date(2021, 6, 30), POLICY, CAL, WarningThresholds()).colour == GREEN  # due today: not late yet
    late = warn(item, date(2021, 7, 1), POLICY, CAL, WarningThresholds())
    assert (late.colour, late.overdue_days) == (RED, 1)


# ---------------------------------------------------------------- ranking


def test_due_days_of_a_month_by_cycle() -> None:
    assert month_due_days("monthly", 2021, 7, POLICY, CAL) == [("2021-07", date(2021, 7, 23))]
    assert month_due_days("quarterly", 2021, 8, POLICY, CAL) == []
    assert month_due_days("quarterly", 2021, 9, POLICY, CAL) == [("2021-Q3", date(2021, 9, 24))]
    assert [p for p, _ in month_due_days("weekly", 2021, 7, POLICY, CAL)] == [
        "2021-W26", "2021-W27", "2021-W28", "2021-W29", "2021-W30"]  # the Fridays 2, 9, 16, 23, 30 July
    assert month_due_days("none", 2021, 7, POLICY, CAL) == []


# ---------------------------------------------------------------- recipients


def contact(id_: int, *, backup: bool = False, reachable: bool = True) -> Contact:
    return Contact(id=id_, telegram_id=1000 + id_, unit_id=1, backup=backup, reachable=reachable)


def test_reminders_go_to_the_regular_contacts_and_stand_ins() -> None:
    li, wang, zhao = contact(1), contact(2, backup=True), contact(3)
    assert reminder_recipients([li, wang, zhao], {}) == {1001: [], 1003: []}
    assert reminder_recipients([li, wang, zhao], {1: 2}) == {1002: [1001], 1003: []}  # Li away, Wang stands in
    assert reminder_recipients([li, wang], {1: 2, 2: 1}) == {}  # both away: nobody to send to
    unreachable = contact(2, backup=True, reachable=False)
    assert reminder_recipients([li, unreachable, zhao], {1: 2}) == {1003: []}  # the stand-in blocked the bot
    assert reminder_recipients([contact(1, reachable=False), wang], {}) == {1002: []}  # the backup steps in
    assert reminder_recipients([li, wang], {1: 2, 3: 1}) == {1002: [1001]}
