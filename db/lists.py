"""Task lists (清单): each item belongs to one list and is numbered within it.

An office keeps several lists at once (2021年重点工作, 2021年民生实事) and starts new ones every
year. In chat an item is `#12` within the chat's current list (picked with /list; with one active
list, that one), or `民生12` / `民生#12` / `民生 12` naming another list by its code (or full name).
`find_item` is the one place that turns such a reference into an item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.facts import item_label
from db.models import ChatList, Item, ItemUnit, ListState, TaskList

KINDS = {"民生实事": "民生", "重点工作": "重点"}  # kinds an office names, and their usual codes
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# The list's code or name (any word with something besides digits), then the number.
_REFERENCE = re.compile(r"^\s*(?:([^\s#＃]*?[^\s#＃0-9０-９][^\s#＃]*?)\s*)?[#＃]?\s*([0-9０-９]{1,9})\s*$")


@dataclass(frozen=True)
class Reference:
    """An item as typed: its number, and the list's code or name when the user named one."""

    number: int
    code: str | None = None

    def __str__(self) -> str:  # as the user wrote it, for "no item #…" messages
        return item_label(self.code, self.number) if self.code else str(self.number)


def parse_reference(text: str) -> Reference | None:
    """`12`, `#12`, `＃１２`, `民生12`, `民生#12`, `民生 12`; None for anything else."""
    match = _REFERENCE.match(text)
    if not match:
        return None
    return Reference(int(match[2].translate(_DIGITS)), match[1] or None)


@dataclass(frozen=True)
class Lookup:
    """What a reference found: the item (None: no such number), or why there is no answer (`problem`:
    "unknown_list" — no list has that code; "ambiguous" — no current list and several have the number)."""

    item: Item | None = None
    task_list: TaskList | None = None
    problem: str | None = None
    choices: tuple[str, ...] = ()  # the list codes known, or the labels the number could mean


# ---------------------------------------------------------------- lists


def create_list(session: Session, *, name: str, year: int, code: str, kind: str = "", now: datetime) -> TaskList:
    task_list = TaskList(name=name.strip(), year=year, code=code.strip(), kind=kind, created_at=now)
    session.add(task_list)
    session.flush()
    return task_list


def get_list(session: Session, *, list_id: int) -> TaskList | None:
    return session.get(TaskList, list_id)


def lists(session: Session, *, active_only: bool = False) -> list[TaskList]:
    query = select(TaskList)
    if active_only:
        query = query.where(TaskList.state == ListState.ACTIVE.value)
    return list(session.exec(query.order_by(col(TaskList.year).desc(), col(TaskList.id))).all())


def list_by_code(session: Session, *, code: str) -> TaskList | None:
    """The list of that code, or else of that full name."""
    code = code.strip()
    return (session.exec(select(TaskList).where(TaskList.code == code)).first()
            or session.exec(select(TaskList).where(TaskList.name == code)).first())


def default_list(session: Session) -> TaskList | None:
    """The only active list; None when there are none or several."""
    active = session.exec(select(TaskList).where(TaskList.state == ListState.ACTIVE.value).limit(2)).all()
    return active[0] if len(active) == 1 else None


def list_for_new_items(session: Session, *, now: datetime) -> TaskList:
    """Where items go when no list is named: `main_list`, else (a fresh database) a new `<year>年重点工作`."""
    found = main_list(session)
    if found is not None:
        return found
    kind = "重点工作"
    return create_list(session, name=f"{now.year}年{kind}", year=now.year, code=free_code(session, KINDS[kind]),
                       kind=kind, now=now)


def main_list(session: Session) -> TaskList | None:
    """The default list, else the oldest active one (writes nothing)."""
    return default_list(session) or session.exec(
        select(TaskList).where(TaskList.state == ListState.ACTIVE.value).order_by(col(TaskList.id))).first()


def free_code(session: Session, code: str) -> str:
    """`code`, or `code2`, `code3`… when another list has it."""
    taken = set(session.exec(select(TaskList.code)).all())
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}{n}"
    return candidate


def active_codes(session: Session) -> dict[int, str]:
    """The active lists' codes by id."""
    rows = session.exec(select(TaskList.id, TaskList.code).where(TaskList.state == ListState.ACTIVE.value)).all()
    return {list_id: code for list_id, code in rows if list_id is not None}


def codes(session: Session) -> dict[int, str]:
    """Every list's code by id (closed ones too)."""
    return {list_id: code for list_id, code in session.exec(select(TaskList.id, TaskList.code)).all()
            if list_id is not None}


def labels(session: Session, *, items: Iterable[Item]) -> dict[int, str]:
    """Item id → "民生12" while several lists are active (then messages name the list); else empty."""
    if not several_active(session):
        return {}
    every = codes(session)
    return {item.id: item_label(every.get(item.list_id, ""), item.number) for item in items if item.id is not None}


def refs(session: Session, *, items: Iterable[Item]) -> dict[int, str]:
    """Item id → how messages name it: "12" (a text writes "#12"), or "民生12" while several lists are
    active (the text's "#" then gives way to the list's code; `db.facts.shown` for lines built by hand)."""
    items = list(items)
    named = labels(session, items=items)
    return {item.id: named.get(item.id, str(item.number)) for item in items if item.id is not None}


def item_ref(session: Session, *, item: Item) -> str:
    """How a message names one item (see `refs`). Pass it as a text's `number`."""
    return refs(session, items=[item]).get(item.id or 0, str(item.number))


def several_active(session: Session) -> bool:
    """Whether messages must name the list of each item (more than one list is active)."""
    return len(session.exec(select(TaskList.id).where(TaskList.state == ListState.ACTIVE.value).limit(2)).all()) > 1


# ---------------------------------------------------------------- items in a list


def next_item_number(session: Session, *, list_id: int) -> int:
    return (session.exec(select(func.max(Item.number)).where(Item.list_id == list_id)).one() or 0) + 1


def item_by_number(session: Session, *, list_id: int, number: int) -> Item | None:
    return session.exec(select(Item).where(Item.list_id == list_id, Item.number == number)).first()


# ---------------------------------------------------------------- the chat's current list


def current_list(session: Session, *, chat_id: int | None) -> TaskList | None:
    """The list the chat picked, else the only active list; None when several are active and none was picked."""
    chosen = session.get(ChatList, chat_id) if chat_id is not None else None
    if chosen is not None:
        picked = session.get(TaskList, chosen.list_id)
        if picked is not None:
            return picked
    return default_list(session)


def set_current_list(session: Session, *, chat_id: int, list_id: int, now: datetime) -> None:
    chosen = session.get(ChatList, chat_id)
    if chosen is None:
        session.add(ChatList(chat_id=chat_id, list_id=list_id, updated_at=now))
    else:
        chosen.list_id, chosen.updated_at = list_id, now


def find_item(session: Session, *, reference: Reference, chat_id: int | None) -> Lookup:
    """The item a chat means by `reference` (see the module's docstring)."""
    if reference.code is not None:
        named = list_by_code(session, code=reference.code)
        if named is None:
            return Lookup(problem="unknown_list", choices=tuple(t.code for t in lists(session)))
        return Lookup(item_by_number(session, list_id=named.id or 0, number=reference.number), named)
    current = current_list(session, chat_id=chat_id)
    if current is not None:
        return Lookup(item_by_number(session, list_id=current.id or 0, number=reference.number), current)
    rows = session.exec(
        select(Item, TaskList).join(TaskList, col(TaskList.id) == col(Item.list_id))
        .where(Item.number == reference.number, TaskList.state == ListState.ACTIVE.value).order_by(col(TaskList.id))
    ).all()
    if len(rows) > 1:
        return Lookup(problem="ambiguous", choices=tuple(item_label(t.code, reference.number) for _i, t in rows))
    return Lookup(rows[0][0], rows[0][1]) if rows else Lookup()


# ---------------------------------------------------------------- a year's end: closing, carrying over


def item_counts(session: Session) -> dict[int, int]:
    """Items (not archived) per list."""
    rows = session.exec(select(Item.list_id, func.count()).where(col(Item.archived).is_(False))
                        .group_by(col(Item.list_id))).all()
    return {list_id: count for list_id, count in rows}


def closed_list_of(session: Session, *, item: Item) -> TaskList | None:
    """The item's list when it is closed (read-only), else None."""
    task_list = session.get(TaskList, item.list_id)
    return task_list if task_list is not None and task_list.state == ListState.CLOSED.value else None


def close_list(session: Session, *, list_id: int, now: datetime) -> TaskList | None:
    """Close an active list: its items get no reminders and take no reports; everything is kept.
    None when it is gone or already closed (a second confirm changes nothing)."""
    task_list = session.get(TaskList, list_id)
    if task_list is None or task_list.state != ListState.ACTIVE.value:
        return None
    task_list.state, task_list.closed_at = ListState.CLOSED.value, now
    return task_list


def next_year_list(session: Session, *, source: TaskList) -> TaskList | None:
    """The list an unfinished task of `source` is carried into: the same kind's list of the next year."""
    return session.exec(select(TaskList).where(TaskList.year == source.year + 1, TaskList.kind == source.kind,
                                               TaskList.id != source.id).order_by(col(TaskList.id))).first()


def next_year_name(source: TaskList) -> str:
    """ "2022年民生实事" after "2021年民生实事" (the name with its year moved on, else prefixed)."""
    year, after = str(source.year), str(source.year + 1)
    return source.name.replace(year, after, 1) if year in source.name else f"{after}年{source.name}"


def open_next_year_list(session: Session, *, source: TaskList, now: datetime) -> TaskList:
    """The next year's list of the same kind, made when missing (its code: the source's, with the year's
    last two digits: 民生 → 民生22)."""
    found = next_year_list(session, source=source)
    if found is not None:
        return found
    base = source.code.rstrip("0123456789") or source.code
    return create_list(session, name=next_year_name(source), year=source.year + 1, kind=source.kind,
                       code=free_code(session, f"{base}{(source.year + 1) % 100:02d}"), now=now)


def carried_into(session: Session, *, item_ids: list[int]) -> dict[int, Item]:
    """Old item id → the item it was carried into (结转), for the items given."""
    rows = session.exec(select(Item).where(col(Item.carried_from_id).in_(item_ids)).order_by(col(Item.id))).all()
    return {item.carried_from_id: item for item in rows if item.carried_from_id is not None}


def carry_items(session: Session, *, item_ids: list[int], target: TaskList, now: datetime) -> list[tuple[Item, Item]]:
    """Copy the items into `target` with the next free numbers there, each linked to the item it came
    from; the old item and its history stay as they are. An item already carried into `target` is not
    copied again (a second confirm adds nothing). Returns (old, new) pairs in the old numbers' order."""
    already = {old: new for old, new in carried_into(session, item_ids=item_ids).items() if new.list_id == target.id}
    olds = session.exec(select(Item).where(col(Item.id).in_(item_ids)).order_by(col(Item.number))).all()
    links = session.exec(select(ItemUnit).where(col(ItemUnit.item_id).in_(item_ids))).all()
    number = next_item_number(session, list_id=target.id or 0)
    pairs = []
    for old in olds:
        if old.id in already:
            pairs.append((old, already[old.id]))
            continue
        deadline = old.deadline if old.deadline and old.deadline.year > old.start_date.year else None
        new = Item(list_id=target.id or 0, number=number, carried_from_id=old.id, title=old.title, domain=old.domain,
                   deadline=deadline or date(target.year, 12, 31),
                   deadline_text=old.deadline_text if deadline else f"{target.year}年底",
                   start_date=date(target.year, 1, 1), investment=old.investment,
                   fiscal_investment=old.fiscal_investment, report_cycle=old.report_cycle,
                   indicator_unit=old.indicator_unit, baseline_value=old.baseline_value,
                   target_value=old.target_value, binding=old.binding, created_at=now, updated_at=now)
        session.add(new)
        session.flush()
        session.add_all([ItemUnit(item_id=new.id or 0, unit_id=link.unit_id, role=link.role, position=link.position)
                         for link in links if link.item_id == old.id])
        pairs.append((old, new))
        number += 1
    session.flush()
    return pairs


def states(session: Session) -> tuple[tuple[int, str, int], ...]:
    """Every list's id, state and year: a fingerprint for the dashboard's table (a list made, closed or
    renamed to another year changes it)."""
    rows = session.exec(select(TaskList.id, TaskList.state, TaskList.year).order_by(col(TaskList.id))).all()
    return tuple((list_id or 0, state, year) for list_id, state, year in rows)
