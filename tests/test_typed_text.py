"""What a user types is normalised once, at the edge (handlers.common.typed_text and args_text): an answer of
only zero-width or bidirectional control characters is an empty answer in every command and dialogue step,
and no handler reads a message's text around it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.conftest import World
from tests.office import office, snapshot

ROOT = Path(__file__).resolve().parents[1]
LI = 2001
INVISIBLE = "\u200b\u202e\u2066"


def test_no_handler_reads_a_messages_text_around_the_edge() -> None:
    reads = [f"{path.name}:{n}" for path in sorted((ROOT / "handlers").glob("*.py")) if path.name != "common.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"effective_message\.(text|caption)\b|\bmessage\.(text|caption)\.strip\(", line)]
    assert reads == []


async def test_invisible_answers_are_empty_in_commands_and_dialogues(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    before = snapshot(world)
    contact, admin = world.user(LI, "李四"), world.admin

    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send(INVISIBLE)
    await contact.expect("完成情况不能为空")
    contact.send("/cancel")
    await contact.expect("已取消")

    admin.send(f"/instruct 1 {INVISIBLE} | 7月19日 | {INVISIBLE}")
    assert "用法" in (await admin.expect()).text
    admin.send(f"/close 1 {INVISIBLE}")
    assert "用法" in (await admin.expect()).text
    admin.send(f"/node 1 {INVISIBLE} 9月底前")
    await admin.expect("请写明节点内容")
    admin.send("/add")
    await admin.expect("第 1 步")
    admin.send(INVISIBLE)
    await admin.expect("标题不能为空")
    admin.send("/cancel")
    await admin.expect("已取消")
    assert snapshot(world) == before


async def test_full_width_digits_and_percent_are_read_as_typed(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    contact = world.user(LI, "李四")
    contact.send("/report １")
    await contact.expect("请用一条消息")
    contact.send("已完成主体\u200b施工")
    await contact.expect("完成进度")
    contact.send("８０％")
    await contact.expect("推进状态")
    contact.send("/cancel")
    await contact.expect("已取消")


async def test_a_milestone_longer_than_kept_is_refused_not_cut(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    before = snapshot(world)
    world.admin.send("/node 1 " + "节" * 600 + " 9月底前")
    assert "最多 200 字" in (await world.admin.expect("过长")).text
    assert snapshot(world) == before


async def test_a_list_named_only_by_a_year_or_by_nothing_visible_is_refused(world: World) -> None:
    before = snapshot(world)
    world.admin.send(f"/list new {INVISIBLE} 2022 民生22")
    assert "只是年度" in (await world.admin.expect()).text
    world.admin.send("/list new 2022年 民生22")
    assert "只是年度" in (await world.admin.expect()).text
    assert snapshot(world) == before


async def test_a_milestone_headed_by_no_unit_says_so_in_its_preview(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(LI, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    world.admin.send("/node 1 一期工程：9月底前完成")
    preview = await world.admin.expect("请确认")
    assert "“一期工程”不是已登记的单位" in preview.text and "责任单位" not in preview.text
    world.admin.send("/node 1 区住建局：9月底前完成验收")
    preview = await world.admin.expect("请确认")
    assert "责任单位：区住建局" in preview.text and "不是已登记的单位" not in preview.text
