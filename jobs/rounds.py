"""The rounds: the daily reminder round, escalations (督办), re-sends of unacknowledged reminders, and the
weekly and monthly digests. Each writes what is due in the database (a reminder is unique per item, unit,
reason and period, so a round run twice sends nothing twice), queues it in the outbox, and has the sender
(jobs.sender) send it. The heavy part of each (planning, the digest's text) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telegram import Bot

from bot.context import BotContext, Services
from bot.keyboards import dashboard_link
from bot.texts import esc, join, t
from db import bot_state, outbox, reminders, reports
from db import contacts as contacts_db
from db import units as units_db
from db.facts import ReportCycle, period_key
from jobs.digest import capped_post
from jobs.offload import off_loop
from jobs.policy import digest_due_today, manual_chase, plan_reminders
from jobs.sender import drain_outbox, notify_admins, send_time
from jobs.supervision import (
    calendar,
    digest_text,
    first_workday_of_month,
    month_missing,
    policy_of,
    previous_month,
    record_month_colours,
)
from jobs.workdays import WorkCalendar

log = logging.getLogger(__name__)

DIGEST_CHAT_KEY = "digest_chat_id"


@dataclass
class RoundResult:
    new: int = 0
    units: int = 0
    items: int = 0
    queued: int = 0  # rows waiting for the end of quiet hours
    escalations: int = 0
    undelivered_units: list[str] = field(default_factory=list)


def work_calendar(services: Services) -> WorkCalendar:
    """The office's calendar, for a job's step that reads it on its own (a round reads it once)."""
    with services.db.session() as session:
        return calendar(session)


def digest_chat_id(services: Services) -> int | None:
    with services.db.session() as session:
        stored = bot_state.get_setting(session, key=DIGEST_CHAT_KEY)
    return int(stored) if stored else services.settings.digest_chat_id


def plan_round(services: Services, *, unit_id: int | None, manual: bool) -> RoundResult:
    """The database part of a round: write what is due and queue it per contact (two transactions)."""
    now = services.clock.now()
    today = now.date()
    cal = work_calendar(services)
    result = RoundResult()
    with services.db.session() as session:
        facts = reports.item_facts(session, today=today)
        plan = plan_reminders(facts, today, policy_of(services), cal)
        due = plan.due + (manual_chase(facts, today) if manual else [])
        if unit_id is not None:
            due = [d for d in due if d.unit_id == unit_id]
        result.new = reminders.record_due(session, due=due, now=now)
        if unit_id is None:
            result.escalations = enqueue_escalations(session, services, plan.escalations, facts, now)
    with services.db.session() as session:
        queued = outbox.enqueue_reminders(session, now=now, not_before=send_time(services, now), unit_id=unit_id)
        without = units_db.units_by_id(session, ids=queued.without_contacts) if queued.without_contacts else {}
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
    names = units_db.unit_names(session)
    contacts = contacts_db.contacts_of_units(session, unit_ids={u for e in escalations for u in by_id[e.item_id].lead_unit_ids})
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


async def post_digest(bot: Bot, services: Services, chat_id: int, *, period: str | None = None,
                      ranking_month: tuple[int, int] | None = None) -> int:
    """Queue the digest for a chat (once per period when one is given) and send it; returns its parts. A
    digest longer than DIGEST_MAX_MESSAGES messages is cut there and followed by its complete text as a file."""
    now = services.clock.now()
    lang = services.settings.language
    # The digest's queries and text off the event loop (a helper process for a large office), then cut to
    # DIGEST_MAX_MESSAGES (a string's work: here).
    text = await off_loop(services, digest_text, lang, ranking_month=ranking_month)
    post = capped_post(lang, text, now.date(), services.settings.digest_max_messages)
    parts = post.parts
    key = f"digest:{chat_id}:{period or now.isoformat()}"
    # A link, not a web_app button: the digest goes to a group, where Telegram refuses those.
    link = dashboard_link(services.settings, services.bot_username)
    buttons = [[(t(services.settings.language, "wa.open_button"), link, outbox.URL)]] if link else []
    with services.db.session() as session:
        outbox.enqueue_text(session, key=key, kind="digest", chat_id=chat_id, parts=parts, now=now,
                            not_before=send_time(services, now), chart=True, buttons=buttons, document=post.file)
    await drain_outbox(bot, services)
    return len(parts)


def digest_period(day: date) -> str:
    return period_key(ReportCycle.WEEKLY, day)


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
