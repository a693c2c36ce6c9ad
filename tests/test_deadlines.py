"""A deadline written without a year is this year's; one already past is echoed with a warning before it is saved."""

from __future__ import annotations

from datetime import date

from db import queries
from tests.conftest import World
from tests.factories import add_units


async def test_a_past_deadline_is_saved_only_after_a_warning(world: World) -> None:
    await add_units(world, "区教育局")
    admin = world.admin
    admin.send("/add 改善六横中学办学条件 | 6月底 | 区教育局 | 区教育局")
    preview = await admin.expect("请确认")
    assert "截止 2021年6月30日（周三）\n⚠️ 该时限已过（今天是 2021年7月20日 周二）" in preview.text
    assert "2022.6.30" in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已保存")
    admin.send("/edit 1 时限 二季度末")
    preview = await admin.expect("请确认修改")
    assert "2021年6月30日" in preview.text and "该时限已过" in preview.text
    admin.press(preview, "✖ 取消")
    await admin.expect("已取消")
    admin.send("/edit 1 时限 2022.6.30")
    preview = await admin.expect("请确认修改")
    assert "2022年6月30日" in preview.text and "该时限已过" not in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已修改 #1")
    with world.db.session() as session:
        assert queries.item_by_number(session, number=1).deadline == date(2022, 6, 30)


async def test_a_deadline_to_come_has_no_warning(world: World) -> None:
    await add_units(world, "区教育局")
    world.admin.send("/add 改善六横中学办学条件 | 三季度末 | 区教育局 | 区教育局")
    preview = await world.admin.expect("请确认")
    assert "截止 2021年9月30日（周四）" in preview.text and "⚠️" not in preview.text
