"""The scheduled work and its I/O: reminder rounds and digests.

The scheduler only triggers; the database is the truth. A round first writes every due
reminder (unique per item, unit, reason and period), then sends what is still pending,
one message per unit, and marks it sent once a contact has it. A crash between the two
leaves the reminders pending and the next round sends them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import Bot
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.context import BotContext, Services
from bot.keyboards import report_buttons
from bot.texts import split_message
from db import queries
from jobs.digest import build_digest
from jobs.reminders import ReminderLine, item_numbers, reminder_text
from jobs.rules import Due, due_reminders, missing_unit_ids, period_key

log = logging.getLogger(__name__)

REMINDER_JOB = "daily-reminders"
DIGEST_JOB = "weekly-digest"
DIGEST_CHAT_KEY = "digest_chat_id"
# A reminder that could not be delivered for this long (no contact yet) is dropped, not sent late.
STALE_AFTER = timedelta(days=3)


@dataclass
class RoundResult:
    units: int = 0
    items: int = 0
    new: int = 0
    undelivered_units: list[str] = field(default_factory=list)


def digest_chat_id(services: Services) -> int | None:
    with services.db.session() as session:
        stored = queries.get_setting(session, key=DIGEST_CHAT_KEY)
    return int(stored) if stored else services.settings.digest_chat_id


def collect_due(services: Services, *, today: date, now: datetime, unit_id: int | None, manual: bool) -> int:
    """Write today's due reminders; a manual round also chases every unreported item."""
    settings = services.settings
    with services.db.session() as session:
        facts = queries.item_facts(session, today=today)
        due = due_reminders(facts, today, lead_days=settings.reminder_lead_days, report_day=settings.report_day)
        if manual:
            due += [Due(f.id, u, "report", period_key(f.cycle, today)) for f in facts for u in missing_unit_ids(f)]
        if unit_id is not None:
            due = [d for d in due if d.unit_id == unit_id]
        return queries.record_due(session, due=due, now=now)


async def run_reminder_round(
    bot: Bot, services: Services, *, unit_id: int | None = None, manual: bool = False
) -> RoundResult:
    now = services.clock.now()
    today = now.date()
    result = RoundResult(new=collect_due(services, today=today, now=now, unit_id=unit_id, manual=manual))
    with services.db.session() as session:
        pending = queries.pending_reminders(session, unit_id=unit_id)
        stale = [r.id for rs in pending.values() for r in rs if now - r.created_at > STALE_AFTER]
        queries.mark_reminders(session, reminder_ids=stale, status="expired", now=now)
        pending = {u: [r for r in rs if r.id not in stale] for u, rs in pending.items()}
        pending = {u: rs for u, rs in pending.items() if rs}
        items = queries.items_by_id(session, ids=[r.item_id for rs in pending.values() for r in rs])
        units = queries.units_by_id(session, ids=pending)
        contacts = queries.contacts_of_units(session, unit_ids=pending)
        languages = {c.telegram_id: queries.person_language(session, telegram_id=c.telegram_id)
                     for cs in contacts.values() for c in cs}
    for unit_id_, reminders in pending.items():
        lines = [ReminderLine(r.item_id, items[r.item_id].number, items[r.item_id].title, r.reason, r.period,
                              items[r.item_id].deadline) for r in reminders]
        unit_name = units[unit_id_].name
        delivered = await deliver_reminder(bot, services, unit_id_, unit_name, lines,
                                           contacts.get(unit_id_, []), languages, today)
        if delivered:
            result.units += 1
            result.items += len(item_numbers(lines))
            with services.db.session() as session:
                queries.mark_reminders(session, reminder_ids=[r.id for r in reminders], status="sent", now=now)
        else:
            result.undelivered_units.append(unit_name)
    return result


async def deliver_reminder(
    bot: Bot, services: Services, unit_id: int, unit_name: str, lines: list[ReminderLine],
    contacts: list, languages: dict[int, str | None], today: date,
) -> bool:
    """Send one unit's reminder to each of its reachable contacts; True if anyone got it."""
    delivered = False
    numbers = item_numbers(lines)
    for contact in contacts:
        if not contact.reachable:
            continue
        lang = languages.get(contact.telegram_id) or services.settings.language
        text = reminder_text(lang, unit_name, lines, today)
        try:
            message = await send_long(bot, contact.telegram_id, text, report_buttons(lang, numbers))
        except Forbidden:
            log.warning("contact %s of unit %s blocked the bot", contact.telegram_id, unit_id)
            with services.db.session() as session:
                queries.set_reachable(session, telegram_id=contact.telegram_id, reachable=False)
            continue
        except TelegramError as exc:
            log.warning("reminder to contact %s failed: %s", contact.telegram_id, exc)
            continue
        delivered = True
        with services.db.session() as session:
            queries.record_sent_message(session, kind="reminder", chat_id=contact.telegram_id,
                                        message_id=message.message_id, unit_id=unit_id,
                                        item_ids=sorted({line.item_id for line in lines}),
                                        now=services.clock.now())
    return delivered


async def send_long(bot: Bot, chat_id: int, text: str, markup=None):  # type: ignore[no-untyped-def]
    """Send a text in parts under Telegram's limit; buttons go with the last part, which is returned."""
    parts = split_message(text)
    message = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(chat_id, part, reply_markup=markup if last else None)
    return message


def digest_text(services: Services, lang: str) -> str:
    now = services.clock.now()
    with services.db.session() as session:
        facts = queries.item_facts(session, today=now.date())
        names = {u.id: u.name for u in queries.all_units(session)}
        unreachable = queries.unreachable_unit_names(session)
    return build_digest(lang, facts, names, now.date(), margin=services.settings.slow_margin,
                        unreachable=unreachable)


async def post_digest(bot: Bot, services: Services, chat_id: int) -> int:
    """Post the digest to a chat; returns the number of messages it took."""
    parts = split_message(digest_text(services, services.settings.language))
    for part in parts:
        await bot.send_message(chat_id, part)
    return len(parts)


def digest_period(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


async def reminder_job(context: BotContext) -> None:
    """Run the daily reminder round."""
    result = await run_reminder_round(context.bot, context.services)
    log.info("reminder round: %s units, %s items, %s new", result.units, result.items, result.new)


async def digest_job(context: BotContext) -> None:
    """Post the weekly digest on the digest weekday, once per week."""
    services = context.services
    now = services.clock.now()
    chat_id = digest_chat_id(services)
    if chat_id is None or now.isoweekday() != services.settings.digest_weekday:
        return
    period = digest_period(now.date())
    with services.db.session() as session:
        if queries.digest_posted(session, chat_id=chat_id, period=period):
            return
    await post_digest(context.bot, services, chat_id)
    with services.db.session() as session:
        queries.log_digest(session, chat_id=chat_id, period=period, now=now)


def schedule_jobs(app: Application) -> None:
    """Daily reminder round and digest check at the configured times, in the office's time zone;
    a round is also run soon after start when today's reminder time has already passed."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    tz = settings.tz
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    job_queue.run_daily(reminder_job, time=settings.reminder_time.replace(tzinfo=tz), name=REMINDER_JOB)
    job_queue.run_daily(digest_job, time=settings.digest_time.replace(tzinfo=tz), name=DIGEST_JOB)
    now = services.clock.now().astimezone(tz)
    if settings.reminder_time <= now.time() < time(21, 0):
        job_queue.run_once(reminder_job, when=5, name=f"{REMINDER_JOB}-catch-up")
    if settings.digest_time <= now.time() < time(21, 0):
        job_queue.run_once(digest_job, when=10, name=f"{DIGEST_JOB}-catch-up")

