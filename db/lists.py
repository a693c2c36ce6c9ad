"""Task lists (清单): each item belongs to one list and is numbered within it.

An office keeps several lists at once (2021年重点工作, 2021年民生实事) and starts new ones every
year. In chat an item is `#12` within the chat's current list (picked with /list; with one active
list, that one), or `民生12` / `民生#12` / `民生 12` naming another list by its code (or full name).
`find_item` is the one place that turns such a reference into an item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import ChatList, Item, ListState, TaskList

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
        return f"{self.code}{self.number}" if self.code else str(self.number)


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
        return Lookup(problem="ambiguous", choices=tuple(f"{t.code}{reference.number}" for _i, t in rows))
    return Lookup(rows[0][0], rows[0][1]) if rows else Lookup()
