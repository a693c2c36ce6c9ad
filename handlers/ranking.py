"""/ranking: the units ranked for a month by how well and how punctually they reported."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext
from bot.dates import format_date
from bot.texts import esc, t
from handlers.common import answer, args_text, either, guard, is_admin, is_supervisor, lang_of
from handlers.uow import Refusal
from jobs.supervision import month_of, ranking_text_lines, record_month_colours


def parse_period(text: str, today):  # type: ignore[no-untyped-def]
    from bot.export import parse_period as parse  # openpyxl on first use

    return parse(text, today)


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
        raise Refusal("ranking.bad_month", text=esc(wanted))
    year, month = (int(p) for p in period.split("-"))
    # On demand the month's colours are kept too: a month already kept stays as it was, this one follows.
    await asyncio.to_thread(record_month_colours, services, year, month, overwrite=period == month_of(today))
    lines = await asyncio.to_thread(ranking_text_lines, services, lang, year, month)
    if period == month_of(today):
        lines.insert(1, t(lang, "ranking.so_far", date=format_date(today, lang)))
    await answer(update, context, "\n".join(lines))


def handlers() -> list:
    """/ranking, for admins and supervisors."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    overseer = lambda cb: guard(either(is_admin, is_supervisor), "refuse.supervisor", cb)  # noqa: E731
    return [CommandHandler("ranking", overseer(ranking), filters=new)]
