"""Milestones (节点) over HTTP: /node echoes the deadline and saves on confirmation, a reminder goes before a
milestone, a missed one turns the item yellow on its card, a report ticks the milestones it completes; refusals
(not an admin, a stale button, another item's milestone) leave the record as it was."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import select

from bot.app import build_application, running
from bot.callbacks import ReportMilestone, ReportMilestonesDone
from bot.clock import FakeClock
from bot.simulator import BotApiSimulator
from db import milestones
from db.engine import Database
from db.models import Milestone, ProgressReport
from jobs.schedule import REMINDER_JOB
from tests.conftest import SHANGHAI, World, make_settings
from tests.factories import make_csv, report
from tests.office import office, snapshot

LI, ZHANG = 2001, 2002


def setup(world: World):  # type: ignore[no-untyped-def]
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)], "区建管委": [(ZHANG, "张三", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
                  ("改造老旧小区", "区建管委", date(2021, 12, 31))])
    return world.user(LI, "李四"), world.user(ZHANG, "张三")


def nodes(world: World, item_id: int = 1) -> list[tuple[str, date | None, int | None, bool]]:
    with world.db.session() as session:
        return [(m.title, m.deadline, m.unit_id, m.done_at is not None)
                for m in milestones.milestones_of(session, item_id=item_id)]


def all_nodes(world: World) -> list[str]:
    with world.db.session() as session:
        return sorted(repr(sorted(m.model_dump().items())) for m in session.exec(select(Milestone)).all())


async def test_an_admin_adds_milestones_echoed_before_they_are_saved(world: World) -> None:
    setup(world)
    admin = world.admin
    admin.send("/node 1")
    assert "尚无节点" in (await admin.expect()).text
    admin.send("/node 1 9月底前完成主体施工")
    preview = await admin.expect("请确认为 #1")
    assert "1. 完成主体施工\n截止 2021年9月30日（周四）" in preview.text
    assert nodes(world) == []  # nothing saved before the confirmation
    admin.press(preview, "✅ 确认")
    assert "已为 #1 新增节点 1：完成主体施工" in (await admin.expect()).text

    admin.send("/node 1 区建管委：12月底前完成验收")
    preview = await admin.expect("请确认为 #1")
    assert "2. 完成验收" in preview.text and "责任单位：区建管委" in preview.text
    again = preview.button_data("✅ 确认")
    admin.press(preview, "✅ 确认")
    await admin.expect("已为 #1 新增节点 2")
    with world.db.session() as session:
        built = milestones.milestones_of(session, item_id=1)[1].unit_id
    assert nodes(world) == [("完成主体施工", date(2021, 9, 30), None, False), ("完成验收", date(2021, 12, 31), built, False)]
    answer = await world.sim.wait_callback_answer(admin.press_data(preview, again))  # the same confirmation again
    assert "已失效" in answer.get("text", "")
    assert len(nodes(world)) == 2

    admin.send("/node 1")
    listing = await admin.expect("的节点（0/2 已完成）")
    assert "1. 完成主体施工 — 待完成（2021年9月30日 周四）" in listing.text and "（区建管委）" in listing.text
    admin.send("/node 1 完成 1")
    admin.press(await admin.expect("请确认将 #1 的节点标记为完成"), "✅ 确认")
    await admin.expect("已将 #1 的节点 1 标记为完成")
    admin.send("/node 1 删除 2")
    admin.press(await admin.expect("请确认删除"), "✅ 确认")
    await admin.expect("已删除 #1 的节点 2")
    assert nodes(world) == [("完成主体施工", date(2021, 9, 30), None, True)]
    admin.send("/item 1")
    card = await admin.expect("#1 完成城区5座公厕提升改造")
    assert "节点（1/1 已完成）：\n1. 完成主体施工 — ✓ 2021年7月20日（周二）完成" in card.text


async def test_refusals_leave_the_milestones_as_they_were(world: World) -> None:
    li, _ = setup(world)
    admin = world.admin
    admin.send("/node 1 9月底前完成主体施工")
    stale = await admin.expect("请确认为 #1")
    admin.send("/node 2 10月底前完成设计")  # a newer preview: the first one is stale now
    newer = await admin.expect("请确认为 #2")
    before, kept = snapshot(world), all_nodes(world)
    li.send("/node 1 9月底前完成主体施工")  # not an admin
    refused = await li.expect()
    assert "仅限管理员" in refused.text
    answer = await world.sim.wait_callback_answer(li.press_data(refused, newer.button_data("✅ 确认")))
    assert "仅限管理员" in answer.get("text", "") + ((await li.expect()).text if not answer.get("text") else "")
    answer = await world.sim.wait_callback_answer(admin.press(stale, "✅ 确认"))
    assert "已失效" in answer.get("text", "")
    admin.send("/node 1 尽快完成")  # no date
    assert "无法从「尽快完成」中识别节点时间" in (await admin.expect("无法")).text
    admin.send("/node 1 完成 3")
    assert "没有第 3 个节点" in (await admin.expect("没有")).text
    admin.send("/node 9 6月底前完成")
    await admin.expect("未找到事项 #9")
    assert snapshot(world) == before and all_nodes(world) == kept == []


async def test_a_reminder_before_a_milestone_and_a_missed_one_turns_the_item_yellow(world: World) -> None:
    li, zhang = setup(world)
    await report(li, "完成新桥小区公厕改造，完成60%")  # reported: only the milestones can warn
    now = world.clock.now()
    with world.db.session() as session:
        milestones.add_milestones(session, item_id=1, now=now, milestones=[
            ("完成设计", date(2021, 7, 30), "7月底前"), ("开工建设", date(2021, 9, 30), "9月底前")])
        milestones.add_milestones(session, item_id=2, unit_id=1, now=now, milestones=[
            ("完成方案", date(2021, 7, 30), "7月底前")])
    world.clock.set(datetime(2021, 7, 27, 9, 0, tzinfo=SHANGHAI))  # three days before 30 July
    await world.run_job(REMINDER_JOB)
    reminder = await li.expect("督办提醒")
    assert "节点「完成设计」截止 2021年7月30日（周五），还剩 3 天" in reminder.text
    assert "完成方案" in reminder.text  # item 2's milestone has 区住建局 as its own unit
    zhang.chat.drain()
    world.clock.set(datetime(2021, 8, 2, 9, 0, tzinfo=SHANGHAI))
    world.supervisor.send("/item 1")
    card = await world.supervisor.expect("#1 完成城区5座公厕提升改造")
    assert "1. 完成设计 — 已逾期（2021年7月30日 周五）" in card.text
    assert "2. 开工建设 — 待完成（2021年9月30日 周四）" in card.text
    assert "三色预警：🟡 黄色（完成 60%，时序进度 59%；1 个节点逾期）" in card.text


async def test_an_import_reads_the_milestones_of_a_cell_and_shows_them_in_the_preview(world: World) -> None:
    admin = world.admin
    rows = [["序号", "工作任务", "牵头单位", "完成时限", "节点安排"],
            ["1", "建设口袋公园", "区住建局", "2021年12月底", "1. 6月底前完成设计；2. 9月底前开工；3. 12月底前完工"],
            ["2", "新建幼儿园", "区教育局", "2021.12", ""]]
    admin.send_document("任务.csv", make_csv(rows), caption="/import")
    preview = await admin.expect("导入预览", timeout=15)
    assert "其中 1 项含节点 3 个" in preview.text
    assert nodes(world) == []  # nothing written before the confirmation
    admin.press(preview, "✅ 确认")
    await admin.expect("导入完成", timeout=15)
    assert nodes(world) == [("完成设计", date(2021, 6, 30), None, False), ("开工", date(2021, 9, 30), None, False),
                            ("完工", date(2021, 12, 31), None, False)]
    admin.send("/item 1")
    assert "节点（0/3 已完成）：\n1. 完成设计 — 已逾期" in (await admin.expect("#1 建设口袋公园")).text


def add_report_nodes(world_db, now):  # type: ignore[no-untyped-def]
    """Item 1: two open milestones and one done; item 2: one open."""
    with world_db.session() as session:
        design, works, _done = milestones.add_milestones(session, item_id=1, now=now, milestones=[
            ("完成设计", date(2021, 7, 30), "7月底前"), ("开工建设", date(2021, 7, 30), "7月底前"),
            ("完成立项", date(2021, 3, 31), "3月底前")])
        milestones.tick_milestones(session, item_id=1, milestone_ids=[_done.id], now=now)
        other = milestones.add_milestones(session, item_id=2, now=now, milestones=[("完成方案", date(2021, 7, 30), None)])
        return design.id, works.id, other[0].id


async def to_milestones(contact) -> Any:  # type: ignore[no-untyped-def]
    """/report 1 up to the milestone step; returns its message."""
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("完成设计方案，完成60%")
    contact.press(await contact.expect("推进状态"), "★ 推进良好")
    return await contact.expect("本次完成了哪些节点")


async def test_a_report_ticks_the_milestones_it_completes(world: World) -> None:
    li, _ = setup(world)
    design, works, other = add_report_nodes(world.db, world.clock.now())
    step = await to_milestones(li)
    assert [row[0] for row in step.buttons] == ["1. 完成设计", "2. 开工建设", "确定", "跳过"]  # not the done one
    li.press(step, "1. 完成设计")
    step = await li.expect("本次完成了哪些节点")
    assert step.edited and [row[0] for row in step.buttons][:2] == ["✓ 1. 完成设计", "2. 开工建设"]
    li.press(step, "2. 开工建设")
    li.press(await li.expect("本次完成了哪些节点"), "✓ 2. 开工建设")  # ticked, then unticked
    step = await li.expect("本次完成了哪些节点")
    token = ReportMilestonesDone.parse(step.button_data("确定")).token  # type: ignore[union-attr]
    before = all_nodes(world)
    answer = await world.sim.wait_callback_answer(li.press_data(step, ReportMilestone(token, other).encode()))
    assert "该节点已不属于此次报送的事项" in answer.get("text", "")  # item 2's milestone, forged into this draft
    answer = await world.sim.wait_callback_answer(li.press_data(step, ReportMilestone("0" * 16, works).encode()))
    assert "已失效" in answer.get("text", "")  # another draft's token
    assert all_nodes(world) == before  # nothing is saved before the report
    li.press(step, "确定")
    problems = await li.expect("存在问题")
    assert "完成节点：完成设计" in problems.text
    li.press(problems, "无")
    li.press(await li.expect("佐证材料"), "📤 提交")
    saved = await li.expect("已保存报送记录")
    assert "完成节点：完成设计" in saved.text
    with world.db.session() as session:
        ticked = {m.title: m.done_report_id for m in milestones.milestones_of(session, item_id=1) if m.done_at}
        reported = session.exec(select(ProgressReport)).one()
    assert ticked == {"完成设计": reported.id, "完成立项": None}
    assert nodes(world, 2) == [("完成方案", date(2021, 7, 30), None, False)]

    world.clock.set(datetime(2021, 7, 27, 9, 0, tzinfo=SHANGHAI))  # three days before both were due
    await world.run_job(REMINDER_JOB)
    reminder = await li.expect("督办提醒")
    assert "开工建设" in reminder.text and "完成设计" not in reminder.text  # the ticked one is not reminded
    world.clock.set(datetime(2021, 8, 2, 9, 0, tzinfo=SHANGHAI))
    world.supervisor.send("/item 1")
    card = await world.supervisor.expect("#1 完成城区5座公厕提升改造")
    assert "1. 完成设计 — ✓ 2021年7月20日（周二）完成" in card.text
    assert "2. 开工建设 — 已逾期" in card.text
    assert "1 个节点逾期" in card.text  # the ticked one is not counted as missed


async def test_without_open_milestones_there_is_no_step_and_skip_ticks_nothing(world: World) -> None:
    li, zhang = setup(world)
    await report(zhang, "推进中，完成30%", item="2")  # no milestones: status, then problems straight away
    add_report_nodes(world.db, world.clock.now())
    li.press(await to_milestones(li), "1. 完成设计")
    li.press(await li.expect("本次完成了哪些节点"), "跳过")
    problems = await li.expect("存在问题")
    assert "完成节点" not in problems.text
    li.press(problems, "无")
    li.press(await li.expect("佐证材料"), "📤 提交")
    await li.expect("已保存报送记录")
    assert [done for *_, done in nodes(world)] == [False, False, True]


async def test_the_milestone_step_survives_a_restart(sim: BotApiSimulator, db_url: str, database: Database,
                                                     clock: FakeClock) -> None:
    office(database, clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)), ("改造老旧小区", "区住建局", date(2021, 12, 31))])
    add_report_nodes(database, clock.now())
    settings = make_settings(sim, db_url)
    li = sim.user(LI, "李四")
    first = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(first, timeout=1):
        li.press(await to_milestones(li), "2. 开工建设")
        step = await li.expect("本次完成了哪些节点")
        assert step.buttons[1] == ["✓ 2. 开工建设"]
        await first.update_persistence()
    again = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(again, timeout=1):
        li.press(step, "确定")
        li.press(await li.expect("存在问题"), "无")
        li.press(await li.expect("佐证材料"), "📤 提交")
        await li.expect("已保存报送记录")
    with database.session() as session:
        assert [m.title for m in milestones.milestones_of(session, item_id=1) if m.done_at] == ["开工建设", "完成立项"]
