"""Reads for the exported progress table (进展情况表): five queries, whatever the item count.

Items, links and reports are read as plain columns rather than ORM objects: an export of 10,000
items reads 30,000 links and 10,000 reports, and building objects for them would cost seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func
from sqlmodel import Session, col, select

from db import queries
from db.facts import Closing
from db.models import BotSetting, Item, ProgressReport

TITLE_KEY = "table.title"  # the office's table title, as the importer read it
HEADERS_KEY = "table.headers"  # JSON: its column headers by field name (bot.tables' names)


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


def active_items(session: Session) -> list[ExportItem]:
    """The items not archived, by number; one query."""
    query = select(Item.id, Item.number, Item.title, Item.domain, Item.start_date, Item.deadline, Item.report_cycle,
                   Item.investment, Item.fiscal_investment, Item.indicator_unit, Item.baseline_value, Item.target_value,
                   Item.closing_state, Item.closed_on).where(col(Item.archived).is_(False), Item.closing_state != Closing.CANCELLED
                                             ).order_by(Item.number)
    return [ExportItem(*row) for row in queries.plain_rows(session, query)]


def latest_reports_before(session: Session, *, before: datetime | None) -> dict[int, LatestReport]:
    """Each item's latest report that counts, written before `before` (of all time when None); one query."""
    # A report returned (退办) by then is not shown: the one before it is.
    latest = select(func.max(ProgressReport.id)).where(queries.counting(before)).group_by(ProgressReport.item_id)
    rows = queries.plain_rows(session, select(
        ProgressReport.item_id, ProgressReport.text, ProgressReport.problems, ProgressReport.status,
        ProgressReport.percent, ProgressReport.current_value, ProgressReport.source,
    ).where(col(ProgressReport.id).in_(latest)))
    return {item_id: LatestReport(*rest) for item_id, *rest in rows}


def office_table(session: Session) -> OfficeTable:
    """The title and headers the importer kept of the office's table (settings `table.title` and
    `table.headers`); one query. A setting that is missing or not what it should be counts as absent."""
    values = dict(session.exec(select(BotSetting.key, BotSetting.value).where(
        col(BotSetting.key).in_((TITLE_KEY, HEADERS_KEY)))).all())
    try:
        headers = json.loads(values.get(HEADERS_KEY) or "{}")
    except ValueError:
        headers = {}
    if not isinstance(headers, dict):
        headers = {}
    title = (values.get(TITLE_KEY) or "").strip() or None
    return OfficeTable(title, {str(k): v.strip() for k, v in headers.items() if isinstance(v, str) and v.strip()})


def export_data(session: Session, *, before: datetime | None) -> ExportData:
    """The items, units, reports and the office's own headings of one export (five queries)."""
    return ExportData(
        items=active_items(session),
        links=queries.units_by_role(session),
        unit_names={u.id: u.name for u in queries.all_units(session) if u.id is not None},
        latest=latest_reports_before(session, before=before),
        office=office_table(session),
    )
