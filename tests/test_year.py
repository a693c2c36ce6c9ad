"""A year of the Putuo fixture (100 items, 44 reporting units) with scripted reports: the colour each item
was given every month, and the monthly ranking of units checked against a count by hand."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from sqlmodel import select

from bot.tables import read_table
from db import items, lists, reports, units
from db.imports import apply_import
from db.models import MonthlyColour, Status
from jobs.rules import ItemFacts, month_end, period_key, time_progress
from jobs.schedule import DIGEST_JOB
from tests.conftest import FIXTURES, SHANGHAI, World
from tests.factories import confirm_done

IMPORTED = datetime(2021, 1, 5, 9, 0, tzinfo=SHANGHAI)
FIRST_WORKDAYS = [date(2021, 2, 1), date(2021, 3, 1), date(2021, 4, 1), date(2021, 5, 6), date(2021, 6, 1),
                  date(2021, 7, 1), date(2021, 8, 2), date(2021, 9, 1), date(2021, 10, 8), date(2021, 11, 1),
                  date(2021, 12, 1), date(2022, 1, 4)]
LAGGING, SILENT, OVERDUE = 16, 12, 80  # 区城投集团's item, 普陀供电分局's item, the June item never done


def import_fixture(world: World) -> list[ItemFacts]:
    world.clock.set(IMPORTED)
    table = read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "putuo.xlsx", now=IMPORTED)
    with world.db.session() as session:
        apply_import(session, table=table, now=IMPORTED)
        # The table's "1-7月", read on 5 January, names 2020's July; this office's list is 2021's (考核年度),
        # which the ranking follows.
        for task_list in lists.lists(session):
            task_list.year, task_list.name = 2021, "2021年民生实事"
    with world.db.session() as session:
        return reports.item_facts(session, today=IMPORTED.date())


def on_track(item: ItemFacts, month: int) -> int:
    """The percent that keeps pace with time progress at the month's end."""
    progress = time_progress(item.start, item.deadline, month_end(2021, month)) or 0.0
    return min(100, round(progress * 100))


Script = Callable[[ItemFacts, int, int], tuple[int, str, int] | None]  # item, unit, month → (percent, status, day)


def on_time(item: ItemFacts, unit: int, month: int) -> tuple[int, str, int] | None:
    """Every unit reports on the 20th, keeping pace; an item due before December is reported done in its month."""
    if item.deadline and item.deadline.month == month:
        return 100, Status.AHEAD, 20
    return on_track(item, month), Status.GOOD, 20


def write_reports(world: World, facts: list[ItemFacts], months: range, script: Script,
                  never_done: tuple[int, ...] = ()) -> int:
    written = 0
    with world.db.session() as session:
        for month in months:
            for item in facts:
                if item.declared == Status.AHEAD or (item.deadline and item.deadline < date(2021, month, 1)
                                                     and item.number not in never_done):
                    continue  # done: imported as done, or reported done in its deadline's month
                for unit in item.reporting_unit_ids:
                    planned = script(item, unit, month)
                    if planned is None:
                        continue
                    percent, status, day = planned
                    when = datetime.combine(date(2021, month, day), time(10, 0), SHANGHAI)
                    report = reports.add_report(session, item_id=item.id, unit_id=unit, reporter_id=None,
                                                period=period_key("monthly", when.date()), now=when,
                                                text=f"{month}月进展", percent=percent, status=status, problems=None)
                    if status == Status.AHEAD:
                        confirm_done(session, report, when)
                    written += 1
    return written


def kept_colours(world: World, number: int) -> list[str]:
    with world.db.session() as session:
        item = items.item_by_number(session, number=number)
        rows = session.exec(select(MonthlyColour).where(MonthlyColour.item_id == item.id)
                            .order_by(MonthlyColour.month)).all()
    return [r.colour[0].upper() for r in rows]


async def test_a_year_of_monthly_colours(world: World) -> None:
    facts = import_fixture(world)
    assert len(facts) == 100

    def year(item: ItemFacts, unit: int, month: int) -> tuple[int, str, int] | None:
        if item.number == SILENT and 4 <= month <= 8:
            return None  # five reports missed: yellow after one, red after three
        if item.number == LAGGING and 5 <= month <= 10:
            return on_track(item, month) - (15 if month <= 7 else 35), Status.GOOD, 20
        if item.number == OVERDUE:
            return on_track(item, month), Status.GOOD, 20  # keeps reporting, never done: overdue from July
        return on_time(item, unit, month)

    for index, first_workday in enumerate(FIRST_WORKDAYS):
        month = index + 1
        write_reports(world, facts, range(month, month + 1), year, never_done=(OVERDUE,))
        if month == 12:  # the card mid-December: eleven months kept, this one live
            world.clock.set(datetime(2021, 12, 15, 10, 0, tzinfo=SHANGHAI))
            world.supervisor.send(f"/item {LAGGING}")
            card = await world.supervisor.expect(f"#{LAGGING}")
            assert "月度预警：1月🟢 2月🟢 3月🟢 4月🟢 5月🟡 6月🟡 7月🟡 8月🔴 9月🔴 10月🔴 11月🟢 12月🟢" in card.text
        world.clock.set(datetime.combine(first_workday, time(9, 30), SHANGHAI))
        await world.run_job(DIGEST_JOB)  # the monthly job keeps last month's colours

    with world.db.session() as session:
        kept = session.exec(select(MonthlyColour)).all()
    assert len(kept) == 100 * 12
    assert {r.month for r in kept} == {f"2021-{m:02d}" for m in range(1, 13)}
    assert kept_colours(world, LAGGING) == list("GGGGYYYRRRGG")
    assert kept_colours(world, SILENT) == list("GGGYYRRRGGGG")
    assert kept_colours(world, OVERDUE) == list("GGGGGGRRRRRR")
    assert kept_colours(world, 3) == list("G" * 12)  # imported as done
    others = [f.number for f in facts if f.number not in (LAGGING, SILENT, OVERDUE)]
    assert all(kept_colours(world, n) == list("G" * 12) for n in others[:10])


def july(item: ItemFacts, unit: int, month: int) -> tuple[int, str, int] | None:
    """July as scripted for the ranking; every other month on time."""
    names = UNIT_NAMES
    if month != 7:
        return on_time(item, unit, month)
    if names[unit] == "区港航分中心":
        return on_track(item, 7), Status.GOOD, 27  # four days after the due day (Friday 23 July)
    if names[unit] == "普陀供电分局":
        return None
    if item.number == 16:
        return on_track(item, 7) - 35, Status.GOOD, 20  # trails time progress by 35 points: red
    if item.number == 23:
        return on_track(item, 7), Status.SLOW, 20  # declared slow: yellow
    return on_time(item, unit, month)


UNIT_NAMES: dict[int, str] = {}


async def test_the_july_ranking_matches_a_count_by_hand(world: World) -> None:
    facts = import_fixture(world)
    with world.db.session() as session:
        UNIT_NAMES.update({u.id: u.name for u in units.all_units(session)})
    write_reports(world, facts, range(1, 8), july)
    # 区住建局's report on #79 is returned on 22 July and sent again on the 26th: late, not on time.
    housing = next(u for u, n in UNIT_NAMES.items() if n == "区住建局")
    with world.db.session() as session:
        item79 = items.item_by_number(session, number=79)
        first = reports.latest_unit_report(session, item_id=item79.id, unit_ids=[housing])
        reports.return_report(session, report_id=first.id, by=1002, reason="数据不实",
                                  now=datetime(2021, 7, 22, 15, 0, tzinfo=SHANGHAI))
        reports.add_report(session, item_id=item79.id, unit_id=housing, reporter_id=None, period="2021-07",
                           now=datetime(2021, 7, 26, 10, 0, tzinfo=SHANGHAI), text="重报", percent=first.percent,
                           status=Status.GOOD, problems=None)

    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.clock.set(datetime(2021, 8, 2, 9, 30, tzinfo=SHANGHAI))  # first working day of August, also a Monday
    await world.run_job(DIGEST_JOB)
    digest = "\n".join([(await world.group.expect("八、上月各单位排名")).text,
                        *[m.text for m in world.group.drain() if m.text]])

    # The ranking printed is the points ledger's (base 100; a co-unit's points count half): 区城投集团 is a
    # co-unit of #1, #16 and #23, all on time; 区住建局 leads #2 (on time) and is a co-unit of #79, late after
    # being sent back; 区港航分中心 co-unit of #10, late; 普陀供电分局 co-unit of #12, missing.
    assert "2021年7月各单位督办工作排名" in digest
    assert "区城投集团　101.5 分（+1.5：按时报送 3）" in digest
    assert "42. 区住建局　99.5 分（-0.5：按时报送 1、逾期报送 1、被退办 1）" in digest
    assert "42. 区港航分中心　99.5 分（-0.5：逾期报送 1）" in digest
    assert "44. 普陀供电分局　99 分（-1：未报送 1）" in digest
    assert "舟山国际水产城　100 分（+0：无计分事项）" in digest
    assert "计分方法" in digest
    # The first notice of August says what changed in July (环比).
    assert ("与上月相比：转为红色 1 项（#16 完成城区道路“白改黑”2公里），由绿转黄 2 项（#12 完成桃花、白沙等海岛 10 …、"
            "#23 建成北安路立体停车库主体工程），新报送 81 项。") in digest

    world.supervisor.send("/items 红色")
    red = await world.supervisor.expect("事项列表")
    assert "#16 🔴 ▲" in red.text and "共 1 项" in red.text
    world.supervisor.send("/ranking 7月")
    ranking = await world.supervisor.expect("2021年7月各单位督办工作排名")
    assert "42. 区港航分中心　99.5 分（-0.5：逾期报送 1）" in ranking.text
    assert ranking.text.rstrip().splitlines()[-1].startswith("计分方法")


@pytest.fixture(autouse=True)
def _clear_names() -> None:
    UNIT_NAMES.clear()


def test_on_track_reaches_the_whole_at_the_deadline() -> None:
    item = ItemFacts(id=1, number=1, title="t", domain=None, start=date(2021, 1, 1), deadline=date(2021, 12, 31))
    assert on_track(item, 12) == 100 and on_track(item, 7) == math.floor(211 / 364 * 100 + 0.5)
