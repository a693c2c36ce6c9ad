"""Storing an office's task table: a preview of what an import will do, then one transaction.

Items are matched by their number (序号), or by title when the table has no numbers, so
re-importing the same table updates instead of duplicating. The table's own progress column
and status mark become a report marked `source="import"`, filed under the period the table covers
("1—7月" → July of the table's year) or, when the table does not say, the month of the import.
The table's title and its column headers as written are kept in the settings `table.title` and
`table.headers` (JSON: field → header), so the export can print the office's own.

Unit names the admin chose to treat as one (``ParsedTable.unit_merges``: merged name → kept name)
become one unit under the kept name, the other names kept as its aliases.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from db import milestones, queries
from db.models import Item, ProgressReport, Unit
from db.table_types import ParsedTable, TableItem, month_period


@dataclass
class ImportPlan:
    new: list[TableItem] = field(default_factory=list)
    updated: list[TableItem] = field(default_factory=list)
    unchanged: list[TableItem] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    without_units: list[TableItem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    bad_deadlines: list[tuple[int, str]] = field(default_factory=list)
    existing_units: list[str] = field(default_factory=list)  # every unit's name, for near-duplicate checks
    unit_uses: Counter[str] = field(default_factory=Counter)  # the table's unit names -> how many items use them

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.updated)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    units_created: int = 0
    reports: int = 0


def _numbered(session: Session, table: ParsedTable) -> list[tuple[int, TableItem]]:
    """Each row's item number: its own, the number of an existing item of the same title, or the next free."""
    by_title = {i.title: i.number for i in session.exec(select(Item)).all()}
    next_free = queries.next_item_number(session)
    taken = {item.number for item in table.items if item.number is not None}
    numbered = []
    for item in table.items:
        number = item.number if item.number is not None else by_title.get(item.title)
        if number is None:
            while next_free in taken:
                next_free += 1
            number, next_free = next_free, next_free + 1
            taken.add(number)
        numbered.append((number, item))
    return numbered


_INDICATOR_FIELDS = ("indicator_unit", "baseline_value", "target_value", "binding")


def _same(existing: Item, item: TableItem) -> bool:
    return (existing.title, existing.domain, existing.deadline, existing.investment) == (
        item.title, item.domain, item.deadline, item.investment) and all(
        getattr(existing, name) == getattr(item, name) for name in _INDICATOR_FIELDS)


def _set_indicator(item: Item, row: TableItem) -> None:
    """Copy the plan table's indicator (unit, 基期值, 目标值, 约束性/预期性) onto the item."""
    for name in _INDICATOR_FIELDS:
        setattr(item, name, getattr(row, name))


def plan_import(session: Session, *, table: ParsedTable) -> ImportPlan:
    """What an import of this table would do; writes nothing."""
    plan = ImportPlan(skipped=list(table.skipped), bad_deadlines=list(table.bad_deadlines))
    units = queries.all_units(session)
    plan.existing_units = [u.name for u in units]
    existing_units = {u.name for u in units} | {a for u in units for a in u.aliases}
    for number, item in _numbered(session, table):
        existing = queries.item_by_number(session, number=number)
        if existing is None:
            plan.new.append(item)
        elif _same(existing, item):
            plan.unchanged.append(item)
        else:
            plan.updated.append(item)
        if not item.lead_units and not item.responsible_units:
            plan.without_units.append(item)
        plan.unit_uses.update(dict.fromkeys([*item.lead_units, *item.responsible_units], 1))
        for name in [*item.lead_units, *item.responsible_units]:
            name = table.unit_merges.get(name, name)
            if name not in existing_units and queries.find_unit(session, name=name) is None:
                existing_units.add(name)
                plan.new_units.append(name)
    return plan


def _unit_ids(session: Session, names: list[str], merges: dict[str, str], result: ImportResult) -> list[int]:
    ids: list[int] = []
    for name in names:
        kept = merges.get(name, name)
        aliases = [merged for merged, into in merges.items() if into == kept]
        unit = queries.find_unit(session, name=kept)
        if unit is None:
            unit = queries.add_unit(session, name=kept, aliases=aliases)
            result.units_created += 1
        else:
            _add_aliases(unit, aliases)
        if unit.id not in ids:
            ids.append(unit.id)
    return ids


def _add_aliases(unit: Unit, names: list[str]) -> None:
    """Keep each merged name as one of the unit's aliases (find_unit then finds the unit by it)."""
    new = [n for n in map(queries.normalize_name, names) if n and n != unit.name and n not in unit.aliases]
    if new:
        unit.aliases = [*unit.aliases, *new]  # a new list, so the JSON column is written


def _keep_table_layout(session: Session, table: ParsedTable) -> None:
    """The table's own title and headers, for the export to print as the office wrote them."""
    if table.title:
        queries.set_setting(session, key=TITLE_KEY, value=table.title)
    if table.headers:
        queries.set_setting(session, key=HEADERS_KEY, value=json.dumps(table.headers, ensure_ascii=False))


TITLE_KEY = "table.title"
HEADERS_KEY = "table.headers"


def apply_import(session: Session, *, table: ParsedTable, now: datetime,
                 on_item: Callable[[int], None] | None = None, report_cycle: str = "monthly") -> ImportResult:
    """Create units, create or update items, and keep the table's progress as reports (one transaction:
    the caller's session commits all of it or nothing). `on_item(done)` is told after each item."""
    result = ImportResult()
    period = month_period(table.period_end or now.date())
    latest = queries.latest_reports(session)
    _keep_table_layout(session, table)
    for done, (number, row) in enumerate(_numbered(session, table), start=1):
        lead = _unit_ids(session, row.lead_units, table.unit_merges, result)
        responsible = _unit_ids(session, row.responsible_units, table.unit_merges, result)
        item = queries.item_by_number(session, number=number)
        year = min(now.year, row.deadline.year) if row.deadline else now.year
        if item is None:
            item = queries.add_item(
                session, number=number, title=row.title, deadline=row.deadline, deadline_text=row.deadline_text,
                lead_unit_ids=lead, responsible_unit_ids=responsible, start_date=date(year, 1, 1),
                domain=row.domain, now=now, report_cycle=report_cycle,
            )
            result.created += 1
        else:
            if not _same(item, row):
                result.updated += 1
            item.title, item.domain, item.deadline, item.deadline_text = (
                row.title, row.domain, row.deadline, row.deadline_text)
            item.investment, item.fiscal_investment, item.archived, item.updated_at = (
                row.investment, row.fiscal_investment, False, now)
            queries.set_item_units(session, item_id=item.id, lead_unit_ids=lead, responsible_unit_ids=responsible)
        item.investment, item.fiscal_investment = row.investment, row.fiscal_investment
        _set_indicator(item, row)
        if row.milestones:
            milestones.replace_milestones(session, item_id=item.id, milestones=row.milestones, now=now)
        if row.status and not _already_imported(latest.get(item.id), row):
            queries.add_report(
                session, item_id=item.id, unit_id=None, reporter_id=None, period=period, now=now,
                text=row.progress_text or "", percent=None, status=row.status, problems=row.problems,
                source="import",
            )
            result.reports += 1
        if on_item is not None:
            on_item(done)
    return result


def _already_imported(report: ProgressReport | None, row: TableItem) -> bool:
    return report is not None and report.source == "import" and (report.status, report.text) == (
        row.status, row.progress_text or "")
