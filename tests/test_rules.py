"""The rules at their edges, with dates passed in (a fake clock, in effect)."""

from __future__ import annotations

from datetime import date

import pytest

from db.models import Status
from jobs.rules import (
    Due,
    ItemFacts,
    deadline_bucket,
    due_reminders,
    effective_status,
    is_overdue,
    is_report_day,
    is_slow,
    missing_unit_ids,
    period_key,
    time_progress,
)

START, END = date(2021, 1, 1), date(2021, 12, 31)


def facts(**kw) -> ItemFacts:
    base = dict(id=1, number=1, title="t", domain=None, start=START, deadline=END,
                responsible_unit_ids=(10,), lead_unit_ids=(20,))
    base.update(kw)
    return ItemFacts(**base)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2020, 12, 1), 0.0),
    (START, 0.0),
    (date(2021, 7, 2), 182 / 364),
    (END, 1.0),
    (date(2022, 3, 1), 1.0),
])
def test_time_progress(today, expected):
    assert time_progress(START, END, today) == pytest.approx(expected)


def test_time_progress_without_deadline_or_span():
    assert time_progress(START, None, date(2021, 5, 1)) is None
    assert time_progress(START, START, date(2020, 12, 31)) == 0.0
    assert time_progress(START, START, START) == 1.0


def test_slow_margin_edges():
    progress = 0.6  # 60 % of the time used
    assert not is_slow(declared="good", percent=40, progress=progress, overdue=False, margin=20)  # trails by 20
    assert is_slow(declared="good", percent=39, progress=progress, overdue=False, margin=20)  # by 21
    assert is_slow(declared="slow", percent=100, progress=progress, overdue=False, margin=20)
    assert is_slow(declared="good", percent=None, progress=progress, overdue=True, margin=20)
    assert not is_slow(declared="ahead", percent=0, progress=1.0, overdue=False, margin=20)
    assert not is_slow(declared=None, percent=None, progress=progress, overdue=False, margin=20)


def test_overdue_only_after_the_deadline_day_and_never_when_done():
    assert not is_overdue(END, END, None)
    assert is_overdue(END, date(2022, 1, 1), "good")
    assert not is_overdue(END, date(2022, 1, 1), "ahead")
    assert not is_overdue(None, date(2022, 1, 1), None)


def test_effective_status():
    today = date(2021, 7, 20)
    assert effective_status(facts(), today, 20) == Status.AVERAGE  # no report: hard to assess
    assert effective_status(facts(declared="good", percent=60), today, 20) == Status.GOOD
    assert effective_status(facts(declared="good", percent=10), today, 20) == Status.SLOW
    assert effective_status(facts(declared="ahead"), date(2022, 2, 1), 20) == Status.AHEAD
    assert effective_status(facts(declared="good", deadline=date(2021, 6, 30)), today, 20) == Status.SLOW


@pytest.mark.parametrize(("cycle", "day", "key"), [
    ("monthly", date(2021, 7, 20), "2021-07"),
    ("quarterly", date(2021, 7, 20), "2021-Q3"),
    ("quarterly", date(2021, 12, 31), "2021-Q4"),
    ("weekly", date(2021, 7, 20), "2021-W29"),
    ("weekly", date(2021, 1, 1), "2020-W53"),
])
def test_period_key(cycle, day, key):
    assert period_key(cycle, day) == key


@pytest.mark.parametrize(("today", "bucket"), [
    (date(2021, 12, 23), None),  # 8 days left
    (date(2021, 12, 24), 7),
    (date(2021, 12, 26), 7),  # a round missed on day 7 still sends it
    (date(2021, 12, 28), 3),
    (date(2021, 12, 30), 1),
    (date(2021, 12, 31), 1),
    (date(2022, 1, 1), None),
])
def test_deadline_bucket(today, bucket):
    assert deadline_bucket(END, today, [7, 3, 1]) == bucket


def test_report_day_is_capped_at_month_end():
    assert is_report_day("monthly", date(2021, 2, 28), 31)
    assert not is_report_day("monthly", date(2021, 2, 27), 31)
    assert is_report_day("monthly", date(2021, 7, 25), 25)
    assert not is_report_day("quarterly", date(2021, 7, 25), 25)
    assert is_report_day("quarterly", date(2021, 9, 25), 25)
    assert not is_report_day("none", date(2021, 7, 25), 25)


def test_due_reminders_per_responsible_unit_and_reason():
    item = facts(deadline=date(2021, 7, 27), responsible_unit_ids=(10, 11))
    due = due_reminders([item], date(2021, 7, 20), lead_days=[7, 3, 1], report_day=20)
    assert set(due) == {
        Due(1, 10, "deadline-7", "2021-07-27"), Due(1, 11, "deadline-7", "2021-07-27"),
        Due(1, 10, "report", "2021-07"), Due(1, 11, "report", "2021-07"),
    }


def test_reported_and_done_items_are_not_chased():
    today = date(2021, 7, 20)
    reported = facts(reported_unit_ids=frozenset({10}), declared="good")
    done = facts(id=2, number=2, declared="ahead", deadline=date(2021, 7, 21))
    assert due_reminders([reported, done], today, lead_days=[7, 3, 1], report_day=20) == []
    assert missing_unit_ids(done) == []


def test_lead_units_report_when_no_responsible_unit():
    item = facts(responsible_unit_ids=())
    assert missing_unit_ids(item) == [20]
