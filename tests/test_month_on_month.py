"""Month-on-month (环比) as a plain rule: each month's facts taken at its end with the warnings' own rule
(a fake clock walking through a year), compared with the month before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from db.facts import ItemFacts, Status, month_end
from jobs.month_on_month import Changes, MonthFacts, compare, done_ids
from jobs.policy import Policy
from jobs.rules import Colour, WarningThresholds
from jobs.warnings import warnings_for
from jobs.workdays import WorkCalendar

GREEN, YELLOW, RED = Colour.GREEN, Colour.YELLOW, Colour.RED
CAL, POLICY, THRESHOLDS = WorkCalendar(), Policy(), WarningThresholds()


def item(id_: int, **kw) -> ItemFacts:  # type: ignore[no-untyped-def]
    base = dict(id=id_, number=id_ * 10, title=f"事项{id_}", domain=None, start=date(2021, 1, 1),
                deadline=date(2021, 12, 31), responsible_unit_ids=(7,), created=date(2021, 1, 1))
    return ItemFacts(**{**base, **kw})


def every_month(*months: int) -> frozenset[tuple[int, str]]:
    return frozenset((7, f"2021-{m:02d}") for m in months)


def script(month: int) -> list[ItemFacts]:
    """The record as it stands at the end of `month`. #1 keeps pace until May, trails by 20 points in June
    and July, by 40 in August, catches up in October. #2 falls due on 15 June and is done, late, on 20 July.
    #3 reports every month but March and April. #4 is new in September."""
    gap = {6: 20, 7: 20, 8: 40, 9: 40}.get(month, 0)
    progress = round(100 * (month_end(2021, month) - date(2021, 1, 1)).days / 364)
    reported = every_month(*range(1, month + 1))
    one = item(1, percent=max(0, progress - gap), declared=Status.GOOD, reported=reported)
    two = item(2, deadline=date(2021, 6, 15), percent=90 if month < 7 else 100,
               declared=Status.AHEAD if month >= 7 else Status.GOOD, reported=reported)
    three = item(3, percent=progress, declared=Status.GOOD,
                 reported=every_month(*(m for m in range(1, month + 1) if m not in (3, 4))))
    items = [one, two, three]
    if month >= 9:
        items.append(item(4, created=date(2021, 9, 1), percent=progress, declared=Status.GOOD, reported=reported))
    return items


def facts_at(month: int) -> MonthFacts:
    today = month_end(2021, month)  # the fake clock: the month's last day
    items = script(month)
    warnings = warnings_for(items, today, POLICY, CAL, THRESHOLDS)
    return MonthFacts(colours={i: w.colour for i, w in warnings.items()},
                      overdue=frozenset(i for i, w in warnings.items() if w.overdue_days), done=done_ids(items),
                      reported=frozenset(i.id for i in items if (7, f"2021-{month:02d}") in i.reported))


def test_a_year_month_by_month() -> None:
    order = {i: i * 10 for i in range(1, 5)}
    changes = {month: compare(facts_at(month - 1), facts_at(month), order) for month in range(2, 13)}
    assert changes[2] == Changes(reported=(1, 2, 3))
    assert changes[3].green_to_yellow == (3,)  # March missed: yellow
    assert changes[4] == Changes(reported=(1, 2))  # April missed too: still yellow (red from three)
    assert changes[5].to_green == (3,) and changes[5].reported == (1, 2, 3)
    assert changes[6] == Changes(to_red=(2,), green_to_yellow=(1,), overdue=(2,), reported=(1, 2, 3))  # 20 behind
    assert changes[7] == Changes(to_green=(2,), done=(2,), reported=(1, 2, 3))  # done: no longer overdue
    assert changes[8].to_red == (1,)  # by 40
    assert changes[9] == Changes(reported=(1, 2, 3, 4))  # #4 new: it turned nothing
    assert changes[10].to_green == (1,)
    assert all(changes[m] == Changes(reported=(1, 2, 3, 4)) for m in (11, 12))


def test_newly_overdue_and_red_back_to_yellow() -> None:
    order = {1: 12, 2: 35, 3: 40}
    before = MonthFacts(colours={1: RED, 2: GREEN, 3: RED}, overdue=frozenset({3}))
    after = MonthFacts(colours={1: YELLOW, 2: RED, 3: RED}, overdue=frozenset({2, 3}), reported=frozenset({1}))
    assert compare(before, after, order) == Changes(to_red=(2,), red_to_yellow=(1,), overdue=(2,), reported=(1,))


def test_an_item_overdue_and_done_in_the_same_month_counts_as_done() -> None:
    before = MonthFacts(colours={1: GREEN})
    after = MonthFacts(colours={1: GREEN}, overdue=frozenset({1}), done=frozenset({1}))
    assert compare(before, after, {1: 1}) == Changes(done=(1,))


def test_done_is_decided_in_one_place() -> None:
    items = [item(1, declared=Status.AHEAD), item(2, declared=Status.GOOD), replace(item(3), declared=None)]
    assert done_ids(items) == frozenset({1})
