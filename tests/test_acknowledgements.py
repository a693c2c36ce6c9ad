"""A reminder is acknowledged by 收到, by a report button, by a reply or by /report on one of its items; units
with no contact bound are named as such wherever the units that have not reported are listed."""

from __future__ import annotations

from datetime import date, datetime

from jobs.schedule import DIGEST_JOB, REMINDER_JOB
from tests.conftest import SHANGHAI, World
from tests.office import office, snapshot

LI, ZHANG, ZHAO = 2001, 2002, 2004


async def test_a_reply_or_a_report_acknowledges_the_reminder(world: World) -> None:
    office(world.db, world.clock.now(),
           units={"区住建局": [(LI, "李四", False)], "区教育局": [(ZHANG, "张三", False)],
                  "区民政局": [(ZHAO, "赵六", False)], "六横镇": []},
           items=[("公厕改造", "区住建局", date(2021, 12, 31)), ("校舍改造", "区教育局", date(2021, 12, 31)),
                  ("养老服务", "区民政局", date(2021, 12, 31)), ("渔港整治", "六横镇", date(2021, 12, 31))])
    li, zhang, zhao = world.user(LI, "李四"), world.user(ZHANG, "张三"), world.user(ZHAO, "赵六")
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))  # the report day (the 25th is a Sunday)
    await world.run_job(REMINDER_JOB)
    reminder = await li.expect("督办提醒")
    await zhang.expect("督办提醒")
    await zhao.expect("督办提醒")

    zhang.send("/report 1")  # not his unit's item: refused, and it acknowledges nothing
    await zhang.expect("不属于您所在的单位")
    li.send("完成公厕改造 3 座，完成60%", reply_to=reminder)
    question = await li.expect("推进状态")
    assert question.text.startswith("上报 #1 公厕改造（以您对提醒的回复为本期完成情况）\n推进状态？")
    li.send("/cancel")  # the reply alone acknowledged it
    await li.expect("已取消")
    zhang.send("/report 2")
    await zhang.expect("请用一条消息")

    world.admin.send("/unread")
    unread = await world.admin.expect("未签收最近一次提醒的单位")
    assert "区民政局" in unread.text and "区住建局" not in unread.text and "区教育局" not in unread.text
    before = snapshot(world)
    li.send("/report 1")  # already acknowledged: nothing changes
    await li.expect("请用一条消息")
    assert snapshot(world) == before

    world.clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
    await world.run_job(DIGEST_JOB)
    digest = await world.group.expect("重点工作进展情况通报")
    assert "共向 3 个单位发出提醒 3 轮，已签收 2 轮" in digest.text
    assert "六横镇（未绑定联络员）：1 项（#4）" in digest.text and "区住建局：1 项（#1）" in digest.text
    assert "请管理员发送 /invite 单位名称 邀请联络员" in digest.text
    world.supervisor.send("/missing")
    missing = await world.supervisor.expect("本期未报送单位")
    assert "（4 个）" in missing.text and "六横镇（未绑定联络员）：1 项（#4）" in missing.text


async def test_the_missing_list_names_unbound_units_in_english(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)], "六横镇": []},
           items=[("公厕改造", "区住建局", date(2021, 12, 31)), ("渔港整治", "六横镇", date(2021, 12, 31))])
    world.clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
    world.supervisor.send("/lang en")
    await world.supervisor.expect("English")
    world.supervisor.send("/missing")
    missing = await world.supervisor.expect("have not reported")
    assert "六横镇 (no contact bound): 1 item (#2)" in missing.text and "区住建局: 1 item (#1)" in missing.text


async def test_the_snooze_button_acknowledges_the_reminder_too(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("公厕改造", "区住建局", date(2021, 12, 31))])
    li = world.user(LI, "李四")
    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))
    await world.run_job(REMINDER_JOB)
    li.press(await li.expect("督办提醒"), "⏰ 暂缓提醒")
    await li.expect("暂缓哪一项")
    world.admin.send("/unread")
    assert "均已签收" in (await world.admin.expect("最近一次提醒")).text
