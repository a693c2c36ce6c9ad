"""With two task lists active, /node, /instruct, /instructions, /close and /adjust, and what they send the
units and the overseers, name each item with its list (重点1), since the numbers repeat across lists; with
one active list they say #1 as before (the other test files)."""

from __future__ import annotations

from datetime import date

from db import items, lists
from tests.conftest import World
from tests.factories import report
from tests.office import office

HOUSING = 2001


def two_lists(world: World):  # type: ignore[no-untyped-def]
    """重点1 and 重点2 (区住建局's), and 民生1 in a second active list: a bare 1 is ambiguous."""
    now = world.clock.now()
    made = office(world.db, now, units={"区住建局": [(HOUSING, "李四", False)]},
                  items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
                         ("改造老旧小区", "区住建局", date(2021, 12, 31))])
    with world.db.session() as session:
        people = lists.create_list(session, name="2021年民生实事", year=2021, code="民生", kind="民生实事", now=now)
        items.add_item(session, title="新建幼儿园", deadline=date(2021, 12, 31), deadline_text=None,
                         lead_unit_ids=[made.units["区住建局"]], responsible_unit_ids=[made.units["区住建局"]],
                         start_date=date(2021, 1, 1), list_id=people.id, now=now)
        assert lists.several_active(session)
    return world.user(HOUSING, "李四")


async def test_milestones_and_instructions_name_the_list(world: World) -> None:
    housing = two_lists(world)
    admin = world.admin
    admin.send("/node 重点1 9月底前完成主体施工")
    preview = await admin.expect("请确认为 重点1 完成城区5座公厕提升改造")
    admin.press(preview, "✅ 确认")
    await admin.expect("已为 重点1 新增节点 1")
    admin.send("/node 重点1")
    assert "（0/1 已完成）" in (await admin.expect("重点1 完成城区5座公厕提升改造")).text
    admin.send("/node 重点1 完成 2")
    assert "重点1 没有第 2 个节点" in (await admin.expect("没有")).text

    admin.send("/instruct 重点1 区长 张三 | 7月19日 | 要加快进度")
    preview = await admin.expect("请确认领导批示")
    assert "重点1" in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已登记 重点1 的领导批示")
    assert "重点1" in (await housing.expect("【领导批示】")).text
    admin.send("/instructions")
    assert "重点1 " in (await admin.expect("待答复的领导批示")).text
    admin.send("/remind 区住建局")
    reminder = (await housing.expect("督办提醒")).text
    assert "\n重点1 领导批示（7月19日 区长 张三）" in reminder  # the instruction it repeats names the list too


async def test_closing_and_adjustments_name_the_list(world: World) -> None:
    housing = two_lists(world)
    admin = world.admin
    admin.send("/close 重点2 已并入市级项目完成")
    admin.press(await admin.expect("重点2 改造老旧小区"), "✅ 确认")
    await admin.expect("已办结 重点2")

    housing.send("/adjust")
    choose = await housing.expect()
    assert [label for row in choose.buttons for label in row] == ["民生1", "重点1"]  # 重点2 is closed (办结): nothing left to change
    housing.send("/adjust 重点1")
    housing.press(await housing.expect("申请调整 重点1"), "标题")
    await housing.expect("请")
    housing.send("完成城区6座公厕提升改造")
    await housing.expect("说明申请理由")
    housing.send("新增1座")
    housing.press(await housing.expect("请确认调整申请"), "✅ 确认")
    await housing.expect("已提交 重点1 的调整申请")
    request = await admin.expect("【调整申请】")
    assert "重点1" in request.text
    admin.press(request, "✅ 批准调整")
    await admin.expect("已批准 重点1 的调整申请")
    assert "重点1" in (await housing.expect("调整申请已批准")).text

    await report(housing, "全部完工并投入使用，完成100%", item="重点1", status="□ 已完成")
    request = await world.supervisor.expect("【申请办结】")
    assert "重点1" in request.text
    world.supervisor.press(request, "✅ 确认办结")
    await world.supervisor.expect("已确认 重点1 办结")
    assert "重点1" in (await housing.expect("已确认办结")).text
