"""Supervisors (and admins, and the digest group): status questions, item lists and item cards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.callbacks import Extend, Report
from bot.context import BotContext, Services
from bot.dates import format_date
from bot.instructions import card_section
from bot.keyboards import REVISE, SEND_BACK, choice_buttons
from bot.texts import MARKS, esc, join, t
from bot.webapp import with_dashboard
from db import colours, contacts, instructions, lists, milestones, units
from db import extensions as extensions_db
from db import items as items_db
from db import people as people_db
from db import reports as reports_db
from db import snoozes as snoozes_db
from db.extensions import Extended
from db.models import ReportCycle, Role, Status
from handlers import lists as task_lists
from handlers import pages
from handlers.common import (
    answer,
    args_text,
    either,
    guard,
    is_admin,
    is_contact,
    is_overseer,
    is_supervisor,
    item_at,
    lang_of,
    parse_reference,
    say,
)
from handlers.milestones import card_lines
from handlers.pages import Listing
from handlers.uow import Refusal, work
from jobs.actions import closing_card
from jobs.digest import (
    Assessed,
    assess,
    closing_lines,
    domain_lines,
    extension_note,
    item_line,
    missing_by_unit,
    missing_lines,
    month_strip,
    slow_line,
    totals_line,
    warning_detail,
)
from jobs.monthly import month_on_month_lines
from jobs.reminders import deadline_left, period_label
from jobs.rules import Colour, ItemFacts, missing_unit_ids
from jobs.supervision import statuses, warnings_on
from jobs.warnings import Warning

STATUS_WORDS = {
    Status.AHEAD: ("已完成", "提前完成", "完成", "done", "ahead", "□"),
    Status.GOOD: ("推进良好", "良好", "good", "★"),
    Status.AVERAGE: ("一般", "一般或难以评价", "average", "—"),
    Status.SLOW: ("较为缓慢", "缓慢", "slow", "▲"),
}
MISSING_WORDS = ("未报送", "未报", "missing", "unreported")
COLOUR_WORDS = {
    Colour.RED: ("红", "红色", "红灯", "red", "🔴"),
    Colour.YELLOW: ("黄", "黄色", "黄灯", "yellow", "🟡"),
    Colour.GREEN: ("绿", "绿色", "绿灯", "green", "🟢"),
}


def comma(lang: str) -> str:
    return "，" if lang == "zh" else ", "


def snapshot(services: Services, list_id: int | None = None) -> tuple[list[ItemFacts], list[Assessed], dict[int, str]]:
    """The items (of the active lists, or of list `list_id`) as the rules see them today, assessed, and the unit
    names (its own session: a worker thread's)."""
    today = services.clock.now().date()
    with services.db.session() as session:
        facts = reports_db.item_facts(session, today=today, list_id=list_id)
        names = {u.id: u.name for u in units.all_units(session)}
    return facts, assess(facts, today, services.settings.slow_margin), names


def status_text(services: Services, lang: str, list_id: int | None = None) -> str:
    _, assessed, _ = snapshot(services, list_id)
    today = services.clock.now().date()
    lines = [t(lang, "status.title", date=format_date(today, lang))]
    with services.db.session() as session:
        shown = [x for x in lists.lists(session, active_only=list_id is None) if list_id in (None, x.id)]
    for task_list in shown if len(shown) > 1 or list_id is not None else [None]:
        part = [a for a in assessed if task_list is None or a.facts.list_id == task_list.id]
        if task_list is not None:
            lines.append(t(lang, "list.section", name=esc(task_list.name)))
        lines += [totals_line(lang, part), *closing_lines(lang, [a.facts for a in part], ()), *domain_lines(lang, part)]
    return "\n".join(lines)


def list_arg(update: Update, context: BotContext) -> int | None:
    """The list a command's argument names by code or name (None: all active lists); refused when unknown."""
    code = args_text(update)
    if not code:
        return None
    with work(context) as session:
        return task_lists.known_list(session, lang_of(update, context), code).id


MONTH_ON_MONTH = ("环比", "mom", "month on month")


async def status(update: Update, context: BotContext) -> None:
    """Totals by status and a line per domain (per list while several are active; `/status 民生`: that list's);
    with 环比, what changed since last month."""
    lang = lang_of(update, context)
    if args_text(update).lower() in MONTH_ON_MONTH:
        today = context.services.clock.now().date()
        lines = await asyncio.to_thread(month_on_month_lines, context.services, lang, today.year, today.month)
        await answer(update, context, "\n".join(lines))
        return
    text = await asyncio.to_thread(status_text, context.services, lang, list_arg(update, context))
    await answer(update, context, text, with_dashboard(None, context.services, update.effective_chat, lang))


def item_table(services: Services, lang: str, listing: Listing) -> tuple[str, bytes]:
    """The progress table (进展情况表) of this month, of the listed items only."""
    from bot.export import progress_rows, write_progress_table  # openpyxl on first use

    today = services.clock.now().date()
    period = f"{today.year}-{today.month:02d}"
    wanted = set(listing.table)  # (list id, item id): the listed items may come from several lists
    rows = []
    with services.db.session() as session:
        for list_id in sorted({list_id for list_id, _ in wanted}):
            rows += [r for r in progress_rows(session, today=today, period=period, lang=lang, list_id=list_id,
                                              margin=services.settings.slow_margin, tz=services.settings.tz)
                     if (list_id, r.item_id) in wanted]
    data = write_progress_table(rows, lang=lang, period=period)
    return t(lang, "export.filename", period=period), data


def flagged_listing(kind: str, flagged: Callable[[Assessed], bool]) -> Callable[[Services, str, dict[str, Any]],
                                                                                   Listing]:
    """The slow (or overdue) items by list and number, with their units."""

    def build(services: Services, lang: str, args: dict[str, Any]) -> Listing:
        _, assessed, names = snapshot(services, args.get("list"))
        chosen = sorted((a for a in assessed if flagged(a)), key=lambda a: (a.facts.list_id, a.facts.number))
        if not chosen:
            raise Refusal(f"{kind}.none")
        return Listing(t(lang, f"{kind}.title", count=len(chosen)),
                       [slow_line(lang, i, a, names) for i, a in enumerate(chosen, 1)],
                       table=[(a.facts.list_id, a.facts.id) for a in chosen])

    return build


slow_listing = flagged_listing("slow", lambda a: a.status == Status.SLOW)
overdue_listing = flagged_listing("overdue", lambda a: a.overdue_days > 0)


def missing_listing(services: Services, lang: str, args: dict[str, Any]) -> Listing:
    """Units that have not reported this period, with the items they owe."""
    facts, _, names = snapshot(services, args.get("list"))
    with services.db.session() as session:
        unbound = contacts.units_without_contacts(session, unit_ids=names)
    lines = missing_lines(lang, facts, names, unbound)
    if not lines:
        raise Refusal("missing.none")
    return Listing(t(lang, "missing.title", count=len(missing_by_unit(facts))), lines)


def items_listing(services: Services, lang: str, args: dict[str, Any]) -> Listing:
    """Items, filtered by a unit, a status (or 未报送), a colour or a domain."""
    wanted = args.get("filter", "")
    facts, assessed, _ = snapshot(services)
    today = services.clock.now().date()
    label = ""
    with services.db.session() as session:
        if wanted:
            chosen = filter_items(services, session, wanted, facts, assessed)
            if chosen is None:
                raise Refusal("items.bad_filter", text=esc(wanted))
            assessed, label = chosen, t(lang, "items.filter", label=esc(wanted))
        if not assessed:
            raise Refusal("items.none")
        assessed = sorted(assessed, key=lambda a: a.facts.number)
        warnings = warnings_on(services, session, [a.facts for a in assessed], today)
    return Listing(t(lang, "items.title", filter=label, count=len(assessed)),
                   [item_line(lang, a, warnings.get(a.facts.id)) for a in assessed],
                   table=[(a.facts.list_id, a.facts.id) for a in assessed])


def filter_items(services: Services, session: Session, wanted: str, facts: list[ItemFacts],
                 assessed: list[Assessed]) -> list[Assessed] | None:
    word = wanted.strip().lower()
    for colour, words in COLOUR_WORDS.items():
        if word in words:
            warnings = warnings_on(services, session, facts, services.clock.now().date())
            return [a for a in assessed if a.facts.id in warnings and warnings[a.facts.id].colour == colour]
    for status_, words in STATUS_WORDS.items():
        if word in words:
            return [a for a in assessed if a.status == status_]
    if word in MISSING_WORDS:
        return [a for a in assessed if missing_unit_ids(a.facts)]
    in_domain = [a for a in assessed if a.facts.domain and word in a.facts.domain.lower()]
    if in_domain:
        return in_domain
    unit = units.find_unit(session, name=wanted)
    if unit is None:
        return None
    return [a for a in assessed if unit.id in (*a.facts.lead_unit_ids, *a.facts.responsible_unit_ids)]


for _name, _build in (("slow", slow_listing), ("overdue", overdue_listing), ("items", items_listing)):
    pages.register(_name, pages.Kind(_build, item_table))
pages.register("missing", pages.Kind(missing_listing))


def listing_command(kind: str) -> Callable[[Update, BotContext], Awaitable[None]]:
    async def command(update: Update, context: BotContext) -> None:
        args = {"filter": args_text(update)} if kind == "items" else {"list": list_arg(update, context)}
        await pages.send_listing(update, context, kind, args)

    command.__doc__ = f"/{kind}: the list, one message with pages."
    return command


slow, overdue, missing, items = (listing_command(k) for k in ("slow", "overdue", "missing", "items"))


async def item_card(update: Update, context: BotContext) -> None:
    """An item's card with its full report history; contacts see only their unit's items."""
    lang = lang_of(update, context)
    reference = parse_reference(args_text(update))
    if reference is None:
        await say(update, context, "item.number_usage", example="/item 12")
        return
    today = context.services.clock.now().date()
    with work(context) as session:
        item = item_at(session, update, context, reference)
        facts = reports_db.item_facts(session, today=today, item_ids=[item.id])
        reports = reports_db.reports_of_item(session, item_id=item.id)
        names = {u.id: u.name for u in units.all_units(session)}
        people = people_db.people_names(session, telegram_ids=[r.reporter_id for r in reports if r.reporter_id])
        links = items_db.item_unit_ids(session, item_ids=[item.id]).get(item.id, {Role.LEAD: [], Role.RESPONSIBLE: []})
        snoozes = snoozes_db.snoozes_of_item(session, item_id=item.id, today=today)
        warnings = warnings_on(context.services, session, facts, today)
        year = min(today.year, item.deadline.year) if item.deadline else today.year
        kept = colours.monthly_colours(session, item_ids=[item.id], year=year).get(item.id, {})
        extensions = extensions_db.extensions_of_item(session, item_id=item.id)
        versions = reports_db.report_versions(session, report_ids=[r.id for r in reports])
        latest = reports_db.latest_reports(session, item_ids=[item.id]).get(item.id)
        people |= people_db.people_names(session, telegram_ids=[r.returned_by for r in reports if r.returned_by])
        carried = task_lists.card_lines(session, lang, item)
        ending = closing_card(session, lang, item, context.services)  # 办结 and adjustments (jobs.actions)
        nodes = milestones.milestones_of(session, item_id=item.id)
        instructed = instructions.of_item(session, item_id=item.id)
    is_contact(update, context)  # the user's units, also when an admin or supervisor is a contact too
    own = {u.id for u in context.units}
    privileged = is_admin(update, context) or is_supervisor(update, context)
    if not privileged and not own & set(links[Role.LEAD] + links[Role.RESPONSIBLE]):
        await say(update, context, "refuse.not_your_item", number=item.number)
        return
    text = card_text(lang, item, links, facts, names, today, context) + card_lines(lang, nodes, names, today)
    text += supervision_text(lang, item, warnings.get(item.id), kept, extensions, today)
    text += "".join("\n" + line for line in [*carried, *ending.lines])
    for snooze in snoozes:
        text += t(lang, "item.snoozed", units=esc(names.get(snooze.unit_id, "?")),
                  until=format_date(snooze.until, lang))
    text += card_section(lang, instructed, names, context.services.settings.tz)
    text += "\n\n" + history_text(lang, reports, names, people, context, versions)
    buttons = []
    unit_ids = set(links[Role.LEAD] + links[Role.RESPONSIBLE])
    if own & unit_ids and not item.archived:
        buttons += [(t(lang, "remind.button", number=item.number), Report(item.id).encode()),
                    (t(lang, "ext.button"), Extend(item.id).encode())]
        mine = next((r for r in reversed(reports) if r.unit_id in own), None)
        window = timedelta(hours=context.services.settings.report_edit_hours)
        if mine is not None and mine.returned_at is None and context.services.clock.now() - mine.created_at <= window:
            buttons.append((t(lang, "rv.button"), f"{REVISE}:{mine.id}"))
    if privileged and latest is not None and latest.unit_id is not None and not item.archived:
        buttons.append((t(lang, "sb.button"), f"{SEND_BACK}:{latest.id}"))
    buttons += ending.buttons(lang, own=bool(own & unit_ids) and not item.archived,
                              overseer=is_overseer(update, context))
    await answer(update, context, text, with_dashboard(choice_buttons(buttons) if buttons else None, context.services,
                                                       update.effective_chat, lang, "item", id=item.id))


def supervision_text(lang: str, item, warning: Warning | None, kept: dict[str, str],  # type: ignore[no-untyped-def]
                     extensions: list, today) -> str:
    """The card's colour and its course over the year, and the extensions granted or asked for."""
    lines = []
    if warning is not None:
        detail = warning_detail(lang, warning)
        lines.append(t(lang, "item.colour", dot=warning.dot, colour=t(lang, f"colour.{warning.colour.value}"),
                       detail=t(lang, "paren", text=detail) if detail else ""))
        # The item's own year: a 2021 item looked at in January 2022 still shows 2021.
        year = min(today.year, item.deadline.year) if item.deadline else today.year
        lines.append(t(lang, "item.colour_months", months=month_strip(
            lang, kept, year, (f"{today.year}-{today.month:02d}", warning.colour))))
    approved = [e for e in extensions if e.status == "approved"]
    if approved:
        extended = Extended(item.id, approved[-1].requested_deadline, approved[0].original_deadline, len(approved))
        lines.append(t(lang, "item.extended", note=extension_note(lang, extended)))
    pending = next((e for e in extensions if e.status == "pending"), None)
    if pending is not None:
        lines.append(t(lang, "item.extension_pending", deadline=format_date(pending.requested_deadline, lang),
                       reason=esc(pending.reason)))
    return "".join("\n" + line for line in lines)


def card_text(lang: str, item, links: dict[str, list[int]], facts: list[ItemFacts],  # type: ignore[no-untyped-def]
              names: dict[int, str], today, context: BotContext) -> str:
    margin = context.services.settings.slow_margin
    entry = assess(facts, today, margin)[0] if facts else None
    if item.deadline:
        deadline = format_date(item.deadline, lang) + deadline_left(lang, item.deadline, today)
    else:
        deadline = t(lang, "item.deadline_open")
    progress = f"{round(entry.progress * 100)}%" if entry and entry.progress is not None else "—"
    status_ = entry.status.value if entry else Status.AVERAGE.value
    percent = f"{comma(lang)}{entry.facts.percent}%" if entry and entry.facts.percent is not None else ""
    investment = t(lang, "item.investment", investment=f"{item.investment:g}") if item.investment else ""
    return t(lang, "item.card", number=facts[0].ref if facts else item.number, title=esc(item.title),
             domain=esc(item.domain or t(lang, "none")), deadline=deadline,
             lead=esc(join(lang, [names.get(i, "?") for i in links[Role.LEAD]])),
             responsible=esc(join(lang, [names.get(i, "?") for i in links[Role.RESPONSIBLE]])),
             investment=investment, cycle=t(lang, f"cycle.{item.report_cycle or ReportCycle.MONTHLY.value}"),
             time_progress=progress, mark=MARKS[status_], status=t(lang, f"status_long.{status_}"),
             percent=percent, archived=t(lang, "item.archived_mark") if item.archived else "")


def history_text(lang: str, reports, names: dict[int, str], people: dict[int, str], context: BotContext,  # type: ignore[no-untyped-def]
                 versions: dict | None = None) -> str:
    if not reports:
        return t(lang, "item.history_none")
    tz = context.services.settings.tz
    lines = [t(lang, "item.history_title", count=len(reports))]
    for index, report in enumerate(reversed(reports), start=1):
        when = report.created_at.astimezone(tz)
        evidence = t(lang, "item.evidence", count=len(report.evidence)) if report.evidence else ""
        lines.append(t(
            lang, "item.history_entry", index=index,
            when=f"{format_date(when.date(), lang)} {when:%H:%M}{t(lang, 'paren', text=period_label(lang, report.period))}",
            unit=esc(names.get(report.unit_id, "")), reporter=esc(people.get(report.reporter_id, "")),
            status=f"{MARKS[report.status]} {t(lang, f'status_long.{report.status}')}",
            percent=f"{comma(lang)}{report.percent}%" if report.percent is not None else "",
            text=esc(report.text), problems=esc(report.problems or t(lang, "none")), evidence=evidence,
        ))
        for old in (versions or {}).get(report.id, []):
            saved = old.saved_at.astimezone(tz)
            lines.append(t(lang, "item.history_version", version=old.version,
                           when=f"{format_date(saved.date(), lang)} {saved:%H:%M}",
                           status=f"{MARKS[old.status]} {t(lang, f'status_long.{old.status}')}",
                           percent=f"{comma(lang)}{old.percent}%" if old.percent is not None else "",
                           text=esc(old.text), problems=esc(old.problems or t(lang, "none"))))
        if report.edited_at is not None:
            edited = report.edited_at.astimezone(tz)
            lines.append(t(lang, "item.history_edited", version=report.version,
                           when=f"{format_date(edited.date(), lang)} {edited:%H:%M}"))
        if report.returned_at is not None:
            returned = report.returned_at.astimezone(tz)
            lines.append(t(lang, "item.history_returned", when=f"{format_date(returned.date(), lang)} {returned:%H:%M}",
                           person=esc(people.get(report.returned_by or 0, "")), reason=esc(report.return_reason or "")))
    return "\n".join(lines)


async def export(update: Update, context: BotContext) -> None:
    """Send the progress table (进展情况表) of a month as .xlsx: /export [民生] [2021-07 | 7月], of the list
    named, else the chat's current list (else the main one)."""
    lang = lang_of(update, context)
    words = args_text(update).split()
    with work(context) as session:
        named = lists.list_by_code(session, code=words[0]) if words else None
        chosen = named or lists.current_list(session, chat_id=update.effective_chat.id)
        list_id = chosen.id if chosen is not None else None
    wanted = " ".join(words[1:] if named is not None else words)
    services = context.services
    today = services.clock.now().date()
    # matplotlib and openpyxl load on first use: most processes never draw or export (~50 MB).
    from bot.export import parse_period, progress_rows, table_title, write_progress_table

    period = parse_period(wanted, today)
    if period is None:
        await say(update, context, "export.bad_period", text=esc(wanted))
        return
    def read() -> list:
        with services.db.session() as session:  # a worker thread's own
            return progress_rows(session, today=today, period=period, lang=lang,
                                 margin=services.settings.slow_margin, tz=services.settings.tz, list_id=list_id)

    rows = await asyncio.to_thread(read)
    if not rows:
        await say(update, context, "export.empty")
        return
    data = await asyncio.to_thread(write_progress_table, rows, lang=lang, period=period)
    caption = t(lang, "export.caption", title=esc(table_title(lang, period, rows)), count=len(rows))
    await context.bot.send_document(update.effective_chat.id, data, caption=caption,
                                    filename=t(lang, "export.filename", period=period))


async def chart(update: Update, context: BotContext) -> None:
    """Send the picture of items per domain, stacked by status, with the totals as its caption."""
    lang = lang_of(update, context)
    today = context.services.clock.now().date()
    assessed = await asyncio.to_thread(statuses, context.services, today)
    if not assessed:
        await say(update, context, "chart.empty")
        return
    from bot.chart import digest_chart  # matplotlib on first use

    png = await asyncio.to_thread(digest_chart, assessed, today=today, lang=lang)
    caption = "\n".join([t(lang, "status.title", date=format_date(today, lang)), totals_line(lang, assessed)])
    await context.bot.send_photo(update.effective_chat.id, png, caption=caption)


def handlers() -> list:
    """Supervisor questions; /item is open to contacts for their own items too, /export and /chart to admins,
    supervisors and the digest group."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    supervisor = lambda cb: guard(is_supervisor, "refuse.supervisor", cb)  # noqa: E731
    reader = lambda cb: guard(either(is_admin, is_supervisor, is_contact), "refuse.contact", cb)  # noqa: E731
    overseer = lambda cb: guard(either(is_admin, is_supervisor), "refuse.supervisor", cb)  # noqa: E731
    return [
        CommandHandler("status", supervisor(status), filters=new),
        CommandHandler("slow", supervisor(slow), filters=new),
        CommandHandler("overdue", supervisor(overdue), filters=new),
        CommandHandler("missing", supervisor(missing), filters=new),
        CommandHandler("items", supervisor(items), filters=new),
        CommandHandler("item", reader(item_card), filters=new),
        CommandHandler("export", overseer(export), filters=new),
        CommandHandler("chart", overseer(chart), filters=new),
        *pages.handlers(),
    ]
