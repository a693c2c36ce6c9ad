"""Items (事项) within their lists: numbering, units by role, edits, and the item lists the chat shows.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from db import lists
from db.engine import plain_rows
from db.facts import Closing
from db.models import (
    Contact,
    Item,
    ItemUnit,
    ProgressReport,
    Role,
    Unit,
)


def next_item_number(session: Session, *, list_id: int | None = None) -> int:
    """The next free number in the list (default: `lists.main_list`, where new items go)."""
    return lists.next_item_number(session, list_id=list_id if list_id is not None else _main_list_id(session))


def item_by_number(session: Session, *, number: int, list_id: int | None = None) -> Item | None:
    """Item `number` of the list (default: `lists.main_list`). Chat input goes through `lists.find_item`
    instead, which knows the chat's current list and `民生12`."""
    return lists.item_by_number(session, list_id=list_id if list_id is not None else _main_list_id(session),
                                number=number)


def _main_list_id(session: Session) -> int:
    main = lists.main_list(session)
    return main.id or 0 if main is not None else 0


def add_item(
    session: Session,
    *,
    title: str,
    deadline: date | None,
    deadline_text: str | None,
    lead_unit_ids: Sequence[int],
    responsible_unit_ids: Sequence[int],
    start_date: date,
    domain: str | None = None,
    number: int | None = None,
    report_cycle: str = "monthly",
    list_id: int | None = None,
    now: datetime,
) -> Item:
    """A new item in the list (default: the only active one, see `lists.list_for_new_items`)."""
    if list_id is None:
        list_id = lists.list_for_new_items(session, now=now).id or 0
    item = new_item(session, title=title, deadline=deadline, deadline_text=deadline_text, start_date=start_date,
                    domain=domain, report_cycle=report_cycle, list_id=list_id, now=now,
                    number=number if number is not None else lists.next_item_number(session, list_id=list_id))
    session.flush()
    assert item.id is not None
    add_new_item_units(session, item_id=item.id, lead_unit_ids=lead_unit_ids, responsible_unit_ids=responsible_unit_ids)
    return item


def new_item(session: Session, *, title: str, deadline: date | None, deadline_text: str | None, start_date: date,
             domain: str | None, number: int, report_cycle: str, list_id: int, now: datetime) -> Item:
    """A new item added to the session, not yet flushed (an import flushes thousands together); its units
    follow with `add_new_item_units` once it has its id."""
    item = Item(report_cycle=report_cycle, list_id=list_id, number=number, title=title.strip(), domain=domain,
                deadline=deadline, deadline_text=deadline_text, start_date=start_date, created_at=now, updated_at=now)
    session.add(item)
    return item


def add_new_item_units(session: Session, *, item_id: int, lead_unit_ids: Sequence[int],
                       responsible_unit_ids: Sequence[int]) -> None:
    """The units of a new item, which has none yet: inserted as plain rows, with no lookup of old ones and
    no ORM object each (an import adds thousands)."""
    rows = [{"item_id": item_id, "unit_id": unit_id, "role": role.value, "position": position}
            for role, ids in ((Role.LEAD, lead_unit_ids), (Role.RESPONSIBLE, responsible_unit_ids))
            for position, unit_id in enumerate(dict.fromkeys(ids))]
    if rows:
        session.execute(insert(ItemUnit), rows)


def set_item_units(
    session: Session, *, item_id: int, lead_unit_ids: Sequence[int] | None = None,
    responsible_unit_ids: Sequence[int] | None = None,
) -> None:
    for role, ids in ((Role.LEAD, lead_unit_ids), (Role.RESPONSIBLE, responsible_unit_ids)):
        if ids is None:
            continue
        for old in session.exec(select(ItemUnit).where(ItemUnit.item_id == item_id, ItemUnit.role == role)).all():
            session.delete(old)
        session.flush()
        for position, unit_id in enumerate(dict.fromkeys(ids)):
            session.add(ItemUnit(item_id=item_id, unit_id=unit_id, role=role.value, position=position))
    session.flush()


def item_unit_ids(session: Session, *, item_ids: Iterable[int] | None = None) -> dict[int, dict[str, list[int]]]:
    """Lead and responsible unit ids of each item, in their written order."""
    grouped: dict[int, dict[str, list[int]]] = {}
    for (item_id, role), unit_ids in units_by_role(session, item_ids=item_ids).items():
        grouped.setdefault(item_id, {"lead": [], "responsible": []})[role] = list(unit_ids)
    return grouped


def units_by_role(session: Session, *,
                  item_ids: Iterable[int] | None = None) -> dict[tuple[int, str], tuple[int, ...]]:
    """(item id, role value) → the unit ids of that role, in their written order. Tuples of numbers,
    which the garbage collector stops tracking: reads of 10,000 items keep no 30,000 lists alive."""
    query = select(ItemUnit.item_id, ItemUnit.role, ItemUnit.unit_id).order_by(
        col(ItemUnit.item_id), col(ItemUnit.role), col(ItemUnit.position))
    if item_ids is not None:
        query = query.where(col(ItemUnit.item_id).in_(list(set(item_ids))))
    return {key: tuple(unit_id for _, _, unit_id in rows)
            for key, rows in groupby(plain_rows(session, query), key=itemgetter(0, 1))}


def list_items(
    session: Session, *, unit_id: int | None = None, domain: str | None = None, include_archived: bool = False,
    list_id: int | None = None,
) -> list[Item]:
    """The items of the active lists (or of list `list_id`), by list and number; without `include_archived`,
    neither the archived ones nor those cancelled on an approved request (取消: out of every list and total)."""
    query = select(Item)
    if list_id is not None:
        query = query.where(Item.list_id == list_id)
    else:
        query = query.where(col(Item.list_id).in_(list(lists.active_codes(session))))
    if not include_archived:
        query = query.where(col(Item.archived).is_(False), Item.closing_state != Closing.CANCELLED)
    if domain is not None:
        query = query.where(Item.domain == domain)
    if unit_id is not None:
        query = query.where(
            col(Item.id).in_(select(ItemUnit.item_id).where(ItemUnit.unit_id == unit_id))
        )
    return list(session.exec(query.order_by(col(Item.list_id), col(Item.number))).all())


def unit_item_counts(session: Session) -> dict[int, int]:
    """Active items per unit (lead or responsible)."""
    rows = session.exec(
        select(ItemUnit.unit_id, func.count(func.distinct(ItemUnit.item_id)))
        .join(Item, col(Item.id) == col(ItemUnit.item_id)).where(col(Item.archived).is_(False))
        .group_by(col(ItemUnit.unit_id))
    ).all()
    return {unit_id: count for unit_id, count in rows}


def update_item(session: Session, *, item_id: int, field: str, value: object, text: str | None,
                now: datetime) -> Item:
    """Change one field of an item: title, deadline, domain, cycle, archived, lead or responsible units."""
    item = session.get(Item, item_id)
    if item is None:
        raise LookupError(f"item {item_id} is gone")
    if field in ("lead", "responsible"):
        set_item_units(session, item_id=item_id, **{f"{field}_unit_ids": list(value)})  # type: ignore[arg-type]
    elif field == "deadline":
        item.deadline, item.deadline_text = date.fromisoformat(str(value)), text
    elif field == "cycle":
        item.report_cycle = str(value)
    elif field in ("title", "domain", "archived"):
        setattr(item, field, value)
    else:
        raise ValueError(f"unknown field {field}")
    item.updated_at = now
    session.add(item)
    session.flush()
    return item


def domains(session: Session) -> list[str]:
    """Domains in the order of their first item."""
    rows = session.exec(
        select(Item.domain, func.min(Item.number)).where(col(Item.domain).is_not(None))
        .group_by(col(Item.domain)).order_by(func.min(Item.number))
    ).all()
    return [d for d, _ in rows if d]


def item_belongs_to(session: Session, *, item_id: int, unit_ids: Iterable[int]) -> bool:
    ids = list(unit_ids)
    if not ids:
        return False
    return session.exec(
        select(ItemUnit).where(ItemUnit.item_id == item_id, col(ItemUnit.unit_id).in_(ids))
    ).first() is not None


def items_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Item]:
    return {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(list(set(ids))))).all()}


@dataclass(frozen=True)
class Counts:
    units: int
    contacts: int
    items: int
    reports: int


def counts(session: Session) -> Counts:
    def n(model: type) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    return Counts(units=n(Unit), contacts=n(Contact), items=n(Item), reports=n(ProgressReport))
