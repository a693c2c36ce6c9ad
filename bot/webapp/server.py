"""The dashboard's web server (aiohttp, in the bot's own process and event loop).

`{prefix}` serves the shell: a page with no data that reads the Mini App's initData and asks
`{prefix}api/<view>` for server-rendered fragments, the initData in a header. Every api request is
verified (`bot.webapp.auth`); rights are the chat's, by numeric id: admins and supervisors see everything,
a unit's contact their unit's items only, anyone else nothing. The actions (send a report back, decide
an extension, a 办结 or an adjustment) are POSTs from the same origin carrying a one-time action token, and
run through `jobs.actions`, the same checks, records and messages as the chat.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import mimetypes
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlmodel import Session
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import BotContext, Services
from bot.dates import format_date
from bot.instructions import html_section
from bot.texts import t
from bot.webapp import pages
from bot.webapp.auth import HEADER, ActionTokens, InitDataError, WebAppUser, verify_init_data
from bot.webapp.pages import h, link
from bot.webapp.table import Query, Row, Table, TableCache, page_of, select_rows
from db import closing, colours, contacts, instructions, lists, milestones, people
from db import extensions as extensions_db
from db import items as items_db
from db import reports as reports_db
from db import units as units_db
from db.facts import shown as ref_text
from db.facts import year_day
from db.lists import Reference
from db.models import Item, PointEntry, Role
from jobs.actions import (
    Actor,
    adjustment_text,
    closing_card,
    decide_adjustment_request,
    decide_closing_request,
    decide_extension_request,
    send_back_report,
)
from jobs.digest import assess, warning_detail
from jobs.ledger import UnitLedger, UnitView, method_line, ranked_units, unit_view, weights_of
from jobs.sender import send_queued
from jobs.supervision import month_of, warnings_on

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
FILE_CACHE = 64  # evidence files kept in memory, by file id
SERVICES = web.AppKey("services", Services)
TOKENS = web.AppKey("tokens", ActionTokens)
TABLES = web.AppKey("tables", TableCache)
PTB = web.AppKey("ptb", Application)
FILES = web.AppKey("files", OrderedDict)  # evidence file id → its bytes, the latest FILE_CACHE of them


@dataclass(frozen=True)
class Viewer:
    """A verified user with the chat's rights."""

    user: WebAppUser
    lang: str
    admin: bool
    overseer: bool  # admin or supervisor
    unit_ids: frozenset[int]

    def may_see(self, unit_ids: Iterable[int]) -> bool:
        return self.overseer or bool(self.unit_ids.intersection(unit_ids))

    @property
    def visible_units(self) -> frozenset[int] | None:
        return None if self.overseer else self.unit_ids


class Refused(Exception):
    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


def prefix_of(services: Services) -> str:
    path = urlsplit(services.settings.webapp_url or "").path or "/"
    return path if path.endswith("/") else path + "/"


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


def viewer(request: web.Request) -> Viewer:
    """The verified user of the request and their rights, or Refused (401 / 403)."""
    services = _services(request)
    try:
        user = verify_init_data(request.headers.get(HEADER), token=services.settings.require_token(),
                                now=time.time(), max_age=services.settings.webapp_auth_max_age)
    except InitDataError as error:
        raise Refused(401, f"wa.auth_{error.reason}") from None
    return rights(services, user)


def rights(services: Services, user: WebAppUser) -> Viewer:
    """A user's rights, as the chat's: by numeric id; Refused (403) for anyone the chat would refuse too."""
    settings = services.settings
    with services.db.session() as session:
        units, language = contacts.contact_units(session, telegram_id=user.id)
        language = language or people.person_language(session, telegram_id=user.id)
    code = (user.language_code or "").lower()
    lang = language or ("en" if code.startswith("en") else "zh" if code.startswith("zh") else settings.language)
    admin = user.id in settings.admin_ids
    overseer = admin or user.id in settings.supervisor_ids
    if not overseer and not units:
        raise Refused(403, "wa.not_allowed")
    return Viewer(user, lang, admin, overseer, frozenset(u.id for u in units))


def fragment(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def api(handler: Handler, *, overseers_only: bool = False) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Verify the user first; a refusal is a clear fragment in the user's (or the office's) language."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        lang = _services(request).settings.language
        try:
            who = await asyncio.to_thread(viewer, request)
            lang = who.lang
            if overseers_only and not who.overseer:
                raise Refused(403, "wa.overseers_only")
            response = await handler(request, who)
            if isinstance(response, web.Response) and response.content_type == "text/html" and response.status == 200:
                response.text = pages.bar(who.lang, who.overseer) + (response.text or "")
            return response
        except Refused as refused:
            return fragment(pages.refusal_page(lang, refused.key), refused.status)

    return wrapped


# ---------------------------------------------------------------- views


async def home(request: web.Request, who: Viewer) -> web.StreamResponse:
    table, stale = await request.app[TABLES].table()
    visible = select_rows(table, Query(), who.visible_units)
    return fragment(pages.stale_note(who.lang, stale) + pages.home_page(who.lang, table, visible, who.overseer))


async def items(request: web.Request, who: Viewer) -> web.StreamResponse:
    table, stale = await request.app[TABLES].table()
    query = Query.parse(request.query)
    if query.unit is not None and not who.may_see([query.unit]):
        raise Refused(403, "wa.not_your_unit")
    rows = select_rows(table, query, who.visible_units)
    shown, pages_count = page_of(rows, query.page)
    unit_ids = sorted(table.names) if who.overseer else sorted(who.unit_ids)
    return fragment(pages.stale_note(who.lang, stale)
                    + pages.items_page(who.lang, table, query, shown, len(rows), pages_count, unit_ids))


# The item card is a head and then sections, each a function registered with `@card_section(order)`: it
# reads what `card_data` loaded (loaders add to it with `@card_loader`) and returns its HTML, "" for none.
# A feature adds its own loader and section next to its other code, without touching the others.
@dataclass(frozen=True)
class Card:
    """What a section of the card is rendered from: the viewer, the loaded values, and the action tokens."""

    who: Viewer
    data: dict[str, Any]
    tokens: ActionTokens
    tz: ZoneInfo

    @property
    def lang(self) -> str:
        return self.who.lang

    def token(self, action: str, target: int) -> str:
        return self.tokens.issue(user_id=self.who.user.id, action=action, target=target, now=time.time())


CardLoader = Callable[[Session, Item, date], dict[str, Any]]  # (session, item, today) → values for the card
_CARD_LOADERS: list[CardLoader] = []
Section = Callable[[Card], str]
_CARD_SECTIONS: list[tuple[int, Section]] = []


def card_loader(loader: CardLoader) -> CardLoader:
    _CARD_LOADERS.append(loader)
    return loader


def card_section(order: int) -> Callable[[Section], Section]:
    """Register a section of the card; sections are shown by `order` (months 10, extensions 20, reports 30)."""
    def register(section: Section) -> Section:
        _CARD_SECTIONS.append((order, section))
        _CARD_SECTIONS.sort(key=lambda entry: entry[0])
        return section

    return register


def card_data(services: Services, wanted: Reference | int, lang: str) -> dict | None:
    """The card of the item with that database id (what links and start parameters carry), or of the one
    `n=12` (the only active list's) or `n=民生12` means; None when there is none."""
    today = services.clock.now().date()
    with services.db.session() as session:
        if isinstance(wanted, int):
            item = session.get(Item, wanted)
        else:
            item = lists.find_item(session, reference=wanted, chat_id=None).item
        if item is None:
            return None
        facts = reports_db.item_facts(session, today=today, item_ids=[item.id])
        reports = reports_db.reports_of_item(session, item_id=item.id)
        links = items_db.item_unit_ids(session, item_ids=[item.id]).get(item.id, {Role.LEAD: [], Role.RESPONSIBLE: []})
        warnings = warnings_on(services, session, facts, today)
        task_list = lists.get_list(session, list_id=item.list_id)
        # The colours month by month of the list's year (考核年度), whatever the clock says.
        year = task_list.year if task_list is not None else today.year
        extensions = extensions_db.extensions_of_item(session, item_id=item.id)
        ids = {r.reporter_id for r in reports} | {r.returned_by for r in reports} | {e.requested_by for e in extensions}
        entry = assess(facts, today, services.settings.slow_margin)[0] if facts else None
        data = dict(
            item=item, entry=entry, reports=reports, links=links, warning=warnings.get(item.id), year=year,
            task_list=task_list, ref=facts[0].ref if facts else str(item.number),
            kept=colours.monthly_colours(session, item_ids=[item.id], year=year).get(item.id, {}),
            extensions=extensions, versions=reports_db.report_versions(session, report_ids=[r.id for r in reports]),
            instructions=instructions.of_item(session, item_id=item.id),
            latest=reports_db.latest_reports(session, item_ids=[item.id]).get(item.id),
            names={u.id: u.name for u in units_db.all_units(session)},
            people=people.people_names(session, telegram_ids=[i for i in ids if i]), today=today,
            ending=closing_card(session, lang, item, services),
            milestones=milestones.milestones_of(session, item_id=item.id),
            adjustment=closing.pending_adjustment(session, item_id=item.id))
        for loader in _CARD_LOADERS:
            data.update(loader(session, item, today))
        return data


async def item_card(request: web.Request, who: Viewer) -> web.StreamResponse:
    """GET api/item?id=123 (the item's database id) or ?n=民生12 (as typed): the card, for those who may see
    the item only."""
    by_id = request.query.get("id", "")
    wanted: Reference | int | None
    if by_id:
        wanted = int(by_id) if by_id.isdigit() and len(by_id) < 12 else None
    else:
        wanted = lists.parse_reference(request.query.get("n", "")[:40])
    if wanted is None:
        raise Refused(404, "wa.no_such_item")
    services = _services(request)
    data = await asyncio.to_thread(card_data, services, wanted, who.lang)
    if data is None:
        raise Refused(404, "wa.no_such_item")
    links = data["links"]
    if not who.may_see([*links[Role.LEAD], *links[Role.RESPONSIBLE]]):
        raise Refused(403, "wa.not_your_item")
    return fragment(render_card(Card(who, data, request.app[TOKENS], services.settings.tz)))


def render_card(card: Card) -> str:
    """The card's head, its sections in order, and the links to its units' pages."""
    who, data = card.who, card.data
    links, names = data["links"], data["names"]
    body = card_head(card) + "".join(section(card) for _, section in _CARD_SECTIONS)
    units = "".join(f'<a class="chip" href="{h(link("unit", id=u))}">{h(names.get(u, "?"))}</a>'
                    for u in dict.fromkeys([*links[Role.LEAD], *links[Role.RESPONSIBLE]]) if who.may_see([u]))
    return body + f'<p class="units">{units}</p>'


def card_head(card: Card) -> str:
    """The title, the colour and status now, and the item's facts."""
    lang, data = card.lang, card.data
    item, links, names, warning, entry = data["item"], data["links"], data["names"], data["warning"], data["entry"]
    deadline = format_date(item.deadline, lang) if item.deadline else t(lang, "item.deadline_open")
    facts = [
        (t(lang, "wa.domain"), item.domain or t(lang, "none")),
        (t(lang, "wa.col_deadline"), deadline),
        (t(lang, "wa.lead"), pages.units_text(lang, links[Role.LEAD], names)),
        (t(lang, "wa.responsible"), pages.units_text(lang, links[Role.RESPONSIBLE], names)),
        (t(lang, "wa.cycle"), t(lang, f"cycle.{item.report_cycle}")),
    ]
    if entry is not None and entry.progress is not None:
        facts.append((t(lang, "wa.time_progress"), f"{round(entry.progress * 100)}%"))
    if data["task_list"] is not None:
        facts.insert(0, (t(lang, "wa.list"), t(lang, "wa.list_option", name=data["task_list"].name,
                                                  code=data["task_list"].code)))
    grid = "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in facts)
    head = f'<h1><span class="num">#{h(data["ref"])}</span> {h(item.title)}</h1>'
    if warning is not None:
        detail = warning_detail(lang, warning)
        head += (f'<p class="colour c-{warning.colour.value}">{pages.dot(warning.colour.value)} '
                 f'{h(t(lang, f"colour.{warning.colour.value}"))}{h(" · " + detail if detail else "")}'
                 f'{" · " + pages.mark(lang, entry.status.value) if entry else ""}</p>')
    return head + f'<dl class="facts">{grid}</dl>'


@card_section(10)
def card_months(card: Card) -> str:
    """The colours month by month: those kept at each month's end, this month's as it is now."""
    lang, data = card.lang, card.data
    warning = data["warning"]
    current = (month_of(data["today"]), warning.colour.value) if warning is not None else None
    return pages.section(t(lang, "wa.months", year=data["year"]),
                         pages.month_cells(lang, data["kept"], data["year"], current))


@card_section(12)
def card_milestones(card: Card) -> str:
    """The milestones (节点): each one's title, deadline, own unit if it has one, and done, due or overdue."""
    data = card.data
    nodes = data["milestones"]
    if not nodes:
        return ""
    done = sum(1 for m in nodes if m.done_at is not None)
    return pages.section(t(card.lang, "wa.milestones_card", done=done, count=len(nodes)),
                         pages.milestones_html(card.lang, nodes, data["names"], data["today"], card.tz))


@card_section(15)
def card_closing(card: Card) -> str:
    """办结 and adjustments (调整 / 取消): the chat card's lines (each change as it was → as it would be), for an
    overseer the decision on a pending 办结, for an admin the decision on a pending adjustment."""
    who, lang, data = card.who, card.lang, card.data
    ending, pending, item = data["ending"], data["adjustment"], data["item"]
    if not ending.lines:
        return ""
    token = (card.token("closing", ending.pending_review)
             if who.overseer and ending.pending_review is not None else None)
    body = pages.closing_html(lang, ending.lines, ending.pending_review, token)
    if who.admin and pending is not None and not item.archived:
        change = adjustment_text(lang, pending, data["names"])  # the chat's HTML, escaped already
        body += pages.adjustment_form(lang, pending.id, change, card.token("adjust", pending.id))
    return pages.section(t(lang, "wa.closing"), body)


@card_section(20)
def card_extensions(card: Card) -> str:
    """The extension requests, with the decision form for an admin on a pending one."""
    who, lang, data = card.who, card.lang, card.data
    item = data["item"]
    extensions = "".join(pages.extension_html(
        lang, e, data["people"], card.tz,
        card.token("decide", e.id) if who.admin and e.status == "pending" and not item.archived else None)
        for e in data["extensions"])
    return pages.section(t(lang, "wa.extensions"), extensions) if extensions else ""


@card_section(25)
def card_instructions(card: Card) -> str:
    """The leaders' instructions (领导批示), with each unit's acknowledgement and answer."""
    data = card.data
    if not data["instructions"]:
        return ""
    return pages.section(t(card.lang, "wa.instructions"),
                         html_section(card.lang, data["instructions"], data["names"], card.tz))


@card_section(30)
def card_reports(card: Card) -> str:
    """Every report, newest first, with its evidence and versions; the send-back form under the latest."""
    who, lang, data = card.who, card.lang, card.data
    item, latest = data["item"], data["latest"]
    history = []
    for report in reversed(data["reports"]):
        history.append(pages.report_html(lang, report, data["names"], data["people"],
                                         data["versions"].get(report.id, []), card.tz))
        if (who.overseer and latest is not None and report.id == latest.id and latest.unit_id is not None
                and not item.archived):
            history.append(pages.send_back_form(lang, report, card.token("sendback", report.id)))
    return pages.section(t(lang, "wa.reports", count=len(data["reports"])),
                         "".join(history) or f'<p class="empty">{h(t(lang, "item.history_none"))}</p>')


async def unit_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    unit_id = request.query.get("id", "")
    if not unit_id.isdigit() or len(unit_id) > 9:
        raise Refused(404, "wa.no_such_unit")
    if not who.may_see([int(unit_id)]):
        raise Refused(403, "wa.not_your_unit")
    services = _services(request)
    table, _ = await request.app[TABLES].table()
    if int(unit_id) not in table.names:
        raise Refused(404, "wa.no_such_unit")
    today = services.clock.now().date()
    rows = select_rows(table, Query(unit=int(unit_id)), None)
    # Seen from the year (考核年度) of the unit's newest list, as /ranking is: a 2021 list in 2026 shows 2021.
    years = [info.year for info in table.lists if info.id in {r.list_id for r in rows}]
    if years:
        today = year_day(max(years), today)
    view = await asyncio.to_thread(unit_view, services, int(unit_id), [r.id for r in rows], today)
    return fragment(render_unit(who.lang, table, int(unit_id), rows, view, today, weights_of(services.settings).base))


def percent_text(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


def render_unit(lang: str, table: Table, unit_id: int, rows: list[Row], view: UnitView, today: date,
                base: float) -> str:
    """A unit's page: its items' colours now and month by month, its place and its points ledger."""
    counts = {c: sum(1 for r in rows if r.colour == c) for c in ("red", "yellow", "green")}
    tiles = "".join(f'<a class="tile c-{c}" href="{h(link("items", unit=unit_id, colour=c))}"><b>{n}</b>'
                    f'<span>{h(t(lang, f"colour.{c}"))}</span></a>' for c, n in counts.items())
    ranking = [f'<tr><td>{h(t(lang, "wa.month_of", year=year, month=month))}</td><td class="num">{mine.rank}/{of}</td>'
               f'<td class="num">{mine.score(base):g}</td><td class="num">{h(percent_text(mine.on_time_rate))}</td></tr>'
               for year, month, mine, of in view.months if mine is not None]
    columns = [("wa.month_col", False), ("wa.rank", True), ("wa.score", True), ("wa.on_time_rate", True)]
    found = view.ledger
    entries = "".join(entry_row(lang, found, e) for e in reversed(found.entries))  # the latest first
    entry_columns = [("wa.entry_date", False), ("wa.entry_item", False), ("wa.entry_kind", False),
                     ("wa.entry_role", False), ("wa.entry_points", True)]
    total = t(lang, "wa.ledger_total", points=f"{found.total:+g}", score=f"{base + found.total:g}", base=f"{base:g}",
              rate=percent_text(found.on_time_rate))
    ledger_body = (f'<p>{h(total)}</p>' + pages.plain_table(lang, entry_columns, entries) if found.entries
                   else f'<p class="empty">{h(t(lang, "wa.no_ledger"))}</p>')
    current = f"{today.year}-{today.month:02d}"
    strips = "".join(f'<li><a href="{h(link("item", id=r.id))}">#{r.ref or r.number} {h(r.title)}</a><br>'
                     f'{colour_strip(lang, view.colours.get(r.id, {}), today.year, current, r.colour)}</li>'
                     for r in sorted(rows, key=lambda r: r.number))
    return (f'<h1>{h(table.names[unit_id])}</h1><div class="tiles">{tiles}</div>'
            f'<p><a class="button" href="{h(link("items", unit=unit_id))}">{h(t(lang, "wa.unit_items", count=len(rows)))}</a></p>'
            + pages.section(t(lang, "wa.ranking"), pages.plain_table(lang, columns, "".join(ranking)) if ranking else
                            f'<p class="empty">{h(t(lang, "wa.no_ranking"))}</p>')
            + pages.section(t(lang, "wa.ledger", year=today.year), ledger_body)
            + (pages.section(t(lang, "wa.colour_course"), f'<ul class="strips">{strips}</ul>') if rows else ""))


def colour_strip(lang: str, kept: dict[str, str], year: int, current: str, colour: str) -> str:
    """The chat's "1月🟢 2月🟡 …" with the dashboard's own dots (the current month live)."""
    cells = []
    for month in range(1, 13):
        key = f"{year}-{month:02d}"
        shown = colour if key == current else kept.get(key)
        cells.append(f'<span class="month">{h(t(lang, "colour.month", month=month, dot=""))}'
                     f'{pages.dot(shown) if shown else "·"}</span>')
    return " ".join(cells)


def entry_row(lang: str, found: UnitLedger, entry: PointEntry) -> str:
    number, title = found.numbers.get(entry.item_id, (0, "?"))
    return (f'<tr><td>{h(format_date(entry.day, lang))}</td>'
            f'<td><a href="{h(link("item", id=entry.item_id))}">{h(ref_text(number))} {h(title)}</a></td>'
            f'<td>{h(t(lang, f"ledger.kind.{entry.kind}"))}</td><td>{h(t(lang, f"ledger.role.{entry.role}"))}</td>'
            f'<td class="num">{entry.points:+g}</td></tr>')


async def units_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    services = _services(request)
    today = services.clock.now().date()
    ranked = await asyncio.to_thread(ranked_units, services, today.year, today.month)
    base = weights_of(services.settings).base
    lang = who.lang
    rows = "".join(f'<tr><td class="num">{s.rank}</td><td><a href="{h(link("unit", id=s.unit_id))}">{h(s.name)}</a></td>'
                   f'<td class="num">{s.score(base):g}</td><td class="num">{h(percent_text(s.on_time_rate))}</td></tr>'
                   for s in ranked)
    columns = [("wa.rank", True), ("wa.unit", False), ("wa.score", True), ("wa.on_time_rate", True)]
    return fragment(f'<h1>{h(t(lang, "wa.ranking_of", year=today.year, month=today.month))}</h1>'
                    + pages.plain_table(lang, columns, rows)
                    + f'<p class="method">{h(method_line(lang, weights_of(services.settings)))}</p>')


async def chart_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    from bot.chart import domain_status_rows
    from jobs.supervision import statuses

    services = _services(request)
    today = services.clock.now().date()
    assessed = await asyncio.to_thread(statuses, services, today)
    lang = who.lang
    rows = "".join(f'<tr><td>{h(domain or t(lang, "digest.no_domain"))}</td>'
                   + "".join(f'<td class="num">{counts[s]}</td>' for s in ("ahead", "good", "average", "slow"))
                   + "</tr>" for domain, counts in domain_status_rows(assessed))
    columns = [("wa.domain", False), *((f"status.{s}", True) for s in ("ahead", "good", "average", "slow"))]
    return fragment(f'<h1>{h(t(lang, "wa.nav_chart"))}</h1>'
                    f'<figure class="chart"><img data-src="api/chart.png" alt="{h(t(lang, "wa.chart_alt"))}"></figure>'
                    + pages.plain_table(lang, columns, rows))


async def chart_png(request: web.Request, who: Viewer) -> web.StreamResponse:
    from jobs.supervision import statuses

    services = _services(request)
    today = services.clock.now().date()

    def draw() -> bytes:
        from bot.chart import digest_chart

        return digest_chart(statuses(services, today), today=today, lang=who.lang)

    return web.Response(body=await asyncio.to_thread(draw), content_type="image/png",
                        headers={"Cache-Control": "private, max-age=300"})


async def export_page(request: web.Request, who: Viewer) -> web.StreamResponse:
    """The export's form: a list (the one the table was filtered to, else the main list) and a month."""
    lang = who.lang
    month = month_of(_services(request).clock.now().date())
    table, _ = await request.app[TABLES].table()
    wanted = request.query.get("list", "")[:40]
    chosen = table.list_of(wanted) or next((found for found in table.lists if found.active), None)
    options = "".join(f'<option value="{h(found.code)}"{" selected" if found is chosen else ""}>'
                      f'{h(t(lang, "wa.list_option", name=found.name, code=found.code))}'
                      f'{h("" if found.active else " · " + t(lang, "wa.list_closed"))}</option>' for found in table.lists)
    picker = (f'<label><span>{h(t(lang, "wa.list"))}</span><select name="list">{options}</select></label>'
              if table.lists else "")
    return fragment(f'<h1>{h(t(lang, "wa.nav_export"))}</h1><form class="export" data-export="api/export.xlsx" data-link="for=export">'
                    f'{picker}<label><span>{h(t(lang, "wa.period"))}</span><input type="month" name="period" value="{month}" required></label>'
                    f'<button type="submit">{h(t(lang, "wa.download"))}</button></form>'
                    f'<p class="hint">{h(t(lang, "wa.export_hint"))}</p>')


async def export_xlsx(request: web.Request, who: Viewer) -> web.StreamResponse:
    """GET api/export.xlsx?period=2021-07&list=民生: that list's table (the main list's without one)."""
    services = _services(request)
    code = request.query.get("list", "")[:40]
    list_id = await asyncio.to_thread(list_id_of, services, code) if code else None
    return await export_response(services, who, request.query.get("period", ""), list_id)


def list_id_of(services: Services, code: str) -> int:
    """The id of the list of that code (or name); Refused (404) when there is none."""
    with services.db.session() as session:
        found = lists.list_by_code(session, code=code)
    if found is None or found.id is None:
        raise Refused(404, "wa.no_such_list")
    return found.id


async def export_response(services: Services, who: Viewer, wanted: str, list_id: int | None = None) -> web.StreamResponse:
    """The progress table of a month of a list (the main list's when None) as .xlsx: the chat's /export of
    that list, built by `bot.export` off the event loop."""
    from bot.export import parse_period, progress_rows, write_progress_table

    today = services.clock.now().date()
    period = parse_period(wanted[:20], today)
    if period is None:
        raise Refused(400, "wa.bad_period")

    def build() -> bytes | None:
        with services.db.session() as session:
            rows = progress_rows(session, today=today, period=period, lang=who.lang, list_id=list_id,
                                 margin=services.settings.slow_margin, tz=services.settings.tz)
        return write_progress_table(rows, lang=who.lang, period=period) if rows else None

    data = await asyncio.to_thread(build)
    if data is None:
        raise Refused(404, "export.empty")
    return web.Response(body=data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": attachment(t(who.lang, "export.filename", period=period)),
                                 "Cache-Control": "no-store"})


def attachment(name: str, disposition: str = "attachment") -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def evidence_file(request: web.Request, who: Viewer) -> web.StreamResponse:
    return await file_response(request.app, who, request.query.get("r", ""), request.query.get("i", ""))


async def file_response(app: web.Application, who: Viewer, report_id: str, index: str) -> web.StreamResponse:
    """A report's photo or file, fetched with the bot's own getFile and download: the token stays here."""
    if not (report_id.isdigit() and index.isdigit() and len(report_id) < 12 and len(index) < 4):
        raise Refused(404, "wa.no_such_file")
    services = app[SERVICES]

    def look_up() -> tuple[dict, list[int]] | None:
        with services.db.session() as session:
            report = reports_db.report(session, report_id=int(report_id))
            if report is None or int(index) >= len(report.evidence or []):
                return None
            links = items_db.item_unit_ids(session, item_ids=[report.item_id]).get(report.item_id, {})
            return report.evidence[int(index)], [u for ids in links.values() for u in ids]

    found = await asyncio.to_thread(look_up)
    if found is None:
        raise Refused(404, "wa.no_such_file")
    entry, unit_ids = found
    if not who.may_see(unit_ids):
        raise Refused(403, "wa.not_your_item")
    cache = app[FILES]
    file_id = str(entry.get("file_id", ""))
    content = cache.get(file_id)
    if content is None:
        bot = app[PTB].bot
        try:
            content = bytes(await (await bot.get_file(file_id)).download_as_bytearray())
        except TelegramError:
            log.warning("could not fetch an evidence file of report %s", report_id)
            raise Refused(502, "wa.file_unavailable") from None
        cache[file_id] = content
        while len(cache) > FILE_CACHE:
            cache.popitem(last=False)
    name = str(entry.get("name") or "")
    if entry.get("type") == "photo":
        kind, name = "image/jpeg", name or f"{report_id}-{int(index) + 1}.jpg"
    else:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return web.Response(body=content, content_type=kind, headers={
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": attachment(name or f"{report_id}-{int(index) + 1}", "inline")})


# ---------------------------------------------------------------- download links for Telegram's downloadFile

# Telegram's own download (WebApp.downloadFile) fetches a URL by itself, without the page's header: the page
# asks for a one-time link instead, signed for this user and this file, good for a few minutes.
# An export's target is the month's six digits, then the list's id in six more when one is chosen.
DOWNLOADS = {"export": lambda q: q.get("period", "").replace("-", ""), "file": lambda q: q.get("r", "") + q.get("i", "").zfill(3)}
LIST_DIGITS = 6


async def download_link(request: web.Request, who: Viewer) -> web.StreamResponse:
    """GET api/link?for=export&period=2021-07[&list=民生] (or for=file&r=…&i=…): a one-time download path."""
    kind = request.query.get("for", "")
    if kind == "export" and not who.overseer:
        raise Refused(403, "wa.overseers_only")
    target = DOWNLOADS[kind](request.query) if kind in DOWNLOADS else ""
    if kind == "export" and len(target) != 6:
        target = ""  # 2021-07 only
    if not target.isdigit() or len(target) > 15:
        raise Refused(400, "wa.bad_period" if kind == "export" else "wa.no_such_file")
    code = request.query.get("list", "")[:40]
    if kind == "export" and code:
        list_id = await asyncio.to_thread(list_id_of, _services(request), code)
        if list_id >= 10 ** LIST_DIGITS:
            raise Refused(404, "wa.no_such_list")
        target += str(list_id).zfill(LIST_DIGITS)
    tokens = request.app[TOKENS]
    token = tokens.issue(user_id=who.user.id, action=kind, target=int(target), now=time.time())
    return web.Response(text=f"api/download?t={quote(token)}", content_type="text/plain",
                        headers={"Cache-Control": "no-store"})


async def download(request: web.Request) -> web.StreamResponse:
    """GET api/download?t=…: the file a one-time link was issued for, with the rights of its user today."""
    services = _services(request)
    tokens = request.app[TOKENS]
    token = request.query.get("t", "")
    parts = token.split(".")
    lang = services.settings.language
    try:
        if len(parts) != 6 or not parts[0].isdigit() or parts[1] not in DOWNLOADS or not parts[2].isdigit():
            raise Refused(403, "wa.stale_action")
        user_id, kind, target = int(parts[0]), parts[1], int(parts[2])
        if not tokens.spend(token, user_id=user_id, action=kind, target=target, now=time.time()):
            raise Refused(403, "wa.stale_action")
        who = await asyncio.to_thread(rights, services, WebAppUser(id=user_id, first_name=""))
        lang = who.lang
        if kind == "export":
            if not who.overseer:
                raise Refused(403, "wa.overseers_only")
            digits = str(target)
            list_id = int(digits[6:]) if len(digits) > 6 else None
            return await export_response(services, who, f"{digits[:4]}-{digits[4:6]}", list_id)
        return await file_response(request.app, who, str(target // 1000), str(target % 1000))
    except Refused as refused:
        return fragment(pages.refusal_page(lang, refused.key), refused.status)


# ---------------------------------------------------------------- actions


def same_origin(request: web.Request) -> bool:
    """A POST must come from the dashboard's own page: its Origin is the public URL's or this server's."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    public = urlsplit(_services(request).settings.webapp_url or "")
    allowed = {f"{public.scheme}://{public.netloc}", f"{request.scheme}://{request.host}"}
    return origin in allowed


def verdict_of(form: Mapping[str, object], yes: str) -> bool:
    """Whether the form's verdict is `yes` (confirm, approve) rather than refuse; anything else is refused."""
    verdict = str(form.get("verdict", ""))
    if verdict not in (yes, "refuse"):
        raise Refused(400, "confirm.expired")
    return verdict == yes


async def action(request: web.Request, who: Viewer) -> web.StreamResponse:
    """POST api/sendback, api/decide (an extension), api/closing (办结) or api/adjust (调整 / 取消): checked like
    the chat's buttons and dialogues, through the same functions; then a notice in place of the form."""
    if not same_origin(request):
        raise Refused(403, "wa.cross_site")
    form = await request.post()
    kind = request.match_info["action"]
    services = _services(request)
    tokens = request.app[TOKENS]
    field = {"sendback": "report", "closing": "review", "adjust": "adjustment"}.get(kind, "request")
    target = str(form.get(field, ""))
    if not target.isdigit() or len(target) > 12:
        raise Refused(400, "confirm.expired")
    if kind == "sendback" and not who.overseer:
        raise Refused(403, "refuse.send_back")
    if kind in ("decide", "adjust") and not who.admin:
        raise Refused(403, "refuse.admin")
    if kind == "closing" and not who.overseer:
        raise Refused(403, "refuse.closing")
    if not tokens.spend(str(form.get("token", "")), user_id=who.user.id, action=kind, target=int(target),
                        now=time.time()):
        raise Refused(409, "wa.stale_action")
    actor = Actor(who.user.id, who.user.full_name or str(who.user.id), who.user.username)
    now = services.clock.now()
    if kind == "sendback":
        outcome = await asyncio.to_thread(send_back_report, services, report_id=int(target), by=actor,
                                          reason=str(form.get("reason", "")), now=now)
        done = ("sb.done", dict(number=outcome.number, unit=outcome.unit))
    elif kind == "closing":
        outcome = await asyncio.to_thread(decide_closing_request, services, review_id=int(target),
                                          confirm=verdict_of(form, "confirm"), by=actor,
                                          reason=str(form.get("reason", "")), now=now, lang=who.lang)
        done = ("close.confirmed" if outcome.status == "closed" else "close.refused",
                dict(number=outcome.number, day=outcome.day))
    else:  # an extension (decide) or an adjustment (adjust): approved or refused, with a comment
        approve, comment = verdict_of(form, "approve"), str(form.get("comment", ""))
        if kind == "adjust":
            outcome = await asyncio.to_thread(decide_adjustment_request, services, adjustment_id=int(target),
                                              approve=approve, by=actor, comment=comment, now=now)
        else:
            outcome = await asyncio.to_thread(decide_extension_request, services, request_id=int(target),
                                              approve=approve, by=actor, comment=comment, now=now, lang=who.lang)
        prefix = "adj" if kind == "adjust" else "ext"
        done = (f"{prefix}.decided_approved" if outcome.status == "approved" else f"{prefix}.decided_refused",
                dict(number=outcome.number, deadline=outcome.deadline))
    if outcome.refusal is not None:
        prefix = {"closing": "close", "adjust": "adj"}.get(kind, "ext")
        values = {"number": outcome.number, "outcome": t(who.lang, f"{prefix}.status.{outcome.status}") if outcome.status else "",
                  "person": t(who.lang, "ext.an_admin")}
        return fragment(pages.message(who.lang, outcome.refusal, "bad", **values), 409)
    request.app[TABLES].warm()
    await send_queued(BotContext(request.app[PTB]))
    return fragment(pages.message(who.lang, done[0], "ok", **done[1]))


# ---------------------------------------------------------------- the shell and the application


async def shell(request: web.Request) -> web.Response:
    services = _services(request)
    lang = services.settings.language
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace("{lang}", "zh-CN" if lang == "zh" else "en").replace("{title}", h(t(lang, "wa.title")))
    page = page.replace("{loading}", h(t(lang, "wa.loading"))).replace("{no_init}", h(t(lang, "wa.auth_missing")))
    return web.Response(text=page, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


@web.middleware
async def guarded(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                  ) -> web.StreamResponse:
    """Security headers on every answer; an unexpected error is logged, and the user gets a plain page."""
    start = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("dashboard request %s failed", request.path)
        response = fragment(pages.refusal_page(_services(request).settings.language, "wa.error"), 500)
    # The server's own time, for the benchmark and the browser's developer tools.
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' blob: data:; script-src 'self' https://telegram.org; "
                                "style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'")
    return response


def build_webapp(ptb: Application) -> web.Application:
    """The dashboard's aiohttp application, for the bot `ptb` (its services and its Bot for files)."""
    services: Services = ptb.bot_data["services"]
    prefix = prefix_of(services)
    app = web.Application(middlewares=[guarded], client_max_size=64 * 1024)
    # Tokens signed with a key of the bot token: any replica behind the proxy accepts another's. Each spends
    # a token once; a token replayed on another replica still meets the action's own check (already returned,
    # already decided) and changes nothing.
    key = hmac.new(services.settings.require_token().encode(), b"dashboard-actions", hashlib.sha256).digest()
    app[SERVICES], app[PTB], app[TOKENS] = services, ptb, ActionTokens(key)
    app[TABLES] = TableCache(services)
    app[FILES] = OrderedDict()
    overseers = {"chart": chart_page, "chart.png": chart_png, "units": units_page, "export": export_page,
                 "export.xlsx": export_xlsx}
    everyone = {"home": home, "items": items, "item": item_card, "unit": unit_page, "file": evidence_file,
                "link": download_link}
    routes = [web.get(prefix, shell), web.static(prefix + "static", STATIC)]
    if prefix != "/":
        async def to_prefix(_request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(prefix)

        routes.append(web.get(prefix.rstrip("/"), to_prefix))
    routes += [web.get(f"{prefix}api/{name}", api(view, overseers_only=True)) for name, view in overseers.items()]
    routes += [web.get(f"{prefix}api/{name}", api(view)) for name, view in everyone.items()]
    routes.append(web.get(prefix + "api/download", download))
    routes.append(web.post(prefix + "api/{action:sendback|decide|closing|adjust}", api(action)))
    app.add_routes(routes)
    return app
