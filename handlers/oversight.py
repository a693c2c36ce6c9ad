"""Oversight: the 收到 button of reminders and /unread, the monthly /ranking, and /history of reports by range."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time, timedelta

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.dates import format_date
from bot.keyboards import ACK, without_button
from bot.texts import esc, join, split_message, t
from db import outbox, queries, supervision
from handlers.common import (
    answer,
    args_text,
    either,
    guard,
    is_admin,
    is_contact,
    is_supervisor,
    lang_of,
    parse_day,
    parse_number,
    say,
)
from jobs.history import history_lines, history_workbook
from jobs.supervision import ACK_DAYS, month_of, ranking_text_lines, record_month_colours


def parse_period(text: str, today):  # type: ignore[no-untyped-def]
    from bot.export import parse_period as parse  # openpyxl on first use

    return parse(text, today)


HISTORY_LINES = 30  # more reports than this, or more than one message: the full list comes as .xlsx


# ---------------------------------------------------------------- receipts


async def acknowledge(update: Update, context: BotContext) -> None:
    """Record the 收到 button of a reminder; only its recipient can press it."""
    query = update.callback_query
    lang = lang_of(update, context)
    row_id = int(query.data.split(":", 1)[1])
    now = context.services.clock.now()
    with context.services.db.session() as session:
        result, _ = outbox.acknowledge(session, row_id=row_id, telegram_id=update.effective_user.id, now=now)
    await query.answer(t(lang, f"ack.{result.value}"), show_alert=result in (outbox.Ack.NOT_YOURS, outbox.Ack.UNKNOWN))
    if result in (outbox.Ack.RECORDED, outbox.Ack.ALREADY) and isinstance(query.message, Message):
        try:
            await query.edit_message_reply_markup(without_button(query.message.reply_markup, f"{ACK}:"))
        except TelegramError:  # already without the button
            pass


def ack_from_buttons(message: object, telegram_id: int, context: BotContext) -> None:
    """A report button pressed on a reminder acknowledges it too: whoever reports has read it."""
    markup = getattr(message, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = button.callback_data or ""
            if data.startswith(f"{ACK}:") and data[len(ACK) + 1:].isdigit():
                with context.services.db.session() as session:
                    outbox.acknowledge(session, row_id=int(data[len(ACK) + 1:]), telegram_id=telegram_id,
                                       now=context.services.clock.now())
                return


async def unread(update: Update, context: BotContext) -> None:
    """The units whose latest reminder nobody acknowledged, with when it went out and to whom."""
    lang = lang_of(update, context)
    services = context.services
    tz = services.settings.tz
    with services.db.session() as session:
        batches = outbox.current_batches(session, since=services.clock.now() - timedelta(days=ACK_DAYS))
        names = {u.id: u.name for u in queries.all_units(session)}
        people = queries.people_names(session, telegram_ids=[r.chat_id for b in batches.values() for r in b.rows
                                                             if r.chat_id])
    if not batches:
        await say(update, context, "unread.no_rounds", days=ACK_DAYS)
        return
    waiting = sorted((b for b in batches.values() if b.acked is None), key=lambda b: names.get(b.unit_id, ""))
    if not waiting:
        await say(update, context, "unread.none", count=len(batches))
        return
    lines = [t(lang, "unread.title", count=len(waiting), total=len(batches))]
    for batch in waiting:
        sent = (batch.first_sent or batch.created).astimezone(tz)
        recipients = sorted({people.get(r.chat_id, str(r.chat_id)) for r in batch.sent_rows if r.chat_id})
        lines.append(t(lang, "unread.line", unit=esc(names.get(batch.unit_id, "?")),
                       when=f"{format_date(sent.date(), lang)} {sent:%H:%M}", people=esc(join(lang, recipients)),
                       stage=t(lang, f"unread.stage.{batch.stage}")))
    await answer(update, context, "\n".join(lines))


# ---------------------------------------------------------------- ranking


async def ranking(update: Update, context: BotContext) -> None:
    """The units ranked for a month (last month by default; this month so far with 本月)."""
    lang = lang_of(update, context)
    services = context.services
    today = services.clock.now().date()
    wanted = args_text(update)
    if wanted in ("本月", "this", "this month"):
        period = month_of(today)
    elif wanted:
        period = parse_period(wanted, today)
    else:
        first = today.replace(day=1)
        period = month_of(first - timedelta(days=1))
    if period is None or period > month_of(today):
        await say(update, context, "ranking.bad_month", text=esc(wanted))
        return
    year, month = (int(p) for p in period.split("-"))
    # On demand the month's colours are kept too: a month already kept stays as it was, this one follows.
    await asyncio.to_thread(record_month_colours, services, year, month, overwrite=period == month_of(today))
    lines = await asyncio.to_thread(ranking_text_lines, services, lang, year, month)
    if period == month_of(today):
        lines.insert(1, t(lang, "ranking.so_far", date=format_date(today, lang)))
    await answer(update, context, "\n".join(lines))


# ---------------------------------------------------------------- reports by range

_ITEM = re.compile(r"^[#＃]?\d{1,9}$")


def parse_range(words: list[str], now: datetime) -> tuple[date, date] | None:
    """The period of /history: two days (from, to), one month ("7月", "2021-07"), or this month when none."""
    today = now.date()
    if not words:
        return today.replace(day=1), today
    if len(words) == 2:
        start, end = parse_day(words[0], now, past=True), parse_day(words[1], now, past=True)
        if start is None or end is None:
            return None
        return min(start, end), max(start, end)
    if len(words) == 1:
        period = parse_period(words[0], today)
        if period is None:
            day = parse_day(words[0], now, past=True)
            return (day, day) if day else None
        year, month = (int(p) for p in period.split("-"))
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first, last
    return None


async def history(update: Update, context: BotContext) -> None:
    """/history <unit|item> [from to | month]: every report of a period, as a message and, when long, as .xlsx."""
    lang = lang_of(update, context)
    services = context.services
    words = args_text(update).split()
    if not words:
        await say(update, context, "usage", usage=t(lang, "history.usage"))
        return
    now = services.clock.now()
    # The target may be a unit name of several words: the dates are the last one or two words.
    target, period = None, None
    for cut in (len(words) - 2, len(words) - 1, len(words)):
        if cut >= 1 and (period := parse_range(words[cut:], now)) is not None:
            target = " ".join(words[:cut])
            break
    if period is None or not target:
        await say(update, context, "history.bad_range", text=esc(" ".join(words[1:])))
        return
    start, end = period
    tz = services.settings.tz
    own = {u.id for u in context.units}
    privileged = is_admin(update, context) or is_supervisor(update, context)
    with services.db.session() as session:
        item = unit = None
        if _ITEM.match(target):
            item = queries.item_by_number(session, number=parse_number(target) or 0)
            if item is None:
                await say(update, context, "item.unknown", number=parse_number(target))
                return
            allowed = privileged or queries.item_belongs_to(session, item_id=item.id, unit_ids=own)
        else:
            unit = queries.find_unit(session, name=target)
            if unit is None:
                await say(update, context, "history.unknown", text=esc(target),
                          suggest=esc(join(lang, queries.suggest_units(session, name=target))))
                return
            allowed = privileged or unit.id in own
        if not allowed:
            await say(update, context, "history.not_yours")
            return
        rows = supervision.reports_between(
            session, start=datetime.combine(start, time(0), tz), end=datetime.combine(end + timedelta(days=1), time(0), tz),
            unit_id=unit.id if unit else None, item_id=item.id if item else None)
        names = {u.id: u.name for u in queries.all_units(session)}
        people = queries.people_names(session, telegram_ids=[r.report.reporter_id for r in rows if r.report.reporter_id])
        versions = supervision.report_versions(session, report_ids=[r.report.id for r in rows])
    subject = f"#{item.number} {item.title}" if item else unit.name
    span = t(lang, "history.span", start=format_date(start, lang), end=format_date(end, lang))
    if not rows:
        await say(update, context, "history.none", subject=esc(subject), span=span)
        return
    lines = history_lines(lang, rows, names, people, versions, tz)
    title = t(lang, "history.title", subject=esc(subject), span=span, count=len(rows))
    text = "\n".join([title, *lines])
    if len(rows) <= HISTORY_LINES and len(split_message(text)) == 1:
        await answer(update, context, text)
        return
    await answer(update, context, "\n".join([title, *lines[:HISTORY_LINES],
                                             t(lang, "history.more", count=len(rows))]))
    data = await asyncio.to_thread(history_workbook, lang, rows, names, people, versions, tz, title=subject, span=span)
    await context.bot.send_document(update.effective_chat.id, data,
                                    filename=t(lang, "history.filename", start=start.isoformat(), end=end.isoformat()),
                                    caption=t(lang, "history.caption", subject=esc(subject), count=len(rows)))


def handlers() -> list:
    """Receipts (anyone may press; the row's recipient is checked), /unread for admins, /ranking for overseers,
    /history for overseers and for contacts about their own unit."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    overseer = lambda cb: guard(either(is_admin, is_supervisor), "refuse.supervisor", cb)  # noqa: E731
    return [
        CallbackQueryHandler(acknowledge, pattern=rf"^{ACK}:\d{{1,12}}$"),
        CommandHandler("unread", guard(is_admin, "refuse.admin", unread), filters=new),
        CommandHandler("ranking", overseer(ranking), filters=new),
        CommandHandler("history", guard(either(is_admin, is_supervisor, is_contact), "refuse.contact_history",
                                        history), filters=new),
    ]
