"""The authorization matrix: every command and callback against every kind of sender.

Each cell is asserted allowed (answered, not refused) or refused (answered with a refusal, and no
row of any table changed). Rights come from numeric ids, never usernames: the stranger below uses
the admin's username and is still a stranger.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.simulator import SimChat, SimUser
from db import queries
from tests.conftest import World

REFUSALS = ("仅限管理员", "仅限督查人员", "还没有绑定单位", "不属于您所在的单位", "请在与我的私聊中使用", "已失效")

ADMIN_ONLY = ["/unit_add 新单位", "/units", "/invite 区住建局", "/add 新事项 | 2021.12 | 区住建局 | 区住建局",
              "/edit 1 标题 改过的标题", "/archive 1", "/unarchive 1", "/remind", "/digest", "/setgroup",
              "/import", "/holiday 2021-08-02 休", "/schedule", "/outbox"]
SUPERVISOR = ["/status", "/slow", "/overdue", "/missing", "/items", "/chart", "/export"]
CONTACT = ["/report 1", "/mine", "/snooze 1 明天"]
READER = ["/item 1"]


def snapshot(world: World) -> dict[str, int]:
    with world.db.session() as session:
        return {name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in SQLModel.metadata.tables.items() if name not in ("botstate", "outbox")}


async def office(world: World) -> tuple[SimUser, SimUser]:
    """Two units with an item each; a contact bound to each."""
    now = world.clock.now()
    with world.db.session() as session:
        ids = [queries.add_unit(session, name=n).id for n in ("区住建局", "区教育局")]
        for number, unit_id in enumerate(ids, start=1):
            queries.add_item(session, title=f"事项{number}", deadline=date(2021, 12, 31), deadline_text="2021.12",
                             lead_unit_ids=[unit_id], responsible_unit_ids=[unit_id], start_date=date(2021, 1, 1),
                             now=now)
    contacts = []
    for user_id, unit in ((3001, "区住建局"), (3002, "区教育局")):
        world.admin.send(f"/invite {unit}")
        code = re.search(r"start=([\w-]+)", (await world.admin.expect("邀请链接")).text)[1]
        contact = world.user(user_id, f"联络员{user_id}")
        contact.send(f"/start {code}")
        await contact.expect("的事项")
        contacts.append(contact)
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.admin.chat.drain()
    return contacts[0], contacts[1]


async def answer_to(user: SimUser, text: str, chat: SimChat | None = None) -> str:
    """Send a command and return all the bot answered (the chat is drained after)."""
    target = chat or user.chat
    user.send(text, chat=chat)
    first = await target.expect(timeout=10)
    rest = target.drain()
    texts = [first.text or first.caption or "📎", *[(m.text or m.caption or "📎") for m in rest]]
    if text.startswith("/add") or text.startswith("/edit") or text.startswith("/archive") or text == "/import":
        # leave no dialogue or confirmation open for the next command
        user.send("/cancel", chat=chat)
        await target.expect(timeout=10)
        target.drain()
    return "\n".join(texts)


def refused(answer: str) -> bool:
    return any(word in answer for word in REFUSALS)


async def check(world: World, user: SimUser, commands: list[str], *, allowed: bool,
                chat: SimChat | None = None) -> None:
    for command in commands:
        before = snapshot(world)
        answer = await answer_to(user, command, chat)
        if allowed:
            assert not refused(answer), f"{command} should be allowed: {answer}"
        else:
            assert refused(answer), f"{command} should be refused: {answer}"
            assert snapshot(world) == before, f"{command} changed the database while refused"


async def test_admin(world: World) -> None:
    await office(world)
    await check(world, world.admin, ADMIN_ONLY + SUPERVISOR + READER, allowed=True)
    await check(world, world.admin, ["/report 1", "/mine"], allowed=False)  # an admin is not a unit's contact


async def test_supervisor(world: World) -> None:
    await office(world)
    await check(world, world.supervisor, ADMIN_ONLY, allowed=False)
    await check(world, world.supervisor, SUPERVISOR + READER, allowed=True)
    await check(world, world.supervisor, CONTACT, allowed=False)


async def test_contact_of_the_items_unit(world: World) -> None:
    housing, _ = await office(world)
    await check(world, housing, ADMIN_ONLY + SUPERVISOR, allowed=False)
    await check(world, housing, CONTACT + READER, allowed=True)


async def test_contact_of_another_unit(world: World) -> None:
    _, school = await office(world)
    await check(world, school, ["/report 1", "/snooze 1 明天", "/item 1"], allowed=False)
    await check(world, school, ADMIN_ONLY + SUPERVISOR, allowed=False)


async def test_unbound_user_even_with_the_admins_username(world: World) -> None:
    await office(world)
    stranger = world.sim.user(3999, "冒名者", username=world.admin.username or "wang_admin")
    await check(world, stranger, ADMIN_ONLY + SUPERVISOR + CONTACT + READER, allowed=False)


async def test_member_of_the_digest_group(world: World) -> None:
    await office(world)
    member = world.sim.user(3998, "群成员")
    world.group.add_member(member)
    await check(world, member, SUPERVISOR, allowed=True, chat=world.group)
    await check(world, member, ["/units", "/remind", "/add x | 2021.12 | 区住建局 | 区住建局"], allowed=False,
                chat=world.group)


async def test_forwarded_and_edited_commands_do_nothing(world: World) -> None:
    await office(world)
    before = snapshot(world)
    original = world.admin.send("/unit_add 转发单位")
    await world.admin.expect("已新增单位")
    after_first = snapshot(world)
    world.admin.forward(original)
    world.admin.edit(original, "/unit_add 编辑单位")
    await world.admin.expect_none(within=1.0)
    assert snapshot(world) == after_first != before


@pytest.mark.parametrize("data", ["rep:2", "rep:999999", "snz:2", "snz:2:7", "cf:edit:deadbeef:y", "cf:add:y",
                                  "cf:import:y", "rp:submit", "rp:st:ahead", "bogus", "rep:1; DROP TABLE item"])
async def test_altered_callback_data_is_refused(world: World, data: str) -> None:
    housing, _ = await office(world)
    housing.send("/mine")
    listing = await housing.expect("的事项")
    before = snapshot(world)
    query_id = housing.press_data(listing, data)
    answer = await world.sim.wait_callback_answer(query_id)
    messages = ""
    try:  # a refusal comes as the button's alert or as a message
        while True:
            messages += " " + ((await housing.expect(timeout=1.0)).text or "")
    except AssertionError:
        pass
    assert refused(f"{answer.get('text', '')} {messages}") or data == "rep:999999" and "未找到事项" in messages
    assert snapshot(world) == before
