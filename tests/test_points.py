"""The points ledger's rule (jobs.points) with days passed in, across a year: on time, late, missing, sent
back, lead and co-unit weights, the 办结 and instruction hook, and the ranking as the ledger's sums."""

from __future__ import annotations

from datetime import date

from db.facts import ItemFacts, Status, month_end
from jobs.points import Event, Kind, LedgerRow, ReportEvent, Role, Weights, ledger_entries, standings
from jobs.policy import Policy
from jobs.ranking import month_due_days
from jobs.workdays import WorkCalendar

CAL, POLICY, WEIGHTS = WorkCalendar(), Policy(), Weights()
LEAD, CO, OTHER = 10, 11, 12


def item(id_: int = 1, **kw) -> ItemFacts:  # type: ignore[no-untyped-def]
    base = dict(id=id_, number=id_, title=f"事项{id_}", domain=None, start=date(2021, 1, 1),
                deadline=date(2021, 12, 31), lead_unit_ids=(LEAD,), responsible_unit_ids=(LEAD, CO),
                created=date(2021, 1, 1))
    return ItemFacts(**{**base, **kw})


def due(month: int) -> date:
    ((_, day),) = month_due_days("monthly", 2021, month, POLICY, CAL)
    return day


def entries(items, reports, today, **kw):  # type: ignore[no-untyped-def]
    return ledger_entries(items, reports, year=2021, today=today, policy=POLICY, cal=CAL, weights=WEIGHTS, **kw)


def by_key(found) -> dict:  # type: ignore[no-untyped-def]
    return {(e.unit_id, e.month, e.kind): e.points for e in found}


def test_a_year_of_reports_month_by_month() -> None:
    """The lead unit reports every month on its due day; the co-unit skips March, is late in May, and its
    July report is sent back on 26 July and sent again on the 28th (late). Looked at on each month's end."""
    reports, rid = [], 0
    for month in range(1, 13):
        rid += 1
        reports.append(ReportEvent(rid, 1, LEAD, f"2021-{month:02d}", due(month), Status.GOOD))
        if month == 3:
            continue
        rid += 1
        day = due(month).replace(day=due(month).day + 2) if month == 5 else due(month)
        returned = date(2021, 7, 26) if month == 7 else None
        reports.append(ReportEvent(rid, 1, CO, f"2021-{month:02d}", day, Status.GOOD, returned))
    reports.append(ReportEvent(99, 1, CO, "2021-07", date(2021, 7, 28), Status.GOOD))
    previous: set = set()
    for month in range(1, 13):
        today = month_end(2021, month)
        found = entries([item()], reports, today)
        keys = {e.key for e in found}
        assert previous <= keys or month == 7  # entries only grow, but for July's send-back
        previous = keys
        now = by_key(found)
        assert now[(LEAD, month, Kind.ON_TIME)] == 1.0  # lead ×1.0
        expected = {3: (Kind.MISSING, -1.0), 5: (Kind.LATE, -0.5), 7: (Kind.LATE, -0.5)}.get(month, (Kind.ON_TIME, 0.5))
        assert now[(CO, month, expected[0])] == expected[1]  # co-unit ×0.5
    year = entries([item()], reports, date(2021, 12, 31))
    assert by_key(year)[(CO, 7, Kind.SENT_BACK)] == -1.0
    assert sum(e.points for e in year if e.unit_id == LEAD) == 12.0
    assert sum(e.points for e in year if e.unit_id == CO) == 9 * 0.5 - 1.0 - 0.5 - 0.5 - 1.0
    assert {e.role for e in year if e.unit_id == CO} == {Role.CO}
    refs = {e.ref for e in year if e.unit_id == CO and e.month == 7}
    assert refs == {"report:99", f"returned:{[r.id for r in reports if r.returned][0]}"}


def test_before_the_send_back_the_report_was_on_time() -> None:
    sent = ReportEvent(7, 1, LEAD, "2021-07", due(7), Status.GOOD, returned=date(2021, 7, 26))
    assert by_key(entries([item(responsible_unit_ids=())], [sent], date(2021, 7, 25))) == {
        (LEAD, m, Kind.MISSING): -2.0 for m in range(1, 7)} | {(LEAD, 7, Kind.ON_TIME): 1.0}
    after = entries([item(responsible_unit_ids=())], [sent], date(2021, 7, 31))
    assert {(e.month, e.kind, e.ref) for e in after if e.month == 7} == {
        (7, Kind.MISSING, "due:1:2021-07"), (7, Kind.SENT_BACK, "returned:7")}


def test_nothing_is_due_before_the_item_existed_after_it_was_done_or_on_the_due_day() -> None:
    late_item = item(created=date(2021, 6, 1), responsible_unit_ids=(OTHER,))
    done = ReportEvent(1, 2, OTHER, "2021-04", date(2021, 4, 2), Status.AHEAD)
    done_item = item(2, responsible_unit_ids=(OTHER,))
    found = entries([late_item, done_item], [done], due(7))
    assert {(e.item_id, e.month, e.kind) for e in found} == {
        (1, 6, Kind.MISSING),  # June is due; July's due day is today: not missing yet
        (2, 1, Kind.MISSING), (2, 2, Kind.MISSING), (2, 3, Kind.MISSING)}  # done on 2 April: nothing after
    assert all(e.role == Role.CO and e.points == -1.0 for e in found)  # OTHER does not lead


def test_closings_and_instructions_come_through_the_hook() -> None:
    closings = [Event(LEAD, 1, date(2021, 11, 30), True, "closing:1"), Event(CO, 1, date(2021, 11, 30), True, "closing:1"),
                Event(LEAD, 2, date(2022, 1, 5), False, "closing:2")]  # another year: not in 2021's ledger
    answered = [Event(CO, 1, date(2021, 5, 6), False, "instruction:3")]
    found = [e for e in entries([item(), item(2)], [], date(2021, 1, 1), closings=closings, instructions=answered)]
    assert {(e.unit_id, e.kind, e.ref, e.points) for e in found} == {
        (LEAD, Kind.DONE_ON_TIME, "closing:1", 1.0), (CO, Kind.DONE_ON_TIME, "closing:1", 0.5),
        (CO, Kind.ANSWERED_LATE, "instruction:3", -0.5)}


def test_weights_come_from_the_settings() -> None:
    heavy = Weights(missing=-10, co=1.0)
    found = ledger_entries([item(responsible_unit_ids=(CO,))], [], year=2021, today=date(2021, 2, 28), policy=POLICY,
                           cal=CAL, weights=heavy)
    assert [e.points for e in found] == [-10.0, -10.0]


def test_the_ranking_is_the_ledgers_sums() -> None:
    rows = [LedgerRow(LEAD, 7, "on_time", 1.0), LedgerRow(LEAD, 7, "late", -1.0), LedgerRow(CO, 7, "on_time", 0.5),
            LedgerRow(OTHER, 7, "missing", -2.0), LedgerRow(OTHER, 8, "on_time", 5.0), LedgerRow(13, 7, "on_time", 0.5)]
    names = {LEAD: "甲", CO: "乙", OTHER: "丙", 13: "丁"}
    july = standings(rows, names, month=7)
    assert [(s.name, s.points, s.rank, s.score(100)) for s in july] == [
        ("乙", 0.5, 1, 100.5), ("丁", 0.5, 1, 100.5), ("甲", 0.0, 3, 100.0), ("丙", -2.0, 4, 98.0)]
    assert july[2].on_time_rate == 0.5 and july[3].on_time_rate == 0.0
    year = standings(rows, names)
    assert [(s.name, s.points) for s in year] == [("丙", 3.0), ("乙", 0.5), ("丁", 0.5), ("甲", 0.0)]
    assert sum(s.points for s in year) == sum(r.points for r in rows)
