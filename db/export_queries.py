"""Reads for the exported progress table (进展情况表): four queries, whatever the item count.

Links and reports are read as plain columns rather than ORM objects: an export of 10,000 items
reads 30,000 links and 10,000 reports, and building objects for them would cost seconds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func
from sqlmodel import Session, col, select

from db import queries
from db.models import Item, ItemUnit, ProgressReport


class LatestReport(NamedTuple):
    """What the progress table shows of an item's latest report."""

    text: str
    problems: str | None
    status: str
    percent: int | None
    current_value: float | None
    source: str


@dataclass(frozen=True)
class ExportData:
    """Everything one export reads: active items in order, their units and their latest reports."""

    items: list[Item]
    links: dict[int, dict[str, list[int]]]  # item id -> "lead" / "responsible" -> unit ids, in written order
    unit_names: dict[int, str]
    latest: dict[int, LatestReport]  # item id -> its latest report before the cut-off


def unit_links(session: Session) -> dict[int, dict[str, list[int]]]:
    """Each item's lead and responsible unit ids, in their written order; one query."""
    rows = session.exec(
        select(ItemUnit.item_id, ItemUnit.role, ItemUnit.unit_id)
        .order_by(ItemUnit.item_id, ItemUnit.role, ItemUnit.position)
    ).all()
    links: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"lead": [], "responsible": []})
    for item_id, role, unit_id in rows:
        links[item_id][str(role)].append(unit_id)
    return dict(links)


def latest_reports_before(session: Session, *, before: datetime | None) -> dict[int, LatestReport]:
    """Each item's latest report that counts, written before `before` (of all time when None); one query."""
    # A report returned (退办) by then is not shown: the one before it is.
    latest = select(func.max(ProgressReport.id)).where(queries.counting(before)).group_by(ProgressReport.item_id)
    rows = session.exec(
        select(ProgressReport.item_id, ProgressReport.text, ProgressReport.problems, ProgressReport.status,
               ProgressReport.percent, ProgressReport.current_value, ProgressReport.source)
        .where(col(ProgressReport.id).in_(latest))
    ).all()
    return {item_id: LatestReport(*rest) for item_id, *rest in rows}


def export_data(session: Session, *, before: datetime | None) -> ExportData:
    """The items, units and reports of one export (four queries)."""
    return ExportData(
        items=queries.list_items(session),
        links=unit_links(session),
        unit_names={u.id: u.name for u in queries.all_units(session) if u.id is not None},
        latest=latest_reports_before(session, before=before),
    )
