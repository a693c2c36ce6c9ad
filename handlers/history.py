"""/history: every report of a unit or an item over a period, as a message and, when long, as .xlsx."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time, timedelta

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext
from bot.dates import format_date
from bot.texts import esc, join, split_message, t
from db import queries, supervision
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
from handlers.ranking import parse_period
from handlers.uow import Refusal, work
from jobs.history import history_lines, history_workbook

HISTORY_LINES = 30  # more reports than this, or more than one message: the full list comes as .xlsx


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
    with work(context) as session:
        item = unit = None
        if _ITEM.match(target):
            item = queries.item_by_number(session, number=parse_number(target) or 0)
            if item is None:
                raise Refusal("item.unknown", number=parse_number(target))
            allowed = privileged or queries.item_belongs_to(session, item_id=item.id, unit_ids=own)
        else:
            unit = queries.find_unit(session, name=target)
            if unit is None:
                raise Refusal("history.unknown", text=esc(target),
                              suggest=esc(join(lang, queries.suggest_units(session, name=target))))
            allowed = privileged or unit.id in own
        if not allowed:
            raise Refusal("history.not_yours")
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
    """/history, for admins, supervisors, and contacts about their own unit."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [CommandHandler("history", guard(either(is_admin, is_supervisor, is_contact), "refuse.contact_history",
                                            history), filters=new)]
