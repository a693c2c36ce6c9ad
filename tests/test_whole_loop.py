"""The whole loop over HTTP: the real Application polls the Bot API simulator."""

from __future__ import annotations

import re
from datetime import datetime

from db import items, reports
from jobs.schedule import DIGEST_JOB, REMINDER_JOB
from tests.conftest import SHANGHAI, World


def counts(world: World) -> items.Counts:
    with world.db.session() as session:
        return items.counts(session)


async def setup_office(world: World) -> dict[str, str]:
    """Admin sets the group, adds two units and two items, invites both units."""
    admin = world.admin
    admin.send("/setgroup", chat=world.group)
    assert "通报群" in (await world.group.expect()).text

    admin.send("/unit_add 区住建局 住建局\n区教育局")
    assert "区住建局" in (await admin.expect("已新增单位")).text

    admin.send("/add 完成城区5座公厕提升改造 | 2021.12 | 区住建局 | 区住建局 | 城乡环境提升领域")
    preview = await admin.expect("请确认")
    assert "截止 2021年12月31日（周五）" in preview.text
    admin.press(preview, "✅ 确认")
    assert "已保存事项 #1" in (await admin.expect()).text

    admin.send("/add 改善六横中学办学条件 | 8月底 | 区教育局 | 区教育局 | 教育服务领域")
    preview = await admin.expect("请确认")
    assert "2021年8月31日" in preview.text
    admin.press(preview, "✅ 确认")
    assert "已保存事项 #2" in (await admin.expect()).text

    links = {}
    for unit in ("区住建局", "区教育局"):
        admin.send(f"/invite {unit}")
        message = await admin.expect("邀请链接")
        links[unit] = re.search(r"\?start=([\w-]+)", message.text)[1]
        assert f"https://t.me/{world.sim.username}?start=" in message.text
    return links


async def test_the_whole_loop(world: World) -> None:
    links = await setup_office(world)
    housing, school = world.user(2001, "李四"), world.user(2002, "张三")

    housing.send(f"/start {links['区住建局']}")
    greeting = await housing.expect("绑定成功")
    assert "区住建局" in greeting.text
    assert "完成城区5座公厕提升改造" in (await housing.expect()).text
    school.send(f"/start {links['区教育局']}")
    await school.expect("绑定成功")
    school.drain()

    # The report day: each unit gets one reminder listing its item, with a button.
    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))
    await world.run_job(REMINDER_JOB)
    reminder = await housing.expect("督办提醒")
    assert "#1" in reminder.text and "2021年7月" in reminder.text
    await world.run_job(REMINDER_JOB)  # the same round again sends nothing twice
    await housing.expect_none()

    housing.press(reminder, "上报 #1")
    await housing.expect("请用一条消息")
    housing.send("完成新桥小区、美味鲜2座公厕改造，完成40%")
    status_question = await housing.expect("推进状态")  # the percent was taken from the text
    housing.press(status_question, "★ 推进良好")
    problems = await housing.expect("存在问题")
    housing.send("部分资金未到位，建议加快拨付")
    evidence = await housing.expect("佐证材料")
    housing.send_photo(caption="现场照片")
    received = await housing.expect("已收到佐证材料 1 个")
    housing.press(received, "📤 提交")
    record = await housing.expect("已保存报送记录")
    assert "40%" in record.text and "推进良好" in record.text and "部分资金未到位" in record.text
    assert problems and evidence

    # The school replies to its reminder instead of tapping.
    school_reminder = await school.expect("督办提醒")
    school.send("围墙改造还在设计，完成10%", reply_to=school_reminder)
    status_question = await school.expect("推进状态")
    school.press(status_question, "▲ 较为缓慢")
    problems = await school.expect("存在问题")
    school.press(problems, "无")
    evidence = await school.expect("佐证材料")
    school.press(evidence, "📤 提交")
    await school.expect("已保存报送记录")

    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        stored = reports.reports_of_item(session, item_id=item.id)
    assert len(stored) == 1
    assert (stored[0].percent, stored[0].status, stored[0].period) == (40, "good", "2021-07")
    assert stored[0].evidence and stored[0].evidence[0]["type"] == "photo"

    # Monday's digest lands in the group, naming the slow item and its units.
    world.clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
    await world.run_job(DIGEST_JOB)
    digest = await world.group.expect("进展情况通报")
    assert "共 2 项" in digest.text and "1 项较为缓慢" in digest.text
    assert "改善六横中学办学条件（牵头：区教育局；责任：区教育局）" in digest.text
    assert "（一）城乡环境提升领域：1 项，其中 1 项推进良好" in digest.text
    await world.run_job(DIGEST_JOB)  # once a week only
    await world.group.expect_none()

    world.supervisor.send("/slow")
    assert "改善六横中学办学条件" in (await world.supervisor.expect("较为缓慢事项")).text
    world.admin.send("/item 1")
    card = await world.admin.expect("#1 完成城区5座公厕提升改造")
    assert "部分资金未到位" in card.text and "李四" in card.text


async def test_refusals_leave_the_database_unchanged(world: World) -> None:
    links = await setup_office(world)
    stranger, housing, other = world.user(3001, "路人"), world.user(3002, "李四"), world.user(3003, "王五")
    housing.send(f"/start {links['区住建局']}")
    await housing.expect("绑定成功")
    await housing.expect("的事项")
    before = counts(world)

    stranger.send("/add 偷偷加一项 | 2021.12 | 区住建局 | 区住建局")
    assert "仅限管理员" in (await stranger.expect()).text
    stranger.send("/report")
    assert "还没有绑定单位" in (await stranger.expect()).text
    housing.send("/report 2")
    assert "不属于您所在的单位" in (await housing.expect()).text
    other.send(f"/start {links['区住建局']}")
    assert "已被使用" in (await other.expect()).text
    other.send("/start nonsense-code")
    assert "无效" in (await other.expect()).text
    world.admin.send("/add 某事项 | 随便 | 区住建局 | 区住建局")
    assert "无法识别完成时限「随便」" in (await world.admin.expect()).text
    world.admin.send("/add 某事项 | 2021.12 | 区住建委 | 区住建局")
    answer = await world.admin.expect("未找到单位")
    assert "区住建局" in answer.text  # the closest existing name is suggested
    world.admin.send("/invite 教育")
    assert "区教育局" in (await world.admin.expect("未找到单位")).text

    assert counts(world) == before
