"""办结 on review and adjustments (调整 / 取消) over HTTP: a unit's 已完成 asks, an overseer confirms or sends it
back; a contact asks for a change or a cancellation, an admin decides; refusals change nothing. And the
rules that decide, as plain functions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from db import closing, items, units
from db.facts import Closing, ItemFacts, Status, counted_mark
from db.models import Adjustment, ClosingReview, Item
from jobs.policy import Policy, plan_reminders
from jobs.rules import due_reminders, missing_unit_ids, reminders_stop
from jobs.workdays import WorkCalendar
from tests.conftest import World
from tests.office import office, snapshot

HOUSING, SCHOOL, STRANGER = 2001, 2002, 2999


def setup(world: World):  # type: ignore[no-untyped-def]
    """#1 due in three days (a deadline reminder is due today), #2 at the year's end."""
    office(world.db, world.clock.now(),
           units={"区住建局": [(HOUSING, "李四", False)], "区教育局": [(SCHOOL, "张三", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 7, 23)),
                  ("改善六横中学办学条件", "区教育局", date(2021, 12, 31))])
    return world.user(HOUSING, "李四"), world.user(SCHOOL, "张三")


async def set_group(world: World) -> None:
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")


async def report_done(contact, number: int = 1) -> str:  # type: ignore[no-untyped-def]
    contact.send(f"/report {number}")
    await contact.expect("请用一条消息")
    contact.send("5座公厕全部完工并投入使用，完成100%")
    contact.press(await contact.expect("推进状态"), "□ 已完成")
    contact.press(await contact.expect("存在问题"), "无")
    contact.press(await contact.expect("佐证材料"), "📤 提交")
    return (await contact.expect("已保存报送记录")).text


async def digest(world: World) -> str:
    world.clock.advance(timedelta(minutes=1))  # a manual digest is one per moment
    world.admin.send("/digest")
    text = (await world.group.expect("进展情况通报")).text
    world.group.drain()
    world.admin.chat.drain()
    return text


def item(world: World, number: int) -> Item:
    with world.db.session() as session:
        found = items.item_by_number(session, number=number)
    assert found is not None
    return found


async def test_a_done_report_awaits_review_and_counts_once_confirmed(world: World) -> None:
    housing, _ = setup(world)
    await set_group(world)
    saved = await report_done(housing)
    assert "已提交 #1 办结申请" in saved and "提醒暂停" in saved
    request = await world.supervisor.expect("【申请办结】")
    assert "区住建局 李四" in request.text and "全部完工" in request.text
    assert request.buttons == [["✅ 确认办结", "↩️ 退回"]]
    admins_copy = await world.admin.expect("【申请办结】")
    assert item(world, 1).closing_state == Closing.REQUESTED

    world.admin.send("/remind 区住建局")  # the deadline reminder due today is not sent while the 办结 awaits review
    assert "当前没有需要提醒的事项" in (await world.admin.expect()).text
    await housing.expect_none(within=0.5)
    notice = await digest(world)
    assert "共 2 项，其中 0 项提前完成" in notice and "申请办结 1 项，待审核：#1" in notice

    world.supervisor.press(request, "✅ 确认办结")
    assert "2021年7月20日" in (await world.supervisor.expect("已确认 #1 办结")).text
    assert "督查员" in (await housing.expect("已确认办结")).text
    notice = await digest(world)
    assert "共 2 项，其中 1 项提前完成" in notice and "待审核" not in notice
    closed = item(world, 1)
    assert (closed.closing_state, closed.closed_on, closed.closed_by) == (Closing.CLOSED, date(2021, 7, 20),
                                                                          world.supervisor.id)
    world.admin.chat.drain()
    world.admin.send("/item 1")
    assert "✅ 已办结（2021年7月20日" in (await world.admin.expect("#1")).text

    before = snapshot(world)  # the admin's copy, pressed after the supervisor decided: nothing changes
    query = world.admin.press_data(admins_copy, admins_copy.button_data("↩️ 退回"))
    assert "已处理" in (await world.sim.wait_callback_answer(query))["text"]
    query = world.admin.press_data(admins_copy, admins_copy.button_data("✅ 确认办结"))
    assert "已确认办结" in (await world.sim.wait_callback_answer(query))["text"]
    assert snapshot(world) == before

    with world.db.session() as session:  # what the points ledger reads
        (entry,) = closing.closings(session)
    assert (entry.number, entry.closed_on, entry.on_time, entry.direct) == (1, date(2021, 7, 20), True, False)


async def test_a_closing_sent_back_resumes_the_reminders_and_tells_the_unit_why(world: World) -> None:
    housing, _ = setup(world)
    await report_done(housing)
    request = await world.admin.expect("【申请办结】")
    world.admin.press(request, "↩️ 退回")
    await world.admin.expect("请用一条消息说明理由")
    world.admin.send("现场核查仍有2座未完工")
    await world.admin.expect("已退回 #1 的办结申请")
    notice = await housing.expect("【办结退回】")
    assert "仍有2座未完工" in notice.text and notice.buttons == [["上报 #1"]]
    assert item(world, 1).closing_state == Closing.OPEN

    world.admin.send("/remind 区住建局")
    assert "提醒已发送" in (await world.admin.expect()).text
    await housing.expect("【督办提醒】")
    world.supervisor.chat.drain()
    world.supervisor.send("/item 1")
    assert "被退回：现场核查仍有2座未完工" in (await world.supervisor.expect("#1")).text
    with world.db.session() as session:
        (review,) = session.exec(select(ClosingReview)).all()
    assert (review.status, review.decided_by, review.reason) == ("refused", world.admin.id, "现场核查仍有2座未完工")


async def test_refusals_and_stale_buttons_change_nothing(world: World) -> None:
    housing, school = setup(world)
    await report_done(housing)
    request = await world.admin.expect("【申请办结】")
    stranger = world.user(STRANGER, "路人")
    school.send("/help")
    help_text = await school.expect("可用命令")
    await world.supervisor.expect("【申请办结】")  # sent by the drain, which other users' updates no longer wait for
    before = snapshot(world)

    query = school.press_data(help_text, request.button_data("✅ 确认办结"))  # a contact reviews nothing
    assert "仅限管理员" in (await world.sim.wait_callback_answer(query))["text"]
    for user in (world.supervisor, school, stranger):  # only admins close directly
        user.send("/close 1 已完工")
        assert "仅限管理员" in (await user.expect()).text
    school.send("/adjust 1")  # not the unit's item
    assert "不属于您所在的单位" in (await school.expect()).text
    stranger.send("/adjust 1")
    assert "还没有绑定单位" in (await stranger.expect()).text
    query = world.admin.press_data(request, "cld:999:c")  # no such request
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    world.admin.send("/close 1")
    await world.admin.expect("用法")
    assert snapshot(world) == before


async def test_an_admin_closes_an_item_directly_once(world: World) -> None:
    setup(world)
    world.admin.send("/close 2 经现场核查已全部完工")
    preview = await world.admin.expect("请确认直接办结")
    world.admin.press(preview, "✅ 确认")
    await world.admin.expect("已办结 #2")
    before = snapshot(world)
    query = world.admin.press_data(preview, preview.button_data("✅ 确认"))  # pressed again: nothing doubles
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    world.admin.send("/close 2 再办一次")
    assert "已办结或已取消" in (await world.admin.expect()).text
    assert snapshot(world) == before
    with world.db.session() as session:
        (entry,) = closing.closings(session)
    assert entry.direct and entry.on_time and item(world, 2).closing_note == "经现场核查已全部完工"


async def ask_adjustment(contact, number: int, kind: str, value: str | None, reason: str) -> None:  # type: ignore[no-untyped-def]
    contact.send(f"/adjust {number}")
    contact.press(await contact.expect("要调整什么"), kind)
    if value is not None:
        await contact.expect("请")
        contact.send(value)
    await contact.expect("说明申请理由")
    contact.send(reason)
    contact.press(await contact.expect("请确认调整申请"), "✅ 确认")
    await contact.expect("已提交")


async def test_adjustments_approved_keep_before_and_after_and_a_cancelled_item_leaves_the_totals(
        world: World) -> None:
    housing, school = setup(world)
    await set_group(world)
    await ask_adjustment(housing, 1, "标题", "完成城区6座公厕提升改造", "新增1座")
    request = await world.admin.expect("【调整申请】")
    assert "完成城区5座公厕提升改造 → 完成城区6座公厕提升改造" in request.text and "新增1座" in request.text
    world.admin.press(request, "✅ 批准调整")
    await world.admin.expect("已批准 #1 的调整申请")
    assert "已批准" in (await housing.expect("调整申请")).text
    assert item(world, 1).title == "完成城区6座公厕提升改造"
    with world.db.session() as session:
        (kept,) = session.exec(select(Adjustment)).all()
    assert (kept.kind, kept.before, kept.after, kept.status) == (
        "title", {"title": "完成城区5座公厕提升改造"}, {"title": "完成城区6座公厕提升改造"}, "approved")
    before = snapshot(world)
    query = world.admin.press_data(request, request.button_data("✖ 不批准"))  # decided already
    assert "已处理" in (await world.sim.wait_callback_answer(query))["text"]
    assert snapshot(world) == before

    await ask_adjustment(school, 2, "取消事项", None, "项目并入市级统筹")
    request = await world.admin.expect("【调整申请】")
    world.admin.press(request, "✅ 批准调整")
    await world.admin.expect("已批准 #2")
    await school.expect("已批准")
    assert item(world, 2).closing_state == Closing.CANCELLED
    notice = await digest(world)
    assert "共 1 项" in notice and "已取消 1 项：#2 改善六横中学办学条件（经批准取消）" in notice
    world.admin.chat.drain()
    world.admin.send("/item 2")
    assert "🚫 已取消" in (await world.admin.expect("#2")).text
    school.send("/adjust 2")
    assert "已取消" in (await school.expect()).text
    school.send("/mine")  # a cancelled item leaves the unit's own list too
    assert "改善六横中学办学条件" not in (await school.expect()).text

    await ask_adjustment(housing, 1, "责任单位", "区教育局", "改由教育局实施")
    request = await world.admin.expect("【调整申请】")
    world.admin.press(request, "✖ 不批准")
    await world.admin.expect("已不批准 #1")
    assert "未获批准" in (await housing.expect("调整申请")).text
    with world.db.session() as session:
        assert items.item_unit_ids(session, item_ids=[item(world, 1).id])[item(world, 1).id]["responsible"] == [
            units.find_unit(session, name="区住建局").id]


# ---------------------------------------------------------------- the rules, with a fake clock

TODAY = date(2021, 7, 20)


def facts(**values) -> ItemFacts:  # type: ignore[no-untyped-def]
    base = dict(id=1, number=1, title="x", domain=None, start=date(2021, 1, 1), deadline=date(2021, 7, 23),
                responsible_unit_ids=(5,), lead_unit_ids=(5,))
    return ItemFacts(**(base | values))


def test_a_closing_awaiting_review_stops_the_reminders_until_decided() -> None:
    waiting = facts(declared=counted_mark(Status.AHEAD, "chat", Closing.REQUESTED), closing=Closing.REQUESTED)
    assert waiting.declared == Status.GOOD and reminders_stop(waiting)
    assert due_reminders([waiting], TODAY, lead_days=(7, 3, 1), report_day=25) == []
    assert missing_unit_ids(waiting) == []
    policy = Policy(lead_days=(7, 3, 1), report_day=25)
    assert plan_reminders([waiting], TODAY, policy, WorkCalendar({})).due == []

    sent_back = facts(declared=counted_mark(Status.AHEAD, "chat", Closing.OPEN))  # refused: back in the rhythm
    assert not reminders_stop(sent_back)
    assert [d.reason for d in due_reminders([sent_back], TODAY, lead_days=(7, 3, 1), report_day=25)] == ["deadline-3"]
    assert plan_reminders([sent_back], TODAY, policy, WorkCalendar({})).due


def test_only_a_confirmed_closing_counts_as_done() -> None:
    assert counted_mark(Status.AHEAD, "chat", Closing.OPEN) == Status.GOOD
    assert counted_mark(Status.AHEAD, "chat", Closing.REQUESTED) == Status.GOOD
    assert counted_mark(Status.AHEAD, "chat", Closing.CLOSED) == Status.AHEAD
    assert counted_mark(None, None, Closing.CLOSED) == Status.AHEAD  # closed directly, never reported
    assert counted_mark(Status.AHEAD, "import", Closing.OPEN) == Status.AHEAD  # the office's own table
    assert counted_mark(Status.SLOW, "chat", Closing.OPEN) == Status.SLOW
    assert closing.Closed(1, 1, (5,), (5,), date(2021, 7, 24), date(2021, 7, 23), False).on_time is False
