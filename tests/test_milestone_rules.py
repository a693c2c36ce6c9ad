"""Milestones in the rules, with a fake clock across a year: reminders before each one as before a
deadline, and the three colours (a missed milestone yellow; two, or the last one, red)."""

from __future__ import annotations

from datetime import date, timedelta

from db.facts import ItemFacts, MilestoneFacts
from jobs.policy import Policy, plan_reminders
from jobs.rules import Colour, Status, WarningThresholds
from jobs.warnings import milestone_colour, missed_milestones, warn
from jobs.workdays import WorkCalendar

CAL, POLICY = WorkCalendar(), Policy()
DESIGN, WORKS, DONE = (MilestoneFacts(1, date(2021, 6, 30)), MilestoneFacts(2, date(2021, 9, 30), unit_id=30),
                       MilestoneFacts(3, date(2021, 12, 31)))


def item(*milestones: MilestoneFacts, **kw) -> ItemFacts:  # type: ignore[no-untyped-def]
    base = dict(id=1, number=1, title="t", domain=None, start=date(2021, 1, 1), deadline=date(2021, 12, 31),
                responsible_unit_ids=(10,), lead_unit_ids=(20,), created=date(2021, 1, 1), cycle="none",
                milestones=milestones)
    base.update(kw)
    return ItemFacts(**base)


def sent_over_the_year(facts: ItemFacts) -> set[tuple[int, str, str, date]]:
    sent: dict[tuple[int, str, str], date] = {}
    day = date(2021, 1, 1)
    while day <= date(2021, 12, 31):
        if CAL.is_workday(day):
            for due in plan_reminders([facts], day, POLICY, CAL).due:
                sent.setdefault((due.unit_id, due.reason, due.period), day)
        day += timedelta(days=1)
    return {(u, r, p, d) for (u, r, p), d in sent.items()}


def test_reminders_before_each_milestone_to_its_own_unit_or_the_items() -> None:
    sent = sent_over_the_year(item(DESIGN, WORKS))
    milestones = {(u, r, p, d) for u, r, p, d in sent if r.startswith("milestone")}
    assert milestones == {
        (10, "milestone-7", "2021-06-30@m1", date(2021, 6, 23)), (10, "milestone-3", "2021-06-30@m1", date(2021, 6, 25)),
        (10, "milestone-1", "2021-06-30@m1", date(2021, 6, 29)),
        # 30 September's milestone goes to its own unit, not to the item's
        (30, "milestone-7", "2021-09-30@m2", date(2021, 9, 23)), (30, "milestone-3", "2021-09-30@m2", date(2021, 9, 27)),
        (30, "milestone-1", "2021-09-30@m2", date(2021, 9, 29)),
    }


def test_a_done_milestone_a_done_item_and_a_snoozed_unit_get_no_reminder() -> None:
    ticked = MilestoneFacts(1, date(2021, 6, 30), done=date(2021, 6, 1))
    assert not any(d.reason.startswith("milestone")
                   for d in plan_reminders([item(ticked)], date(2021, 6, 29), POLICY, CAL).due)
    assert not plan_reminders([item(DESIGN, declared=Status.AHEAD)], date(2021, 6, 29), POLICY, CAL).due
    assert not [d for d in plan_reminders([item(DESIGN, snoozed_unit_ids=frozenset({10}))], date(2021, 6, 29),
                                          POLICY, CAL).due if d.reason.startswith("milestone")]


def test_missed_milestones_across_the_year() -> None:
    plan = (DESIGN, WORKS, DONE)
    assert missed_milestones(plan, date(2021, 6, 30)) == (0, False)  # due today: not missed yet
    assert missed_milestones(plan, date(2021, 7, 1)) == (1, False)
    assert milestone_colour(plan, date(2021, 7, 1)) == Colour.YELLOW
    assert milestone_colour(plan, date(2021, 10, 1)) == Colour.RED  # two missed
    assert milestone_colour((DESIGN,), date(2021, 7, 1)) == Colour.RED  # the last one
    late = MilestoneFacts(1, date(2021, 6, 30), done=date(2021, 7, 20))
    assert milestone_colour((late, WORKS, DONE), date(2021, 7, 10)) == Colour.YELLOW  # missed until done …
    assert milestone_colour((late, WORKS, DONE), date(2021, 7, 21)) == Colour.GREEN  # … and made up then
    assert milestone_colour((MilestoneFacts(4, None),), date(2022, 1, 1)) == Colour.GREEN  # no date, no miss


def test_the_items_colour_takes_the_worse_of_progress_and_milestones() -> None:
    thresholds = WarningThresholds()
    on_track = dict(percent=60, declared=Status.GOOD)
    month = date(2021, 7, 1)
    assert warn(item(DESIGN, WORKS, DONE, **on_track), date(2021, 6, 30), POLICY, CAL, thresholds).colour == Colour.GREEN
    july = warn(item(DESIGN, WORKS, DONE, **on_track), month, POLICY, CAL, thresholds)
    assert (july.colour, july.missed_milestones) == (Colour.YELLOW, 1)
    assert warn(item(DESIGN, WORKS, DONE, **on_track), date(2021, 10, 8), POLICY, CAL, thresholds).colour == Colour.RED
    done = warn(item(DESIGN, WORKS, DONE, declared=Status.AHEAD), date(2021, 10, 8), POLICY, CAL, thresholds)
    assert (done.colour, done.missed_milestones) == (Colour.GREEN, 0)
    slow = warn(item(DESIGN, WORKS, DONE, percent=10), month, POLICY, CAL, thresholds)
    assert slow.colour == Colour.RED  # trailing by more than 30 points stays red with one missed milestone
