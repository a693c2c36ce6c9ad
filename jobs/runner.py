"""The scheduled work and its I/O: reminder rounds, escalations, digests, and the outbox.

The scheduler only triggers; the database is the truth. A round writes every due reminder
(unique per item, unit, reason and period), then one outbox row per contact and batch, then
drains the outbox: one process at a time holds the sender's lease (so replicas keep one pace), and
each row is claimed (a conditional update, so no two processes take the same row), sent, and
marked. A crash leaves rows pending or claimed; once the dead process's lease has run out, the next
drain takes its claims back and sends them within the grace window, so nothing is lost, and only
rows in flight at a kill can go twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.context import BotContext, Services
from bot.keyboards import markup_of, reminder_buttons
from bot.texts import esc, join, split_message, t
from db import outbox, queries
from db.models import Outbox
from jobs.digest import Assessed, assess, build_digest
from jobs.pacing import Pacer
from jobs.policy import manual_chase, plan_reminders
from jobs.reminders import ReminderLine, reminder_text
from jobs.supervision import (
    digest_supervision,
    first_workday_of_month,
    month_missing,
    policy_of,
    previous_month,
    ranking_text_lines,
    record_month_colours,
)
from jobs.workdays import WorkCalendar, in_quiet_hours, next_send_time

log = logging.getLogger(__name__)

REMINDER_JOB = "daily-reminders"
DIGEST_JOB = "weekly-digest"
OUTBOX_JOB = "outbox-drain"
OUTBOX_RETRY_JOB = "outbox-drain-when-the-lease-runs-out"
RECEIPTS_JOB = "reminder-receipts"
DIGEST_CHAT_KEY = "digest_chat_id"
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
SEND_CONCURRENCY = 16
MAX_ATTEMPTS = 5
# Rows claimed at a time, ahead of sending (about three seconds' worth): the pipeline never waits for a
# claim, and few rows are held up when a process dies (they go back once its lease has run out).
CLAIM_BATCH = 100
# One process sends at a time (see db.models.Lease); renewed every third of this while it drains.
LEASE_TTL = timedelta(seconds=15)
RENDER_CHUNK = 30  # about a second of sending: a reminder is written at most a second or two before it goes


Rendered = tuple[list[str], InlineKeyboardMarkup | None]


@dataclass
class RoundResult:
    new: int = 0
    units: int = 0
    items: int = 0
    queued: int = 0  # rows waiting for the end of quiet hours
    escalations: int = 0
    undelivered_units: list[str] = field(default_factory=list)


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    expired: int = 0
    busy_until: datetime | None = None  # another process holds the sender's lease until then


# ---------------------------------------------------------------- calendar and policy


def work_calendar(services: Services) -> WorkCalendar:
    with services.db.session() as session:
        return WorkCalendar(queries.calendar_overrides(session))


def send_time(services: Services, now: datetime) -> datetime:
    """Now, or the end of the quiet hours."""
    s = services.settings
    return next_send_time(now, s.quiet_start, s.quiet_end)


def digest_chat_id(services: Services) -> int | None:
    with services.db.session() as session:
        stored = queries.get_setting(session, key=DIGEST_CHAT_KEY)
    return int(stored) if stored else services.settings.digest_chat_id


# ---------------------------------------------------------------- reminder rounds


def plan_round(services: Services, *, unit_id: int | None, manual: bool) -> RoundResult:
    """The database part of a round: write what is due and queue it per contact (two transactions)."""
    now = services.clock.now()
    today = now.date()
    cal = work_calendar(services)
    result = RoundResult()
    with services.db.session() as session:
        facts = queries.item_facts(session, today=today)
        plan = plan_reminders(facts, today, policy_of(services), cal)
        due = plan.due + (manual_chase(facts, today) if manual else [])
        if unit_id is not None:
            due = [d for d in due if d.unit_id == unit_id]
        result.new = queries.record_due(session, due=due, now=now)
        if unit_id is None:
            result.escalations = enqueue_escalations(session, services, plan.escalations, facts, now)
    with services.db.session() as session:
        queued = outbox.enqueue_reminders(session, now=now, not_before=send_time(services, now), unit_id=unit_id)
        without = queries.units_by_id(session, ids=queued.without_contacts) if queued.without_contacts else {}
    result.undelivered_units = [without[u].name for u in queued.without_contacts]
    result.units, result.items = len(queued.units), queued.items
    result.queued = queued.rows if send_time(services, now) > now else 0
    return result


async def run_reminder_round(
    bot: Bot, services: Services, *, unit_id: int | None = None, manual: bool = False
) -> RoundResult:
    """Write what is due, queue it per contact, and send what may be sent now. Planning runs in a worker
    thread: with thousands of items it takes a second, and the bot keeps answering meanwhile."""
    result = await asyncio.to_thread(plan_round, services, unit_id=unit_id, manual=manual)
    await drain_outbox(bot, services)
    return result


def enqueue_escalations(session, services: Services, escalations, facts, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """Tell the lead unit's contacts and the supervisors which responsible unit keeps missing reports (督办)."""
    if not escalations:
        return 0
    lang = services.settings.language
    by_id = {f.id: f for f in facts}
    names = {u.id: u.name for u in queries.all_units(session)}
    contacts = queries.contacts_of_units(session, unit_ids={u for e in escalations for u in by_id[e.item_id].lead_unit_ids})
    count = 0
    for esc_ in escalations:
        item = by_id[esc_.item_id]
        text = t(lang, "escalate.text", unit=esc(names.get(esc_.unit_id, "?")), number=item.number,
                 title=esc(item.title), streak=esc_.streak,
                 lead=esc(join(lang, [names.get(u, "?") for u in item.lead_unit_ids])))
        chats = {c.telegram_id for u in item.lead_unit_ids for c in contacts.get(u, []) if c.reachable}
        chats |= set(services.settings.supervisor_ids)
        for chat_id in sorted(chats):
            key = f"escalate:{esc_.item_id}:{esc_.unit_id}:{esc_.period}:{chat_id}"
            count += outbox.enqueue_text(session, key=key, kind="escalation", chat_id=chat_id, parts=[text],
                                         now=now, not_before=send_time(services, now))
    return count


def notify_admins(session, services: Services, *, key: str, text: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Queue a notice to every admin, once per key."""
    for admin_id in services.settings.admin_ids:
        outbox.enqueue_text(session, key=f"notice:{key}:{admin_id}", kind="notice", chat_id=admin_id,
                            parts=[text], now=now, not_before=now)


def tell_admins_blocked(session, services: Services, row: Outbox, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A contact who blocked the bot or left: the admins must find the unit another contact."""
    names = queries.people_names(session, telegram_ids=[row.chat_id])
    unit = queries.units_by_id(session, ids=[row.unit_id]).get(row.unit_id)
    text = t(services.settings.language, "outbox.blocked", person=esc(names.get(row.chat_id, row.chat_id)),
             unit=esc(unit.name if unit else "?"))
    notify_admins(session, services, key=f"blocked:{row.chat_id}:{now:%Y%m%d}", text=text, now=now)


# ---------------------------------------------------------------- the outbox


async def drain_outbox(bot: Bot, services: Services) -> DrainResult:
    """Send every row that is due, claiming each first; repeat while rows keep coming."""
    async with services.drain_lock:
        return await _drain(bot, services)


async def _drain(bot: Bot, services: Services) -> DrainResult:
    held = HeldLease()
    asked = held.now()
    if not await asyncio.to_thread(hold_lease, services):
        # another process is sending; it takes whatever is due, unless it died (then its lease runs out)
        return DrainResult(busy_until=await asyncio.to_thread(lease_expiry, services))
    held.renewed(asked)
    try:
        result = await _drain_holding_lease(bot, services, held)
    finally:
        await asyncio.to_thread(give_up_lease, services)
    if held.lost.is_set():  # what is left goes to whoever holds the lease next: look again at once
        result.busy_until = datetime.now(UTC)
    return result


class HeldLease:
    """The sender's lease as this process knows it. It is lost when a renewal fails, and also when the
    last renewal is older than SAFE_HOLD of the lease's time: an event loop stalled for longer than that
    must not go on sending rows another process may be sending by now. Times are the event loop's."""

    SAFE_HOLD = 0.8

    def __init__(self) -> None:
        self.lost = asyncio.Event()
        self._good_until = 0.0

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def renewed(self, asked_at: float) -> None:
        """The lease was taken or renewed by a request made at `asked_at` (the database counts its time
        from a moment after that one)."""
        self._good_until = asked_at + LEASE_TTL.total_seconds() * self.SAFE_HOLD

    def ours(self) -> bool:
        if not self.lost.is_set() and self.now() > self._good_until:
            log.warning("the outbox lease was last renewed too long ago (the event loop stalled): stopping the drain")
            self.lost.set()
        return not self.lost.is_set()


class LeaseLost(Exception):
    """Raised before a send when the sender's lease is no longer surely this process's."""


async def _drain_holding_lease(bot: Bot, services: Services, held: HeldLease) -> DrainResult:
    result = DrainResult()
    now = services.clock.now()
    grace = timedelta(hours=services.settings.outbox_grace_hours)
    with services.db.session() as session:
        taken_back = outbox.release_claims(session, instance=INSTANCE)
        if taken_back:
            log.warning("took back %s outbox rows claimed by a process that stopped sending", taken_back)
        expired = outbox.expire_older_than(session, cutoff=now - grace, now=now)
        if expired:
            result.expired = len(expired)
            notify_admins(session, services, key=f"expired:{now:%Y%m%d%H%M}", now=now,
                          text=t(services.settings.language, "outbox.expired", count=len(expired),
                                 hours=f"{services.settings.outbox_grace_hours:g}"))
    if services.pacer is None:
        services.pacer = Pacer(services.settings.send_rate_per_second)
    keeper = asyncio.create_task(keep_lease(services, held))
    try:
        while held.ours() and await _drain_pass(bot, services, services.pacer, result, held):
            pass  # rows written while sending (a notice about a blocked contact) go in the next pass
    finally:
        keeper.cancel()
    return result


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
        if not await asyncio.to_thread(hold_lease, services):
            log.warning("lost the outbox lease (this process was too slow to renew it): stopping the drain")
            held.lost.set()
            return
        held.renewed(asked)


async def _drain_pass(bot: Bot, services: Services, pacer: Pacer, result: DrainResult, held: HeldLease) -> int:
    """A pipeline: rows are claimed ahead, rendered a second's worth at a time just before they go,
    and sent by a few workers, so the pace never waits for the database. Returns the rows claimed."""
    ready: asyncio.Queue[tuple[Outbox, Rendered] | None] = asyncio.Queue(maxsize=RENDER_CHUNK)
    claimed = 0

    async def claim_and_render() -> None:
        nonlocal claimed
        try:
            while held.ours() and (rows := await asyncio.to_thread(claim, services, CLAIM_BATCH)):
                claimed += len(rows)
                for start in range(0, len(rows), RENDER_CHUNK):
                    if not held.ours():  # whoever holds the lease now sends the rest
                        await asyncio.to_thread(hand_back, services, [row.id for row in rows[start:]])
                        return
                    chunk = rows[start:start + RENDER_CHUNK]
                    rendered = await asyncio.to_thread(render_rows, services, chunk)
                    for entry in zip(chunk, rendered, strict=True):
                        await ready.put(entry)
        finally:
            for _ in range(SEND_CONCURRENCY):
                await ready.put(None)

    async def send_ready() -> None:
        while (entry := await ready.get()) is not None:
            await send_row(bot, services, *entry, result, pacer, held.ours)

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
    except LeaseLost:
        await asyncio.to_thread(hand_back, services, [row.id])
        return
    except Forbidden as exc:
        log.warning("chat %s blocked the bot (%s row %s)", row.chat_id, row.kind, row.id)
        await asyncio.to_thread(record_blocked, services, row, now, exc.message)
        result.failed += 1
        return
    except BadRequest as exc:
        await asyncio.to_thread(record_outcome, services, outbox.mark_failed, row_id=row.id, error=exc.message,
                                now=now)
        result.failed += 1
        return
    except TelegramError as exc:
        await asyncio.to_thread(record_outcome, services, outbox.release, row_id=row.id, error=str(exc), now=now,
                                max_attempts=MAX_ATTEMPTS)
        result.retried += 1
        return
    # no parts: its reminders were all reported meanwhile, nothing left to say
    await asyncio.to_thread(record_outcome, services, outbox.mark_sent, row_id=row.id, now=now, message_id=message_id)
    result.sent += int(message_id is not None)


async def send_chart(bot: Bot, services: Services, chat_id: int, pacer: Pacer, ours: Callable[[], bool] = _always
                     ) -> None:
    """The digest's picture, drawn when it is sent; the text follows even if drawing fails."""
    today = services.clock.now().date()
    try:
        png = await asyncio.to_thread(chart_png, services, today)
    except Exception:  # a picture is a courtesy: never let it hold the digest back
        log.exception("could not draw the digest chart")
        return
    async with pacer.slot():
        if not ours():
            raise LeaseLost
        await bot.send_photo(chat_id, png)


def chart_png(services: Services, today: date) -> bytes:
    from bot.chart import digest_chart  # matplotlib on first use: most processes never draw

    return digest_chart(statuses(services, today), today=today, lang=services.settings.language)


def statuses(services: Services, today: date) -> list[Assessed]:
    """Every item assessed on `today`, read without who reported lately (the statuses do not need it)."""
    with services.db.session() as session:
        facts = queries.item_facts(session, today=today, with_reports=False)
    return assess(facts, today, services.settings.slow_margin)


def record_outcome(services: Services, mark, **values: Any) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        mark(session, **values)


def record_blocked(services: Services, row: Outbox, now: datetime, message: str) -> None:
    with services.db.session() as session:
        queries.set_reachable(session, telegram_id=row.chat_id, reachable=False)
        outbox.mark_failed(session, row_id=row.id, error=f"blocked: {message}", now=now)
        if row.kind == "reminder":
            tell_admins_blocked(session, services, row, now)


async def send_with_retries(bot: Bot, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None,
                            pacer: Pacer, ours: Callable[[], bool] = _always, attempts: int = 4) -> int:
    """Send the parts in order (buttons on the last); retry 429s and network errors with backoff.
    `ours()` is asked right before each try of the first part (after waiting for the pace); False: LeaseLost."""
    message_id = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        for attempt in range(attempts):
            try:
                async with pacer.slot():
                    if index == 0 and not ours():  # nothing of this row has gone yet
                        raise LeaseLost
                    message = await bot.send_message(chat_id, part, reply_markup=markup if last else None)
                message_id = message.message_id
                break
            except RetryAfter as exc:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(_seconds(exc.retry_after))
            except NetworkError as exc:
                if isinstance(exc, BadRequest) or attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
    return message_id


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def render_rows(services: Services, rows: Sequence[Outbox]) -> list[Rendered]:
    """The messages of rows about to go. Reminders are written at send time, in the contact's language,
    leaving out what was reported meanwhile, with a 收到 button for their row; other kinds carry their
    text and buttons. One set of queries for the lot."""
    reminder_rows = [row for row in rows if row.kind == "reminder"]
    with services.db.session() as session:
        languages = queries.people_languages(session, telegram_ids=[row.chat_id for row in reminder_rows])
        due = outbox.still_due(session, reminder_ids=[i for row in reminder_rows for i in row.payload["reminder_ids"]])
        items = queries.items_by_id(session, ids=[r.item_id for r in due])
        units = queries.units_by_id(session, ids=[row.unit_id for row in reminder_rows])
        absent = queries.people_names(session, telegram_ids=[
            p for row in reminder_rows for p in row.payload.get("stand_in_for", [])])
    due_by_id = {r.id: r for r in due}
    today = services.clock.now().date()
    rendered = []
    for row in rows:
        if row.kind != "reminder":
            rendered.append((list(row.payload.get("parts", [])), markup_of(row.payload.get("buttons", []))))
            continue
        reminders = [due_by_id[i] for i in row.payload["reminder_ids"] if i in due_by_id]
        lines = [ReminderLine(r.item_id, items[r.item_id].number, items[r.item_id].title, r.reason, r.period,
                              items[r.item_id].deadline) for r in reminders]
        unit = units.get(row.unit_id)
        if not lines or unit is None:
            rendered.append(([], None))
            continue
        lang = languages.get(row.chat_id) or services.settings.language
        names = [absent[p] for p in row.payload.get("stand_in_for", []) if p in absent]
        rendered.append(reminder_message(lang, unit.name, lines, today, ack_id=row.id,
                                         resend=int(row.payload.get("resend", 0)), absent=names))
    return rendered


def reminder_message(lang: str, unit: str, lines: list[ReminderLine], today: date, *, ack_id: int | None,
                     resend: int, absent: list[str]) -> Rendered:
    text = reminder_text(lang, unit, lines, today)
    notes = []
    if resend:
        notes.append(t(lang, f"remind.resend.{min(resend, 2)}"))
    if absent:
        notes.append(t(lang, "remind.stand_in", names=esc(join(lang, absent))))
    if notes:
        text = "\n".join(notes) + "\n" + text
    return split_message(text), reminder_buttons(lang, sorted({line.number for line in lines}), ack_id=ack_id)


# ---------------------------------------------------------------- digest


def digest_text(services: Services, lang: str, *, ranking_month: tuple[int, int] | None = None) -> str:
    """The digest of today; with `ranking_month`, the monthly ranking of that month follows."""
    now = services.clock.now()
    ranking = ranking_text_lines(services, lang, *ranking_month) if ranking_month else []
    with services.db.session() as session:
        facts = queries.item_facts(session, today=now.date())
        names = {u.id: u.name for u in queries.all_units(session)}
        unreachable = queries.unreachable_contacts(session)
        unbound = queries.units_without_contacts(session, unit_ids=names)
        extra = digest_supervision(services, session, facts, now.date(), ranking=ranking)
    return build_digest(lang, facts, names, now.date(), margin=services.settings.slow_margin,
                        unreachable=unreachable, unbound=unbound, supervision=extra)


async def post_digest(bot: Bot, services: Services, chat_id: int, *, period: str | None = None,
                      ranking_month: tuple[int, int] | None = None) -> int:
    """Queue the digest for a chat (once per period when one is given) and send it; returns its parts."""
    now = services.clock.now()
    text = await asyncio.to_thread(digest_text, services, services.settings.language, ranking_month=ranking_month)
    parts = split_message(text)
    key = f"digest:{chat_id}:{period or now.isoformat()}"
    with services.db.session() as session:
        outbox.enqueue_text(session, key=key, kind="digest", chat_id=chat_id, parts=parts, now=now,
                            not_before=send_time(services, now), chart=True)
    await drain_outbox(bot, services)
    return len(parts)


def digest_period(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def digest_due_today(today: date, weekday: int, cal: WorkCalendar) -> bool:
    """The digest day, or the first working day after it in the same week when it is a day off."""
    if not cal.is_workday(today):
        return False
    monday = today - timedelta(days=today.isoweekday() - 1)
    scheduled = monday + timedelta(days=weekday - 1)
    if today < scheduled:
        return False
    return all(not cal.is_workday(scheduled + timedelta(days=d)) for d in range((today - scheduled).days))


# ---------------------------------------------------------------- jobs


async def reminder_job(context: BotContext) -> None:
    """Run the daily reminder round on working days."""
    services = context.services
    today = services.clock.now().date()
    cal = work_calendar(services)
    warn_uncovered_year(services, cal, today)
    if not cal.is_workday(today):
        log.info("%s is a day off: no reminder round", today)
        await drain_outbox(context.bot, services)
        return
    result = await run_reminder_round(context.bot, services)
    log.info("reminder round: %s units, %s items, %s new", result.units, result.items, result.new)


def warn_uncovered_year(services: Services, cal: WorkCalendar, today: date) -> None:
    """Tell the admins once a year when the official calendar does not know this year."""
    if cal.covers(today.year):
        return
    with services.db.session() as session:
        notify_admins(session, services, key=f"calendar:{today.year}", now=services.clock.now(),
                      text=t(services.settings.language, "calendar.uncovered", year=today.year))


async def digest_job(context: BotContext) -> None:
    """Post the weekly digest on the digest day (or the next working day), once per week; on the first
    working day of a month keep last month's colours and post the digest with last month's ranking."""
    services = context.services
    now = services.clock.now()
    cal = work_calendar(services)
    monthly = first_workday_of_month(now.date(), cal)
    last_month = previous_month(now.date())
    if monthly or month_missing(services, *last_month):  # a missed first working day is caught up
        written = await asyncio.to_thread(record_month_colours, services, *last_month, overwrite=monthly)
        log.info("kept the colours of %s-%02d for %s items", *last_month, written)
    chat_id = digest_chat_id(services)
    weekly = digest_due_today(now.date(), services.settings.digest_weekday, cal)
    if chat_id is None or not (weekly or monthly):
        return
    period = digest_period(now.date()) if weekly else f"{last_month[0]}-{last_month[1]:02d}-monthly"
    await post_digest(context.bot, services, chat_id, period=period, ranking_month=last_month if monthly else None)


async def receipts_job(context: BotContext) -> None:
    """Send again the reminders nobody acknowledged (收到) within ACK_TIMEOUT_HOURS, on working days."""
    await run_resends(context.bot, context.services)


async def run_resends(bot: Bot, services: Services) -> int:
    """Queue the re-sends that are due and send them; returns how many were queued."""
    now = services.clock.now()
    if not work_calendar(services).is_workday(now.date()):
        return 0
    timeout = timedelta(hours=services.settings.ack_timeout_hours)

    def enqueue() -> int:  # off the event loop: a week of reminder rows is read
        with services.db.session() as session:
            return outbox.enqueue_resends(session, now=now, timeout=timeout, not_before=send_time(services, now))

    queued = await asyncio.to_thread(enqueue)
    if queued:
        log.info("re-sending %s unacknowledged reminders", queued)
        await drain_outbox(bot, services)
    return queued


async def send_queued(context: BotContext) -> DrainResult:
    """Send what is waiting now. When another process holds the sender's lease, look again as soon as
    it runs out: after a crash sending resumes within seconds, and a notice a handler queued on a
    replica that does not hold the lease waits at most that long (the holder usually takes it sooner)."""
    result = await drain_outbox(context.bot, context.services)
    if result.busy_until is not None and not context.job_queue.get_jobs_by_name(OUTBOX_RETRY_JOB):
        wait = (result.busy_until - datetime.now(UTC)).total_seconds() + 0.5
        context.job_queue.run_once(outbox_job, when=max(wait, 0.5), name=OUTBOX_RETRY_JOB)
    return result


async def outbox_job(context: BotContext) -> None:
    """Send what is waiting (after quiet hours, retries, a restart)."""
    await send_queued(context)


def schedule_jobs(app: Application) -> None:
    """Daily round and digest check at the configured times, in the office's time zone; the outbox is
    drained every half minute and soon after start."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    tz = settings.tz
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    job_queue.run_daily(reminder_job, time=settings.reminder_time.replace(tzinfo=tz), name=REMINDER_JOB)
    job_queue.run_daily(digest_job, time=settings.digest_time.replace(tzinfo=tz), name=DIGEST_JOB)
    job_queue.run_repeating(outbox_job, interval=30, first=2, name=OUTBOX_JOB)
    job_queue.run_repeating(receipts_job, interval=300, first=60, name=RECEIPTS_JOB)
    now = services.clock.now().astimezone(tz)
    awake = not in_quiet_hours(now, settings.quiet_start, settings.quiet_end)
    if awake and settings.reminder_time <= now.time():
        job_queue.run_once(reminder_job, when=5, name=f"{REMINDER_JOB}-catch-up")
    if awake and settings.digest_time <= now.time():
        job_queue.run_once(digest_job, when=10, name=f"{DIGEST_JOB}-catch-up")
