"""Correcting a sent report over HTTP: within REPORT_EDIT_HOURS every version is kept; after it, a clear refusal."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from db import reports
from db.models import ReportVersion
from tests.conftest import World
from tests.factories import report
from tests.office import office, snapshot

HOUSING, SCHOOL = 2001, 2002


def setup(world: World):  # type: ignore[no-untyped-def]
    office(world.db, world.clock.now(),
           units={"区住建局": [(HOUSING, "李四", False)], "区教育局": [(SCHOOL, "张三", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    return world.user(HOUSING, "李四"), world.user(SCHOOL, "张三")


async def test_corrections_keep_every_version_with_its_time(world: World) -> None:
    contact, _ = setup(world)
    sent_at = world.clock.now()
    await report(contact, "完成新桥小区公厕改造，完成40%")
    record = contact.chat.bot_messages()[-1]
    assert "24 小时内" in record.text

    world.clock.advance(timedelta(hours=2))
    contact.press(record, "✏️ 修改报送")
    choose = await contact.expect("要修改哪一项")
    assert choose.buttons[0] == ["完成情况", "完成进度"]
    contact.press(choose, "完成进度")
    contact.press(await contact.expect("完成进度是多少"), "60%")
    preview = await contact.expect("请确认修改 #1 的完成进度")
    assert "原：40%" in preview.text and "新：60%" in preview.text
    contact.press(preview, "✅ 确认")
    assert "现为第 2 版" in (await contact.expect("已修改 #1")).text

    world.clock.advance(timedelta(hours=3))
    contact.send("/revise 1")
    contact.press(await contact.expect("要修改哪一项"), "完成情况")
    await contact.expect("更正后的完成情况")
    contact.send("完成新桥、美味鲜2座公厕改造")
    contact.press(await contact.expect("请确认修改"), "✅ 确认")
    await contact.expect("现为第 3 版")

    with world.db.session() as session:
        (current,) = reports.reports_of_item(session, item_id=1)
        versions = list(session.exec(select(ReportVersion).order_by(ReportVersion.version)).all())
    assert (current.version, current.percent, current.text) == (3, 60, "完成新桥、美味鲜2座公厕改造")
    assert current.created_at == sent_at  # still counts as sent when it was first sent
    assert [(v.version, v.percent, v.text) for v in versions] == [
        (1, 40, "完成新桥小区公厕改造，完成40%"), (2, 60, "完成新桥小区公厕改造，完成40%")]
    assert [v.saved_at for v in versions] == [sent_at, sent_at + timedelta(hours=2)]
    world.supervisor.send("/item 1")
    card = (await world.supervisor.expect("#1")).text
    assert "第1版（2021年7月20日 周二 08:00）：★ 推进良好，40%" in card
    assert "第2版（2021年7月20日 周二 10:00）" in card and "现为第3版" in card


async def test_after_the_window_and_for_others_a_correction_is_refused(world: World) -> None:
    contact, other = setup(world)
    await report(contact, "完成40%")
    record = contact.chat.bot_messages()[-1]
    contact.press(record, "✏️ 修改报送")
    contact.press(await contact.expect("要修改哪一项"), "推进状态")
    contact.press(await contact.expect("推进状态？"), "▲ 较为缓慢")
    preview = await contact.expect("请确认修改")
    before = snapshot(world)

    world.clock.advance(timedelta(hours=24, minutes=1))  # the window closes while the preview waits
    contact.press(preview, "✅ 确认")
    assert "已超过 24 小时，不能再修改" in (await contact.expect()).text
    contact.send("/revise 1")
    refusal = await contact.expect("不能再修改")
    assert "/report 1" in refusal.text
    contact.press(record, "✏️ 修改报送")
    await contact.expect("不能再修改")
    other.send("/revise 1")  # another unit's contact
    assert "不属于您所在的单位" in (await other.expect()).text
    with world.db.session() as session:
        (sent,) = reports.reports_of_item(session, item_id=1)
    other.press_data(other.chat.bot_messages()[-1], f"rv:{sent.id}")
    assert "不属于您所在的单位" in (await other.expect()).text
    assert snapshot(world) == before
