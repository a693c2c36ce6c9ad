"""Extension requests (延期申请) over HTTP: a contact asks, an admin approves or refuses, the record keeps both deadlines."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from db import items
from db.models import ExtensionRequest
from tests.conftest import World
from tests.factories import ask_extension
from tests.office import office, snapshot

HOUSING, SCHOOL, STRANGER = 2001, 2002, 2999


def setup(world: World):  # type: ignore[no-untyped-def]
    office(world.db, world.clock.now(),
           units={"区住建局": [(HOUSING, "李四", False)], "区教育局": [(SCHOOL, "张三", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 10, 31)),
                  ("改善六横中学办学条件", "区教育局", date(2021, 12, 31))])
    return world.user(HOUSING, "李四"), world.user(SCHOOL, "张三"), world.user(STRANGER, "路人")


def requests(world: World) -> list[ExtensionRequest]:
    with world.db.session() as session:
        return list(session.exec(select(ExtensionRequest).order_by(ExtensionRequest.id)).all())


async def test_a_contact_asks_and_an_admin_approves_with_a_comment(world: World) -> None:
    housing, school, _ = setup(world)
    housing.send("/item 1")
    card = await housing.expect("#1 完成城区5座公厕提升改造")
    echo = await ask_extension(housing, card, "12月底", "受台风“烟花”影响停工两周")
    assert "2021年12月31日（周五）" in echo.text  # echoed as understood before anything is saved

    request = await world.admin.expect("【延期申请】")
    assert "区住建局（李四）" in request.text and "2021年10月31日" in request.text and "烟花" in request.text
    assert request.buttons == [["✅ 同意延期", "✖ 不同意"]]

    world.admin.press(request, "✅ 同意延期")
    await world.admin.expect("可发送一条审批意见")
    world.admin.send("同意，请倒排工期")
    assert "2021年12月31日" in (await world.admin.expect("已同意 #1")).text

    notice = await housing.expect("延期已批准")
    assert "完成时限改为 2021年12月31日（周五），原定 10月31日" in notice.text and "倒排工期" in notice.text
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
    assert item.deadline == date(2021, 12, 31)
    (kept,) = requests(world)
    assert (kept.status, kept.original_deadline, kept.requested_deadline, kept.comment) == (
        "approved", date(2021, 10, 31), date(2021, 12, 31), "同意，请倒排工期")
    assert kept.decided_by == world.admin.id

    world.supervisor.send("/item 1")
    assert "延期：延期至 2021年12月31日（周五），原定 10月31日" in (await world.supervisor.expect("#1")).text
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.admin.send("/digest")
    digest = await world.group.expect("六、延期事项")
    assert "#1 完成城区5座公厕提升改造：延期至 2021年12月31日（周五），原定 10月31日" in digest.text

    # the button pressed again (another admin's copy, an old message) changes nothing
    before = snapshot(world)
    query = world.admin.press_data(request, request.button_data("✖ 不同意"))
    assert "该申请已批准" in (await world.sim.wait_callback_answer(query))["text"]
    assert snapshot(world) == before


async def test_a_request_refused_keeps_the_deadline(world: World) -> None:
    _, school, _ = setup(world)
    school.send("/extend 2")
    await school.expect("请输入新的完成时限")
    school.send("随便哪天")
    await school.expect("无法识别完成时限")
    school.send("10月底")  # before the current deadline: no extension at all
    await school.expect("不晚于现定时限")
    school.send("2022年3月底")
    assert "2022年3月31日" in (await school.expect("理解为")).text
    school.send("校舍改造需避开学期")
    school.press(await school.expect("请确认延期申请"), "✅ 确认")
    await school.expect("已提交")

    request = await world.admin.expect("【延期申请】")
    world.admin.press(request, "✖ 不同意")
    world.admin.press(await world.admin.expect("审批意见"), "不附意见")
    await world.admin.expect("已不同意 #2")
    refused = await school.expect("未获批准")
    assert "完成时限不变" in refused.text
    with world.db.session() as session:
        assert items.item_by_number(session, number=2).deadline == date(2021, 12, 31)
    (kept,) = requests(world)
    assert (kept.status, kept.original_deadline, kept.comment) == ("refused", date(2021, 12, 31), None)


async def test_refusals_are_answered_and_change_nothing(world: World) -> None:
    housing, school, stranger = setup(world)
    housing.send("/extend 1")
    await housing.expect("请输入新的完成时限")
    housing.send("11月15日")
    await housing.expect("理解为")
    housing.send("设备到货延迟")
    housing.press(await housing.expect("请确认延期申请"), "✅ 确认")
    await housing.expect("已提交")
    request = await world.admin.expect("【延期申请】")
    before = snapshot(world)

    housing.send("/extend 1")  # a second request while one is pending
    pending = await housing.expect("待审批")
    assert "审批前不能再次申请" in pending.text and "2021年11月15日" in pending.text
    school.send("/extend 1")  # not their unit's item
    assert "不属于您所在的单位" in (await school.expect()).text
    stranger.send("/extend 1")  # bound to no unit
    assert "还没有绑定单位" in (await stranger.expect()).text
    # a supervisor is no admin: forging the approve button is refused
    world.supervisor.send("/status")
    status = await world.supervisor.expect("总体进展")
    query = world.supervisor.press_data(status, request.button_data("✅ 同意延期"))
    assert "仅限管理员" in (await world.sim.wait_callback_answer(query))["text"]
    # the admin starts deciding, then cancels: still pending
    world.admin.press(request, "✅ 同意延期")
    world.admin.press(await world.admin.expect("审批意见"), "✖ 取消")
    await world.admin.expect("仍待审批")
    assert snapshot(world) == before
    assert [r.status for r in requests(world)] == ["pending"]


async def test_help_and_menus_list_the_new_commands(world: World) -> None:
    housing, _, _ = setup(world)
    housing.send("/help")
    contact_help = (await housing.expect("可用命令")).text
    assert all(c in contact_help for c in ("/extend", "/revise", "/away", "/history", "收到"))
    world.admin.send("/help")
    admin_help = (await world.admin.expect("可用命令")).text
    assert all(c in admin_help for c in ("/sendback", "/ranking", "/unread", "/invite 单位 备用", "/away 单位"))
    contact_menu = [c["command"] for c in world.sim.get_commands({"type": "all_private_chats"}, "")]
    admin_menu = [c["command"] for c in world.sim.get_commands({"type": "chat", "chat_id": world.admin.id}, "")]
    supervisor_menu = [c["command"] for c in world.sim.get_commands({"type": "chat", "chat_id": world.supervisor.id},
                                                                    "")]
    assert {"extend", "revise", "away", "history"} <= set(contact_menu)
    assert {"sendback", "unread", "ranking", "history", "away"} <= set(admin_menu)
    assert {"sendback", "ranking", "history"} <= set(supervisor_menu)
