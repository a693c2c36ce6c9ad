"""China's working days and quiet hours at their edges: holidays, 调休, uncovered years, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.clock import FakeClock
from bot.dates import parse_deadline
from db.facts import month_end
from jobs.workdays import WorkCalendar, in_quiet_hours, next_send_time, shift_to_workday
from tests.conftest import SHANGHAI

CAL = WorkCalendar()

# 2021 as the State Council published it: weekdays off, and weekend days worked (调休).
DAYS_OFF_2021 = [
    date(2021, 1, 1),
    *(date(2021, 2, d) for d in (11, 12, 15, 16, 17)),  # Spring Festival
    date(2021, 4, 5),
    *(date(2021, 5, d) for d in (3, 4, 5)),
    date(2021, 6, 14),
    date(2021, 9, 20), date(2021, 9, 21),
    *(date(2021, 10, d) for d in (1, 4, 5, 6, 7)),  # National Day
]
WEEKEND_WORKDAYS_2021 = [
    date(2021, 2, 7), date(2021, 2, 20), date(2021, 4, 25), date(2021, 5, 8),
    date(2021, 9, 18), date(2021, 9, 26), date(2021, 10, 9),
]


def test_a_whole_year_with_a_fake_clock():
    """Walk 2021 a day at a time: the rounds run on exactly the official working days."""
    clock = FakeClock(datetime(2021, 1, 1, 9, 0, tzinfo=SHANGHAI))
    round_days = []
    while clock.now().year == 2021:
        now = clock.now()
        if CAL.is_workday(now.date()) and not in_quiet_hours(now):
            round_days.append(now.date())
        clock.advance(timedelta(days=1))
    assert len(round_days) == 250
    weekdays_off = [d for d in _year(2021) if d.weekday() < 5 and d not in round_days]
    weekend_worked = [d for d in round_days if d.weekday() >= 5]
    assert weekdays_off == DAYS_OFF_2021
    assert weekend_worked == WEEKEND_WORKDAYS_2021
    assert CAL.uncovered_years(round_days) == set()


@pytest.mark.parametrize(("day", "workday"), [
    (date(2021, 2, 6), False),  # Saturday before the Spring Festival
    (date(2021, 2, 7), True),  # Sunday worked
    (date(2021, 2, 10), True),  # 除夕 eve is worked in 2021
    *((date(2021, 2, d), False) for d in range(11, 18)),  # 2021-02-11..17 off
    (date(2021, 2, 18), True),
    (date(2021, 2, 20), True),  # Saturday worked
    (date(2021, 9, 18), True),  # Saturday worked for the Mid-Autumn Festival
    (date(2021, 9, 30), True),
    *((date(2021, 10, d), False) for d in range(1, 8)),  # 2021-10-01..07 off
    (date(2021, 10, 8), True),
    (date(2021, 10, 9), True),  # Saturday worked
    (date(2021, 10, 10), False),
])
def test_spring_festival_and_national_day(day, workday):
    assert CAL.is_workday(day) is workday
    assert CAL.is_workday(datetime.combine(day, time(10), tzinfo=SHANGHAI)) is workday


@pytest.mark.parametrize(("due", "moved"), [
    (month_end(2021, 1), date(2021, 1, 29)),  # Sunday
    (month_end(2021, 2), date(2021, 2, 26)),  # Sunday
    (month_end(2021, 3), date(2021, 3, 31)),  # quarter end on a Wednesday stays
    (month_end(2021, 4), date(2021, 4, 30)),  # Friday before May Day stays
    (month_end(2021, 7), date(2021, 7, 30)),  # Saturday
    (month_end(2021, 10), date(2021, 10, 29)),  # Sunday
    (month_end(2021, 12), date(2021, 12, 31)),  # year end on a Friday stays
    (date(2021, 10, 3), date(2021, 9, 30)),  # inside National Day: before the holiday
    (date(2021, 10, 9), date(2021, 10, 9)),  # an adjusted Saturday workday stays
    (date(2021, 2, 14), date(2021, 2, 10)),  # Spring Festival: back to the eve
    (date(2021, 2, 21), date(2021, 2, 20)),  # Sunday after the worked Saturday
    (date(2021, 5, 5), date(2021, 4, 30)),  # May Day holiday
    (month_end(2022, 4), date(2022, 4, 29)),  # Saturday 2022-04-30 starts May Day
    (month_end(2022, 12), date(2022, 12, 30)),  # quarter end on a Saturday
])
def test_month_and_quarter_ends_move_to_the_previous_workday(due, moved):
    assert shift_to_workday(due, CAL) == moved


@pytest.mark.parametrize(("day", "previous", "following"), [
    (date(2021, 10, 3), date(2021, 9, 30), date(2021, 10, 8)),
    (date(2021, 2, 13), date(2021, 2, 10), date(2021, 2, 18)),
    (date(2021, 7, 20), date(2021, 7, 20), date(2021, 7, 20)),
])
def test_previous_and_next_workday(day, previous, following):
    assert CAL.previous_workday(day) == previous
    assert CAL.next_workday(day) == following


@pytest.mark.parametrize(("missed", "n", "expected"), [
    (date(2021, 9, 30), 1, date(2021, 10, 8)),  # over National Day
    (date(2021, 9, 30), 2, date(2021, 10, 9)),  # the worked Saturday counts
    (date(2021, 9, 30), 3, date(2021, 10, 11)),
    (date(2021, 2, 10), 1, date(2021, 2, 18)),  # over the Spring Festival
    (date(2021, 2, 10), 3, date(2021, 2, 20)),
    (date(2021, 10, 2), 1, date(2021, 10, 8)),  # missed on a day off
    (date(2021, 7, 23), 1, date(2021, 7, 26)),  # over a plain weekend
    (date(2021, 7, 23), 3, date(2021, 7, 28)),
])
def test_nth_workday_after(missed, n, expected):
    assert CAL.nth_workday_after(missed, n) == expected
    assert CAL.workdays_between(missed, expected) == n


def test_nth_workday_after_needs_a_positive_n():
    with pytest.raises(ValueError):
        CAL.nth_workday_after(date(2021, 7, 23), 0)


@pytest.mark.parametrize(("a", "b", "count"), [
    (date(2021, 1, 1), date(2021, 1, 1), 0),
    (date(2020, 12, 31), date(2021, 12, 31), 250),
    (date(2021, 9, 30), date(2021, 10, 7), 0),
    (date(2021, 9, 17), date(2021, 9, 19), 1),  # only the worked Saturday
    (date(2021, 10, 11), date(2021, 9, 30), -3),
])
def test_workdays_between(a, b, count):
    assert CAL.workdays_between(a, b) == count


@pytest.mark.parametrize(("day", "workday"), [
    (date(2027, 1, 1), True),  # a Friday: New Year's Day unknown, Monday–Friday it is
    (date(2027, 1, 2), False),
    (date(2027, 2, 6), False),  # Saturday
    (date(2027, 2, 8), True),  # Monday of what will be the Spring Festival
    (date(2027, 10, 1), True),  # Friday: National Day unknown
    (date(2027, 10, 3), False),
])
def test_a_year_the_package_does_not_cover_falls_back_to_monday_to_friday(day, workday):
    assert CAL.is_workday(day) is workday


@pytest.mark.parametrize(("year", "covered"), [(2003, False), (2004, True), (2021, True), (2026, True),
                                               (2027, False), (2030, False)])
def test_covers(year, covered):
    assert CAL.covers(year) is covered


def test_uncovered_years():
    days = [date(2026, 12, 31), date(2027, 1, 4), date(2027, 3, 1), date(2028, 1, 3)]
    assert CAL.uncovered_years(days) == {2027, 2028}
    assert CAL.uncovered_years([]) == set()
    assert CAL.previous_workday(date(2027, 10, 31)) == date(2027, 10, 29)  # Sunday → Friday


@pytest.mark.parametrize(("day", "override", "package"), [
    (date(2021, 10, 8), False, True),  # an extra day off after National Day
    (date(2021, 10, 4), True, False),  # the office works during the holiday
    (date(2021, 9, 18), False, True),  # an adjusted workday cancelled
    (date(2021, 7, 24), True, False),  # a plain Saturday worked
    (date(2027, 10, 1), False, True),  # the holiday the package does not know yet
    (date(2027, 2, 6), True, False),  # an adjusted workday of an uncovered year
])
def test_overrides_beat_the_package_both_ways(day, override, package):
    assert CAL.is_workday(day) is package
    assert WorkCalendar({day: override}).is_workday(day) is override


def test_overrides_move_reminders():
    cal = WorkCalendar({date(2027, 10, d): False for d in range(1, 8)} | {date(2027, 9, 26): True})
    assert shift_to_workday(date(2027, 10, 5), cal) == date(2027, 9, 30)
    assert cal.nth_workday_after(date(2027, 9, 30), 1) == date(2027, 10, 8)
    assert cal.previous_workday(date(2027, 9, 26)) == date(2027, 9, 26)  # the worked Sunday
    assert cal.overrides[date(2027, 9, 26)] is True


def test_overrides_that_leave_no_workday_are_refused():
    cal = WorkCalendar({date(2021, 1, 1) + timedelta(days=i): False for i in range(800)})
    with pytest.raises(ValueError, match="overrides"):
        cal.previous_workday(date(2022, 6, 1))


def at(hour: int, minute: int, day: int = 20) -> datetime:
    return datetime(2021, 7, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("now", "quiet", "send_at"), [
    (at(20, 59), False, at(20, 59)),
    (at(21, 0), True, at(8, 0, day=21)),
    (at(23, 59), True, at(8, 0, day=21)),
    (at(0, 0), True, at(8, 0)),  # after midnight: this morning
    (at(7, 59), True, at(8, 0)),
    (at(8, 0), False, at(8, 0)),
    (at(12, 0), False, at(12, 0)),
    (datetime(2021, 12, 31, 22, 30, tzinfo=SHANGHAI), True, datetime(2022, 1, 1, 8, 0, tzinfo=SHANGHAI)),
])
def test_quiet_hours_default_window(now, quiet, send_at):
    assert in_quiet_hours(now) is quiet
    assert next_send_time(now) == send_at
    assert next_send_time(now).tzinfo is SHANGHAI


@pytest.mark.parametrize(("now", "start", "end", "quiet", "send_at"), [
    (at(12, 30), time(12), time(14), True, at(14, 0)),  # a window within one day
    (at(11, 59), time(12), time(14), False, at(11, 59)),
    (at(14, 0), time(12), time(14), False, at(14, 0)),
    (at(3, 0), time(9), time(9), False, at(3, 0)),  # start == end: no quiet hours
    (at(22, 0), time(22), time(6, 30), True, at(6, 30, day=21)),
    (at(6, 29), time(22), time(6, 30), True, at(6, 30)),
])
def test_quiet_hours_other_windows(now, start, end, quiet, send_at):
    assert in_quiet_hours(now, start, end) is quiet
    assert next_send_time(now, start, end) == send_at


def test_quiet_hours_use_the_wall_clock_of_the_given_zone():
    evening = at(21, 30)
    assert in_quiet_hours(evening)
    assert not in_quiet_hours(evening.astimezone(UTC))  # 13:30 in UTC: callers pass the office's time
    assert next_send_time(at(21, 30)).utcoffset() == timedelta(hours=8)  # no DST in Asia/Shanghai


def test_the_cache_answers_like_the_package():
    cal = WorkCalendar()
    days = _year(2021)
    first = [cal.is_workday(d) for d in days]
    assert first == [cal.is_workday(d) for d in days] == [WorkCalendar().is_workday(d) for d in days]


def _year(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


def test_working_days_in_a_deadline_count_the_offices_overrides() -> None:
    """"5个工作日内" on Tue 20 July 2021 is Tue 27 July; with Thu 22 July declared a day off (/holiday) it is
    Wed 28 July, and with Sat 24 July declared a working day as well, Tue 27 July again."""
    now = datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI)
    assert parse_deadline("5个工作日内", now) == date(2021, 7, 27)
    closed = WorkCalendar({date(2021, 7, 22): False})
    assert parse_deadline("5个工作日内", now, closed) == date(2021, 7, 28)
    swapped = WorkCalendar({date(2021, 7, 22): False, date(2021, 7, 24): True})
    assert parse_deadline("5个工作日内", now, swapped) == date(2021, 7, 27)
    assert parse_deadline("5个工作日内", now) == date(2021, 7, 27)  # the override was for that parse only


def test_one_month_end_and_one_workday_rule_in_the_code() -> None:
    """Every date rule uses db.facts' calendar arithmetic and jobs.workdays' WorkCalendar: no module
    defines its own month end or working-day check, or asks chinese_calendar behind the overrides."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    own = {"month_end": "db/facts.py", "is_workday": "jobs/workdays.py", "_is_workday": None}
    for path in (p for package in ("bot", "db", "handlers", "jobs") for p in (root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in own:
                assert str(path.relative_to(root)) == own[node.name], f"{path}: def {node.name}"
            if isinstance(node, ast.Attribute) and node.attr == "is_workday" and \
                    isinstance(node.value, ast.Name) and node.value.id == "chinese_calendar":
                # bot/ops (doctor) asks only whether the package knows a year's holidays at all
                assert path.name in ("workdays.py", "ops.py"), f"{path} asks chinese_calendar past the overrides"

