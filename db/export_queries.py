"""Reads for the exported progress table (进展情况表): five queries, whatever the item count.

Items, links and reports are read as plain columns rather than ORM objects: an export of 10,000
items reads 30,000 links and 10,000 reports, and building objects for them would cost seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from db import engine, lists, reports, units
from db import items as items_db
from db.facts import Closing
from db.models import BotSetting, Item, ListState, ProgressReport

TITLE_KEY = "table.title"  # the office's table title, as the importer read it
HEADERS_KEY = "table.headers"  # JSON: its column headers by field name (bot.tables' names)


def layout_key(key: str, list_id: int) -> str:
    """A list's own setting: `table.title.3`. The bare key is what a version before lists kept, for the
    list the migration put every item into (the first)."""
    return f"{key}.{list_id}"


class ExportItem(NamedTuple):
    """What the progress table shows of an item, and what its mark is worked out from."""

    id: int
    number: int
    title: str
    domain: str | None
    start_date: date
    deadline: date | None
    report_cycle: str
    investment: float | None
    fiscal_investment: float | None
    indicator_unit: str | None
    baseline_value: float | None
    target_value: float | None
    closing_state: str = ""  # db.facts.Closing
    closed_on: date | None = None


class LatestReport(NamedTuple):
    """What the progress table shows of an item's latest report."""

    text: str
    problems: str | None
    status: str
    percent: int | None
    current_value: float | None
    source: str


class OfficeTable(NamedTuple):
    """The title and column headers of the office's own table, when one was imported."""

    title: str | None
    headers: dict[str, str]  # field name ("fiscal_investment", "progress_text" …) -> the header as written


@dataclass(frozen=True)
class ExportData:
    """Everything one export reads: active items in order, their units and their latest reports."""

    items: list[ExportItem]
    links: dict[tuple[int, str], tuple[int, ...]]  # (item id, "lead" / "responsible") -> unit ids, in order
    unit_names: dict[int, str]
    latest: dict[int, LatestReport]  # item id -> its latest report before the cut-off
    office: OfficeTable = field(default_factory=lambda: OfficeTable(None, {}))
    task_list: ExportList | None = None  # the list exported (None: a database with no list yet)


class ExportList(NamedTuple):
    """The list an export is of: its title is made of the list's year and kind."""

    id: int
    name: str
    kind: str
    year: int


def active_items(session: Session, *, list_id: int | None = None) -> list[ExportItem]:
    """The items not archived (of the list, when given), by number; one query."""
    query = select(Item.id, Item.number, Item.title, Item.domain, Item.start_date, Item.deadline, Item.report_cycle,
                   Item.investment, Item.fiscal_investment, Item.indicator_unit, Item.baseline_value, Item.target_value,
                   Item.closing_state, Item.closed_on).where(
        col(Item.archived).is_(False), Item.closing_state != Closing.CANCELLED).order_by(Item.number)
    if list_id is not None:
        query = query.where(Item.list_id == list_id)
    return [ExportItem(*row) for row in engine.plain_rows(session, query)]


def periods_through(year: int, month: int) -> ColumnElement[bool]:
    """Reports filed under a period that has ended by the end of `month`: every earlier year's, this year's
    months up to `month` and its quarters that end by then (period keys "2021-07", "2021-Q2")."""
    keys = [f"{year}-{m:02d}" for m in range(1, month + 1)] + [f"{year}-Q{q}" for q in range(1, month // 3 + 1)]
    return (col(ProgressReport.period) < f"{year}-") | col(ProgressReport.period).in_(keys)


def latest_reports_before(session: Session, *, before: datetime | None,
                          through: tuple[int, int] | None = None) -> dict[int, LatestReport]:
    """Each item's latest report that counts, written before `before` (of all time when None); one query.

    With `through` (year, month), a table imported later that says it covers a period ended by then
    ("1—7月" imported on 2 August) counts too: the office's July table is July's, whenever it came in."""
    # A report returned (退办) by then is not shown: the one before it is.
    counts = reports.counting(before)
    if before is not None and through is not None:
        imported = (col(ProgressReport.source) == "import") & periods_through(*through) & reports.counting()
        counts = counts | imported
    latest = select(func.max(ProgressReport.id)).where(counts).group_by(ProgressReport.item_id)
    rows = engine.plain_rows(session, select(
        ProgressReport.item_id, ProgressReport.text, ProgressReport.problems, ProgressReport.status,
        ProgressReport.percent, ProgressReport.current_value, ProgressReport.source,
    ).where(col(ProgressReport.id).in_(latest)))
    return {item_id: LatestReport(*rest) for item_id, *rest in rows}


def office_table(session: Session, *, list_id: int | None = None, first: bool = True) -> OfficeTable:
    """The title and headers the importer kept of the list's table (settings `table.title.<list id>` and
    `table.headers.<list id>`; for the `first` list, the bare keys of a version before lists); one query.
    A setting that is missing or not what it should be counts as absent."""
    keys = {layout_key(TITLE_KEY, list_id or 0): TITLE_KEY, layout_key(HEADERS_KEY, list_id or 0): HEADERS_KEY}
    rows = dict(session.exec(select(BotSetting.key, BotSetting.value).where(
        col(BotSetting.key).in_([*keys, TITLE_KEY, HEADERS_KEY]))).all())
    values = {key: rows[key] for key in (TITLE_KEY, HEADERS_KEY) if first and key in rows}
    values.update({bare: rows[own] for own, bare in keys.items() if own in rows})
    try:
        headers = json.loads(values.get(HEADERS_KEY) or "{}")
    except ValueError:
        headers = {}
    if not isinstance(headers, dict):
        headers = {}
    title = (values.get(TITLE_KEY) or "").strip() or None
    return OfficeTable(title, {str(k): v.strip() for k, v in headers.items() if isinstance(v, str) and v.strip()})


def export_data(session: Session, *, before: datetime | None, through: tuple[int, int] | None = None,
                list_id: int | None = None) -> ExportData:
    """The items, units, reports and the office's own headings of one list's export (six queries); the list
    is `list_id`, else the main one (`db.lists.main_list`); `through` as for :func:`latest_reports_before`."""
    every = lists.lists(session)
    active = sorted((t for t in every if t.state == ListState.ACTIVE.value), key=lambda t: t.id or 0)
    chosen = next((t for t in every if t.id == list_id), None) if list_id is not None else next(iter(active), None)
    first = chosen is not None and chosen.id == min(t.id or 0 for t in every)
    return ExportData(
        items=active_items(session, list_id=chosen.id if chosen is not None else None),
        links=items_db.units_by_role(session),
        unit_names={u.id: u.name for u in units.all_units(session) if u.id is not None},
        latest=latest_reports_before(session, before=before, through=through),
        office=office_table(session, list_id=chosen.id if chosen is not None else None, first=first or chosen is None),
        task_list=ExportList(chosen.id or 0, chosen.name, chosen.kind, chosen.year) if chosen is not None else None,
    )
