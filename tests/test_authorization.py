"""The authorization matrix: every command and callback against every kind of sender.

Each cell is asserted allowed (answered, not refused) or refused (answered with a refusal, and no
row of any table changed). Rights come from numeric ids, never usernames: the stranger below uses
the admin's username and is still a stranger.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot import callbacks
from bot.simulator import SimChat, SimUser
from db import closing, extensions, instructions, items, outbox, reports, units
from db import contacts as contacts_db
from db.models import Contact
from tests.conftest import World

REFUSALS = ("仅限管理员", "仅限督查人员", "还没有绑定单位", "不属于您所在的单位", "请在与我的私聊中使用", "已失效")

ADMIN_ONLY = ["/unit_add 新单位", "/units", "/invite 区住建局", "/add 新事项 | 2021.12 | 区住建局 | 区住建局",
              "/edit 1 标题 改过的标题", "/archive 1", "/unarchive 1", "/remind", "/digest", "/setgroup",
              "/import", "/holiday 2021-08-02 休", "/schedule", "/outbox", "/instructions", "/instruct 1"]
ADMIN_ONLY += ["/node 1 6月底前完成设计"]
SUPERVISOR = ["/status", "/slow", "/overdue", "/missing", "/items", "/chart", "/export"]
CONTACT = ["/report 1", "/mine", "/snooze 1 明天"]
READER = ["/item 1"]


def snapshot(world: World) -> dict[str, int]:
    with world.db.session() as session:
        return {name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in SQLModel.metadata.tables.items() if name not in ("botstate", "outbox", "lease")}


async def office(world: World) -> tuple[SimUser, SimUser]:
    """Two units with an item each; a contact bound to each."""
    now = world.clock.now()
    with world.db.session() as session:
        ids = [units.add_unit(session, name=n).id for n in ("区住建局", "区教育局")]
        for number, unit_id in enumerate(ids, start=1):
            items.add_item(session, title=f"事项{number}", deadline=date(2021, 12, 31), deadline_text="2021.12",
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


async def answer_to(world: World, user: SimUser, text: str, chat: SimChat | None = None) -> str:
    """Send a command and return all the bot answered (the chat is drained after)."""
    target = chat or user.chat
    user.send(text, chat=chat)
    await world.settled()
    answered = target.drain() or [await target.expect(timeout=10)]
    texts = [(m.text or m.caption or "📎") for m in answered]
    if text.startswith(("/add", "/edit", "/archive", "/instruct ")) or text == "/import":
        # leave no dialogue or confirmation open for the next command
        user.send("/cancel", chat=chat)
        await world.settled()
        target.drain()
    return "\n".join(texts)


def refused(answer: str) -> bool:
    return any(word in answer for word in REFUSALS)


async def check(world: World, user: SimUser, commands: list[str], *, allowed: bool,
                chat: SimChat | None = None) -> None:
    for command in commands:
        before = snapshot(world)
        answer = await answer_to(world, user, command, chat)
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
    await world.settled()
    await world.admin.expect_none(within=0)
    assert snapshot(world) == after_first != before


@pytest.mark.parametrize("data", ["rep:2", "rep:999999", "snz:2", "snz:2:7", "cf:edit:deadbeef:y", "cf:add:y",
                                  "cf:import:y", "rp:submit", "rp:st:ahead", "bogus", "rep:1; DROP TABLE item"])
async def test_altered_callback_data_is_refused(world: World, data: str) -> None:
    housing, _ = await office(world)
    housing.send("/mine")
    listing = await housing.expect("的事项")
    before = snapshot(world)
    query_id = housing.press_data(listing, data)
    await world.settled()
    answer = await world.sim.wait_callback_answer(query_id)
    # a refusal comes as the button's alert or as a message
    messages = " ".join(m.text or "" for m in housing.drain())
    assert refused(f"{answer.get('text', '')} {messages}") or data == "rep:999999" and "未找到事项" in messages
    assert snapshot(world) == before


# ---------------------------------------------------------------- every callback kind × every audience

# Refusals on rights or on a stale button: any of these in the answer means the press was refused.
RIGHTS = (*REFUSALS, "不是发给您的", "只有请假本人", "该提醒已失效", "这条提醒已失效", "列表已过期", "按钮已过期")
AUDIENCES = ("admin", "supervisor", "group_member", "contact", "other_contact", "stranger")
# Who may press each kind (its ids being the unit's item, report, request, reminder and leave); every
# kind of the registry must be listed. The token of a dialogue's button is nobody's draft here.
MAY_PRESS: dict[str, set[str]] = {
    "ri": {"contact"}, "rep": {"contact"}, "xi": {"contact"}, "ext": {"contact"}, "szi": {"contact"},
    "szd": {"contact"}, "rv": {"contact"}, "ack": {"contact"}, "sz": {"contact", "other_contact"},
    "sb": {"admin", "supervisor"}, "exd": {"admin"}, "awx": {"admin", "contact"},
    "ctr": {"admin"}, "ivr": {"admin"},
    "cld": {"admin", "supervisor"}, "adj": {"contact"}, "ajd": {"admin"},  # review: 办结, adjustments
    "ia": {"contact"},  # an instruction's 收到: a contact of a unit it went to
}


def kind_data(kind: type[callbacks.Callback], ids: dict[str, int]) -> str:
    """The kind's data for the office's own records (a well-formed example for the rest)."""
    by_field = {"item_id": ids["item"], "number": 1, "report_id": ids["report"], "request_id": ids["request"],
                "row_id": ids["row"], "absence_id": ids["absence"], "days": 1, "review_id": ids["review"],
                "adjustment_id": ids["adjustment"], "instruction_id": ids["instruction"]}
    example = kind.example()
    values = {f.name: by_field.get(f.name, getattr(example, f.name)) for f in fields(kind)}
    return kind(**values).encode()


async def records(world: World, housing: SimUser) -> dict[str, int]:
    """A report, an extension request, a reminder row and a leave of the housing unit's contact."""
    now = world.clock.now()
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        unit_id = contacts_db.units_of_user(session, telegram_id=housing.id)[0].id
        reports.add_report(session, item_id=item.id, unit_id=unit_id, reporter_id=housing.id,
                       period="2021-07", now=now, text="进展", percent=40, status="good", problems=None)
        request = extensions.request_extension(session, item=item, unit_id=unit_id, by=housing.id,
                                                deadline=date(2022, 3, 31), text="明年3月", reason="原因", now=now)
        row = outbox.enqueue_text(session, key="reminder:test", kind="reminder", chat_id=housing.id,
                                  parts=["提醒"], now=now, not_before=now + timedelta(days=30))  # not sent here
        session.add(Contact(telegram_id=3003, unit_id=unit_id))
        session.flush()
        contacts = {c.telegram_id: c for c in contacts_db.unit_contacts(session, unit_id=unit_id)}
        absence, _ = contacts_db.add_absence(session, contact=contacts[housing.id], stand_in=contacts[3003],
                                             starts=now.date(), ends=now.date(), by=housing.id, now=now)
        done = reports.add_report(session, item_id=item.id, unit_id=unit_id, reporter_id=housing.id,
                                  period="2021-07", now=now, text="已完工", percent=100, status="ahead", problems=None)
        review = closing.request_closing(session, item=item, report=done, now=now)
        adjustment = closing.request_adjustment(session, item=item, unit_id=unit_id, by=housing.id, kind="title",
                                                after={"title": "新标题"}, reason="原因", now=now, draft_id="0" * 16)
        instruction = instructions.record(session, item_id=item.id, leader="区长", given_on=now.date(), text="批示",
                                          act_by=None, act_by_text=None, by=1, now=now, units={unit_id: "lead"},
                                          draft_id="0" * 16)
        return {"item": item.id, "report": done.id, "request": request.id, "row": row, "absence": absence.id,
                "review": review.id, "adjustment": adjustment.id, "instruction": instruction.id or 0}


async def press_answer(world: World, user: SimUser, chat: SimChat, data: str) -> str:
    """Press `data` on the bot's latest message in `chat`: the alert and any messages that follow."""
    chat.drain()
    query = user.press_data(chat.bot_messages()[-1], data)
    await world.settled()
    answer = await world.sim.wait_callback_answer(query)
    return " ".join([answer.get("text") or "", *(m.text or "" for m in chat.drain())])


def test_every_kind_has_its_audience() -> None:
    dialogue = {prefix for prefix, kind in callbacks.KINDS.items() if kind.audience == callbacks.DIALOGUE}
    assert set(callbacks.KINDS) == set(MAY_PRESS) | dialogue


@pytest.mark.parametrize("audience", AUDIENCES)
async def test_every_callback_kind_against_the_audience(world: World, audience: str) -> None:
    housing, school = await office(world)
    ids = await records(world, housing)
    member = world.sim.user(3998, "群成员")
    world.group.add_member(member)
    stranger = world.sim.user(3999, "冒名者", username=world.admin.username or "wang_admin")
    user, chat = {"admin": (world.admin, None), "supervisor": (world.supervisor, None),
                  "group_member": (member, world.group), "contact": (housing, None),
                  "other_contact": (school, None), "stranger": (stranger, None)}[audience]
    chat = chat or user.chat
    if chat is not world.group:
        user.send("/help")
        await world.settled()
    for prefix, kind in sorted(callbacks.KINDS.items()):
        data = kind_data(kind, ids)
        before = snapshot(world)
        answer = await press_answer(world, user, chat, data)
        rights_refused = any(word in answer for word in RIGHTS)
        if audience in MAY_PRESS.get(prefix, set()):
            assert not rights_refused, f"{audience} should be able to press {data}: {answer}"
        else:
            assert rights_refused, f"{audience} pressing {data} should be refused: {answer}"
            assert snapshot(world) == before, f"{audience} pressing {data} changed the database"
        if chat is not world.group:  # leave no dialogue open for the next kind
            user.send("/cancel")
            await world.settled()
