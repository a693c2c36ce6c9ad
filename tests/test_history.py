"""Reports by range over HTTP: /history as a message, and as an .xlsx when long, formulas kept as text."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from db import reports
from tests.conftest import SHANGHAI, World
from tests.office import office

HOUSING, SCHOOL, STRANGER = 2001, 2002, 2999
TRICKY = ("=HYPERLINK(\"http://x\",\"点我\")", "+86 0580 1234567", "-3%的偏差已纠正", "@全体 已完成")


def setup(world: World) -> None:
    made = office(world.db, world.clock.now(),
                  units={"区住建局": [(HOUSING, "李四", False)], "区教育局": [(SCHOOL, "张三", False)]},
                  items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
                         ("老旧小区改造", "区住建局", date(2021, 12, 31)),
                         ("改善六横中学办学条件", "区教育局", date(2021, 12, 31))])
    unit = made.units["区住建局"]
    with world.db.session() as session:
        for day in range(45):  # one report a day on #1 from 20 June to 3 August, the tricky texts among them
            when = datetime(2021, 6, 20, 10, 0, tzinfo=SHANGHAI) + timedelta(days=day)
            text = TRICKY[day % len(TRICKY)] if day % 5 == 0 else f"第{day}天进展"
            reports.add_report(session, item_id=made.items[1], unit_id=unit, reporter_id=HOUSING,
                               period=f"{when:%Y-%m}", now=when, text=text, percent=day, status="good",
                               problems=None)
        returned = reports.add_report(session, item_id=made.items[2], unit_id=unit, reporter_id=HOUSING,
                                      period="2021-07", now=datetime(2021, 7, 10, 9, 0, tzinfo=SHANGHAI),
                                      text="老旧小区改造完成30%", percent=30, status="good", problems=None)
        reports.return_report(session, report_id=returned.id, by=1002, reason="数据不实",
                                  now=datetime(2021, 7, 11, 9, 0, tzinfo=SHANGHAI))


async def test_a_long_history_comes_as_one_message_with_pages_and_a_workbook(world: World) -> None:
    setup(world)
    world.clock.set(datetime(2021, 8, 3, 10, 0, tzinfo=SHANGHAI))
    supervisor = world.supervisor
    supervisor.send("/history 区住建局 2021-07-01 2021-07-31")
    message = await supervisor.expect("区住建局 报送记录")
    assert "共 32 条" in message.text and "第 1/2 页" in message.text
    await supervisor.expect_none()  # one message, not one per part
    supervisor.press(message, "▶")
    turned = await supervisor.expect("第 2/2 页")
    assert turned.message_id == message.message_id  # the same message, edited
    assert "已退回（2021年7月11日 周日 09:00：数据不实）" in message.text + turned.text
    supervisor.press(turned, "📥 下载 .xlsx")
    document = await supervisor.expect("报送记录-2021-07-01-2021-07-31.xlsx")
    sheet = load_workbook(io.BytesIO(world.sim.file_bytes(document.document["file_id"]))).active
    assert sheet.max_row == 2 + 32 and sheet.cell(row=2, column=7).value == "完成情况"
    texts = {sheet.cell(row=r, column=7): sheet.cell(row=r, column=7).value for r in range(3, sheet.max_row + 1)}
    tricky = [cell for cell, value in texts.items() if value in TRICKY]
    assert {cell.value for cell in tricky} == set(TRICKY)
    assert all(cell.data_type == "s" for cell in tricky)  # never a formula


async def test_a_short_history_and_who_may_see_it(world: World) -> None:
    setup(world)
    world.clock.set(datetime(2021, 8, 3, 10, 0, tzinfo=SHANGHAI))
    housing, school, stranger = world.user(HOUSING, "李四"), world.user(SCHOOL, "张三"), world.user(STRANGER, "路人")
    housing.send("/history #2 7月")  # a contact, about the unit's own item
    short = await housing.expect("#2 老旧小区改造 报送记录")
    assert "共 1 条" in short.text and "已退回" in short.text
    await housing.expect_none()  # no document for one report
    world.admin.send("/history 区住建局 7月31日 7月1日")  # dates the wrong way round are taken as meant
    assert "共 32 条" in (await world.admin.expect("区住建局 报送记录")).text
    world.admin.send("/history 区教育局 7月")
    await world.admin.expect("区教育局 在 2021年7月1日（周四）至2021年7月31日（周六） 没有报送记录")
    school.send("/history 区住建局 7月")
    assert "不属于您所在的单位" in (await school.expect()).text
    school.send("/history #1 7月")
    assert "不属于您所在的单位" in (await school.expect()).text
    stranger.send("/history 区住建局 7月")
    assert "还没有绑定单位" in (await stranger.expect()).text
    world.admin.send("/history 住建委 7月")
    assert "区住建局" in (await world.admin.expect("未找到单位或事项")).text
    world.admin.send("/history")
    await world.admin.expect("用法")
