"""Admins: operations — send the reminders or the digest now, the digest group, the calendar's overrides,
what the rounds will send in the next days, and the outbox."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot.context import BotContext
from bot.dates import format_date
from bot.texts import esc, join, t
from db import bot_state, reminders, reports, units
from db import calendar as calendar_db
from db import people as people_db
from db.outbox import summary as outbox_summary
from handlers.common import answer, args_text, guard, is_admin, lang_of, parse_day, say
from handlers.units import require_unit
from handlers.uow import Refusal, work
from jobs.policy import forecast
from jobs.reminders import reason_label
from jobs.rounds import DIGEST_CHAT_KEY, digest_chat_id, post_digest, run_reminder_round
from jobs.sender import send_time
from jobs.supervision import calendar, policy_of
from jobs.workdays import WorkCalendar

# ---------------------------------------------------------------- reminders, digest, group


async def remind(update: Update, context: BotContext) -> None:
    """Send the due reminders now (optionally to one unit), chasing every unreported item."""
    lang = lang_of(update, context)
    name = args_text(update)
    unit_id = None
    if name:
        with work(context) as session:
            unit_id = require_unit(session, lang, name).id
    result = await run_reminder_round(context.bot, context.services, unit_id=unit_id, manual=True)
    lines = [t(lang, "remind.result", units=result.units, items=result.items) if result.units
             else t(lang, "remind.nothing")]
    if result.queued:
        at = send_time(context.services, context.services.clock.now())
        lines.append(t(lang, "remind.queued", count=result.queued, time=f"{format_date(at.date(), lang)} {at:%H:%M}"))
    if result.undelivered_units:
        lines.append(t(lang, "remind.no_contact", units=esc(join(lang, result.undelivered_units))))
    await answer(update, context, "\n".join(lines))


async def digest(update: Update, context: BotContext) -> None:
    """Post the digest to the digest group now (or to the admin when no group is set)."""
    chat_id = digest_chat_id(context.services)
    if chat_id is None:
        await say(update, context, "digest.no_group")
        await post_digest(context.bot, context.services, update.effective_chat.id)
        return
    parts = await post_digest(context.bot, context.services, chat_id)
    if update.effective_chat.id != chat_id:
        await say(update, context, "digest.posted", parts=parts)


async def setgroup(update: Update, context: BotContext) -> None:
    """Make the group this is sent in the one that receives digests."""
    chat = update.effective_chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await say(update, context, "group.need_group")
        return
    services = context.services
    with work(context) as session:
        bot_state.set_setting(session, key=DIGEST_CHAT_KEY, value=str(chat.id))
    chat_filter = services.digest_chat_filter
    chat_filter.remove_chat_ids(list(chat_filter.chat_ids))
    chat_filter.add_chat_ids(chat.id)
    lang = lang_of(update, context)
    settings = services.settings
    await say(update, context, "group.set", title=esc(chat.title or chat.id),
              weekday=t(lang, f"weekday.{settings.digest_weekday}"), time=f"{settings.digest_time:%H:%M}")


# ---------------------------------------------------------------- calendar, schedule, outbox

OFF_WORDS, WORK_WORDS, REMOVE_WORDS = ("休", "假", "放假", "off", "holiday"), ("班", "上班", "work", "workday"), (
    "删除", "取消", "remove", "delete")


async def holiday(update: Update, context: BotContext) -> None:
    """List the calendar overrides, or mark a day as a day off or a working day."""
    lang = lang_of(update, context)
    parts = args_text(update).split(maxsplit=2)
    if not parts:
        await list_holidays(update, context)
        return
    if len(parts) < 2:
        await say(update, context, "usage", usage=t(lang, "holiday.usage"))
        return
    kind = parts[1].lower()
    workday = False if kind in OFF_WORDS else True if kind in WORK_WORDS else None
    with work(context) as session:
        day = parse_day(parts[0], context.services.clock.now(), calendar(session))
        if day is None:
            raise Refusal("holiday.bad_date", text=esc(parts[0]))
        if workday is None and kind not in REMOVE_WORDS:
            raise Refusal("holiday.bad_kind")
        calendar_db.set_calendar_override(session, day=day, workday=workday, note=parts[2] if len(parts) > 2 else None,
                                      created_by=update.effective_user.id)
    key = "holiday.removed" if workday is None else "holiday.set_work" if workday else "holiday.set_off"
    await say(update, context, key, day=format_date(day, lang))


async def list_holidays(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    with work(context) as session:
        rows = calendar_db.list_calendar_overrides(session)
    if not rows:
        covered = WorkCalendar().covers(context.services.clock.now().year)
        await say(update, context, "holiday.none", coverage=t(lang, "holiday.covered" if covered else "holiday.uncovered"))
        return
    lines = [t(lang, "holiday.list_title", count=len(rows))]
    lines += [t(lang, "holiday.line", day=format_date(r.day, lang), note=t(lang, "paren", text=esc(r.note)) if r.note else "",
                kind=t(lang, "holiday.kind.work" if r.workday else "holiday.kind.off")) for r in rows]
    await answer(update, context, "\n".join(lines))


async def schedule(update: Update, context: BotContext) -> None:
    """What the rounds will send in the next 7 days, and why."""
    lang = lang_of(update, context)
    services = context.services
    today = services.clock.now().date()
    with work(context) as session:
        facts = reports.item_facts(session, today=today)
        already = reminders.recorded_reminders(session)
        names = {u.id: u.name for u in units.all_units(session)}
        cal = calendar(session)
    numbers = {f.id: f.number for f in facts}
    days = forecast(facts, today, policy_of(services), cal, already=already,
                    digest_weekday=services.settings.digest_weekday)
    lines = [t(lang, "schedule.title")]
    for day in days:
        label = format_date(day.day, lang)
        if not day.workday:
            lines.append(t(lang, "schedule.day_off", day=label))
            continue
        lines.append(t(lang, "schedule.day", day=label))
        by_unit: dict[int, list[str]] = {}
        for due in day.due:
            by_unit.setdefault(due.unit_id, []).append(reason_label(lang, numbers[due.item_id], due.reason))
        lines += [t(lang, "schedule.unit_line", unit=esc(names.get(u, "?")), items=join(lang, reasons))
                  for u, reasons in sorted(by_unit.items())]
        lines += [t(lang, "schedule.escalation", unit=esc(names.get(e.unit_id, "?")), number=numbers[e.item_id])
                  for e in day.escalations]
        if day.digest:
            lines.append(t(lang, "schedule.digest"))
        if not by_unit and not day.escalations and not day.digest:
            lines.append(t(lang, "schedule.nothing"))
    await answer(update, context, "\n".join(lines))


async def outbox_command(update: Update, context: BotContext) -> None:
    """Pending and failed sends."""
    lang = lang_of(update, context)
    tz = context.services.settings.tz
    with work(context) as session:
        summary = outbox_summary(session)
        people = people_db.people_names(session, telegram_ids=[r.chat_id for r in [*summary.pending, *summary.failed]
                                                             if r.chat_id])
    counts = {k: summary.counts.get(k, 0) for k in ("pending", "claimed", "sent", "failed", "expired")}
    lines = [t(lang, "outbox.title"), t(lang, "outbox.counts", **counts)]

    def line(row) -> str:  # type: ignore[no-untyped-def]
        when = row.created_at.astimezone(tz)
        error = f" — {esc(row.last_error)}" if row.last_error else ""
        return t(lang, "outbox.line", id=row.id, kind=t(lang, f"outbox.kind.{row.kind}"),
                 chat=esc(people.get(row.chat_id, row.chat_id)), when=f"{when:%m-%d %H:%M}", error=error)

    if summary.pending:
        lines += ["", t(lang, "outbox.pending_title"), *[line(r) for r in summary.pending]]
    if summary.failed:
        lines += ["", t(lang, "outbox.failed_title"), *[line(r) for r in summary.failed]]
    await answer(update, context, "\n".join(lines))


def handlers() -> list:
    """The admins' operations; every one refuses non-admins with a message."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    commands = {"remind": remind, "digest": digest, "setgroup": setgroup, "holiday": holiday,
                "schedule": schedule, "outbox": outbox_command}
    return [CommandHandler(name, admin(callback), filters=new) for name, callback in commands.items()]
