"""Task lists (清单): references typed in chat, and the one resolver that turns them into items."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from bot.callbacks import CarryPick
from db import items, lists, reports
from db.engine import Database
from db.lists import Reference, parse_reference
from tests.conftest import World
from tests.factories import report
from tests.office import office, snapshot

NOW = datetime(2021, 7, 20, 1, tzinfo=UTC)


def test_references_as_typed() -> None:
    assert parse_reference("12") == parse_reference("#12") == parse_reference(" ＃１２ ") == Reference(12)
    assert parse_reference("民生12") == parse_reference("民生#12") == parse_reference("民生 12") == Reference(12, "民生")
    assert parse_reference("重点2 12") == Reference(12, "重点2")
    assert parse_reference("2021年民生实事#3") == Reference(3, "2021年民生实事")
    for text in ("", "民生", "12a", "#", "1 2", "1234567890"):
        assert parse_reference(text) is None, text
    assert str(Reference(12, "民生")) == "民生12" and str(Reference(12)) == "12"


def test_a_number_means_the_chats_list_and_a_code_names_another(database: Database) -> None:
    with database.session() as session:
        key = lists.create_list(session, name="2021年重点工作", year=2021, code="重点", kind="重点工作", now=NOW)
        ids = {"重点": items.add_item(
            session, title="老旧小区改造", deadline=date(2021, 12, 31), deadline_text=None, lead_unit_ids=[],
            responsible_unit_ids=[], start_date=date(2021, 1, 1), list_id=key.id, now=NOW).id}
        # One active list: it is everyone's, and new items go into it.
        assert lists.find_item(session, reference=Reference(1), chat_id=42).item.id == ids["重点"]
        assert not lists.several_active(session)
        people = lists.create_list(session, name="2021年民生实事", year=2021, code="民生", kind="民生实事", now=NOW)
        ids["民生"] = items.add_item(session, title="新建幼儿园", deadline=None, deadline_text=None, lead_unit_ids=[],
                                     responsible_unit_ids=[], start_date=date(2021, 1, 1), list_id=people.id,
                                     now=NOW).id
        assert [i.number for i in items.items_by_id(session, ids=ids.values()).values()] == [1, 1]
        assert lists.several_active(session)
        # Two active lists, none picked: a bare number found in both is ambiguous; a code settles it.
        found = lists.find_item(session, reference=Reference(1), chat_id=42)
        assert (found.item, found.problem, found.choices) == (None, "ambiguous", ("重点1", "民生1"))
        assert lists.find_item(session, reference=Reference(1, "民生"), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(1, "2021年民生实事"), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(2, "民生"), chat_id=42).item is None
        unknown = lists.find_item(session, reference=Reference(1, "民声"), chat_id=42)
        assert (unknown.problem, unknown.choices) == ("unknown_list", ("重点", "民生"))
        # The chat picks its list: a bare number then means that list's, in that chat only.
        lists.set_current_list(session, chat_id=42, list_id=people.id, now=NOW)
        assert lists.find_item(session, reference=Reference(1), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(1), chat_id=43).problem == "ambiguous"
        assert lists.next_item_number(session, list_id=people.id) == 2


# ---------------------------------------------------------------- the story over the Bot API emulator

HOUSING = 2001


async def test_two_lists_a_year_end_and_a_task_carried_into_next_years_list(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]},
           items=[("完成老旧小区改造12个", "区住建局", date(2021, 12, 31)),
                  ("新开工建设保障性住房", "区住建局", date(2021, 12, 31))])
    contact, admin = world.user(HOUSING, "李四"), world.admin
    before = snapshot(world)
    admin.send("/list new 2022年" + "长" * 60 + " 2022")  # names are bounded and normalised at the edge
    await admin.expect("内容过长（最多 60 字）")
    assert snapshot(world) == before
    admin.send("/list new 2021年民生\u200b实事 民生\u200b")
    await admin.expect("已新建清单 2021年民生实事（")
    admin.send("/list")
    listing = await admin.expect("任务清单")
    assert "2021年重点工作（2021年度，重点工作，代号 重点，进行中，2 项）" in listing.text
    admin.press(listing, "2021年民生实事")
    await admin.expect("当前清单已切换为 2021年民生实事")
    stale = admin.press_data(listing, listing.inline_buttons()[0]["callback_data"])  # the /list was answered
    assert "已失效" in (await world.sim.wait_callback_answer(stale)).get("text", "")
    for title in ("新建幼儿园3所", "新建社区公园2座"):  # /add goes into the chat's current list
        admin.send(f"/add {title} | 2021.12 | 区住建局 | 区住建局")
        admin.press(await admin.expect(title), "✅ 确认")
        await admin.expect("已保存事项")

    # Two lists active: a bare number is ambiguous for the contact, a code names the list.
    contact.send("/report 1")
    assert "重点1、民生1" in (await contact.expect("有多个清单都有第 1 项")).text
    contact.send("/report 民声1")
    assert "重点、民生" in (await contact.expect("没有代号为“民声”的清单")).text
    await report(contact, "进度滞后，完成10%", item="民生1", status="▲ 较为缓慢")
    await report(contact, "进度滞后，完成10%", item="重点#1", status="▲ 较为缓慢")
    with world.db.session() as session:
        reported = {(r.item_id, r.status) for i in (1, 3) for r in reports.reports_of_item(session, item_id=i)}
    assert reported == {(1, "slow"), (3, "slow")}  # 重点1 is item 1, 民生1 item 3

    admin.send("/digest")
    notice = (await admin.expect("项重点工作中")).text
    assert "2项重点工作中，0项已完成全年目标，1项正常推进，1项进度偏慢；2项民生实事中" in notice
    assert "2021年民生实事" in notice and "重点1 完成老旧小区改造12个" in notice
    assert "民生1 新建幼儿园3所" in notice
    admin.send("/status 民生")
    assert "共 2 项" in (await admin.expect("2021年民生实事")).text
    admin.send("/slow")  # its .xlsx holds the slow task of each list, not the other list's item of that number
    admin.press(await admin.expect("较为缓慢事项"), "📥 下载 .xlsx")
    sheet = load_workbook(io.BytesIO(world.sim.file_bytes((await admin.expect(".xlsx")).document["file_id"]))).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert {"完成老旧小区改造12个", "新建幼儿园3所"} <= cells
    assert not {"新开工建设保障性住房", "新建社区公园2座"} & cells

    # The year's end: 民生 is closed; its items take no report and get no reminder.
    admin.send("/list close 民生")
    admin.press(await admin.expect("确认关闭清单"), "✅ 确认")
    await admin.expect("清单 2021年民生实事 已关闭")
    before = snapshot(world)
    contact.send("/report 民生2")
    await contact.expect("清单“2021年民生实事”已关闭")
    assert snapshot(world) == before
    admin.send("/remind")
    await admin.expect("提醒已发送")
    reminder = (await contact.expect("督办提醒")).text
    assert "新开工建设保障性住房" in reminder and "社区公园" not in reminder

    # Carry-over: the unfinished 民生 tasks are offered; one is picked and goes into 2022年民生实事.
    admin.send("/carry 民生")
    preview = await admin.expect("结转到 2022年民生实事")
    admin.press(preview, "☑ #2 新建社区公园2座")  # unpick it
    edited = await admin.expect("已选 1 项")
    forged = admin.press_data(edited, CarryPick(edited.inline_buttons()[0]["callback_data"].split(":")[1], 999).encode())
    assert "已失效" in (await world.sim.wait_callback_answer(forged)).get("text", "")
    admin.press(edited, "✅ 确认")
    assert "民生1 → 民生22#1 新建幼儿园3所" in (await admin.expect("已结转 1 项")).text
    admin.send("/item 民生22#1")
    card = (await admin.expect("新建幼儿园3所")).text
    assert "（2021年结转）上一年度事项：/item 民生1" in card
    admin.send("/item 民生1")
    old = (await admin.expect("新建幼儿园3所")).text
    assert "已结转至 2022年民生实事：/item 民生22#1" in old and "进度滞后" in old  # its history stays
