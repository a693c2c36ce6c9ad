"""Leaders' instructions (领导批示) over HTTP: an admin records one, the item's units are told and acknowledge
it, the card, the dashboard, the reminder and the export show it, the next report answers it; refusals
change nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.simulator import BotApiSimulator
from bot.webapp import local_address
from bot.webapp.auth import HEADER, sign_init_data
from db import instructions, items, reports
from db import units as units_db
from db.bot_state import save_states
from db.engine import Database
from db.instructions import Open
from db.models import BotState, Contact, Instruction, InstructionAck, Outbox, Person
from jobs.instructions import repeated
from jobs.workdays import WorkCalendar
from tests.conftest import ADMIN_ID, SHANGHAI, World, make_settings
from tests.factories import export, report
from tests.office import snapshot

HOUSING, SCHOOL, WATER = 2001, 2002, 2003


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webapp_url": "https://dash.example.test/webapp/", "webapp_port": 0}


def setup(world: World):  # type: ignore[no-untyped-def]
    """Item #1 led by 区住建局 with 区教育局 responsible, #2 of 区水利局; a contact for each unit."""
    add_office(world.db, world.clock.now())
    return world.user(HOUSING, "李四"), world.user(SCHOOL, "王五"), world.user(WATER, "赵六")


def add_office(db: Database, now: datetime) -> None:
    with db.session() as session:
        units = {}
        for person, name in ((HOUSING, "区住建局"), (SCHOOL, "区教育局"), (WATER, "区水利局")):
            units[person] = units_db.add_unit(session, name=name).id
            session.add(Person(telegram_id=person, full_name=f"联络员{person}"))
            session.add(Contact(telegram_id=person, unit_id=units[person]))
        items.add_item(session, title="完成城区5座公厕提升改造", deadline=date(2021, 12, 31), deadline_text="2021.12",
                         lead_unit_ids=[units[HOUSING]], responsible_unit_ids=[units[SCHOOL]],
                         start_date=date(2021, 1, 1), now=now)
        items.add_item(session, title="河道整治", deadline=date(2021, 12, 31), deadline_text="2021.12",
                         lead_unit_ids=[units[WATER]], responsible_unit_ids=[units[WATER]],
                         start_date=date(2021, 1, 1), now=now)


async def record_instruction(world: World) -> None:
    admin = world.admin
    admin.send("/instruct 1")
    await admin.expect("请发送批示领导")
    admin.send("区长 张三")
    await admin.expect("请发送批示日期")
    admin.send("7月19日")
    assert "2021年7月19日" in (await admin.expect("批示日期理解为")).text
    admin.send("要加快进度，确保8月底前完成主体")
    await admin.expect("承办期限")
    admin.send("8月底前")
    preview = await admin.expect("请确认领导批示")
    assert "2021年8月31日" in preview.text and "将通知：区住建局、区教育局" in preview.text
    admin.press(preview, "✅ 确认")
    assert "已通知 区住建局、区教育局" in (await admin.expect("已登记 #1")).text


def units_state(world: World) -> dict[int, tuple[bool, int | None]]:
    """Unit id → (acknowledged, answering report id)."""
    with world.db.session() as session:
        return {row.unit_id: (row.acked_at is not None, row.report_id)
                for row in session.exec(select(InstructionAck)).all()}


async def test_an_instruction_reaches_the_units_is_acknowledged_shown_and_answered(world: World) -> None:
    housing, school, water = setup(world)
    await record_instruction(world)
    notice = await housing.expect("【领导批示】")
    assert "区长 张三（2021年7月19日 周一）：要加快进度" in notice.text and "请于 2021年8月31日（周二） 前落实" in notice.text
    assert notice.buttons == [["✅ 收到 / 已阅"]]
    data = notice.button_data("✅ 收到 / 已阅")
    await school.expect("【领导批示】")
    await water.expect_none()

    answer = await world.sim.wait_callback_answer(housing.press(notice, "✅ 收到 / 已阅"))
    assert answer["text"] == "已确认收到，谢谢。"
    acked = units_state(world)
    answer = await world.sim.wait_callback_answer(housing.press_data(notice, data))
    assert answer["text"] == "已确认过。" and units_state(world) == acked  # recorded once
    assert sorted(acked.values()) == [(False, None), (True, None)]

    world.admin.send("/item 1")
    card = (await world.admin.expect("#1 完成城区5座公厕提升改造")).text
    assert "领导批示（7月19日 区长 张三）：要加快进度，确保8月底前完成主体（8月31日前落实）" in card
    assert "区住建局 已阅（7月20日），待答复" in card and "区教育局 未确认" in card
    world.admin.send("/instructions")
    listing = (await world.admin.expect("待答复的领导批示")).text
    assert "#1 领导批示（7月19日 区长 张三）" in listing and "区教育局 未确认" in listing
    async with aiohttp.ClientSession() as http, http.get(
            local_address(world.app) + "api/item?n=1",
            headers={HEADER: sign_init_data(token=world.sim.token, user_id=ADMIN_ID, first_name="测试")}) as r:
        page = await r.text()
    assert "领导批示（7月19日 区长 张三）" in page and "区教育局 未确认" in page

    world.admin.send("/remind")
    await world.admin.expect("提醒已发送")
    reminder = (await school.expect("督办提醒")).text  # reminders go to the responsible units
    assert "#1 领导批示（7月19日 区长 张三）：要加快进度" in reminder and "请在本次报送中答复" in reminder
    assert "领导批示" not in (await water.expect("督办提醒")).text

    question = await report(school, "公厕主体完成3座，按批示加快推进，完成60%")
    assert "领导批示（7月19日 区长 张三）" in question.text and "请在本次报送中答复" in question.text
    with world.db.session() as session:
        (saved,) = reports.reports_of_item(session, item_id=1)
        answered = instructions.answered(session)
    assert [(a.report_id, a.role, a.given_on) for a in answered] == [(saved.id, "responsible", date(2021, 7, 19))]
    world.admin.send("/item 1")
    card = (await world.admin.expect("#1 完成城区")).text
    assert "区教育局 已答复（7月20日）" in card and "区住建局 已阅（7月20日），待答复" in card
    question = await report(school, "又完成1座，完成80%")  # answered: the next report is not asked again
    assert "领导批示" not in question.text
    sheet = load_workbook(io.BytesIO(export(world.db, today=date(2021, 7, 20)))).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("又完成1座" in c and "领导批示（7月19日 区长 张三）" in c for c in cells)


async def test_one_line_and_the_refusals_change_nothing(world: World) -> None:
    housing, _school, water = setup(world)
    before = snapshot(world)
    housing.send("/instruct 1 区长 张三 | 7月19日 | 加快")
    assert "仅限管理员" in (await housing.expect()).text
    world.admin.send("/instruct 1 区长 张三 | 明年13月 | 加快")
    assert "无法识别日期" in (await world.admin.expect()).text
    world.admin.send("/instruct 1 区长 张三 | 7月19日 | 要加快进度 | 8月底前")
    stale = await world.admin.expect("请确认领导批示")
    assert "批示日期：2021年7月19日" in stale.text and "2021年8月31日" in stale.text
    world.admin.send("/instruct 1")  # a new draft: the earlier preview's ✅ is stale
    await world.admin.expect("请发送批示领导")
    answer = await world.sim.wait_callback_answer(world.admin.press(stale, "✅ 确认"))
    assert "已失效" in answer["text"]
    world.admin.send("/cancel")
    await world.admin.expect("已取消")
    assert snapshot(world) == before

    world.admin.send("/instruct 1 市委书记 李四 | | 请区住建局牵头研究")  # today, no date to act by
    preview = await world.admin.expect("请确认领导批示")
    assert "批示日期：2021年7月20日" in preview.text and "承办期限：无" in preview.text
    yes = preview.button_data("✅ 确认")
    world.admin.press(preview, "✅ 确认")
    await world.admin.expect("已登记 #1")
    answer = await world.sim.wait_callback_answer(world.admin.press_data(preview, yes))  # again: nothing more
    assert "已失效" in answer["text"]
    notice = await housing.expect("【领导批示】")
    data = notice.button_data("✅ 收到 / 已阅")
    water.send("/help")
    own = await water.expect("可用命令")  # another unit's contact presses the button's data on a message of theirs
    after = snapshot(world)
    answer = await world.sim.wait_callback_answer(water.press_data(own, data))
    assert "不属于您所在的单位" in answer["text"]
    answer = await world.sim.wait_callback_answer(world.admin.press_data(preview, data))
    assert "还没有绑定单位" in answer["text"]
    assert snapshot(world) == after
    with world.db.session() as session:
        assert len(session.exec(select(Instruction)).all()) == 1


async def test_a_dialogue_restored_from_before_its_end_records_and_sends_once(
        sim: BotApiSimulator, db_url: str, database: Database, clock: FakeClock) -> None:
    add_office(database, clock.now())
    settings = make_settings(sim, db_url)
    admin, housing = sim.user(ADMIN_ID, "王科长"), sim.user(HOUSING, "李四")
    first = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(first, timeout=1):
        admin.send("/instruct 1 区长 张三 | 7月19日 | 要加快进度")
        preview = await admin.expect("请确认领导批示")
        await first.update_persistence()  # the last flush before the kill
        with database.session() as session:
            before_the_end = {(row.namespace, row.key): row.value for row in session.exec(select(BotState)).all()}
        yes = preview.button_data("✅ 确认")
        admin.press(preview, "✅ 确认")
        await admin.expect("已登记 #1")
        await housing.expect("【领导批示】")
    with database.session() as session:  # what a kill right after the commit leaves
        now = {(row.namespace, row.key) for row in session.exec(select(BotState)).all()}
        save_states(session, changes={**{key: None for key in now}, **before_the_end})
    again = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(again, timeout=1):
        answer = await sim.wait_callback_answer(admin.press_data(preview, yes or ""))
        assert "已经登记过" in (answer.get("text") or (await admin.expect()).text)
        await housing.expect_none(within=0.5)
    with database.session() as session:
        assert len(session.exec(select(Instruction)).all()) == 1
        assert len(session.exec(select(Outbox)).all()) == 2  # the two units' contacts, told once


def test_a_reminder_repeats_what_its_unit_has_not_answered() -> None:
    """On its items always; on others once unacknowledged a working day after it was recorded."""
    recorded = datetime(2021, 7, 23, 17, 0, tzinfo=SHANGHAI)  # a Friday
    on = [Open(Instruction(id=n, item_id=n, leader="区长", given_on=date(2021, 7, 23), text="批示", recorded_by=1,
                           recorded_at=recorded), n, 1, acked) for n, acked in ((1, None), (2, None), (3, recorded))]
    cal = WorkCalendar()
    ids = lambda chosen: [o.number for o in chosen]  # noqa: E731
    assert ids(repeated(on, [1], date(2021, 7, 24), cal, SHANGHAI)) == [1]  # Saturday: no working day passed
    assert ids(repeated(on, [1], date(2021, 7, 26), cal, SHANGHAI)) == [1, 2]  # Monday: #2 still unacknowledged
    assert ids(repeated(on, [3], date(2021, 7, 26), cal, SHANGHAI)) == [1, 2, 3]  # #3 read, but on the item
