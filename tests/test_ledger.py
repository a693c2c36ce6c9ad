"""The points ledger and month-on-month (环比) over HTTP: the first notice of August names what changed in
July, /status 环比 says it any time, /ranking is the ledger's sums with its method under the table, and
/ranking 单位 pages through a unit's entries. The ledger's recompute is idempotent."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from db import instructions, items, ledger, reports
from db.models import PointEntry, Status
from jobs.ledger import ranked_units, recompute_ledger
from jobs.schedule import DIGEST_JOB
from tests.conftest import SHANGHAI, World
from tests.factories import confirm_done
from tests.office import office, snapshot

HOUSING, FINANCE = 2001, 2002


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2021, month, day, hour, 0, tzinfo=SHANGHAI)


def setup(world: World) -> dict[str, int]:
    """Five items from 1 June; #3 is led by 区住建局 with 区财政局 as co-unit. June and July as scripted:
    #1 green to red (10% at the end of July), #4 overdue since 15 July, #5 done on 10 July, #2 never
    reported, 区财政局's July report on #3 sent back on 26 July and sent again, late, on the 28th."""
    world.clock.set(at(6, 1, 9))
    made = office(world.db, world.clock.now(),
                  units={"区住建局": [(HOUSING, "李四", False)], "区财政局": [(FINANCE, "王五", False)]},
                  items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
                         ("发放消费券", "区财政局", date(2021, 12, 31)),
                         ("老旧小区改造", "区住建局", date(2021, 12, 31)),
                         ("完成防汛设施检修", "区住建局", date(2021, 7, 15)),
                         ("拨付养老补贴", "区财政局", date(2021, 12, 31))])
    housing, finance = made.units["区住建局"], made.units["区财政局"]
    item = made.items
    with world.db.session() as session:
        items.set_item_units(session, item_id=item[3], lead_unit_ids=[housing], responsible_unit_ids=[housing, finance])

        def add(number: int, unit: int, when: datetime, percent: int | None, status: str = Status.GOOD):  # type: ignore[no-untyped-def]
            return reports.add_report(session, item_id=item[number], unit_id=unit, reporter_id=None,
                                      period=f"2021-{when.month:02d}", now=when, text="进展", percent=percent,
                                      status=status, problems=None)

        add(1, housing, at(6, 20), 45)
        add(3, housing, at(6, 20), 50)
        add(3, finance, at(6, 21), 50)
        add(4, housing, at(6, 22), 90)
        add(5, finance, at(6, 22), 80)
        add(1, housing, at(7, 20), 10)
        add(3, housing, at(7, 20), 60)
        returned = add(3, finance, at(7, 22), 60)
        confirm_done(session, add(5, finance, at(7, 10), 100, Status.AHEAD), at(7, 12))  # 办结 on 12 July
        reports.return_report(session, report_id=returned.id, by=1002, reason="数据不实", now=at(7, 26))
        add(3, finance, at(7, 28), 60)
    return made.units


async def test_the_first_notice_of_august_and_the_ranking_are_the_ledgers(world: World) -> None:
    units = setup(world)
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.clock.set(at(8, 2, 9))  # the first working day of August, a Monday
    await world.run_job(DIGEST_JOB)
    digest = "\n".join([(await world.group.expect("九、与上月相比")).text, *[m.text for m in world.group.drain()]])
    assert ("与上月相比：转为红色 2 项（#1 完成城区5座公厕提升改造、#4 完成防汛设施检修），"
            "新增逾期 1 项（#4 完成防汛设施检修），新办结 1 项（#5 拨付养老补贴），新报送 3 项。") in digest
    # July from the ledger: 区住建局 on time on #1 and #3 (+1 each), #4 missing (−2); 区财政局 #2 missing (−2),
    # and as #3's co-unit (×0.5) sent back (−1) and late (−0.5), and #5 closed (办结) on time (+1).
    assert "1. 区住建局　100 分（+0：按时报送 2、未报送 1）" in digest
    assert "2. 区财政局　97.5 分（-2.5：逾期报送 1、未报送 1、被退办 1、按期办结 1）" in digest
    assert "计分方法：基础分 100 分" in digest and "牵头单位按 ×1 计，其他责任单位按 ×0.5 计" in digest

    world.supervisor.send("/ranking 7月")
    ranking = await world.supervisor.expect("2021年7月各单位督办工作排名")
    assert "2. 区财政局　97.5 分" in ranking.text
    assert ranking.text.rstrip().splitlines()[-1].startswith("计分方法")
    with world.db.session() as session:
        rows = session.exec(select(PointEntry).where(PointEntry.month == 7)).all()
    sums = {u: sum(r.points for r in rows if r.unit_id == u) for u in units.values()}
    assert {s.unit_id: s.points for s in ranked_units(world.services, 2021, 7)} == sums  # the ranking is the sums
    assert sums == {units["区住建局"]: 0.0, units["区财政局"]: -2.5}

    again = recompute_ledger(world.services, 2021)
    assert (again.added, again.changed, again.removed) == (0, 0, 0)  # idempotent

    world.clock.set(at(8, 20))
    world.supervisor.send("/status 环比")
    changes = await world.supervisor.expect("2021年8月环比")
    assert "本月截至" in changes.text and "与上月相比：各事项预警颜色无变化。" in changes.text

    world.admin.send("/ranking 区财政局")
    entries = await world.admin.expect("区财政局 2021年考核台账")
    assert "共 7 条，合计 -3 分，得分 97（基础分 100）" in entries.text  # June −0.5, July −2.5
    assert "#3 老旧小区改造：被退办（配合）-1" in entries.text
    world.supervisor.send("/ranking 全年")
    year = await world.supervisor.expect("2021年各单位督办工作考核排名（全年累计）")
    assert "1. 区住建局　103 分（+3：按时报送 5、未报送 1）" in year.text  # June +3, July 0
    assert "2. 区财政局　97 分（-3：按时报送 2、逾期报送 1、未报送 2、被退办 1、按期办结 1）" in year.text


async def test_a_units_ledger_pages_and_refusals_change_nothing(world: World) -> None:
    world.clock.set(datetime(2021, 1, 1, 9, 0, tzinfo=SHANGHAI))
    office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)), ("老旧小区改造", "区住建局", date(2021, 12, 31))])
    world.clock.set(datetime(2021, 12, 31, 10, 0, tzinfo=SHANGHAI))
    world.supervisor.send("/ranking 区住建局")
    first = await world.supervisor.expect("区住建局 2021年考核台账")
    assert "共 24 条，合计 -48 分，得分 52" in first.text and "1/2" in first.text
    world.supervisor.press(first, "▶")
    second = await world.supervisor.expect("2/2")
    assert "2021年12月24日" in second.text and "未报送（牵头）-2" in second.text
    world.supervisor.press(second, "📥 下载 .xlsx")
    document = await world.supervisor.expect("考核台账-区住建局-2021.xlsx")
    sheet = load_workbook(io.BytesIO(world.sim.file_bytes(document.document["file_id"]))).active
    assert sheet["A1"].value == "区住建局 2021年考核台账" and sheet.max_row == 2 + 24 + 1
    assert (sheet["D3"].value, sheet["E3"].value, sheet["F3"].value) == ("未报送", "牵头", -2)
    assert sheet.cell(row=27, column=6).value == 52

    before = snapshot(world)
    world.supervisor.send("/ranking 不存在的单位")
    await world.supervisor.expect("无法识别月份或单位「不存在的单位」")
    contact = world.user(HOUSING, "李四")
    contact.send("/ranking 区住建局")
    await contact.expect("仅限")
    assert snapshot(world) == before
    world.supervisor.send("/ranking 2021年13月")
    await world.supervisor.expect("无法识别月份或单位")


async def test_a_recompute_beside_another_goes_again(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two recomputes of one year at once: the one that finds its rows written by the other meanwhile (a
    UNIQUE violation) goes again over them, and nothing is written twice."""
    setup(world)
    world.clock.set(at(8, 2, 9))
    real = ledger.replace_entries
    calls = []

    def beside(session, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) > 1:
            return real(session, **kw)
        with world.db.session() as other:  # the other recompute commits first
            real(other, **kw)
        raise IntegrityError("INSERT INTO pointentry …", {}, Exception("uq_pointentry_unit_id_kind_ref"))

    monkeypatch.setattr(ledger, "replace_entries", beside)
    written = recompute_ledger(world.services, 2021)
    assert len(calls) == 2 and (written.added, written.changed, written.removed) == (0, 0, 0)
    with world.db.session() as session:
        rows = session.exec(select(PointEntry)).all()
    assert len(rows) == len({(r.unit_id, r.kind, r.ref) for r in rows}) > 0


def test_an_instruction_answered_late_and_one_in_time_are_entries_of_the_ledger(world: World) -> None:
    units = setup(world)
    housing = units["区住建局"]
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        report = reports.add_report(session, item_id=item.id, unit_id=housing, reporter_id=None, period="2021-07",
                                    now=at(7, 21), text="已落实批示", percent=20, status=Status.GOOD, problems=None)
        ids = []
        for act_by, draft in ((date(2021, 7, 31), "a" * 16), (date(2021, 7, 15), "b" * 16)):
            made = instructions.record(session, item_id=item.id, leader="区长", given_on=date(2021, 7, 5),
                                       text="加快进度", act_by=act_by, act_by_text=None, by=1, now=at(7, 5),
                                       units={housing: "lead"}, draft_id=draft)
            ids.append(made.id)
        instructions.answer(session, instruction_ids=ids, unit_id=housing, report_id=report.id, now=at(7, 21))
        session.commit()
    recompute_ledger(world.services, 2021)
    with world.db.session() as session:
        rows = session.exec(select(PointEntry).where(col(PointEntry.kind).in_(["answered", "answered_late"]))).all()
    assert sorted((r.kind, r.ref, r.points) for r in rows) == [
        ("answered", f"instruction:{ids[0]}", 1.0), ("answered_late", f"instruction:{ids[1]}", -1.0)]
