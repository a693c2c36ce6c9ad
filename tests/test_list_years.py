"""/ranking and /history follow the year (考核年度) of the list viewed, not the clock's: a 2021 list read in
2022 or 2026 ranks 2021's months, the chat's current list or a code argument picks among lists of different
years, a later year's list adds nothing to an earlier year's ledger, and a closed list stays readable."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from db import items, lists, reports, units
from db.models import PointEntry
from tests.conftest import SHANGHAI, SUPERVISOR_ID, World
from tests.office import office

HOUSING = 2001


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


def setup(world: World) -> dict[str, int]:
    """2021年民生实事 (民生): one item of 区住建局 from 1 June, reported on time in June and July, then never;
    on 20 December 2021年 2022年民生实事 (民生22) gets an item of the same unit, from 1 January."""
    world.clock.set(at(2021, 6, 1))
    unit = office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]}, items=[]).units["区住建局"]
    ids = {}
    with world.db.session() as session:
        old = lists.create_list(session, name="2021年民生实事", year=2021, code="民生", kind="民生实事",
                                now=world.clock.now())
        ids["old_list"] = old.id
        ids["old"] = items.add_item(session, title="完成城区5座公厕提升改造", deadline=date(2021, 12, 31),
                                      deadline_text="2021年底", lead_unit_ids=[unit], responsible_unit_ids=[unit],
                                      start_date=date(2021, 1, 1), list_id=old.id, now=world.clock.now()).id
        for month in (6, 7):
            reports.add_report(session, item_id=ids["old"], unit_id=unit, reporter_id=HOUSING,
                               period=f"2021-{month:02d}", now=at(2021, month, 20), text=f"{month}月完成{month * 10}%",
                               percent=month * 10, status="good", problems=None)
    world.clock.set(at(2021, 12, 20))
    with world.db.session() as session:
        new = lists.create_list(session, name="2022年民生实事", year=2022, code="民生22", kind="民生实事",
                                now=world.clock.now())
        ids["new"] = items.add_item(session, title="新建幼儿园 2 所", deadline=date(2022, 12, 31),
                                      deadline_text="2022年底", lead_unit_ids=[unit], responsible_unit_ids=[unit],
                                      start_date=date(2022, 1, 1), list_id=new.id, now=world.clock.now()).id
    return ids


def report_2022(world: World, item_id: int) -> None:
    with world.db.session() as session:
        unit = units.find_unit(session, name="区住建局").id
        for month in (1, 2):
            reports.add_report(session, item_id=item_id, unit_id=unit, reporter_id=HOUSING,
                               period=f"2022-{month:02d}", now=at(2022, month, 20), text=f"{month}月开工",
                               percent=month * 5, status="good", problems=None)


async def test_the_ranking_follows_the_list_viewed_not_the_clock(world: World) -> None:
    ids = setup(world)
    supervisor = world.supervisor
    # December 2021, both lists active, none picked: the list whose year has begun; 2022's has not.
    supervisor.send("/ranking 7月")
    assert "区住建局　101 分（+1：按时报送 1）" in (await supervisor.expect("2021年7月各单位督办工作排名")).text
    supervisor.send("/ranking 民生22")
    await supervisor.expect("2022年民生实事的考核年度 2022 年尚未开始")
    supervisor.send("/ranking 民生22 2021年")  # a year written out is that year's
    await supervisor.expect("2021年各单位督办工作考核排名（全年累计）")

    world.clock.set(at(2022, 1, 4))
    with world.db.session() as session:
        lists.close_list(session, list_id=ids["old_list"], now=world.clock.now())
    report_2022(world, ids["new"])
    world.clock.set(at(2022, 3, 10))
    with world.db.session() as session:  # the supervisor's chat works in the closed 2021 list
        lists.set_current_list(session, chat_id=SUPERVISOR_ID, list_id=ids["old_list"], now=world.clock.now())
    supervisor.send("/ranking")  # the year is over: its December, where 2022's item asks nothing
    assert "区住建局　98 分（-2：未报送 1）" in (await supervisor.expect("2021年12月各单位督办工作排名")).text
    supervisor.send("/ranking 7月")
    assert "区住建局　101 分（+1：按时报送 1）" in (await supervisor.expect("2021年7月各单位督办工作排名")).text
    supervisor.send("/ranking 全年")
    year = await supervisor.expect("2021年各单位督办工作考核排名（全年累计）")
    assert "区住建局　92 分（-8：按时报送 2、未报送 5）" in year.text  # Aug–Dec missing
    supervisor.send("/ranking 区住建局")
    assert "共 7 条，合计 -8 分" in (await supervisor.expect("区住建局 2021年考核台账")).text
    supervisor.send("/ranking 民生22 2月")  # the code names the other list, of another year
    assert "区住建局　101 分（+1：按时报送 1）" in (await supervisor.expect("2022年2月各单位督办工作排名")).text
    with world.db.session() as session:
        entries = session.exec(select(PointEntry)).all()
    assert not [e for e in entries if e.item_id == ids["new"] and e.year == 2021]
    assert not [e for e in entries if e.item_id == ids["old"] and e.year == 2022]  # a closed list rests

    world.clock.set(at(2026, 5, 1))  # years later, the 2021 list is still its own year
    supervisor.send("/ranking")
    assert "区住建局　98 分" in (await supervisor.expect("2021年12月各单位督办工作排名")).text
    supervisor.send("/ranking 民生22 区住建局")
    await supervisor.expect("区住建局 2022年考核台账")
    supervisor.send("/ranking 2021年")  # an explicit year stays as written
    await supervisor.expect("2021年各单位督办工作考核排名（全年累计）")


async def test_history_reads_months_of_the_lists_year(world: World) -> None:
    ids = setup(world)
    supervisor = world.supervisor
    supervisor.send("/history 区住建局 7月")  # two lists active: every item named with its list
    july = await supervisor.expect("区住建局 报送记录")
    assert "2021年7月1日" in july.text and "民生1 区住建局" in july.text

    world.clock.set(at(2022, 1, 4))
    with world.db.session() as session:
        lists.close_list(session, list_id=ids["old_list"], now=world.clock.now())
    report_2022(world, ids["new"])
    world.clock.set(at(2026, 5, 1))
    with world.db.session() as session:
        lists.set_current_list(session, chat_id=SUPERVISOR_ID, list_id=ids["old_list"], now=world.clock.now())
    supervisor.send("/history 1 6月")  # the closed 2021 list's item, its June
    june = await supervisor.expect("#1 完成城区5座公厕提升改造 报送记录")
    assert "2021年6月1日" in june.text and "共 1 条" in june.text and "6月完成60%" in june.text
    supervisor.send("/history 区住建局")  # a year that is over: all of it
    assert "共 2 条" in (await supervisor.expect("区住建局 报送记录")).text
    supervisor.send("/history 民生22 区住建局 1月")
    january = await supervisor.expect("区住建局 报送记录")
    assert "2022年1月1日" in january.text and "1月开工" in january.text and "共 1 条" in january.text
    supervisor.send("/history 民生22#1 2月")
    assert "2月开工" in (await supervisor.expect("#1 新建幼儿园 2 所 报送记录")).text
