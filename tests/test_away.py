"""Leave and stand-ins over HTTP: while a contact is away the stand-in gets the reminders and the contact none."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from db.models import Absence, Contact
from handlers.away import parse_leave
from jobs.schedule import REMINDER_JOB
from tests.conftest import SHANGHAI, World
from tests.office import office, snapshot

LI, WANG, ZHANG, STRANGER = 2001, 2003, 2002, 2999


def reminders(world: World, user_id: int) -> list[str]:
    return [m.text for m in world.sim.chat(user_id).bot_messages() if m.text and "【督办提醒】" in m.text]


def setup(world: World):  # type: ignore[no-untyped-def]
    office(world.db, world.clock.now(),
           units={"区住建局": [(LI, "李四", False), (WANG, "王五", True)], "区教育局": [(ZHANG, "张三", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    return world.user(LI, "李四"), world.user(WANG, "王五"), world.user(ZHANG, "张三")


async def test_the_stand_in_gets_the_reminders_while_the_contact_is_away(world: World) -> None:
    li, wang, _ = setup(world)
    li.send("/away 下周")
    choose = await li.expect("请选择代班的同事")
    assert "2021年7月26日（周一）至2021年8月1日（周日）" in choose.text and choose.buttons == [["王五"]]
    li.press(choose, "王五")
    saved = await li.expect("已登记")
    assert "区住建局 的提醒发给 王五" in saved.text
    assert "代为接收 区住建局 的督办提醒" in (await wang.expect("李四")).text

    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))  # before the leave: the contact, as always
    await world.run_job(REMINDER_JOB)
    await li.expect("督办提醒")
    await wang.expect_none()

    for day in (26, 28):  # the follow-ups on the 1st and 3rd working day after the missed report
        world.clock.set(datetime(2021, 7, day, 9, 0, tzinfo=SHANGHAI))
        await world.run_job(REMINDER_JOB)
        standing_in = await wang.expect("督办提醒")
        assert "李四 请假，由您代为接收" in standing_in.text and "#1" in standing_in.text
        await li.expect_none()
    assert len(reminders(world, LI)) == 1 and len(reminders(world, WANG)) == 2

    world.clock.set(datetime(2021, 8, 2, 9, 0, tzinfo=SHANGHAI))  # back from leave
    world.admin.send("/remind")
    await world.admin.expect("提醒")
    await li.expect("督办提醒")
    await wang.expect_none()


async def test_an_admin_registers_a_leave_and_anyone_concerned_ends_it(world: World) -> None:
    li, wang, _ = setup(world)
    world.admin.send("/away 区住建局 2021-08-02 2021-08-06")
    choose = await world.admin.expect("请选择 2021年8月2日（周一）至2021年8月6日（周五） 请假的联络员")
    assert choose.buttons == [["李四", "王五"]]
    world.admin.press(choose, "李四")
    world.admin.press(await world.admin.expect("请选择代班的同事"), "王五")
    await world.admin.expect("已登记")
    assert "管理员已为您登记请假" in (await li.expect()).text
    await wang.expect("代为接收")

    wang.send("/away")  # the stand-in sees it, and may end it
    listing = await wang.expect("请假与代班")
    assert "李四（区住建局）8月2日—8月6日，代班：王五" in listing.text
    wang.press(listing, "结束第1条")
    await wang.expect("已结束请假")
    with world.db.session() as session:
        (leave,) = session.exec(select(Absence)).all()
    assert leave.cancelled_at is not None and leave.created_by == world.admin.id


async def test_refusals_are_answered_and_change_nothing(world: World) -> None:
    li, wang, zhang = setup(world)
    stranger = world.user(STRANGER, "路人")
    li.send("/away 8月9日 8月10日")
    choose = await li.expect("请选择代班的同事")
    before = snapshot(world)

    zhang.send("/away 区住建局 下周")  # another unit's contact
    assert "区住建局 不属于您所在的单位" in (await zhang.expect()).text
    zhang.send("/away 下周")  # nobody in the unit could stand in
    assert "没有其他可以代班的联络员" in (await zhang.expect()).text
    stranger.send("/away 下周")
    assert "还没有绑定单位" in (await stranger.expect()).text
    li.send("/away 随便哪天")
    assert "无法识别请假时间" in (await li.expect()).text
    li.send("/away 2021-07-01 2021-07-10")  # already over
    await li.expect("无法识别请假时间")
    with world.db.session() as session:
        zhang_contact = session.exec(select(Contact).where(Contact.telegram_id == ZHANG)).one()
    token = choose.button_data("王五").split(":")[1]
    li.press_data(choose, f"aw:{token}:s:{zhang_contact.id}")  # a forged stand-in from another unit
    await li.expect("须是同一单位")
    query = li.press_data(choose, choose.button_data("王五"))  # the choice was used up by the refused attempt
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    assert snapshot(world) == before


@pytest.mark.parametrize(("text", "expected"), [
    ("2021-08-01 2021-08-10", (date(2021, 8, 1), date(2021, 8, 10))),
    ("2021-08-01至2021-08-10", (date(2021, 8, 1), date(2021, 8, 10))),
    ("8月1日-8月10日", (date(2021, 8, 1), date(2021, 8, 10))),
    ("下周", (date(2021, 7, 26), date(2021, 8, 1))),
    ("本周", (date(2021, 7, 20), date(2021, 7, 25))),
    ("明天", (date(2021, 7, 21), date(2021, 7, 21))),
    ("8月10日前", (date(2021, 7, 20), date(2021, 8, 10))),
    ("8月10日 8月1日", None),
    ("2021-07-01 2021-07-10", None),
    ("随便", None),
])
def test_leave_periods_as_written(text: str, expected: tuple[date, date] | None) -> None:
    assert parse_leave(text, datetime(2021, 7, 20, 8, 0, tzinfo=SHANGHAI)) == expected
