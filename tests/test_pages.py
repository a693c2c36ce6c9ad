"""Long answers are pages: one message with ◀ ▶ buttons and an .xlsx, never dozens of messages."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from bot.callbacks import Page
from handlers.pages import PAGE_CHARS, PAGE_LINES, split_pages
from tests.conftest import SHANGHAI, World
from tests.factories import office_with_contacts


def sent_messages(world: World) -> int:
    return sum(1 for call in world.sim.calls if call.method.lower() == "sendmessage")


def test_pages_are_bounded_in_lines_and_characters() -> None:
    pages = split_pages([f"line {i}" for i in range(45)])
    assert [len(p) for p in pages] == [PAGE_LINES, PAGE_LINES, 5]
    long = split_pages(["x" * 1000] * 10)
    assert all(sum(len(line) + 1 for line in page) <= PAGE_CHARS for page in long) and len(long) == 4
    assert split_pages(["y" * 5000]) == [["y" * 5000]]
    assert split_pages([]) == [[]]


async def test_items_on_hundreds_of_items_is_one_message_with_pages_and_a_table(world: World, db_url: str) -> None:
    office_with_contacts(db_url, date(2021, 7, 1), 450)
    admin = world.admin
    before = sent_messages(world)
    admin.send("/items")
    first = await admin.expect("第 1/23 页")
    await admin.expect_none()
    assert sent_messages(world) == before + 1 and "共 450 项" in first.text

    admin.press(first, "▶")
    second = await admin.expect("第 2/23 页")
    assert second.message_id == first.message_id
    token = Page.parse(first.inline_buttons()[0]["callback_data"]).token
    admin.press_data(second, Page(token, 999).encode())  # past the end: the last page
    await admin.expect("第 23/23 页")
    query = admin.press_data(second, f"pg:{token}:0")  # altered data: nothing happens but an answer
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    query = admin.press_data(second, Page("0" * 16, 2).encode())  # a list this chat does not keep
    assert "已过期" in (await world.sim.wait_callback_answer(query))["text"]
    assert sent_messages(world) == before + 1

    admin.press(second, "📥 下载 .xlsx")
    document = await admin.expect(".xlsx")
    sheet = load_workbook(io.BytesIO(world.sim.file_bytes(document.document["file_id"]))).active
    assert sheet.max_row >= 450


async def test_the_other_lists_page_too_and_a_short_one_has_no_buttons(world: World, db_url: str) -> None:
    office_with_contacts(db_url, date(2021, 7, 1), 60)
    world.clock.set(datetime(2021, 8, 2, 10, 0, tzinfo=SHANGHAI))  # every item a month overdue
    supervisor = world.supervisor
    supervisor.send("/overdue")
    overdue = await supervisor.expect("第 1/3 页")
    assert len(overdue.inline_buttons()) == 4  # ◀ n/m ▶ and the table
    supervisor.send("/items 单位00007")
    short = await supervisor.expect("事项")
    assert "页" not in short.text and short.inline_buttons()
    supervisor.send("/missing")
    assert "页" not in (await supervisor.expect()).text
