"""Read receipts over HTTP: 收到 on each reminder, /unread, and re-sends of what nobody acknowledged."""

from __future__ import annotations

from datetime import date, datetime

from db.models import Outbox
from jobs.schedule import RECEIPTS_JOB, REMINDER_JOB
from tests.conftest import SHANGHAI, World
from tests.office import office, snapshot

LI, ZHANG, WANG, ZHAO = 2001, 2002, 2003, 2004


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 7, 23, hour, minute, tzinfo=SHANGHAI)  # the report day (the 25th is a Sunday)


def reminders(world: World, user_id: int) -> list[str]:
    return [m.text for m in world.sim.chat(user_id).bot_messages() if m.text and "督办提醒" in m.text]


async def test_a_reminder_nobody_acknowledges_is_sent_again_once_then_to_the_other_contact(world: World) -> None:
    office(world.db, world.clock.now(),
           units={"区住建局": [(LI, "李四", False), (WANG, "王五", True)], "区教育局": [(ZHANG, "张三", False)],
                  "区民政局": [(ZHAO, "赵六", False)]},
           items=[("公厕改造", "区住建局", date(2021, 12, 31)), ("校舍改造", "区教育局", date(2021, 12, 31)),
                  ("养老服务", "区民政局", date(2021, 12, 31))])
    li, zhang, wang, zhao = (world.user(i, n) for i, n in ((LI, "李四"), (ZHANG, "张三"), (WANG, "王五"),
                                                           (ZHAO, "赵六")))
    world.clock.set(at(9))
    await world.run_job(REMINDER_JOB)
    first = await li.expect("督办提醒")
    assert first.buttons[-1] == ["✅ 收到", "⏰ 暂缓提醒"]
    await wang.expect_none()  # a backup contact is not reminded at first

    query = zhang.press(await zhang.expect("督办提醒"), "✅ 收到")
    assert (await world.sim.wait_callback_answer(query))["text"] == "已签收，谢谢。"
    edited = await zhang.expect()
    assert edited.edited and edited.buttons == [["上报 #2"], ["⏰ 暂缓提醒"]]
    zhao.press(await zhao.expect("督办提醒"), "上报 #3")  # reporting from the reminder acknowledges it too
    await zhao.expect("请用一条消息")
    zhao.send("/cancel")
    await zhao.expect("已取消")

    before = snapshot(world)
    query = zhang.press_data(world.sim.chat(ZHANG).bot_messages()[-1], first.button_data("✅ 收到"))
    assert "不是发给您的" in (await world.sim.wait_callback_answer(query))["text"]
    assert snapshot(world) == before
    world.admin.send("/unread")
    unread = await world.admin.expect("未签收最近一次提醒的单位")
    assert "区住建局" in unread.text and "区教育局" not in unread.text and "区民政局" not in unread.text
    assert "1 个，共提醒 3 个" in unread.text

    world.clock.set(at(12, 59))
    await world.run_job(RECEIPTS_JOB)
    await li.expect_none()
    world.clock.set(at(13, 1))  # ACK_TIMEOUT_HOURS (4) after the first send
    await world.run_job(RECEIPTS_JOB)
    again = await li.expect("督办提醒")
    assert "再次提醒" in again.text and "#1" in again.text
    await world.run_job(RECEIPTS_JOB)  # only once
    await li.expect_none()
    for quiet in (wang, zhang, zhao):
        await quiet.expect_none()

    world.clock.set(at(17, 2))
    await world.run_job(RECEIPTS_JOB)
    passed_on = await wang.expect("督办提醒")
    assert "本单位联络员尚未签收" in passed_on.text and "#1" in passed_on.text
    await world.run_job(RECEIPTS_JOB)
    world.clock.set(at(23))
    await world.run_job(RECEIPTS_JOB)
    assert len(reminders(world, LI)) == 2 and len(reminders(world, WANG)) == 1
    assert len(reminders(world, ZHANG)) == 1 and len(reminders(world, ZHAO)) == 1
    world.admin.send("/unread")
    assert "已转发其他联络员" in (await world.admin.expect("区住建局")).text

    world.clock.set(datetime(2021, 7, 24, 8, 30, tzinfo=SHANGHAI))  # after the quiet hours
    world.admin.send("/digest")
    digest = (await world.admin.expect("七、提醒签收情况")).text
    assert "共向 3 个单位发出提醒 3 轮，已签收 2 轮" in digest
    assert "区住建局 0/1" in digest and "区教育局 1/1" in digest

    wang.press(passed_on, "✅ 收到")
    world.admin.send("/unread")
    await world.admin.expect("均已签收")
    with world.db.session() as session:
        rows = session.exec(Outbox.__table__.select().where(Outbox.kind == "reminder")).all()
    assert sorted((r.chat_id, r.payload.get("resend", 0)) for r in rows) == [
        (LI, 0), (LI, 1), (ZHANG, 0), (WANG, 2), (ZHAO, 0)]
