"""Sending that never loses or doubles: faults of the Bot API, blocked contacts, quiet hours, restarts."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from bot.simulator import BotApiSimulator
from db import contacts as contacts_db
from db import items, units
from db.engine import Database
from db.models import Contact, Outbox, Person
from jobs.schedule import REMINDER_JOB
from jobs.sender import drain_outbox
from tests.conftest import ADMIN_ID, SHANGHAI, World

UNITS = 12
BLOCKED, SPARE = 9001, 9002  # two contacts of the first unit; the first blocked the bot


@pytest.fixture
def app_options() -> dict[str, object]:
    return {"rate_limit": False, "request_timeout": 1.0}


def office(db: Database, now: datetime) -> dict[int, int]:
    """UNITS units with one item each due this month; unit i has contact 9100 + i (unit 0: two contacts)."""
    contacts = {}
    with db.session() as session:
        for i in range(UNITS):
            unit = units.add_unit(session, name=f"单位{i}")
            items.add_item(session, title=f"事项{i}", deadline=date(2021, 12, 31), deadline_text="2021.12",
                             lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id], start_date=date(2021, 1, 1),
                             now=now)
            people = [BLOCKED, SPARE] if i == 0 else [9100 + i]
            for person in people:
                session.add(Person(telegram_id=person, full_name=f"联络员{person}"))
                session.add(Contact(telegram_id=person, unit_id=unit.id))
                contacts[person] = unit.id
    return contacts


def reminders_received(sim: BotApiSimulator, chat_id: int) -> int:
    return sum(1 for m in sim.chat(chat_id).bot_messages() if m.text and "督办提醒" in m.text)


async def test_every_reminder_once_despite_429_500_timeouts_and_a_block(world: World) -> None:
    contacts = office(world.db, world.clock.now())
    for person in contacts:
        world.sim.user(person, f"联络员{person}")
    world.sim.forbidden_chats.add(BLOCKED)
    world.sim.fail_next("sendMessage", status=429, retry_after=1, times=2)
    world.sim.fail_next("sendMessage", status=500, times=2)
    world.sim.hang_next("sendMessage", times=1)
    world.sim.response_delay = 0.05
    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))  # the report day (25th, a Sunday, moved)

    await world.run_job(REMINDER_JOB)
    await drain_outbox(world.app.bot, world.services)  # anything put back for a retry

    for person in contacts:
        expected = 0 if person == BLOCKED else 1
        assert reminders_received(world.sim, person) == expected, person
    with world.db.session() as session:
        blocked = session.get(Person, BLOCKED)
        assert blocked is not None
        reachable = {c.telegram_id: c.reachable for c in contacts_db.contacts_of_units(
            session, unit_ids=set(contacts.values()))[contacts[BLOCKED]]}
        statuses = Counter(row.status for row in session.exec(Outbox.__table__.select()).all())
    assert reachable == {BLOCKED: False, SPARE: True}
    assert statuses["sent"] >= UNITS and statuses["failed"] == 1 and statuses["pending"] == 0
    notice = await world.admin.expect("已屏蔽机器人")
    assert "单位0" in notice.text

    world.admin.send("/digest")
    digest = await world.admin.expect("进展情况通报")
    assert "联络员无法送达" in digest.text and "单位0（联络员9001）" in digest.text

    # a second round the same day sends nothing again
    await world.run_job(REMINDER_JOB)
    assert all(reminders_received(world.sim, p) == (0 if p == BLOCKED else 1) for p in contacts)


async def test_quiet_hours_hold_a_manual_round_until_morning(world: World) -> None:
    contacts = office(world.db, world.clock.now())
    for person in contacts:
        world.sim.user(person, f"联络员{person}")
    world.clock.set(datetime(2021, 7, 22, 22, 30, tzinfo=SHANGHAI))
    world.admin.send("/remind")
    answer = await world.admin.expect("提醒")
    assert "免打扰" in answer.text and "08:00" in answer.text
    assert all(reminders_received(world.sim, p) == 0 for p in contacts)

    world.clock.set(datetime(2021, 7, 23, 8, 0, 30, tzinfo=SHANGHAI))
    await drain_outbox(world.app.bot, world.services)
    assert all(reminders_received(world.sim, p) == 1 for p in contacts)


async def test_rows_left_by_a_crash_are_sent_within_the_grace_window_and_expire_after(world: World) -> None:
    contacts = office(world.db, world.clock.now())
    for person in contacts:
        world.sim.user(person, f"联络员{person}")
    now = world.clock.now()
    with world.db.session() as session:
        # what a process killed mid-round leaves behind: one row claimed, one pending, one far too old
        session.add(Outbox(dedupe_key="digest:a", kind="notice", chat_id=9101, payload={"parts": ["在途"]},
                           status="claimed", claimed_by="dead:1", claimed_at=now, created_at=now, not_before=now))
        session.add(Outbox(dedupe_key="digest:b", kind="digest", chat_id=9102, payload={"parts": ["待发"]},
                           created_at=now, not_before=now))
        session.add(Outbox(dedupe_key="digest:c", kind="digest", chat_id=9103, payload={"parts": ["太旧"]},
                           created_at=datetime(2021, 7, 19, 8, 0, tzinfo=SHANGHAI), not_before=now))
    await drain_outbox(world.app.bot, world.services)
    assert [m.text for m in world.sim.chat(9101).bot_messages()] == ["在途"]
    assert [m.text for m in world.sim.chat(9102).bot_messages()] == ["待发"]
    assert world.sim.chat(9103).bot_messages() == []
    assert "12 小时" in (await world.admin.expect("不再补发")).text


async def test_snooze_from_a_reminder_button(world: World) -> None:
    contacts = office(world.db, world.clock.now())
    contact, other = world.sim.user(9101, "联络员"), world.sim.user(9102, "另一联络员")
    world.clock.set(datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI))  # report due in 3 days
    await world.run_job(REMINDER_JOB)
    reminder = await contact.expect("督办提醒")
    contact.press(reminder, "⏰ 暂缓提醒")
    contact.press(await contact.expect("暂缓哪一项"), "#2")
    when = await contact.expect("暂缓到什么时候")
    assert [b for row in when.buttons for b in row] == ["明天", "3天后"]  # never past the report day (23rd)
    forged = contact.press_data(when, when.button_data("3天后").replace(":3", ":7"))
    assert "不能晚于" in (await world.sim.wait_callback_answer(forged))["text"]
    contact.press(when, "3天后")
    assert "2021年7月23日" in (await contact.expect("不再提醒")).text
    world.clock.set(datetime(2021, 7, 22, 9, 0, tzinfo=SHANGHAI))
    await world.run_job(REMINDER_JOB)
    await contact.expect_none()
    world.clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))  # the report day itself: the snooze is over
    await world.run_job(REMINDER_JOB)
    await contact.expect("督办提醒")
    await other.expect("督办提醒")  # the 3-days-before one
    assert "督办提醒" in (await other.expect()).text  # the others still get theirs
    assert len(contacts) == UNITS + 1


async def test_snooze_command_refuses_other_units_and_bad_times(world: World) -> None:
    office(world.db, world.clock.now())
    contact = world.sim.user(9101, "联络员")
    contact.send("/snooze 3 下周一")
    assert "不属于您所在的单位" in (await contact.expect()).text
    contact.send("/snooze 2 随便哪天")
    assert "无法识别时间" in (await contact.expect()).text
    contact.send("/snooze 2 下周一")  # past the report day (the 23rd)
    assert "不能晚于 2021年7月23日" in (await contact.expect()).text
    contact.send("/snooze 2 2030年12月31日")
    assert "不能晚于" in (await contact.expect()).text
    contact.send("/snooze 2 明天")
    assert "2021年7月21日" in (await contact.expect("不再提醒")).text
    world.admin.send("/item 2")
    assert "暂缓提醒" in (await world.admin.expect("#2")).text


async def test_holiday_schedule_and_outbox_commands(world: World) -> None:
    office(world.db, world.clock.now())
    admin = world.admin
    admin.send("/holiday 2021-07-23 休 临时停电")
    assert "休息日" in (await admin.expect()).text
    admin.send("/holiday")
    assert "临时停电" in (await admin.expect("节假日调整")).text
    admin.send("/schedule")
    plan = (await admin.expect("未来 7 天")).text
    assert "2021年7月23日（周五）：休息日" in plan
    assert "报送日" in plan  # moved to Thursday 22 Jul
    admin.send("/holiday 2021-07-23 删除")
    await admin.expect("恢复官方日历")
    admin.send("/outbox")
    assert "待发送 0" in (await admin.expect("发送队列")).text
    admin.send("/holiday 明年某天 休")
    assert "无法识别日期" in (await admin.expect()).text
    assert ADMIN_ID
