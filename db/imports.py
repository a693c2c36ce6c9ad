"""Storing an office's task table: a preview of what an import will do, then one transaction.

Items are matched by their number (序号), or by title when the table has no numbers, so
re-importing the same table updates instead of duplicating. The table's own progress column
and status mark become a report marked `source="import"`, filed under the period the table covers
("1—7月" → July of the table's year, "半年度" → June; a quarterly item's report under its quarter) or,
when the table does not say, the period of the day of the import. The export of a month counts an
imported report filed under a period ended by then, whenever it was imported.
The table's title and its column headers as written are kept in the settings `table.title` and
`table.headers` (JSON: field → header), so the export can print the office's own.

Unit names the admin chose to treat as one (``ParsedTable.unit_merges``: merged name → kept name)
become one unit under the kept name, the other names kept as its aliases.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from db import bot_state, lists, milestones, names
from db import items as items_db
from db import reports as reports_db
from db import units as units_db
from db.export_queries import HEADERS_KEY, TITLE_KEY, layout_key
from db.facts import period_key
from db.models import Item, ListState, ProgressReport, TaskList, Unit
from db.table_types import ListTarget, ParsedTable, TableItem


@dataclass(frozen=True)
class Change:
    """One field of an existing item that the import changes, as the preview shows it: old → new."""

    number: int
    field: str  # "title", "deadline", "domain", "lead_units", "responsible_units"
    old: str
    new: str


@dataclass(frozen=True)
class Different:
    """A row whose title is another task than the item holding its number: imported as a new item at
    ``new_number`` (the item and its history left alone) unless the admin merges the two."""

    number: int
    existing: str  # the title of the item numbered so
    title: str  # the row's
    new_number: int


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
    changes: list[Change] = field(default_factory=list)  # of the updated items, in the table's order
    different: list[Different] = field(default_factory=list)  # rows kept apart from the item with their number
    period_day: date | None = None  # the day whose period the table's progress is filed under
    target: ListTarget = field(default_factory=ListTarget)  # the list it goes into
    proposed: ListTarget = field(default_factory=ListTarget)  # the one its title proposes
    lists: list[ListTarget] = field(default_factory=list)  # the active lists it could go into instead
    fresh: ListTarget = field(default_factory=ListTarget)  # the new list its title names

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.updated)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    units_created: int = 0
    reports: int = 0
    separate: int = 0  # rows imported as new items beside a different task with their number
    list_name: str = ""  # the list it went into
    list_code: str = ""


# --------------------------------------------------------------------------- one task or two

SMALL_EDIT = 4  # characters a title may change and still name the same task (punctuation aside)
SIMILAR = 0.8  # or the share of the two titles that is common (difflib's ratio)
_NOT_WORDS = re.compile(r"[\W_]+")


def _bare(title: str) -> str:
    return _NOT_WORDS.sub("", unicodedata.normalize("NFKC", title)).lower()


def same_task(old: str, new: str) -> bool:
    """Do two titles name one task: equal but for punctuation and spacing, a few characters changed
    ("完成老旧小区改造12个" → "…15个"), or mostly the same words; else they are two tasks."""
    a, b = _bare(old), _bare(new)
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    edited = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return edited <= min(SMALL_EDIT, min(len(a), len(b)) // 5) or matcher.ratio() >= SIMILAR


@dataclass(frozen=True)
class _Match:
    row: TableItem
    number: int
    item: Item | None  # the existing item the row updates; None: a new item numbered `number`


def _matches(session: Session, table: ParsedTable, list_id: int | None) -> tuple[list[_Match], list[Different]]:
    """Each row's item in the list (all new in a new list, `list_id` None): the one with its number when it
    is the same task (or the admin merged them), an earlier import's item of the same title, or a new one,
    at the row's number when free, else the next."""
    items = [] if list_id is None else list(
        session.exec(select(Item).where(Item.list_id == list_id).order_by(col(Item.number))).all())
    by_number = {i.number: i for i in items}
    by_title: dict[str, Item] = {}
    for i in items:
        by_title.setdefault(_bare(i.title), i)
    taken = set(by_number) | {row.number for row in table.items if row.number is not None}
    next_free = max(taken, default=0) + 1
    used: set[int] = set()
    matches: list[_Match] = []
    different: list[Different] = []
    for row in table.items:
        holder = by_number.get(row.number) if row.number is not None else None
        if holder is not None and holder.id not in used and (
                table.merge_different or same_task(holder.title, row.title)):
            item: Item | None = holder
        else:
            item = by_title.get(_bare(row.title))
            item = None if item is None or item.id in used or (row.number is not None and holder is None) else item
        if item is not None:
            used.add(item.id or 0)
            matches.append(_Match(row, item.number, item))
        elif holder is None and row.number is not None:
            matches.append(_Match(row, row.number, None))
        else:
            while next_free in taken:
                next_free += 1
            taken.add(next_free)
            if holder is not None and row.number is not None:
                different.append(Different(row.number, holder.title, row.title, next_free))
            matches.append(_Match(row, next_free, None))
    return matches, different


class _Names:
    """The names of the units an import writes: a table's name as the unit it will be (merged, an alias's
    unit), and the names of the units an item has now."""

    def __init__(self, session: Session, merges: dict[str, str]) -> None:
        self.session, self.merges = session, merges
        self.links = items_db.units_by_role(session)
        self.by_id = units_db.unit_names(session)
        self.cache: dict[str, str] = {}

    def of_row(self, names: list[str]) -> list[str]:
        out = []
        for name in names:
            if name not in self.cache:
                kept = self.merges.get(name, name)
                unit = units_db.find_unit(self.session, name=kept)
                self.cache[name] = unit.name if unit is not None else kept
            if self.cache[name] not in out:
                out.append(self.cache[name])
        return out

    def of_item(self, item_id: int, role: str) -> list[str]:
        return [self.by_id.get(u, "?") for u in self.links.get((item_id, role), ())]


def _deadline_text(deadline: date | None, text: str | None) -> str:
    return text or (deadline.isoformat() if deadline else "")


def _changes(number: int, item: Item, row: TableItem, names: _Names) -> list[Change]:
    """What the row changes of the item: title, deadline, domain, lead and responsible units."""
    pairs = [
        ("title", item.title, row.title),
        ("deadline", _deadline_text(item.deadline, item.deadline_text) if item.deadline != row.deadline else "",
         _deadline_text(row.deadline, row.deadline_text) if item.deadline != row.deadline else ""),
        ("domain", item.domain or "", row.domain or ""),
        ("lead_units", "、".join(names.of_item(item.id or 0, "lead")), "、".join(names.of_row(row.lead_units))),
        ("responsible_units", "、".join(names.of_item(item.id or 0, "responsible")),
         "、".join(names.of_row(row.responsible_units))),
    ]
    return [Change(number, name, old, new) for name, old, new in pairs if old != new]


_INDICATOR_FIELDS = ("indicator_unit", "baseline_value", "target_value", "binding")


def _same(existing: Item, item: TableItem) -> bool:
    return (existing.title, existing.domain, existing.deadline, existing.investment) == (
        item.title, item.domain, item.deadline, item.investment) and all(
        getattr(existing, name) == getattr(item, name) for name in _INDICATOR_FIELDS)


def _set_indicator(item: Item, row: TableItem) -> None:
    """Copy the plan table's indicator (unit, 基期值, 目标值, 约束性/预期性) onto the item."""
    for name in _INDICATOR_FIELDS:
        setattr(item, name, getattr(row, name))


# --------------------------------------------------------------------------- the list it goes into

# Kinds a title may name, the more specific first; a title naming none is a list of 重点工作.
_KIND_WORDS = (*lists.KINDS, "重点项目", "实事项目", "年度目标任务", "目标任务")
_DEFAULT_KIND = "重点工作"
_TITLE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年")


def title_list(title: str | None, period_end: date | None, today: date) -> ListTarget:
    """The new list a table's title names: "2021年普陀区民生实事…" → 2021年民生实事 (year 2021, kind 民生实事).
    The year is the title's, else that of the period the table covers, else this year's."""
    text = (title or "").replace(" ", "")
    year_match = _TITLE_YEAR.search(text)
    year = int(year_match[1]) if year_match else period_end.year if period_end else today.year
    kind = next((k for k in _KIND_WORDS if k in text), _DEFAULT_KIND)
    return ListTarget(None, f"{year}年{kind}", year, kind)


def _of(task_list: TaskList) -> ListTarget:
    return ListTarget(task_list.id, task_list.name, task_list.year, task_list.kind, task_list.code)


def _named_by_title(title: str | None) -> bool:
    text = title or ""
    return bool(_TITLE_YEAR.search(text)) or any(k in text for k in _KIND_WORDS)


def proposed_target(session: Session, table: ParsedTable, today: date) -> ListTarget:
    """Where the table goes unless the admin picks another: the active list of the year and kind its title
    names, else a new list so named; a table whose title names neither goes into the main list, as before."""
    guess = title_list(table.title, table.period_end, today)
    if _named_by_title(table.title):
        for known in lists.lists(session, active_only=True):
            if (known.year, known.kind) == (guess.year, guess.kind):
                return _of(known)
        return guess
    main = lists.main_list(session)
    return guess if main is None else _of(main)


def new_list(name: str, year: int) -> ListTarget:
    """A new list the admin named: its kind is the one its name names (重点工作 when none). The name is
    normalised and bounded (raises names.BadText)."""
    name = names.list_name(name)
    return ListTarget(None, name, year, next((k for k in _KIND_WORDS if k in name), _DEFAULT_KIND))


_TYPED_YEAR = re.compile(r"(?:^|\s)((?:19|20)[0-9]{2})\s*年?度?\s*$")


def typed_list(text: str) -> ListTarget | None:
    """A new list as typed in one message: "2022年重点工作 2022", or the name alone when it has its year
    ("2022年区政府重点工作"); None when no year can be read or the name is empty."""
    text = names.one_line(text)
    typed = _TYPED_YEAR.search(text)
    name = text[: typed.start()].strip() if typed else text
    year_match = typed or _TITLE_YEAR.search(name)
    if year_match is None:
        return None
    try:
        return new_list(name, int(year_match[1]))
    except names.BadText:
        return None


def existing_list(session: Session, *, code: str | None = None, list_id: int | None = None) -> ListTarget | None:
    """An active list to import into, by its code (or full name) or id; None when there is no such list."""
    found = lists.list_by_code(session, code=code) if code is not None else (
        lists.get_list(session, list_id=list_id) if list_id is not None else None)
    return _of(found) if found is not None and found.state == ListState.ACTIVE.value else None


class ListGone(Exception):
    """The list picked in the preview has been closed or removed since: nothing was written."""


def _target_list(session: Session, table: ParsedTable, now: datetime) -> TaskList:
    """The list the import writes into, created when it is a new one."""
    target = table.target or proposed_target(session, table, table.read_on or now.date())
    if target.list_id is not None:
        found = lists.get_list(session, list_id=target.list_id)
        if found is None or found.state != ListState.ACTIVE.value:
            raise ListGone(target.name)
        return found
    code = lists.free_code(session, lists.KINDS.get(target.kind) or target.kind[:2] or "清单")
    return lists.create_list(session, name=target.name, year=target.year, code=code, kind=target.kind, now=now)


def plan_import(session: Session, *, table: ParsedTable, today: date | None = None) -> ImportPlan:
    """What an import of this table would do; writes nothing. `today` (default: the day it was read)
    names a new list when the table's title gives no year."""
    plan = ImportPlan(skipped=list(table.skipped), bad_deadlines=list(table.bad_deadlines),
                      period_day=table.period_end or table.read_on)
    day = today or table.read_on or date.min
    plan.target = table.target or proposed_target(session, table, day)
    plan.lists = [_of(t) for t in lists.lists(session, active_only=True)]
    plan.proposed = proposed_target(session, table, day) if table.target is not None else plan.target
    plan.fresh = title_list(table.title, table.period_end, day)
    units = units_db.all_units(session)
    plan.existing_units = [u.name for u in units]
    existing_units = {u.name for u in units} | {a for u in units for a in u.aliases}
    matches, plan.different = _matches(session, table, plan.target.list_id)
    names = _Names(session, table.unit_merges)
    for match in matches:
        item, existing = match.row, match.item
        changes = _changes(match.number, existing, item, names) if existing is not None else []
        plan.changes.extend(changes)
        if existing is None:
            plan.new.append(item)
        elif _same(existing, item) and not changes:
            plan.unchanged.append(item)
        else:
            plan.updated.append(item)
        if not item.lead_units and not item.responsible_units:
            plan.without_units.append(item)
        plan.unit_uses.update(dict.fromkeys([*item.lead_units, *item.responsible_units], 1))
        for name in [*item.lead_units, *item.responsible_units]:
            name = table.unit_merges.get(name, name)
            if name not in existing_units and units_db.find_unit(session, name=name) is None:
                existing_units.add(name)
                plan.new_units.append(name)
    return plan


def _unit_ids(session: Session, names: list[str], merges: dict[str, str], result: ImportResult,
              found: dict[str, Unit]) -> list[int]:
    """The ids of a row's units, created when new; `found` keeps each name's unit for the rest of the
    import (the same few dozen units recur on every row: one lookup each, not one a row)."""
    ids: list[int] = []
    for name in names:
        kept = merges.get(name, name)
        known = found.get(kept)
        if known is not None:
            if known.id not in ids:
                ids.append(known.id or 0)
            continue
        aliases = [merged for merged, into in merges.items() if into == kept]
        unit = units_db.find_unit(session, name=kept)
        if unit is None:
            unit = units_db.add_unit(session, name=kept, aliases=aliases)
            result.units_created += 1
        else:
            _add_aliases(unit, aliases)
        assert unit.id is not None  # flushed by add_unit
        found[kept] = unit
        if unit.id not in ids:
            ids.append(unit.id)
    return ids


def _add_aliases(unit: Unit, names: list[str]) -> None:
    """Keep each merged name as one of the unit's aliases (find_unit then finds the unit by it)."""
    new = [n for n in map(units_db.normalize_name, names) if n and n != unit.name and n not in unit.aliases]
    if new:
        unit.aliases = [*unit.aliases, *new]  # a new list, so the JSON column is written


def _keep_table_layout(session: Session, table: ParsedTable, list_id: int) -> None:
    """The table's own title and headers, for the export of its list to print as the office wrote them."""
    if table.title:
        bot_state.set_setting(session, key=layout_key(TITLE_KEY, list_id), value=table.title)
    if table.headers:
        bot_state.set_setting(session, key=layout_key(HEADERS_KEY, list_id),
                            value=json.dumps(table.headers, ensure_ascii=False))


def apply_import(session: Session, *, table: ParsedTable, now: datetime,
                 on_item: Callable[[int], None] | None = None, report_cycle: str = "monthly") -> ImportResult:
    """Create units, create or update items, and keep the table's progress as reports (one transaction:
    the caller's session commits all of it or nothing). `on_item(done)` is told after each item.

    A row that is another task than the item holding its number becomes an item of its own (unless the
    admin merged them), so no report, extension or send-back ever passes from one task to another."""
    result = ImportResult()
    period_day = table.period_end or table.read_on or now.date()
    latest = reports_db.latest_reports(session)
    task_list = _target_list(session, table, now)
    list_id = task_list.id or 0
    result.list_name, result.list_code = task_list.name, task_list.code
    _keep_table_layout(session, table, list_id)
    matches, different = _matches(session, table, list_id)
    result.separate = len(different)
    links = items_db.units_by_role(session)
    found: dict[str, Unit] = {}
    # First every item, the new ones inserted together in one flush (one row at a time took 2 ms each: a
    # 20,000-row table held the database for a minute), then their units, milestones and reports.
    placed: list[tuple[_Match, Item, list[int], list[int], bool]] = []
    for match in matches:
        row, item = match.row, match.item
        lead = _unit_ids(session, row.lead_units, table.unit_merges, result, found)
        responsible = _unit_ids(session, row.responsible_units, table.unit_merges, result, found)
        year = min(task_list.year, row.deadline.year) if row.deadline else task_list.year
        if item is None:
            item = items_db.new_item(session, title=row.title, deadline=row.deadline, deadline_text=row.deadline_text,
                                     start_date=date(year, 1, 1), domain=row.domain, number=match.number,
                                     report_cycle=report_cycle, list_id=list_id, now=now)
            result.created += 1
            placed.append((match, item, lead, responsible, True))
        else:
            if not _same(item, row) or _units_changed(links, item, lead, responsible):
                result.updated += 1
            item.title, item.domain, item.deadline, item.deadline_text = (
                row.title, row.domain, row.deadline, row.deadline_text)
            item.archived, item.updated_at = False, now
            assert item.id is not None
            items_db.set_item_units(session, item_id=item.id, lead_unit_ids=lead, responsible_unit_ids=responsible)
            placed.append((match, item, lead, responsible, False))
        item.investment, item.fiscal_investment = row.investment, row.fiscal_investment
        _set_indicator(item, row)
    session.flush()
    reports: list[dict[str, object]] = []
    for done, (match, item, lead, responsible, new) in enumerate(placed, start=1):
        row = match.row
        assert item.id is not None  # flushed above
        if new:
            items_db.add_new_item_units(session, item_id=item.id, lead_unit_ids=lead, responsible_unit_ids=responsible)
        if row.milestones:
            milestones.replace_milestones(session, item_id=item.id, milestones=row.milestones, now=now)
        if row.status and not _already_imported(latest.get(item.id), row):
            reports.append({"item_id": item.id, "unit_id": None, "reporter_id": None, "created_at": now,
                            "period": period_key(item.report_cycle, period_day), "text": row.progress_text or "",
                            "percent": None, "current_value": None, "status": row.status, "problems": row.problems,
                            "evidence": [], "source": "import", "version": 1})
        if on_item is not None:
            on_item(done)
    if reports:  # as plain rows, in one statement: no ORM object each
        session.execute(insert(ProgressReport), reports)
    result.reports = len(reports)
    return result


def _units_changed(links: dict[tuple[int, str], tuple[int, ...]], item: Item, lead: list[int],
                   responsible: list[int]) -> bool:
    return (links.get((item.id or 0, "lead"), ()), links.get((item.id or 0, "responsible"), ())) != (
        tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(responsible)))


def _already_imported(report: ProgressReport | None, row: TableItem) -> bool:
    return report is not None and report.source == "import" and (report.status, report.text) == (
        row.status, row.progress_text or "")
