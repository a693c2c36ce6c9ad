"""The outbox sender: every message the bot sends on its own goes through here, and handlers call
`send_queued` after their transaction has queued a message.

The database is the truth. One process at a time holds the sender's lease (so replicas keep one pace),
and each row is claimed (a conditional update, so no two processes take the same row), sent, and marked.
A crash leaves rows pending or claimed; once the dead process's lease has run out, the next drain takes
its claims back and sends them within the grace window, so nothing is lost, and only rows in flight at
a kill can go twice. The pace is jobs.pacing's: the limit shared with the interactive replies.

The database going away mid-drain (a restart, a failover) is waited out: the drain stops sending at
once (a message that went and could not be recorded is kept in memory and recorded first thing when
the database answers again, so it never goes twice), tries again every few seconds, and when the
database is back takes its own claimed but unsent rows back and goes on where it was: nothing lost,
nothing doubled. The bot keeps running meanwhile (users are told the database is unavailable).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import BotContext, Services
from bot.keyboards import markup_of, reminder_buttons
from bot.texts import esc, join, split_message, t
from db import calendar, contacts, instructions, lists, milestones, outbox, people
from db import items as items_db
from db import units as units_db
from db.engine import unavailable
from db.facts import milestone_of_period
from db.models import Outbox
from jobs.instructions import reminder_lines, repeated
from jobs.offload import off_loop
from jobs.pacing import Pacer
from jobs.reminders import ReminderLine, reminder_text
from jobs.supervision import chart_png
from jobs.workdays import WorkCalendar, next_send_time

log = logging.getLogger(__name__)

OUTBOX_JOB = "outbox-drain"
OUTBOX_RETRY_JOB = "outbox-drain-when-the-lease-runs-out"
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
SEND_CONCURRENCY = 16
MAX_ATTEMPTS = 5
# Rows claimed at a time, ahead of sending (about three seconds' worth): the pipeline never waits for a
# claim, and few rows are held up when a process dies (they go back once its lease has run out).
CLAIM_BATCH = 100
# One process sends at a time (see db.models.Lease); renewed every third of this while it drains.
LEASE_TTL = timedelta(seconds=15)
RENDER_CHUNK = 30  # about a second of sending: a reminder is written at most a second or two before it goes
# While the database is away: seconds between tries (doubling up to the last), and how long one drain
# waits for it before leaving the rest to the outbox job (every 30 s).
DB_RETRY_FIRST, DB_RETRY_MAX, DB_PATIENCE = 1.0, 5.0, 300.0


Rendered = tuple[list[str], InlineKeyboardMarkup | None]


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    expired: int = 0
    busy_until: datetime | None = None  # another process holds the sender's lease until then


def send_time(services: Services, now: datetime) -> datetime:
    """Now, or the end of the quiet hours."""
    s = services.settings
    return next_send_time(now, s.quiet_start, s.quiet_end)


async def send_queued(context: BotContext) -> DrainResult:
    """Send what is waiting now. When another process holds the sender's lease, look again as soon as
    it runs out: after a crash sending resumes within seconds, and a notice a handler queued on a
    replica that does not hold the lease waits at most that long (the holder usually takes it sooner).
    When this process is draining already (a round), the handler does not wait for it: the drain
    takes the new rows too (it claims until none is left, then looks once more)."""
    result = await drain_outbox(context.bot, context.services, join=True)
    if result.busy_until is not None and not context.job_queue.get_jobs_by_name(OUTBOX_RETRY_JOB):
        wait = (result.busy_until - datetime.now(UTC)).total_seconds() + 0.5
        context.job_queue.run_once(outbox_job, when=max(wait, 0.5), name=OUTBOX_RETRY_JOB)
    return result


async def outbox_job(context: BotContext) -> None:
    """Send what is waiting (after quiet hours, retries, a restart)."""
    await send_queued(context)


def notify_admins(session, services: Services, *, key: str, text: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Queue a notice to every admin, once per key."""
    for admin_id in services.settings.admin_ids:
        outbox.enqueue_text(session, key=f"notice:{key}:{admin_id}", kind="notice", chat_id=admin_id,
                            parts=[text], now=now, not_before=now)


def tell_admins_blocked(session, services: Services, row: Outbox, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A contact who blocked the bot or left: the admins must find the unit another contact."""
    names = people.people_names(session, telegram_ids=[row.chat_id])
    unit = units_db.units_by_id(session, ids=[row.unit_id]).get(row.unit_id)
    text = t(services.settings.language, "outbox.blocked", person=esc(names.get(row.chat_id, row.chat_id)),
             unit=esc(unit.name if unit else "?"))
    notify_admins(session, services, key=f"blocked:{row.chat_id}:{now:%Y%m%d}", text=text, now=now)


async def drain_outbox(bot: Bot, services: Services, *, join: bool = False) -> DrainResult:
    """Send every row that is due, claiming each first; repeat while rows keep coming. With `join`,
    when a drain is under way already, leave the new rows to it rather than wait for its end (a
    handler that queued a notice during a 1,000-contact round would otherwise hold its user's next
    updates for the round's half minute)."""
    if join and services.drain_lock.locked():
        services.drain_again = True
        return DrainResult()
    async with services.drain_lock:
        result = DrainResult()
        await _drain_patiently(bot, services, result)
        while services.drain_again and result.busy_until is None:  # rows queued as the last pass ended
            services.drain_again = False
            await _drain_patiently(bot, services, result)
        services.drain_again = False
        return result


class DatabaseGone(Exception):
    """The database stopped answering during a drain; what is left waits until it answers again."""


async def _drain_patiently(bot: Bot, services: Services, result: DrainResult) -> None:
    """`_drain`, waiting for the database while it is away (up to DB_PATIENCE, trying every few seconds)."""
    loop = asyncio.get_running_loop()
    give_up, wait, away = loop.time() + DB_PATIENCE, DB_RETRY_FIRST, False
    while True:
        try:
            await _drain(bot, services, result)
        except Exception as error:
            if not (isinstance(error, DatabaseGone) or unavailable(error)):
                raise
            if not away:
                log.warning("the database is unavailable: the outbox waits for it (%s unrecorded sends kept)",
                            len(services.unrecorded))
                away = True
            if loop.time() + wait > give_up:
                log.warning("the database stayed unavailable; the outbox job will try again")
                return
            await asyncio.sleep(wait)
            wait = min(wait * 2, DB_RETRY_MAX)
            continue
        if away:
            log.warning("the database answers again: the outbox goes on")
        return


async def _drain(bot: Bot, services: Services, result: DrainResult) -> None:
    held = HeldLease()
    asked = held.now()
    if services.unrecorded:  # sends the database missed, before anything else
        await asyncio.to_thread(record_kept, services)
    if not await asyncio.to_thread(hold_lease, services):
        # another process is sending; it takes whatever is due, unless it died (then its lease runs out)
        result.busy_until = await asyncio.to_thread(lease_expiry, services)
        return
    held.renewed(asked)
    try:
        await _drain_holding_lease(bot, services, held, result)
    finally:
        try:
            await asyncio.to_thread(give_up_lease, services)
        except Exception as error:  # the database is away: the lease runs out by itself
            if not unavailable(error):
                raise
    if held.gone or services.unrecorded:
        raise DatabaseGone
    if held.lost.is_set():  # what is left goes to whoever holds the lease next: look again at once
        result.busy_until = datetime.now(UTC)


def record_kept(services: Services) -> None:
    """Record the outcomes of sends made while the database was away (in order; each in its own
    transaction, so one recorded stays recorded if the database goes again)."""
    while services.unrecorded:
        write, args = services.unrecorded[0]
        write(services, *args)
        services.unrecorded.pop(0)


async def record(services: Services, write: Callable[..., None], *args: Any) -> None:
    """`write(services, *args)` in a worker thread; when the database is away, kept for later (the
    message went: it must be recorded as sent, never sent again) and the drain stops sending."""
    try:
        await asyncio.to_thread(write, services, *args)
    except Exception as error:
        if not unavailable(error):
            raise
        services.unrecorded.append((write, args))


class HeldLease:
    """The sender's lease as this process knows it. It is lost when a renewal fails, and also when the
    last renewal is older than SAFE_HOLD of the lease's time: an event loop stalled for longer than that
    must not go on sending rows another process may be sending by now. Times are the event loop's."""

    SAFE_HOLD = 0.8

    def __init__(self) -> None:
        self.lost = asyncio.Event()
        self.gone = False  # the database stopped answering
        self._good_until = 0.0

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def renewed(self, asked_at: float) -> None:
        """The lease was taken or renewed by a request made at `asked_at` (the database counts its time
        from a moment after that one)."""
        self._good_until = asked_at + LEASE_TTL.total_seconds() * self.SAFE_HOLD

    def database_gone(self) -> None:
        self.gone = True
        self.lost.set()

    def ours(self) -> bool:
        if not self.lost.is_set() and self.now() > self._good_until:
            log.warning("the outbox lease was last renewed too long ago (the event loop stalled): stopping the drain")
            self.lost.set()
        return not self.lost.is_set()


class LeaseLost(Exception):
    """Raised before a send when the sender's lease is no longer surely this process's."""


async def _drain_holding_lease(bot: Bot, services: Services, held: HeldLease, result: DrainResult) -> None:
    now = services.clock.now()
    grace = timedelta(hours=services.settings.outbox_grace_hours)
    result.expired += await asyncio.to_thread(take_back_and_expire, services, now - grace, now)
    if services.pacer is None:
        services.pacer = Pacer(services.settings.send_rate_per_second)
    keeper = asyncio.create_task(keep_lease(services, held))
    try:
        while held.ours() and await _drain_pass(bot, services, services.pacer, result, held):
            pass  # rows written while sending (a notice about a blocked contact) go in the next pass
    finally:
        keeper.cancel()


def take_back_and_expire(services: Services, cutoff: datetime, now: datetime) -> int:
    """Take back the rows a stopped process had claimed (or this one, in a drain the database's absence
    ended: one drain at a time, so none of them is being sent); give up (and tell the admins of) rows
    older than the grace window. Returns how many expired."""
    with services.db.session() as session:
        taken_back = outbox.release_claims(session, instance=INSTANCE)
        if taken_back:
            log.warning("took back %s outbox rows claimed by a process that stopped sending", taken_back)
        expired = outbox.expire_older_than(session, cutoff=cutoff, now=now)
        if expired:
            notify_admins(session, services, key=f"expired:{now:%Y%m%d%H%M}", now=now,
                          text=t(services.settings.language, "outbox.expired", count=len(expired),
                                 hours=f"{services.settings.outbox_grace_hours:g}"))
    return len(expired)


def hold_lease(services: Services) -> bool:
    with services.db.session() as session:
        return outbox.take_lease(session, holder=INSTANCE, now=datetime.now(UTC), ttl=LEASE_TTL)


def lease_expiry(services: Services) -> datetime | None:
    with services.db.session() as session:
        return outbox.lease_expiry(session)


def give_up_lease(services: Services) -> None:
    with services.db.session() as session:
        outbox.give_up_lease(session, holder=INSTANCE, now=datetime.now(UTC))


async def keep_lease(services: Services, held: HeldLease) -> None:
    """Renew the lease while draining, whatever the sends are waiting for; stop claiming if it is lost."""
    while True:
        await asyncio.sleep(LEASE_TTL.total_seconds() / 3)
        asked = held.now()
        try:
            renewed = await asyncio.to_thread(hold_lease, services)
        except Exception as error:
            if not unavailable(error):
                raise
            held.database_gone()
            return
        if not renewed:
            log.warning("lost the outbox lease (this process was too slow to renew it): stopping the drain")
            held.lost.set()
            return
        held.renewed(asked)


async def _drain_pass(bot: Bot, services: Services, pacer: Pacer, result: DrainResult, held: HeldLease) -> int:
    """A pipeline: rows are claimed ahead, rendered a second's worth at a time just before they go,
    and sent by a few workers, so the pace never waits for the database. Returns the rows claimed."""
    ready: asyncio.Queue[tuple[Outbox, Rendered] | None] = asyncio.Queue(maxsize=RENDER_CHUNK)
    claimed = 0

    def ours() -> bool:  # a send that could not be recorded: stop until the database answers again
        return held.ours() and not services.unrecorded

    async def claim_and_render() -> None:
        nonlocal claimed
        try:
            while ours() and (rows := await asyncio.to_thread(claim, services, CLAIM_BATCH)):
                claimed += len(rows)
                for start in range(0, len(rows), RENDER_CHUNK):
                    if not ours():  # whoever holds the lease now sends the rest
                        await asyncio.to_thread(hand_back, services, [row.id for row in rows[start:]])
                        return
                    chunk = rows[start:start + RENDER_CHUNK]
                    rendered = await asyncio.to_thread(render_rows, services, chunk)
                    for entry in zip(chunk, rendered, strict=True):
                        await ready.put(entry)
        except Exception as error:  # the database went away: the rows claimed stay claimed, taken back later
            if not unavailable(error):
                raise
            held.database_gone()
        finally:
            for _ in range(SEND_CONCURRENCY):
                await ready.put(None)

    async def send_ready() -> None:
        while (entry := await ready.get()) is not None:
            await send_row(bot, services, *entry, result, pacer, ours)

    tasks = [asyncio.create_task(claim_and_render())]
    tasks += [asyncio.create_task(send_ready()) for _ in range(SEND_CONCURRENCY)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:  # after a failure, none is left waiting on the others
            task.cancel()
    return claimed


def hand_back(services: Services, row_ids: list[int]) -> None:
    with services.db.session() as session:
        outbox.release_claims(session, instance=INSTANCE, row_ids=row_ids)


def claim(services: Services, limit: int) -> list[Outbox]:
    with services.db.session() as session:
        return outbox.claim_due(session, now=services.clock.now(), instance=INSTANCE, limit=limit)


def _always() -> bool:
    return True


async def send_row(bot: Bot, services: Services, row: Outbox, rendered: Rendered, result: DrainResult,
                   pacer: Pacer, ours: Callable[[], bool] = _always) -> None:
    """Send one claimed row and record the outcome. The database work runs in a worker thread, so a
    large round does not stall the event loop (and with it the pace and the other chats). `ours` is
    asked just before the row's first message goes: if the lease is no longer surely this process's,
    the row is handed back unsent."""
    now = services.clock.now()
    parts, markup = rendered
    try:
        if parts and row.payload.get("chart"):
            await send_chart(bot, services, row.chat_id, pacer, ours)
            ours = _always
        message_id = await send_with_retries(bot, row.chat_id, parts, markup, pacer, ours) if parts else None
        if parts and row.payload.get("document"):
            await send_file(bot, row.chat_id, row.payload["document"], pacer)
    except LeaseLost:
        try:
            await asyncio.to_thread(hand_back, services, [row.id])
        except Exception as error:  # the database is away: taken back by the next drain
            if not unavailable(error):
                raise
        return
    except Forbidden as exc:
        log.warning("chat %s blocked the bot (%s row %s)", row.chat_id, row.kind, row.id)
        await record(services, record_blocked, row, now, exc.message)
        result.failed += 1
        return
    except BadRequest as exc:
        await record(services, record_outcome, outbox.mark_failed, dict(row_id=row.id, error=exc.message, now=now))
        result.failed += 1
        return
    except TelegramError as exc:
        await record(services, record_outcome, outbox.release,
                     dict(row_id=row.id, error=str(exc), now=now, max_attempts=MAX_ATTEMPTS))
        result.retried += 1
        return
    # no parts: its reminders were all reported meanwhile, nothing left to say
    await record(services, record_outcome, outbox.mark_sent, dict(row_id=row.id, now=now, message_id=message_id))
    result.sent += int(message_id is not None)


async def send_chart(bot: Bot, services: Services, chat_id: int, pacer: Pacer, ours: Callable[[], bool] = _always
                     ) -> None:
    """The digest's picture, drawn when it is sent; the text follows even if drawing fails."""
    today = services.clock.now().date()
    try:
        png = await off_loop(services, chart_png, today)
    except Exception:  # a picture is a courtesy: never let it hold the digest back
        log.exception("could not draw the digest chart")
        return
    async with pacer.slot():
        if not ours():
            raise LeaseLost
        await bot.send_photo(chat_id, png)


def record_outcome(services: Services, mark, values: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        mark(session, **values)


def record_blocked(services: Services, row: Outbox, now: datetime, message: str) -> None:
    with services.db.session() as session:
        contacts.set_reachable(session, telegram_id=row.chat_id, reachable=False)
        outbox.mark_failed(session, row_id=row.id, error=f"blocked: {message}", now=now)
        if row.kind == "reminder":
            tell_admins_blocked(session, services, row, now)


async def send_with_retries(bot: Bot, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None,
                            pacer: Pacer, ours: Callable[[], bool] = _always, attempts: int = 4) -> int:
    """Send the parts in order (buttons on the last); retry 429s and network errors with backoff.
    `ours()` is asked right before each try of the first part (after waiting for the pace); False: LeaseLost."""
    message_id = 0
    for index, part in enumerate(parts):
        send = partial(bot.send_message, chat_id, part, reply_markup=markup if index == len(parts) - 1 else None)
        message_id = (await _paced(pacer, send, attempts, ours if index == 0 else _always)).message_id
    return message_id


async def _paced(pacer: Pacer, send: Callable[[], Awaitable[Message]], attempts: int,
                 ours: Callable[[], bool] = _always) -> Message:
    """One Bot API call at the outbox's pace, 429s and network errors retried with backoff; `ours()` is
    asked right before each try (after waiting for the pace): False raises LeaseLost."""
    for attempt in range(attempts):
        try:
            async with pacer.slot():
                if not ours():
                    raise LeaseLost
                return await send()
        except RetryAfter as exc:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(_seconds(exc.retry_after))
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    raise ValueError(f"attempts must be at least 1, not {attempts}")


async def send_file(bot: Bot, chat_id: int, document: Mapping[str, str], pacer: Pacer, attempts: int = 4) -> None:
    """A capped digest's complete text, as a .txt file after its messages (UTF-8 with the byte-order mark
    older Windows Notepads need). The messages went already: a failure is logged, not sent again."""
    data = document["text"].encode("utf-8-sig")
    try:
        await _paced(pacer, partial(bot.send_document, chat_id, data, filename=document["name"]), attempts)
    except TelegramError as exc:
        log.warning("could not send the file %s to chat %s: %s", document["name"], chat_id, exc)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def render_rows(services: Services, rows: Sequence[Outbox]) -> list[Rendered]:
    """The messages of rows about to go. Reminders are written at send time, in the contact's language,
    leaving out what was reported meanwhile, with a 收到 button for their row; other kinds carry their
    text and buttons. One set of queries for the lot."""
    reminder_rows = [row for row in rows if row.kind == "reminder"]
    with services.db.session() as session:
        languages = people.people_languages(session, telegram_ids=[row.chat_id for row in reminder_rows])
        due = outbox.still_due(session, reminder_ids=[i for row in reminder_rows for i in row.payload["reminder_ids"]])
        items = items_db.items_by_id(session, ids=[r.item_id for r in due])
        nodes = milestones.titles(session, ids=[i for r in due if (i := milestone_of_period(r.period)) is not None])
        units = units_db.units_by_id(session, ids=[row.unit_id for row in reminder_rows])
        absent = people.people_names(session, telegram_ids=[
            p for row in reminder_rows for p in row.payload.get("stand_in_for", [])])
        labels = lists.labels(session, items=items.values())
        unanswered = instructions.unanswered(session, unit_ids=[row.unit_id for row in reminder_rows]) \
            if reminder_rows else []
        cal = WorkCalendar(calendar.calendar_overrides(session)) if unanswered else WorkCalendar()
    due_by_id = {r.id: r for r in due}
    today = services.clock.now().date()
    rendered = []
    for row in rows:
        if row.kind != "reminder":
            rendered.append((list(row.payload.get("parts", [])), markup_of(row.payload.get("buttons", []))))
            continue
        reminders = [due_by_id[i] for i in row.payload["reminder_ids"] if i in due_by_id]
        lines = [ReminderLine(r.item_id, items[r.item_id].number, items[r.item_id].title, r.reason, r.period,
                              items[r.item_id].deadline, label=labels.get(r.item_id, ""),
                              milestone=nodes.get(milestone_of_period(r.period) or 0, ("", None))[0])
                 for r in reminders]
        unit = units.get(row.unit_id)
        if not lines or unit is None:
            rendered.append(([], None))
            continue
        lang = languages.get(row.chat_id) or services.settings.language
        names = [absent[p] for p in row.payload.get("stand_in_for", []) if p in absent]
        item_ids = [line.item_id for line in lines]
        instructed = repeated([o for o in unanswered if o.unit_id == row.unit_id], item_ids, today, cal,
                              services.settings.tz)
        rendered.append(reminder_message(lang, unit.name, lines, today, ack_id=row.id,
                                         resend=int(row.payload.get("resend", 0)), absent=names,
                                         instructed=reminder_lines(lang, instructed, item_ids)))
    return rendered


def reminder_message(lang: str, unit: str, lines: list[ReminderLine], today: date, *, ack_id: int | None,
                     resend: int, absent: list[str], instructed: Sequence[str] = ()) -> Rendered:
    text = reminder_text(lang, unit, lines, today, instructed)
    notes = []
    if resend:
        notes.append(t(lang, f"remind.resend.{min(resend, 2)}"))
    if absent:
        notes.append(t(lang, "remind.stand_in", names=esc(join(lang, absent))))
    if notes:
        text = "\n".join(notes) + "\n" + text
    ordered = sorted({(line.number, line.ref, line.item_id) for line in lines})
    return split_message(text), reminder_buttons(lang, [(item_id, ref) for _n, ref, item_id in ordered], ack_id=ack_id)
