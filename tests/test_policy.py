"""The reminder policy over a whole year, with the day passed in (a fake clock, in effect)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jobs.policy import (
    Policy,
    due_day,
    forecast,
    last_due,
    manual_chase,
    missed_streak,
    next_due,
    plan_reminders,
)
from jobs.rules import ItemFacts
from jobs.workdays import WorkCalendar

CAL = WorkCalendar()
POLICY = Policy()


def item(**kw) -> ItemFacts:
    base = dict(id=1, number=1, title="t", domain=None, start=date(2021, 1, 1), deadline=date(2021, 12, 31),
                responsible_unit_ids=(10,), lead_unit_ids=(20,), created=date(2021, 1, 1))
    base.update(kw)
    return ItemFacts(**base)


def reasons(facts: ItemFacts, day: date, policy: Policy = POLICY, cal: WorkCalendar = CAL) -> set[tuple[str, str]]:
    return {(d.reason, d.period) for d in plan_reminders([facts], day, policy, cal).due}


@pytest.mark.parametrize(("cycle", "day", "expected"), [
    ("monthly", date(2021, 7, 1), date(2021, 7, 23)),  # the 25th is a Sunday: Friday instead
    ("monthly", date(2021, 2, 3), date(2021, 2, 25)),
    ("monthly", date(2021, 9, 9), date(2021, 9, 24)),
    ("quarterly", date(2021, 7, 1), date(2021, 9, 24)),  # 25 Sep 2021 is a Saturday
    ("quarterly", date(2021, 12, 1), date(2021, 12, 24)),
    ("weekly", date(2021, 7, 20), date(2021, 7, 23)),
    ("weekly", date(2021, 9, 29), date(2021, 9, 30)),  # Friday 1 Oct is National Day: Thursday instead
    ("weekly", date(2021, 10, 5), date(2021, 10, 8)),
])
def test_due_days_fall_on_working_days(cycle: str, day: date, expected: date) -> None:
    assert due_day(cycle, day, POLICY, CAL) == expected


def test_spring_festival_moves_the_due_day_back() -> None:
    policy = Policy(report_day=15)
    # 15 Feb 2021 is in the Spring Festival holiday (11–17 Feb); 10 Feb is the last working day before.
    assert due_day("monthly", date(2021, 2, 1), policy, CAL) == date(2021, 2, 10)


def test_month_end_report_day_is_capped() -> None:
    policy = Policy(report_day=31)
    assert due_day("monthly", date(2021, 2, 1), policy, CAL) == date(2021, 2, 26)  # 28 Feb is a Sunday
    assert due_day("monthly", date(2021, 4, 1), policy, CAL) == date(2021, 4, 30)


def test_next_and_last_due() -> None:
    assert next_due("monthly", date(2021, 7, 23), POLICY, CAL) == date(2021, 7, 23)
    assert next_due("monthly", date(2021, 7, 24), POLICY, CAL) == date(2021, 8, 25)
    assert last_due("monthly", date(2021, 7, 23), POLICY, CAL) == date(2021, 6, 25)
    assert last_due("monthly", date(2021, 7, 26), POLICY, CAL) == date(2021, 7, 23)


def test_report_reminders_three_days_before_and_on_the_day() -> None:
    facts = item(reported=frozenset({(10, "2021-06")}))
    assert reasons(facts, date(2021, 7, 19)) == set()
    assert reasons(facts, date(2021, 7, 20)) == {("report-before-3", "2021-07")}
    assert reasons(facts, date(2021, 7, 23)) == {("report-due", "2021-07")}


def test_follow_ups_on_the_first_and_third_working_day_after_a_miss() -> None:
    facts = item()
    assert ("report-missed-1", "2021-07") in reasons(facts, date(2021, 7, 26))
    assert ("report-missed-1", "2021-07") in reasons(facts, date(2021, 7, 27))  # until the 3rd comes
    assert ("report-missed-3", "2021-07") in reasons(facts, date(2021, 7, 28))
    reported = item(reported=frozenset({(10, "2021-07")}))
    assert not any(r.startswith("report-missed") for r, _ in reasons(reported, date(2021, 7, 28)))


def test_follow_ups_skip_national_day() -> None:
    # September's due day is Fri 24 Sep; the 1st working day after is Sun 26 Sep (an adjusted workday).
    facts = item()
    assert ("report-missed-1", "2021-09") in reasons(facts, date(2021, 9, 26))
    # the 3rd working day after: 26, 27, 28 Sep
    assert ("report-missed-3", "2021-09") in reasons(facts, date(2021, 9, 28))


def test_deadline_reminders_move_off_days_off() -> None:
    facts = item(deadline=date(2021, 10, 8), cycle="none")
    # 7, 3 and 1 days before (1, 5 and 7 Oct) are all in the National Day holiday: all move to 30 Sep,
    # where the latest of them stands for all three.
    assert reasons(facts, date(2021, 9, 29)) == set()
    assert reasons(facts, date(2021, 9, 30)) == {("deadline-1", "2021-10-08")}
    later = item(deadline=date(2021, 11, 30), cycle="none")
    assert reasons(later, date(2021, 11, 23)) == {("deadline-7", "2021-11-30")}
    assert reasons(later, date(2021, 11, 27)) == {("deadline-3", "2021-11-30")}  # a Saturday, moved to Fri 26
    assert reasons(later, date(2021, 12, 1)) == set()


def test_a_done_item_leaves_every_rhythm() -> None:
    facts = item(declared="ahead", deadline=date(2021, 7, 25))
    assert plan_reminders([facts], date(2021, 7, 23), POLICY, CAL).due == []


def test_snoozed_units_are_left_out() -> None:
    facts = item(responsible_unit_ids=(10, 11), snoozed_unit_ids=frozenset({10}))
    units = {d.unit_id for d in plan_reminders([facts], date(2021, 7, 23), POLICY, CAL).due}
    assert units == {11}
    assert {d.unit_id for d in manual_chase([facts], date(2021, 7, 23))} == {11}


def test_escalation_after_the_third_miss_in_a_row() -> None:
    day = date(2021, 7, 26)
    two = item(reported=frozenset({(10, "2021-04")}))  # missed May, June, July
    assert missed_streak(two, 10, day, POLICY, CAL) == 3
    assert plan_reminders([two], day, POLICY, CAL).escalations[0].period == "2021-07"
    recent = item(reported=frozenset({(10, "2021-05")}))  # missed June and July only
    assert missed_streak(recent, 10, day, POLICY, CAL) == 2
    assert plan_reminders([recent], day, POLICY, CAL).escalations == []
    young = item(created=date(2021, 6, 1))  # did not exist in May
    assert missed_streak(young, 10, day, POLICY, CAL) == 2


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday() -> None:
    assert not CAL.covers(2027)
    assert due_day("monthly", date(2027, 9, 1), POLICY, CAL) == date(2027, 9, 24)  # 25 Sep 2027: Saturday
    override = WorkCalendar({date(2027, 9, 24): False})
    assert due_day("monthly", date(2027, 9, 1), POLICY, override) == date(2027, 9, 23)


def test_a_whole_year_each_reminder_once_and_only_on_working_days() -> None:
    facts = [item(id=i, number=i, deadline=date(2021, m, 28), cycle=c, responsible_unit_ids=(10 + i,))
             for i, (m, c) in enumerate([(3, "monthly"), (6, "quarterly"), (9, "weekly"), (12, "monthly")], 1)]
    sent: set[tuple[int, int, str, str]] = set()
    day = date(2021, 1, 1)
    while day <= date(2021, 12, 31):
        if CAL.is_workday(day):
            for due in plan_reminders(facts, day, POLICY, CAL).due:
                sent.add((due.item_id, due.unit_id, due.reason, due.period))
        day += timedelta(days=1)
    monthly = {(r, p) for i, _, r, p in sent if i == 4}
    assert {p for r, p in monthly if r == "report-due"} == {f"2021-{m:02d}" for m in range(1, 13)}
    assert {r for i, _, r, _ in sent if i == 4 and r.startswith("deadline")} == {"deadline-7", "deadline-3", "deadline-1"}
    quarterly = {p for i, _, r, p in sent if i == 2 and r == "report-due"}
    assert quarterly == {"2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"}
    weekly = {p for i, _, r, p in sent if i == 3 and r == "report-due"}
    assert len(weekly) >= 50


def test_forecast_lists_days_off_and_the_digest() -> None:
    days = forecast([item()], date(2021, 9, 28), POLICY, CAL, already=set(), digest_weekday=1)
    by_day = {d.day: d for d in days}
    assert not by_day[date(2021, 10, 1)].workday
    # Monday 4 Oct is a holiday: the digest goes out on the first working day after it, Fri 8 Oct.
    assert by_day[date(2021, 10, 4)].digest is False
    assert [d.day for d in days if d.digest] == []  # 8 Oct is beyond the 7 days from 28 Sep
    later = forecast([item()], date(2021, 10, 6), POLICY, CAL, already=set(), digest_weekday=1)
    assert [d.day for d in later if d.digest] == [date(2021, 10, 8), date(2021, 10, 11)]
