"""/contacts: a unit's contacts and invites; removing a contact and revoking an invite, each after a confirmation."""

from __future__ import annotations

import re

from sqlmodel import select

from db import items
from db.models import Contact, Invite
from tests.conftest import World
from tests.factories import invited_contact


async def invite_code(world: World, unit: str) -> str:
    world.admin.send(f"/invite {unit}")
    return re.search(r"start=([\w-]+)", (await world.admin.expect("邀请链接")).text)[1]


async def test_contacts_lists_states_and_an_invite_is_revoked_after_confirmation(world: World) -> None:
    admin = world.admin
    await invited_contact(world, 7001)
    code = await invite_code(world, "区住建局 备用")
    admin.send("/contacts 区住建局")
    listing = await admin.expect("区住建局 的联络员")
    assert "（1 人）" in listing.text and "联络员 — " in listing.text and "绑定" in listing.text
    assert "可联系" in listing.text and "未使用的邀请" in listing.text and "备用联络员" in listing.text

    admin.press(listing, "撤销邀请 1")
    question = await admin.expect("确认撤销")
    admin.press(question, "✖ 取消")
    await admin.expect("已取消")
    admin.press(listing, "撤销邀请 1")
    question = await admin.expect("确认撤销")
    yes = question.inline_buttons()[0]["callback_data"]
    admin.press(question, "✅ 确认")
    await admin.expect("已撤销该邀请")
    query = admin.press_data(question, yes)  # pressed again (a second client): nothing more happens
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    query = admin.press(listing, "撤销邀请 1")  # the listing's button, now stale
    assert "已撤销" in (await world.sim.wait_callback_answer(query))["text"]

    late = world.user(7002, "迟到者")
    late.send(f"/start {code}")
    assert "已过期" in (await late.expect()).text
    with world.db.session() as session:
        assert session.exec(select(Contact).where(Contact.telegram_id == 7002)).first() is None


async def test_a_removed_contact_is_gone_their_dialogue_ends_and_the_history_stays(world: World) -> None:
    admin = world.admin
    contact = world.user(await invited_contact(world, 7003), "联络员")
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send("本月完成了主体施工")
    percent = await contact.expect("完成进度")
    with world.db.session() as session:
        before = items.counts(session)

    admin.send("/contacts 区住建局")
    listing = await admin.expect("区住建局 的联络员")
    admin.press(listing, "移除 联络员")
    question = await admin.expect("确认将")
    assert "报送记录和签收记录都会保留" in question.text
    admin.press(question, "✅ 确认")
    await admin.expect("已将 联络员 移出 区住建局")

    contact.send("80")  # the answer the open dialogue was waiting for
    assert "不再是 区住建局 的联络员" in (await contact.expect()).text
    query = contact.press(percent, percent.inline_buttons()[0]["text"])  # a button of the dialogue
    assert "不再是" in (await world.sim.wait_callback_answer(query))["text"]
    contact.send("/report 1")
    assert "没有绑定单位" in (await contact.expect()).text  # refused as someone bound to no unit
    with world.db.session() as session:
        after = items.counts(session)
        assert (after.contacts, after.reports, after.units, after.items) == (0, before.reports, 1, 1)

    query = admin.press(listing, "移除 联络员")  # the old listing's button
    assert "已不在" in (await world.sim.wait_callback_answer(query))["text"]

    contact.send(f"/start {await invite_code(world, '区住建局')}")  # invited again, a contact once more
    await contact.expect("绑定成功")
    contact.send("/report 1")
    await contact.expect("请用一条消息")


async def test_contacts_refuses_strangers_and_unknown_units(world: World) -> None:
    world.admin.send("/contacts")
    assert "/contacts 单位名称" in (await world.admin.expect()).text
    world.admin.send("/contacts 无此单位")
    assert "未找到单位" in (await world.admin.expect()).text
    stranger = world.user(7009, "路人")
    stranger.send("/contacts 区住建局")
    assert "仅限管理员" in (await stranger.expect()).text
    with world.db.session() as session:
        assert session.exec(select(Invite)).first() is None
