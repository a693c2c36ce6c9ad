"""Unit contacts over HTTP: choosing an item, typed answers, buttons answered in place, cancel, timeout,
long lists."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from db import items, reports, units
from tests.conftest import SHANGHAI, World
from tests.factories import bound_contact


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"conversation_timeout_minutes": 0.03}  # about two seconds


def report_count(world: World) -> int:
    with world.db.session() as session:
        return items.counts(session).reports


async def test_report_by_command_with_typed_answers(world: World) -> None:
    contact = await bound_contact(world)
    contact.send("/report")
    choose = await contact.expect("请选择要上报的事项")
    assert choose.buttons == [["上报 #1", "上报 #2"]]
    contact.press(choose, "上报 #2")
    await contact.expect("请用一条消息")
    contact.send_photo()  # not text: asked again, nothing lost
    await contact.expect("请发送文字说明")
    contact.send("完成立项")
    await contact.expect("完成进度是多少")
    contact.send("一百二")
    await contact.expect("0 到 100")
    contact.send("75%")
    status = await contact.expect("推进状态")
    contact.send("挺好")  # typing instead of tapping: the question comes again
    status = await contact.expect("推进状态")
    contact.press(status, "★ 推进良好")
    contact.press(await contact.expect("存在问题"), "无")
    contact.send_document("现场.pdf", b"%PDF-1.4 evidence")
    contact.press(await contact.expect("已收到佐证材料 1 个"), "📤 提交")
    record = await contact.expect("已保存报送记录")
    assert "75%" in record.text and "佐证材料：1 个" in record.text
    with world.db.session() as session:
        item = items.item_by_number(session, number=2)
        (report,) = reports.reports_of_item(session, item_id=item.id)
    assert report.evidence[0]["type"] == "document" and report.evidence[0]["name"] == "现场.pdf"


async def test_cancel_at_any_step_saves_nothing(world: World) -> None:
    contact = await bound_contact(world)
    contact.send("/report 1")
    contact.press(await contact.expect("请用一条消息"), "✖ 取消")
    await contact.expect("已取消")
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("做了一些")
    await contact.expect("完成进度")
    contact.send("/cancel")
    await contact.expect("已取消")
    assert report_count(world) == 0


async def test_an_abandoned_dialogue_times_out(world: World) -> None:
    contact = await bound_contact(world)
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("写到一半")
    await contact.expect("完成进度")
    timeout = await contact.expect("超时", timeout=10)
    assert "未保存" in timeout.text
    contact.send("80")  # the dialogue is over: this is no answer to anything
    await contact.expect("/report")
    assert report_count(world) == 0


async def test_mine_lists_items_with_report_buttons(world: World) -> None:
    contact = await bound_contact(world, items=3)
    contact.send("/mine")
    listing = await contact.expect("的事项（3 项）")
    assert "上报 #3" in listing.buttons[0]


async def test_a_long_digest_is_split_under_the_limit(world: World) -> None:
    now = world.clock.now()
    with world.db.session() as session:
        unit = units.add_unit(session, name="区住建局")
        for n in range(300):
            items.add_item(session, title=f"第{n}项很长的任务名称" + "建设" * 20, deadline=date(2021, 6, 30),
                             deadline_text="2021.6", lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                             start_date=date(2021, 1, 1), domain=f"领域{n % 12}", now=now)
    world.clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.admin.send("/digest")
    chart = await world.group.expect()
    assert chart.photo, "the digest's picture comes first"
    parts = [await world.group.expect()]
    while parts[-1].document is None and "一般或难以评价　▲" not in parts[-1].text:
        parts.append(await world.group.expect())
    if parts[-1].document is not None:  # past DIGEST_MAX_MESSAGES: the complete digest follows as a file
        parts.pop()
    assert len(parts) > 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert "共 300 项" in parts[0].text
    assert "已逾期 26 天" in "".join(p.text for p in parts)


async def test_an_indicator_item_asks_for_the_current_value(world: World) -> None:
    contact = await bound_contact(world, items=1)
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        item.baseline_value, item.target_value, item.indicator_unit = 60.0, 80.0, "%"
        session.add(item)
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("城镇调查失业率控制良好")
    await contact.expect("目标值 80%")
    contact.send("不知道")
    await contact.expect("请发送一个数字")
    contact.send("75")
    contact.press(await contact.expect("推进状态"), "★ 推进良好")
    contact.press(await contact.expect("存在问题"), "无")
    contact.press(await contact.expect("佐证材料"), "📤 提交")
    assert "完成进度：75%" in (await contact.expect("已保存")).text
    with world.db.session() as session:
        (report,) = reports.reports_of_item(session, item_id=item.id)
    assert (report.current_value, report.percent) == (75.0, 75)


async def test_a_button_on_the_latest_question_turns_it_into_the_next_one(world: World) -> None:
    contact = await bound_contact(world)
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("完成立项，完成40%")
    status = await contact.expect("推进状态")
    contact.press(status, "★ 推进良好")
    problems = await contact.expect("存在问题")  # one edit: the choice stays on record, the next question follows
    assert problems.edited and problems.message_id == status.message_id
    assert problems.text.startswith("推进状态？\n→ ★ 推进良好\n\n存在问题")
    assert problems.buttons == [["无", "✖ 取消"]]
    contact.press(problems, "无")
    evidence = await contact.expect("佐证材料")
    assert evidence.message_id == status.message_id and "→ 无" in evidence.text
    contact.press(evidence, "📤 提交")
    record = await contact.expect("已保存报送记录")
    assert record.message_id == status.message_id and "→ 📤 提交" in record.text
    assert record.buttons == [["✏️ 修改报送"]]
    await contact.expect_none()
    assert report_count(world) == 1


async def test_a_button_on_an_earlier_question_answers_below(world: World) -> None:
    contact = await bound_contact(world)
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("完成立项，完成40%")
    first = await contact.expect("推进状态")
    contact.send("挺好")  # typed instead of tapped: the question comes again, below
    await contact.expect("推进状态")
    contact.press(first, "▲ 较为缓慢")
    pressed = await contact.expect("→ ▲ 较为缓慢")  # the earlier question keeps the choice, loses its buttons
    assert pressed.message_id == first.message_id and pressed.buttons == []
    problems = await contact.expect("存在问题")  # the next question at the bottom, where the user looks
    assert not problems.edited and problems.message_id > first.message_id
