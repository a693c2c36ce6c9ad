"""The item table of the dashboard: every item as the rules see it today, built once per state of the record,
then filtered, sorted and cut into pages in memory (a 10,000-item list is a few milliseconds a page)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.context import Services
from db import dashboard, items, lists, milestones, reports, units
from db.models import ListState, Status
from jobs.digest import assess
from jobs.rules import COLOUR_ORDER, Colour, missing_unit_ids
from jobs.supervision import warnings_on

PAGE_SIZE = 50
MILESTONE_DAYS = 7  # a milestone is "due" (节点到期) when open and at most this many days ahead, or overdue
FRESH_WAIT = 0.2  # seconds a page waits for the table being rebuilt before it is served the one before
SORTS = ("number", "title", "deadline", "status", "colour", "percent", "progress")
STATUS_RANK = {s.value: i for i, s in enumerate((Status.SLOW, Status.AVERAGE, Status.GOOD, Status.AHEAD))}
COLOUR_RANK = {c.value: i for i, c in enumerate(COLOUR_ORDER)}


@dataclass(frozen=True)
class Row:
    """One item of the table, with today's verdicts."""

    id: int
    number: int
    title: str
    domain: str | None
    deadline: date | None
    lead_unit_ids: tuple[int, ...]
    responsible_unit_ids: tuple[int, ...]
    status: str
    colour: str
    percent: int | None
    progress: int | None  # time progress, percent
    overdue_days: int
    unreported: bool
    ref: str = ""  # the item as typed: "12", or "民生12" while several lists are active (numbers repeat)
    list_id: int = 0
    milestones_due: bool = False  # an open milestone (节点) overdue or due within MILESTONE_DAYS

    @property
    def unit_ids(self) -> tuple[int, ...]:
        return (*self.lead_unit_ids, *self.responsible_unit_ids)


@dataclass(frozen=True)
class ListInfo:
    """A task list (清单) as the dashboard shows it: its year (考核年度), code and state, and its items."""

    id: int
    name: str
    code: str
    year: int
    active: bool
    count: int  # its items, not archived (a closed list's too)


@dataclass(frozen=True)
class Table:
    today: date
    rows: tuple[Row, ...]
    names: Mapping[int, str]  # unit id → name
    domains: tuple[str, ...]
    years: tuple[int, ...]  # the lists' years (考核年度), newest first
    lists: tuple[ListInfo, ...] = ()  # every list, the newest year first

    def list_of(self, code: str) -> ListInfo | None:
        return next((found for found in self.lists if found.code == code), None)


@dataclass(frozen=True)
class Query:
    """What the table is asked for; every value comes from the request and is checked here."""

    list: str = ""  # a list's code (清单代号): its items only
    year: int | None = None  # the lists of that year (考核年度)
    unit: int | None = None
    domain: str = ""
    status: str = ""
    colour: str = ""
    overdue: bool = False
    unreported: bool = False
    milestones: bool = False  # items with a milestone (节点) overdue or due soon
    search: str = ""
    sort: str = "number"
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Query:
        def number(name: str) -> int | None:
            value = params.get(name, "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None

        status = params.get("status", "")
        colour = params.get("colour", "")
        sort = params.get("sort", "number")
        return cls(list=params.get("list", "")[:40], year=number("year"), unit=number("unit"),
                   domain=params.get("domain", "")[:100],
                   status=status if status in STATUS_RANK else "", colour=colour if colour in COLOUR_RANK else "",
                   overdue=params.get("overdue") == "1", unreported=params.get("unreported") == "1",
                   milestones=params.get("milestones") == "1", search=params.get("q", "").strip()[:100],
                   sort=sort if sort in SORTS else "number", descending=params.get("dir") == "desc",
                   page=max(1, min(number("page") or 1, 100_000)))

    def params(self, **changes: object) -> dict[str, str]:
        """The query string of this query with some values changed (page back to 1 unless given)."""
        values = {"list": self.list, "year": self.year or "", "unit": self.unit or "", "domain": self.domain,
                  "status": self.status, "colour": self.colour, "overdue": "1" if self.overdue else "",
                  "unreported": "1" if self.unreported else "", "milestones": "1" if self.milestones else "",
                  "q": self.search, "sort": "" if self.sort == "number" else self.sort,
                  "dir": "desc" if self.descending else "", "page": ""}
        values.update({k: v for k, v in changes.items()})
        return {k: str(v) for k, v in values.items() if v not in ("", None, False)}


def build_table(services: Services, today: date) -> Table:
    """Every active item assessed and coloured today: the chat's own rules (`/items`, the digest)."""
    with services.db.session() as session:
        facts = reports.item_facts(session, today=today)
        warnings = warnings_on(services, session, facts, today)
        names = {u.id: u.name for u in units.all_units(session)}
        domains = items.domains(session)
        counts = lists.item_counts(session)
        known = tuple(ListInfo(found.id or 0, found.name, found.code, found.year, found.state == ListState.ACTIVE.value,
                               counts.get(found.id or 0, 0)) for found in lists.lists(session))
        due = milestones.items_with_milestones_due(session, today=today, within_days=MILESTONE_DAYS)
    rows = []
    for entry in assess(facts, today, services.settings.slow_margin):
        item = entry.facts
        warning = warnings.get(item.id)
        rows.append(Row(
            id=item.id, number=item.number, title=item.title, domain=item.domain, deadline=item.deadline,
            lead_unit_ids=item.lead_unit_ids, responsible_unit_ids=item.responsible_unit_ids,
            status=entry.status.value, colour=(warning.colour if warning else Colour.GREEN).value,
            percent=item.percent, progress=None if entry.progress is None else round(entry.progress * 100),
            overdue_days=entry.overdue_days, unreported=bool(missing_unit_ids(item)), ref=item.ref,
            list_id=item.list_id, milestones_due=item.id in due))
    years = tuple(sorted({found.year for found in known}, reverse=True))
    return Table(today, tuple(rows), names, tuple(domains), years, known)


class TableCache:
    """The table of the record as it stands, rebuilt off the event loop when the record's fingerprint or
    the day changes. While a rebuild runs (about half a second at 10,000 items: the chat's own `/items`
    read), a page waits for it FRESH_WAIT at most (a list of a few hundred items is rebuilt well within
    that), then is served from the table before it, marked stale, and asks again shortly; only the very
    first table, or one of another day, is waited for to the end."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._key: tuple | None = None
        self._table: Table | None = None
        self._building: asyncio.Task[Table] | None = None

    def _version(self) -> tuple:
        with self._services.db.session() as session:
            return (*dashboard.record_version(session), *milestones.version(session), *lists.states(session))

    async def _build(self, key: tuple) -> Table:
        table = await asyncio.to_thread(build_table, self._services, key[0])
        self._table, self._key = table, key
        return table

    def _rebuild(self, key: tuple) -> asyncio.Task[Table]:
        if self._building is None or self._building.done():
            self._building = asyncio.create_task(self._build(key), name="dashboard-table")
        return self._building

    async def table(self) -> tuple[Table, bool]:
        """The table, and whether it is stale (a newer one is being built)."""
        today = self._services.clock.now().date()
        key = (today, await asyncio.to_thread(self._version))
        if self._key == key and self._table is not None:
            return self._table, False
        building = self._rebuild(key)
        if self._table is None or self._table.today != today:
            return await asyncio.shield(building), False
        try:
            return await asyncio.wait_for(asyncio.shield(building), FRESH_WAIT), False
        except TimeoutError:
            return self._table, True

    def warm(self) -> None:
        """Start building the table now (at start-up, after an action), so the next page finds it."""
        async def build() -> None:
            today = self._services.clock.now().date()
            await self._rebuild((today, await asyncio.to_thread(self._version)))

        self._key = None
        asyncio.get_running_loop().create_task(build(), name="dashboard-table-warm")

    def forget(self) -> None:
        self._key = None


def _sort_key(sort: str) -> Callable[[Row], Any]:
    far = date.max
    return {
        "number": lambda r: r.number,
        "title": lambda r: (r.title, r.number),
        "deadline": lambda r: (r.deadline or far, r.number),
        "status": lambda r: (STATUS_RANK[r.status], r.number),
        "colour": lambda r: (COLOUR_RANK[r.colour], r.number),
        "percent": lambda r: (-1 if r.percent is None else r.percent, r.number),
        "progress": lambda r: (-1 if r.progress is None else r.progress, r.number),
    }[sort]


def select_rows(table: Table, query: Query, visible_units: frozenset[int] | None) -> list[Row]:
    """The rows a viewer may see (`visible_units` None: all) that match the query, sorted."""
    rows: Sequence[Row] = table.rows
    if visible_units is not None:
        rows = [r for r in rows if visible_units.intersection(r.unit_ids)]
    if query.list:
        chosen = table.list_of(query.list)
        rows = [r for r in rows if chosen is not None and r.list_id == chosen.id]
    if query.year is not None:
        years = {found.id: found.year for found in table.lists}
        rows = [r for r in rows if years.get(r.list_id) == query.year]
    if query.unit is not None:
        rows = [r for r in rows if query.unit in r.unit_ids]
    if query.domain:
        rows = [r for r in rows if r.domain == query.domain]
    if query.status:
        rows = [r for r in rows if r.status == query.status]
    if query.colour:
        rows = [r for r in rows if r.colour == query.colour]
    if query.overdue:
        rows = [r for r in rows if r.overdue_days > 0]
    if query.unreported:
        rows = [r for r in rows if r.unreported]
    if query.milestones:
        rows = [r for r in rows if r.milestones_due]
    if query.search:
        word = query.search.lstrip("#＃").lower()
        rows = [r for r in rows if (word.isdigit() and r.number == int(word)) or word in r.title.lower()]
    return sorted(rows, key=_sort_key(query.sort), reverse=query.descending)


def page_of(rows: Sequence[Row], page: int) -> tuple[Sequence[Row], int]:
    """One page of rows, and the number of pages."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    return rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], pages
