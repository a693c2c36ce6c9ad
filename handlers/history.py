"""/history: every report of a unit or an item over a period, one message with pages, and an .xlsx when long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext, Services
from bot.dates import format_date
from bot.texts import esc, join, split_message, t
from db import items, lists, reports, units
from db import people as people_db
from db.facts import month_end, shown, year_day
from handlers import pages
from handlers.common import (
    args_text,
    either,
    guard,
    is_admin,
    is_contact,
    is_supervisor,
    item_at,
    lang_of,
    office_calendar,
    parse_day,
    parse_reference,
    say,
)
from handlers.pages import Listing
from handlers.ranking import parse_period, viewed_list
from handlers.uow import Refusal, work
from jobs.history import history_lines, history_workbook
from jobs.workdays import WorkCalendar

HISTORY_LINES = 30  # more reports than this, or more than one message: pages, and the .xlsx offered


# ---------------------------------------------------------------- reports by range



def parse_range(words: list[str], now: datetime, year: int | None = None,
                cal: WorkCalendar | None = None) -> tuple[date, date] | None:
    """The period of /history: two days (from, to), one month ("7月", "2021-07"), or this month when none.
    With the `year` of the list viewed (考核年度) when it is over, its days and months are that year's and
    none means the whole year."""
    if year is not None and year < now.year:
        if not words:
            return date(year, 1, 1), date(year, 12, 31)
        now = datetime.combine(year_day(year, now.date()), time(23, 59), now.tzinfo)
    today = now.date()
    if not words:
        return today.replace(day=1), today
    if len(words) == 2:
        start, end = parse_day(words[0], now, cal, past=True), parse_day(words[1], now, cal, past=True)
        if start is None or end is None:
            return None
        return min(start, end), max(start, end)
    if len(words) == 1:
        period = parse_period(words[0], today)
        if period is None:
            day = parse_day(words[0], now, cal, past=True)
            return (day, day) if day else None
        year, month = (int(p) for p in period.split("-"))
        return date(year, month, 1), month_end(year, month)
    return None


async def history(update: Update, context: BotContext) -> None:
    """/history <unit|item> [from to | month]: every report of a period, as a message and, when long, as .xlsx;
    months and days without a year are of the year (考核年度) of the item's list, or for a unit of the list
    named first (`/history 民生 区住建局 7月`), else of the chat's current list."""
    lang = lang_of(update, context)
    services = context.services
    words = args_text(update).split()
    if not words:
        await say(update, context, "usage", usage=t(lang, "history.usage"))
        return
    now = services.clock.now()
    own = {u.id for u in context.units}
    privileged = is_admin(update, context) or is_supervisor(update, context)
    with work(context) as session:
        cal = office_calendar(context, session)
        # The target may be a unit name of several words: the dates are the last one or two words.
        target, period = None, None
        for cut in (len(words) - 2, len(words) - 1, len(words)):
            if cut >= 1 and (period := parse_range(words[cut:], now, cal=cal)) is not None:
                target = " ".join(words[:cut])
                break
        if period is None or not target:
            raise Refusal("history.bad_range", text=esc(" ".join(words[1:])))
        item = unit = None
        reference = parse_reference(target)  # 12, #12, 民生12 (a unit of that name comes first)
        if reference is not None and (reference.code is None or units.find_unit(session, name=target) is None):
            item = item_at(session, update, context, reference)
            allowed = privileged or items.item_belongs_to(session, item_id=item.id, unit_ids=own)
            viewed = lists.get_list(session, list_id=item.list_id)
        else:
            viewed, rest = viewed_list(session, update, context, target.split())
            target = " ".join(rest) or target
            unit = units.find_unit(session, name=target)
            if unit is None:
                raise Refusal("history.unknown", text=esc(target),
                              suggest=esc(join(lang, units.suggest_units(session, name=target))))
            allowed = privileged or unit.id in own
        if not allowed:
            raise Refusal("history.not_yours")
    start, end = parse_range(words[cut:], now, viewed.year if viewed is not None else None, cal) or period
    await pages.send_listing(update, context, "history", {
        "item_id": item.id if item else None, "unit_id": unit.id if unit else None,
        "start": start.isoformat(), "end": end.isoformat()})


@dataclass(frozen=True)
class Reports:
    """What /history read, kept on its listing for the workbook."""

    rows: list
    names: dict[int, str]
    people: dict[int, str]
    versions: dict
    subject: str
    span: str
    start: date
    end: date


def history_listing(services: Services, lang: str, args: dict[str, Any]) -> Listing:
    """Every report on the unit or item of a period (a worker thread, its own session)."""
    start, end = date.fromisoformat(args["start"]), date.fromisoformat(args["end"])
    tz = services.settings.tz
    with services.db.session() as session:
        item = items.items_by_id(session, ids=[args["item_id"]]).get(args["item_id"]) if args["item_id"] else None
        unit = units.units_by_id(session, ids=[args["unit_id"]]).get(args["unit_id"]) if args["unit_id"] else None
        if item is None and unit is None:
            raise Refusal("pages.expired")
        rows = reports.reports_between(
            session, start=datetime.combine(start, time(0), tz), end=datetime.combine(end + timedelta(days=1), time(0), tz),
            unit_id=unit.id if unit else None, item_id=item.id if item else None)
        names = {u.id: u.name for u in units.all_units(session)}
        people = people_db.people_names(session, telegram_ids=[r.report.reporter_id for r in rows if r.report.reporter_id])
        versions = reports.report_versions(session, report_ids=[r.report.id for r in rows])
        # With several lists active each item is named with its list's code (民生12).
        labels = lists.labels(session, items=items.items_by_id(
            session, ids={r.report.item_id for r in rows} | ({item.id} if item else set())).values())
    subject = f"{shown(labels.get(item.id, item.number))} {item.title}" if item else unit.name  # type: ignore[union-attr]
    span = t(lang, "history.span", start=format_date(start, lang), end=format_date(end, lang))
    if not rows:
        raise Refusal("history.none", subject=esc(subject), span=span)
    lines = history_lines(lang, rows, names, people, versions, tz, labels)
    # A short history is one message on its own; a long one has pages and offers its workbook.
    long = len(rows) > HISTORY_LINES or len(split_message("\n".join(lines))) > 1
    return Listing(t(lang, "history.title", subject=esc(subject), span=span, count=len(rows)), lines,
                   table=Reports(rows, names, people, versions, subject, span, start, end) if long else None)


def history_file(services: Services, lang: str, listing: Listing) -> tuple[str, bytes]:
    kept: Reports = listing.table
    data = history_workbook(lang, kept.rows, kept.names, kept.people, kept.versions, services.settings.tz,
                            title=kept.subject, span=kept.span)
    return t(lang, "history.filename", start=kept.start.isoformat(), end=kept.end.isoformat()), data


pages.register("history", pages.Kind(history_listing, history_file))


def handlers() -> list:
    """/history, for admins, supervisors, and contacts about their own unit."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [CommandHandler("history", guard(either(is_admin, is_supervisor, is_contact), "refuse.contact_history",
                                            history), filters=new)]
