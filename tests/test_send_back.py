"""Send-back (退办) over HTTP: a returned report stays in the history, and the unit is unreported until it reports anew."""

from __future__ import annotations

from datetime import date

from db import reports
from tests.conftest import World
from tests.factories import report
from tests.office import office, snapshot

HOUSING = 2001


def setup(world: World):  # type: ignore[no-untyped-def]
    office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    return world.user(HOUSING, "李四")


def reported_units(world: World) -> frozenset[int]:
    with world.db.session() as session:
        (facts,) = reports.item_facts(session, today=world.clock.now().date())
    return facts.reported_unit_ids


async def test_a_supervisor_sends_a_report_back_and_the_unit_reports_anew(world: World) -> None:
    contact = setup(world)
    await report(contact, "完成新桥小区公厕改造，完成40%")
    assert reported_units(world)
    world.supervisor.send("/missing")
    await world.supervisor.expect("本期各单位均已报送")

    world.supervisor.send("/item 1")
    card = await world.supervisor.expect("#1 完成城区5座公厕提升改造")
    world.supervisor.press(card, "↩️ 退回最新报送")
    await world.supervisor.expect("请用一条消息说明退回理由")
    world.supervisor.send("进展过于笼统，请写明已完工的公厕和工程量")
    world.supervisor.press(await world.supervisor.expect("请确认退回"), "✅ 确认")
    assert "本期视为未报送" in (await world.supervisor.expect("已退回 #1")).text

    notice = await contact.expect("【退回重报】")
    assert "工程量" in notice.text and "督查员" in notice.text
    assert notice.buttons == [["上报 #1"]]
    assert not reported_units(world)
    world.supervisor.send("/missing")
    assert "区住建局：1 项（#1）" in (await world.supervisor.expect("本期未报送单位")).text
    world.admin.send("/item 1")
    returned = await world.admin.expect("#1")
    assert "↩️ 已退回" in returned.text and "请写明已完工的公厕" in returned.text
    assert "完成新桥小区公厕改造" in returned.text  # the returned report stays in the history

    await report(contact, "完成新桥、美味鲜2座公厕主体，完成40%", start=notice)
    assert reported_units(world)
    world.supervisor.send("/missing")
    await world.supervisor.expect("本期各单位均已报送")
    with world.db.session() as session:
        first, second = reports.reports_of_item(session, item_id=1)
    assert first.returned_at is not None and first.returned_by == world.supervisor.id
    assert second.returned_at is None


async def test_send_back_from_the_digest_group_by_replying(world: World) -> None:
    contact = setup(world)
    await report(contact, "完成40%")
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.supervisor.send("/item 1", chat=world.group)
    card = await world.group.expect("#1 完成城区5座公厕提升改造")
    world.supervisor.press(card, "↩️ 退回最新报送")
    prompt = await world.group.expect("退回理由")
    world.supervisor.send("未附现场照片", chat=world.group, reply_to=prompt)  # privacy mode: a reply reaches the bot
    world.supervisor.press(await world.group.expect("请确认退回"), "✅ 确认")
    await world.group.expect("已退回 #1")
    assert "未附现场照片" in (await contact.expect("【退回重报】")).text


async def test_refusals_leave_the_report_as_it_was(world: World) -> None:
    contact = setup(world)
    await report(contact, "完成40%")
    world.supervisor.send("/sendback 1 数据有误")
    world.supervisor.press(await world.supervisor.expect("请确认退回"), "✅ 确认")
    await world.supervisor.expect("已退回 #1")
    await contact.expect("【退回重报】")
    before = snapshot(world)

    contact.send("/sendback 1 我自己退")  # a contact is no supervisor
    assert "退回报送仅限管理员和督查人员" in (await contact.expect()).text
    world.supervisor.send("/sendback 1 再退一次")  # nothing counted is left to return
    assert "还没有单位报送" in (await world.supervisor.expect()).text
    world.supervisor.send("/status")
    status = await world.supervisor.expect("总体进展")
    with world.db.session() as session:
        (returned,) = reports.reports_of_item(session, item_id=1)
    world.supervisor.press_data(status, f"sb:{returned.id}")  # an old card's button
    assert "已经退回过了" in (await world.supervisor.expect()).text
    contact.send("/revise 1")  # a returned report cannot be corrected either
    assert "已被退回" in (await contact.expect()).text
    assert snapshot(world) == before
