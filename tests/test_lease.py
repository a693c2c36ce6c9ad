"""One process sends the outbox at a time: the sender's lease."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from db import outbox
from db.engine import Database
from db.models import Outbox
from jobs import sender
from jobs.sender import OUTBOX_JOB, OUTBOX_RETRY_JOB, drain_outbox
from tests.conftest import World
from tests.factories import ask_extension
from tests.office import office

TTL = timedelta(seconds=15)
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def take(database: Database, holder: str, at: datetime) -> bool:
    with database.session() as session:
        return outbox.take_lease(session, holder=holder, now=at, ttl=TTL)


def test_one_holder_at_a_time_until_its_lease_runs_out(database: Database) -> None:
    assert take(database, "a", T0)
    assert not take(database, "b", T0 + timedelta(seconds=5))
    assert take(database, "a", T0 + timedelta(seconds=10))  # renewed: now until T0 + 25 s
    assert not take(database, "b", T0 + timedelta(seconds=20))
    assert take(database, "b", T0 + timedelta(seconds=25))  # a stopped renewing
    assert not take(database, "a", T0 + timedelta(seconds=26))


def test_a_lease_given_up_can_be_taken_at_once(database: Database) -> None:
    assert take(database, "a", T0)
    with database.session() as session:
        outbox.give_up_lease(session, holder="b", now=T0)  # not b's to give up
    assert not take(database, "b", T0 + timedelta(seconds=1))
    with database.session() as session:
        outbox.give_up_lease(session, holder="a", now=T0 + timedelta(seconds=1))
    assert take(database, "b", T0 + timedelta(seconds=1))


def queue_notice(world: World, key: str, chat_id: int, **claim: object) -> None:
    now = world.clock.now()
    with world.db.session() as session:
        session.add(Outbox(dedupe_key=key, kind="notice", chat_id=chat_id, payload={"parts": [key]},
                           created_at=now, not_before=now, **claim))


async def test_while_another_process_holds_the_lease_this_one_sends_nothing(world: World) -> None:
    world.sim.user(9101, "联络员")
    queue_notice(world, "待发", 9101)
    assert take(world.db, "other:1", datetime.now(UTC))
    result = await drain_outbox(world.app.bot, world.services)
    assert result.sent == 0 and world.sim.chat(9101).bot_messages() == []
    with world.db.session() as session:
        outbox.give_up_lease(session, holder="other:1", now=datetime.now(UTC))
    assert (await drain_outbox(world.app.bot, world.services)).sent == 1
    assert [m.text for m in world.sim.chat(9101).bot_messages()] == ["待发"]
    assert take(world.db, "other:1", datetime.now(UTC))  # the drain gave its lease up when done


async def test_rows_claimed_by_a_process_whose_lease_ran_out_are_sent_once(world: World) -> None:
    world.sim.user(9101, "联络员")
    queue_notice(world, "在途", 9101, status="claimed", claimed_by="dead:1", claimed_at=world.clock.now())
    long_ago = datetime.now(UTC) - TTL * 2
    assert take(world.db, "dead:1", long_ago)  # it held the lease, then died
    await drain_outbox(world.app.bot, world.services)
    await drain_outbox(world.app.bot, world.services)
    assert [m.text for m in world.sim.chat(9101).bot_messages()] == ["在途"]


async def test_the_outbox_job_looks_again_when_the_holders_lease_runs_out(world: World) -> None:
    """After a crash, the next start need not wait for the half-minute job: it comes back at the expiry."""
    contact = world.sim.user(9101, "联络员")
    queue_notice(world, "待发", 9101)
    with world.db.session() as session:
        outbox.take_lease(session, holder="dead:1", now=datetime.now(UTC), ttl=timedelta(seconds=1))
    await world.run_job(OUTBOX_JOB)
    assert world.sim.chat(9101).bot_messages() == []
    assert world.app.job_queue.get_jobs_by_name(OUTBOX_RETRY_JOB)
    assert (await contact.expect("待发", timeout=5)).text == "待发"


async def test_a_drain_whose_event_loop_stalled_past_the_lease_stops_and_hands_its_rows_back(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process may take the lease over once it runs out; a process that stalled for that long
    must not go on sending the rows it had queued."""
    monkeypatch.setattr(sender, "LEASE_TTL", timedelta(seconds=1.5))  # safe for 1.2 s, renewed every 0.5 s
    users = [world.sim.user(9200 + n, f"联络员{n}") for n in range(40)]
    for n, user in enumerate(users):
        queue_notice(world, f"通知{n}", user.id)
    send_row, calls = sender.send_row, 0

    async def stalling(*args: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 10:
            time.sleep(1.5)  # the whole event loop stops: no renewal, no send
        await send_row(*args)

    monkeypatch.setattr(sender, "send_row", stalling)
    result = await drain_outbox(world.app.bot, world.services)
    sent_first = sum(len(world.sim.chat(u.id).bot_messages()) for u in users)
    assert 1 <= sent_first < 10 and result.sent == sent_first  # only what went before the stall
    assert result.busy_until is not None  # the outbox job looks again at once
    with world.db.session() as session:
        left = session.exec(select(Outbox).where(Outbox.status != "sent")).all()
    assert len(left) == 40 - sent_first and all(row.claimed_by is None and row.attempts == 0 for row in left)

    monkeypatch.setattr(sender, "send_row", send_row)
    await drain_outbox(world.app.bot, world.services)  # whoever holds the lease next sends the rest, once
    assert [len(world.sim.chat(u.id).bot_messages()) for u in users] == [1] * 40


async def test_a_notice_a_handler_queues_while_another_process_sends_goes_when_its_lease_runs_out(
        world: World) -> None:
    for job in world.app.job_queue.get_jobs_by_name(OUTBOX_JOB):  # only the handler's own call may send it
        job.schedule_removal()
    office(world.db, world.clock.now(), units={"区住建局": [(2001, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 10, 31))])
    housing = world.user(2001, "李四")
    housing.send("/item 1")
    card = await housing.expect("#1 完成城区5座公厕提升改造")
    with world.db.session() as session:  # another replica is sending (and then stops, or dies)
        outbox.take_lease(session, holder="other:1", now=datetime.now(UTC), ttl=timedelta(seconds=3))
    await ask_extension(housing, card, "12月底", "受台风影响停工两周")  # an extension request: the admins are told
    await world.admin.expect_none(within=0.3)  # the other replica holds the lease
    assert world.app.job_queue.get_jobs_by_name(OUTBOX_RETRY_JOB)
    assert "【延期申请】" in (await world.admin.expect("【延期申请】", timeout=8)).text
