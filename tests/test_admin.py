"""Admin work over HTTP: guided /add, /edit, /archive, /import of the office's table, /help, /lang."""

from __future__ import annotations

from datetime import date, datetime

from db import items
from tests.conftest import FIXTURES, SHANGHAI, World
from tests.factories import add_units


async def test_guided_add_dialogue(world: World) -> None:
    await add_units(world, "区教育局", "六横镇")
    admin = world.admin
    admin.send("/add")
    await admin.expect("第 1 步")
    admin.send("改善六横中学办学条件")
    await admin.expect("第 2 步")
    admin.send("十月下旬")
    assert "2021年10月31日（周日）" in (await admin.expect("第 3 步")).text
    admin.send("区教育局")
    question = await admin.expect("第 4 步")
    admin.send("六横")  # not a unit: suggestions, and the step is asked again
    assert "六横镇" in (await admin.expect("未找到单位")).text
    admin.press(question, "同牵头单位")
    domain_question = await admin.expect("第 5 步")
    admin.press(domain_question, "跳过")
    preview = await admin.expect("请确认")
    assert "截止 2021年10月31日（周日）" in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已保存事项 #1")
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        assert item.deadline == date(2021, 10, 31) and item.domain is None


async def test_cancel_add_saves_nothing(world: World) -> None:
    await add_units(world, "区教育局")
    world.admin.send("/add")
    await world.admin.expect("第 1 步")
    world.admin.send("某事项")
    await world.admin.expect("第 2 步")
    world.admin.send("/cancel")
    await world.admin.expect("已取消")
    with world.db.session() as session:
        assert items.counts(session).items == 0


async def test_the_add_preview_refused_or_pressed_late_saves_nothing(world: World) -> None:
    await add_units(world, "区教育局")
    admin = world.admin
    admin.send("/add 改善六横中学办学条件 | 2021.12 | 区教育局 | 区教育局")
    first = await admin.expect("请确认")
    admin.press(first, "✖ 取消")
    assert "已取消" in (await admin.expect("已取消")).text
    admin.send("/add 改善六横中学办学条件 | 2021.12 | 区教育局 | 区教育局")
    second = await admin.expect("请确认")
    admin.send("/cancel")
    await admin.expect("已取消")
    admin.press(second, "✅ 确认")  # an old preview: its draft is gone
    await admin.expect_none()
    admin.send("/add 改善六横中学办学条件 | 2021.12 | 区教育局 | 区教育局")
    third = await admin.expect("请确认")
    world.app.user_data[admin.id].pop("add")  # as after a restart that lost the draft
    admin.press(third, "✅ 确认")
    assert "已失效" in (await admin.expect("已失效")).text
    with world.db.session() as session:
        assert items.counts(session).items == 0


async def test_edit_and_archive(world: World) -> None:
    await add_units(world, "区教育局", "区住建局")
    admin = world.admin
    admin.send("/add 改善六横中学办学条件 | 2021.12 | 区教育局 | 区教育局")
    admin.press(await admin.expect("请确认"), "✅ 确认")
    await admin.expect("已保存")

    admin.send("/edit 1 时限 11月底")
    preview = await admin.expect("请确认修改")
    assert "2021年12月31日" in preview.text and "2021年11月30日" in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已修改 #1")
    admin.send("/edit 1 责任 区教育局、区住建局")
    admin.press(await admin.expect("请确认修改"), "✅ 确认")
    await admin.expect("已修改 #1")
    admin.send("/edit 1 周期 每季度")
    admin.press(await admin.expect("请确认修改"), "✅ 确认")
    await admin.expect("已修改 #1")
    admin.send("/edit 1 时限 明年某天")
    await admin.expect("无法识别完成时限")
    admin.send("/edit 1 颜色 红")
    await admin.expect("无法识别字段")

    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        units = items.item_unit_ids(session, item_ids=[item.id])[item.id]
    assert item.deadline == date(2021, 11, 30) and item.report_cycle == "quarterly"
    assert len(units["responsible"]) == 2

    admin.send("/archive 1")
    admin.press(await admin.expect("确认归档"), "✅ 确认")
    await admin.expect("已归档事项 #1")
    admin.send("/items")
    await admin.expect("没有符合条件的事项")
    admin.send("/unarchive 1")
    await admin.expect("已恢复事项 #1")


async def test_import_the_office_table_and_digest_matches_the_notice(world: World) -> None:
    admin = world.admin
    data = (FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes()
    admin.send_document("putuo-2021-livelihood-100.xlsx", data, caption="/import")
    preview = await admin.expect("导入预览", timeout=15)
    assert "新增 100 项" in preview.text and "将新建单位 47 个" in preview.text
    with world.db.session() as session:
        assert items.counts(session).items == 0  # nothing written before the confirmation
    admin.press(preview, "✅ 确认")
    assert "新增 100 项" in (await admin.expect("导入完成", timeout=15)).text

    # the CSV of the same table changes nothing
    admin.send("/import")
    await admin.expect("请发送任务表文件")
    admin.send_document("putuo.csv", (FIXTURES / "putuo-2021-livelihood-100.csv").read_bytes())
    assert "无需导入" in (await admin.expect("导入预览", timeout=15)).text

    world.clock.set(datetime(2021, 7, 31, 18, 0, tzinfo=SHANGHAI))
    admin.send("/digest")
    await admin.expect("尚未设置通报群")
    digest = await admin.expect("进展情况通报")
    assert "共 100 项，其中 16 项提前完成，43 项推进良好，35 项一般或难以评价，6 项较为缓慢。" in digest.text
    assert "（四）交通便民领域：4 项，其中 1 项提前完成，2 项一般，1 项较为缓慢" in digest.text
    assert "（七）社会保障领域：18 项，其中 1 项提前完成，8 项推进良好，9 项一般" in digest.text


async def test_the_import_preview_refused_or_expired_writes_nothing(world: World) -> None:
    admin = world.admin
    data = (FIXTURES / "putuo-2021-livelihood-100.csv").read_bytes()
    admin.send_document("putuo.csv", data, caption="/import")
    admin.press(await admin.expect("导入预览", timeout=15), "✖ 取消")
    assert "已取消" in (await admin.expect("已取消")).text
    admin.send_document("putuo.csv", data, caption="/import")
    preview = await admin.expect("导入预览", timeout=15)
    world.app.user_data[admin.id].pop("import")  # as after a restart that lost the parsed table
    admin.press(preview, "✅ 确认")
    assert "已失效" in (await admin.expect("已失效")).text
    with world.db.session() as session:
        assert items.counts(session).items == 0


async def test_import_refuses_what_is_not_a_table(world: World) -> None:
    world.admin.send_document("notes.xlsx", bytes(range(256)) * 8, caption="/import")
    assert "不是可读取的表格" in (await world.admin.expect()).text
    world.admin.send_document("x.csv", "随便,写点\n什么,东西\n".encode(), caption="/import")
    assert "没有找到表头" in (await world.admin.expect()).text
    stranger = world.user(4001, "路人")
    stranger.send_document("t.csv", b"a,b", caption="/import")
    assert "仅限管理员" in (await stranger.expect()).text
    with world.db.session() as session:
        assert items.counts(session).items == 0


async def test_help_lists_what_each_user_may_do_and_lang_switches(world: World) -> None:
    world.admin.send("/help")
    admin_help = (await world.admin.expect("可用命令")).text
    assert "/unit_add" in admin_help and "/status" in admin_help
    stranger = world.user(4002, "路人")
    stranger.send("/help")
    stranger_help = (await stranger.expect("可用命令")).text
    assert "/unit_add" not in stranger_help and "/status" not in stranger_help
    stranger.send("/lang en")
    await stranger.expect("English")
    stranger.send("/units")
    assert "admins only" in (await stranger.expect()).text
    stranger.send("/nonsense")
    assert "/help" in (await stranger.expect()).text


async def test_command_menus_are_registered(world: World) -> None:
    methods = [call for call in world.sim.calls if call.method.lower() == "setmycommands"]
    assert methods, "the bot registers its command menus"
