"""/ranking: the units ranked for a month by their points ledger (考核台账), the method under the table;
/ranking 单位: that unit's entries of the year, paged."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext, Services
from bot.dates import format_date
from bot.texts import esc, t
from db import lists, units
from db.facts import year_day
from db.models import TaskList
from handlers import pages
from handlers.common import answer, args_text, either, guard, is_admin, is_supervisor, lang_of
from handlers.uow import Refusal, work
from jobs.ledger import UnitLedger, entry_line, ledger_workbook, unit_ledger, unit_ledger_title, weights_of
from jobs.ledger import ranking_lines as ledger_ranking
from jobs.supervision import month_of, ranking_text_lines, record_month_colours


def parse_period(text: str, today):  # type: ignore[no-untyped-def]
    from bot.export import parse_period as parse  # openpyxl on first use

    return parse(text, today)


# ---------------------------------------------------------------- the list viewed, and its year


def viewed_list(session, update: Update, context: BotContext,  # type: ignore[no-untyped-def]
                words: list[str]) -> tuple[TaskList | None, list[str]]:
    """The list a command looks at and the words left: a first word naming a list by its code (民生) or
    name (one that is not also a unit's name), else the chat's current list, else the latest active list
    whose year has begun (the newest one when none has)."""
    if len(words) > 0 and units.find_unit(session, name=" ".join(words)) is None:
        named = lists.list_by_code(session, code=words[0])
        if named is not None:
            return named, words[1:]
    current = lists.current_list(session, chat_id=update.effective_chat.id if update.effective_chat else None)
    if current is not None:
        return current, words
    active = lists.lists(session, active_only=True)  # newest year first
    today = context.services.clock.now().date()
    return next((x for x in active if x.year <= today.year), active[0] if active else None), words


# ---------------------------------------------------------------- ranking

YEAR = re.compile(r"(?:([0-9]{4})\s*年?|本年|全年|this year|year)(?:\s*(?:全年|度))?", re.IGNORECASE)


async def ranking(update: Update, context: BotContext) -> None:
    """The units ranked for a month of the viewed list's year (考核年度; last month by default, December once
    the year is over; this month so far with 本月), or a unit's ledger of that year: `/ranking 民生 7月`
    names the list."""
    lang = lang_of(update, context)
    services = context.services
    today = services.clock.now().date()
    with work(context) as session:
        viewed, words = viewed_list(session, update, context, args_text(update).split())
    wanted = " ".join(words)
    year = viewed.year if viewed is not None else today.year
    whole = YEAR.fullmatch(wanted)
    if year > today.year and not (whole and whole[1]):  # a year written out is that year, whatever the list
        raise Refusal("ranking.not_started", name=esc(viewed.name if viewed else ""), year=year)
    seen = year_day(year, today)
    if whole is not None:
        year = int(whole[1]) if whole[1] else year
        if year > today.year:
            raise Refusal("ranking.bad_month", text=esc(wanted))
        lines = await asyncio.to_thread(ledger_ranking, services, lang, year, None)
        await answer(update, context, "\n".join(lines))
        return
    if wanted in ("本月", "this", "this month"):
        period = month_of(seen)
    elif wanted:
        period = parse_period(wanted, seen)
    elif seen != today:  # a year that is over: its last month
        period = month_of(seen)
    else:
        first = today.replace(day=1)
        period = month_of(first - timedelta(days=1))
    if period is None and wanted:
        with work(context) as session:
            unit = units.find_unit(session, name=wanted)
            if unit is None:
                raise Refusal("ranking.bad_month", text=esc(wanted))
        await pages.send_listing(update, context, "ledger", {"unit_id": unit.id, "year": year})
        return
    if period is None or period > month_of(today):
        raise Refusal("ranking.bad_month", text=esc(wanted))
    year, month = (int(p) for p in period.split("-"))
    # On demand the month's colours are kept too: a month already kept stays as it was, this one follows.
    await asyncio.to_thread(record_month_colours, services, year, month, overwrite=period == month_of(today))
    lines = await asyncio.to_thread(ranking_text_lines, services, lang, year, month)
    if period == month_of(today):
        lines.insert(1, t(lang, "ranking.so_far", date=format_date(today, lang)))
    await answer(update, context, "\n".join(lines))


def ledger_listing(services: Services, lang: str, args: dict[str, Any]) -> pages.Listing:
    """A unit's ledger entries of a year, oldest first (a worker thread; the ledger is brought up to date)."""
    found = unit_ledger(services, int(args["unit_id"]), int(args["year"]))
    title = unit_ledger_title(lang, found, weights_of(services.settings).base)
    lines = [entry_line(lang, found, e) for e in found.entries] or [t(lang, "ledger.unit_empty", year=found.year)]
    return pages.Listing(title, lines, table=found if found.entries else None)


def ledger_file(services: Services, lang: str, listing: pages.Listing) -> tuple[str, bytes]:
    found: UnitLedger = listing.table
    data = ledger_workbook(lang, found, weights_of(services.settings).base)
    return t(lang, "ledger.filename", unit=found.name, year=found.year), data


pages.register("ledger", pages.Kind(ledger_listing, ledger_file))


def handlers() -> list:
    """/ranking, for admins and supervisors."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    overseer = lambda cb: guard(either(is_admin, is_supervisor), "refuse.supervisor", cb)  # noqa: E731
    return [CommandHandler("ranking", overseer(ranking), filters=new)]
