"""Every query of the bot: keyword-only functions taking a session.

Handlers and jobs call these and never build SQL themselves. Reads that feed the digest and
the reminder round run a fixed number of queries, whatever the number of items.
"""

from __future__ import annotations

import difflib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, bindparam, cast, func, or_
from sqlmodel import Session, col, select

from db import lists, names
from db.engine import insert_ignore_many
from db.facts import Closing, Due, ItemFacts, counted_mark, period_key, recent_period_keys
from db.gcpause import collector_paused
from db.milestones import milestone_facts
from db.models import (
    BotSetting,
    CalendarOverride,
    Contact,
    DigestLog,
    Invite,
    Item,
    ItemUnit,
    Person,
    ProgressReport,
    Reminder,
    Role,
    SentMessage,
    Snooze,
    Unit,
)

# ---------------------------------------------------------------- people


def remember_person(session: Session, *, telegram_id: int, full_name: str, username: str | None) -> Person:
    person = session.get(Person, telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id, full_name=full_name, username=username)
        session.add(person)
    elif (person.full_name, person.username) != (full_name, username):
        person.full_name, person.username = full_name, username
    return person


def person_language(session: Session, *, telegram_id: int) -> str | None:
    person = session.get(Person, telegram_id)
    return person.language if person else None


def people_languages(session: Session, *, telegram_ids: Iterable[int]) -> dict[int, str]:
    """Telegram id → the language a person chose, for those who chose one."""
    ids = list(set(telegram_ids))
    if not ids:
        return {}
    rows = session.exec(select(Person.telegram_id, Person.language).where(col(Person.telegram_id).in_(ids))).all()
    return {telegram_id: language for telegram_id, language in rows if language}


def set_person_language(session: Session, *, telegram_id: int, language: str) -> None:
    person = session.get(Person, telegram_id) or Person(telegram_id=telegram_id)
    person.language = language
    session.add(person)


def people_names(session: Session, *, telegram_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(telegram_ids))
    if not ids:
        return {}
    rows = session.exec(select(Person).where(col(Person.telegram_id).in_(ids))).all()
    return {p.telegram_id: p.full_name or (p.username or str(p.telegram_id)) for p in rows}


# ---------------------------------------------------------------- units


def normalize_name(name: str) -> str:
    """A unit name or alias as stored and compared (see db.names)."""
    return names.unit_key(name)


def _units_with_aliases(session: Session) -> list[Unit]:
    # Aliases are a JSON list; most units have none, so only the few that do are read to compare them.
    return list(session.exec(select(Unit).where(cast(Unit.aliases, String) != "[]").order_by(Unit.id)).all())


def unit_named(session: Session, *, name: str, other_than: int | None = None) -> Unit | None:
    """The unit whose name or one of whose aliases is `name` once normalised (another than `other_than`)."""
    wanted = normalize_name(name)
    query = select(Unit).where(Unit.name == wanted)
    if other_than is not None:
        query = query.where(Unit.id != other_than)
    unit = session.exec(query).first()
    if unit is not None:
        return unit
    return next((u for u in _units_with_aliases(session)
                 if u.id != other_than and wanted in {normalize_name(a) for a in u.aliases}), None)


def _check_free(session: Session, *, keys: Sequence[str], unit_id: int | None) -> None:
    """Raise NameTaken when one of `keys` is already another unit's name or alias."""
    for key in keys:
        other = unit_named(session, name=key, other_than=unit_id)
        if other is not None:
            raise names.NameTaken(key, other.name)


def add_unit(session: Session, *, name: str, aliases: Sequence[str] = ()) -> Unit:
    """A new unit; its name and aliases normalised (raises names.BadText) and not another unit's name or alias
    (raises names.NameTaken, naming that unit). The caller's transaction is left to roll back on either."""
    key = names.unit_name(name)
    alias_keys = [a for a in dict.fromkeys(names.alias(a) for a in aliases if names.has_content(a)) if a != key]
    _check_free(session, keys=[key, *alias_keys], unit_id=None)
    unit = Unit(name=key, aliases=alias_keys)
    session.add(unit)
    session.flush()
    return unit


def rename_unit(session: Session, *, unit_id: int, name: str | None = None,
                aliases: Sequence[str] | None = None) -> Unit:
    """Give a unit a new name and/or a new list of aliases, with the checks of `add_unit`."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise LookupError(f"unit {unit_id} is gone")
    key = names.unit_name(name) if name is not None else unit.name
    alias_keys = unit.aliases if aliases is None else [
        a for a in dict.fromkeys(names.alias(a) for a in aliases if names.has_content(a)) if a != key]
    _check_free(session, keys=[key, *alias_keys], unit_id=unit_id)
    unit.name, unit.aliases = key, list(alias_keys)
    session.add(unit)
    session.flush()
    return unit


def all_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(Unit.id)).all())


def unit_names(session: Session) -> dict[int, str]:
    """Every unit's name by id."""
    return {unit.id: unit.name for unit in all_units(session) if unit.id is not None}


def find_unit(session: Session, *, name: str) -> Unit | None:
    """A unit by its exact name or one of its aliases (normalised: spaces and invisible characters ignored)."""
    if not normalize_name(name):
        return None
    return unit_named(session, name=name)


def suggest_units(session: Session, *, name: str, limit: int = 3) -> list[str]:
    """The closest existing unit names, for "did you mean" answers."""
    wanted = normalize_name(name)
    known = [u.name for u in all_units(session)]
    close = difflib.get_close_matches(wanted, known, n=limit, cutoff=0.3)
    contained = [n for n in known if (wanted in n or n in wanted) and n not in close]
    return (close + contained)[:limit]


def unit_contact_counts(session: Session) -> dict[int, int]:
    rows = session.exec(select(Contact.unit_id, func.count()).group_by(Contact.unit_id)).all()
    return {unit_id: count for unit_id, count in rows}


def units_by_id(session: Session, *, ids: Iterable[int] | None = None) -> dict[int, Unit]:
    query = select(Unit)
    if ids is not None:
        query = query.where(col(Unit.id).in_(list(set(ids))))
    return {u.id: u for u in session.exec(query).all() if u.id is not None}


# ---------------------------------------------------------------- contacts and invites


def units_of_user(session: Session, *, telegram_id: int) -> list[Unit]:
    query = select(Unit).join(Contact, col(Contact.unit_id) == col(Unit.id)).where(
        Contact.telegram_id == telegram_id
    )
    return list(session.exec(query.order_by(Unit.id)).all())


# The query of every /report (and of each contact's command), built once: building a statement and
# its cache key costs more than running it on SQLite.
_CONTACT_UNITS = (
    select(Unit, Person.language).join(Contact, col(Contact.unit_id) == col(Unit.id))
    .outerjoin(Person, col(Person.telegram_id) == col(Contact.telegram_id))
    .where(Contact.telegram_id == bindparam("telegram_id")).order_by(Unit.id)
)

def contact_units(session: Session, *, telegram_id: int) -> tuple[list[Unit], str | None]:
    """The units a user reports for, and the language they chose (None: the office's), in one query."""
    rows = session.exec(_CONTACT_UNITS, params={"telegram_id": telegram_id}).all()
    return [unit for unit, _language in rows], (rows[0][1] if rows else None)


def contacts_of_units(session: Session, *, unit_ids: Iterable[int]) -> dict[int, list[Contact]]:
    ids = list(set(unit_ids))
    rows = session.exec(select(Contact).where(col(Contact.unit_id).in_(ids)).order_by(Contact.id)).all()
    grouped: dict[int, list[Contact]] = defaultdict(list)
    for contact in rows:
        grouped[contact.unit_id].append(contact)
    return grouped


def units_without_contacts(session: Session, *, unit_ids: Iterable[int]) -> set[int]:
    """Those of the units no contact is bound to (未绑定联络员): nobody there gets a reminder."""
    ids = set(unit_ids)
    bound = session.exec(select(Contact.unit_id).where(col(Contact.unit_id).in_(ids)).distinct()).all()
    return ids - set(bound)


def set_reachable(session: Session, *, telegram_id: int, reachable: bool) -> None:
    for contact in session.exec(select(Contact).where(Contact.telegram_id == telegram_id)).all():
        contact.reachable = reachable


def unreachable_contacts(session: Session) -> list[str]:
    """Contacts who blocked the bot or left, as "unit（name）" (all of a unit's: it gets nothing at all):
    the admins must find those units another contact."""
    rows = session.exec(
        select(Unit.name, Person.full_name, Contact.telegram_id)
        .join(Contact, col(Contact.unit_id) == col(Unit.id))
        .join(Person, col(Person.telegram_id) == col(Contact.telegram_id), isouter=True)
        .where(col(Contact.reachable).is_(False)).order_by(Unit.id, Contact.id)
    ).all()
    return [f"{unit}（{name or telegram_id}）" for unit, name, telegram_id in rows]


def create_invite(session: Session, *, unit_id: int, created_by: int, now: datetime, ttl: timedelta,
                  backup: bool = False) -> Invite:
    invite = Invite(
        code=secrets.token_urlsafe(12), unit_id=unit_id, created_by=created_by,
        created_at=now, expires_at=now + ttl, backup=backup,
    )
    session.add(invite)
    session.flush()
    return invite


class InviteResult(StrEnum):
    BOUND = "bound"
    ALREADY = "already"  # the same user opened their own link again
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def redeem_invite(session: Session, *, code: str, telegram_id: int, now: datetime) -> tuple[InviteResult, Unit | None]:
    invite = session.exec(select(Invite).where(Invite.code == code)).first()
    if invite is None:
        return InviteResult.UNKNOWN, None
    unit = session.get(Unit, invite.unit_id)
    if invite.used_at is not None:
        same = invite.used_by == telegram_id
        return (InviteResult.ALREADY, unit) if same else (InviteResult.USED, None)
    if invite.expires_at <= now:
        return InviteResult.EXPIRED, None
    invite.used_at, invite.used_by = now, telegram_id
    exists = session.exec(
        select(Contact).where(Contact.telegram_id == telegram_id, Contact.unit_id == invite.unit_id)
    ).first()
    if exists is None:
        session.add(Contact(telegram_id=telegram_id, unit_id=invite.unit_id, created_at=now, backup=invite.backup))
    else:
        exists.reachable, exists.backup = True, invite.backup
    return InviteResult.BOUND, unit


# ---------------------------------------------------------------- items


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
    item = Item(
        report_cycle=report_cycle, list_id=list_id,
        number=number if number is not None else lists.next_item_number(session, list_id=list_id),
        title=title.strip(), domain=domain, deadline=deadline, deadline_text=deadline_text,
        start_date=start_date, created_at=now, updated_at=now,
    )
    session.add(item)
    session.flush()
    set_item_units(session, item_id=item.id, lead_unit_ids=lead_unit_ids, responsible_unit_ids=responsible_unit_ids)
    return item


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
        ItemUnit.item_id, ItemUnit.role, ItemUnit.position)
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
    return list(session.exec(query.order_by(Item.list_id, Item.number)).all())


def unit_item_counts(session: Session) -> dict[int, int]:
    """Active items per unit (lead or responsible)."""
    rows = session.exec(
        select(ItemUnit.unit_id, func.count(func.distinct(ItemUnit.item_id)))
        .join(Item, col(Item.id) == col(ItemUnit.item_id)).where(col(Item.archived).is_(False))
        .group_by(ItemUnit.unit_id)
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
        .group_by(Item.domain).order_by(func.min(Item.number))
    ).all()
    return [d for d, _ in rows if d]


def item_belongs_to(session: Session, *, item_id: int, unit_ids: Iterable[int]) -> bool:
    ids = list(unit_ids)
    if not ids:
        return False
    return session.exec(
        select(ItemUnit).where(ItemUnit.item_id == item_id, col(ItemUnit.unit_id).in_(ids))
    ).first() is not None


# ---------------------------------------------------------------- reports


def add_report(
    session: Session,
    *,
    item_id: int,
    unit_id: int | None,
    reporter_id: int | None,
    period: str,
    now: datetime,
    text: str,
    percent: int | None,
    status: str,
    problems: str | None,
    evidence: Sequence[dict[str, str]] = (),
    source: str = "chat",
    current_value: float | None = None,
) -> ProgressReport:
    report = ProgressReport(
        current_value=current_value, item_id=item_id, unit_id=unit_id, reporter_id=reporter_id, period=period, created_at=now,
        text=text, percent=percent, status=status, problems=problems, evidence=list(evidence), source=source,
    )
    session.add(report)
    session.flush()
    return report


def reports_of_item(session: Session, *, item_id: int) -> list[ProgressReport]:
    query = select(ProgressReport).where(ProgressReport.item_id == item_id).order_by(ProgressReport.id)
    return list(session.exec(query).all())


def counting(before: datetime | None = None) -> ColumnElement[bool]:
    """Reports that count (as of `before`, when given): written by then and not returned (退办) by then."""
    if before is None:
        return col(ProgressReport.returned_at).is_(None)
    return (col(ProgressReport.created_at) < before) & or_(
        col(ProgressReport.returned_at).is_(None), col(ProgressReport.returned_at) >= before)


def latest_reports(session: Session, *, item_ids: Iterable[int] | None = None,
                   before: datetime | None = None) -> dict[int, ProgressReport]:
    """Each item's latest report that counts; a returned one falls back to the one before it."""
    latest = select(func.max(ProgressReport.id)).where(counting(before)).group_by(ProgressReport.item_id)
    if item_ids is not None:
        latest = latest.where(col(ProgressReport.item_id).in_(list(set(item_ids))))
    rows = session.exec(select(ProgressReport).where(col(ProgressReport.id).in_(latest))).all()
    return {r.item_id: r for r in rows}


def plain_rows(session: Session, query: Select[Any]) -> Iterator[Row[Any]]:
    """The rows of a select of plain columns, to be iterated once, read through the session's connection
    a few thousand at a time: on tens of thousands of rows the ORM's result handling costs more than the
    query, and a list of them all keeps as many objects alive for the garbage collector to scan again and
    again. Pending changes are flushed first, as the ORM would."""
    session.flush()
    return chain.from_iterable(session.connection().execute(query).partitions(2000))


def _recent_reports(session: Session, *, today: date, item_ids: list[int] | None = None,
                    before: datetime | None = None) -> dict[int, frozenset[tuple[int, str]]]:
    """Item id → (unit, period) of its reports that count, of the last few periods of any cycle."""
    query = select(ProgressReport.item_id, ProgressReport.unit_id, ProgressReport.period).where(
        col(ProgressReport.period).in_(recent_period_keys(today)), col(ProgressReport.unit_id).is_not(None),
        counting(before)).order_by(ProgressReport.item_id)
    if item_ids is not None:
        query = query.where(col(ProgressReport.item_id).in_(item_ids))
    return {item_id: frozenset((unit_id, period) for _, unit_id, period in rows)
            for item_id, rows in groupby(plain_rows(session, query), key=itemgetter(0))}


def active_snoozes(session: Session, *, today: date) -> set[tuple[int, int]]:
    """(item, unit) pairs left out of reminders today."""
    rows = session.exec(select(Snooze.item_id, Snooze.unit_id).where(Snooze.until > today)).all()
    return {(i, u) for i, u in rows}


# A list of more items than this is read as all lists are (its ids would make too long an IN (…)).
LIST_IDS_AT_MOST = 5000


@collector_paused()
def item_facts(session: Session, *, today: date, item_ids: Iterable[int] | None = None,
               before: datetime | None = None, with_reports: bool = True,
               list_id: int | None = None) -> list[ItemFacts]:
    """Items with their units, latest report and recent reports, as the rules see them: five queries of
    plain columns (no ORM objects: with 10,000 items, building those costs more than the queries).
    With `before`, as they stood then: items created and reports counting before it. Without
    `with_reports`, who reported lately is left out (`reported`, `reported_unit_ids` and
    `snoozed_unit_ids` empty; two queries fewer): enough for the statuses, which the latest report decides.
    Without `item_ids`, the items of the active lists (or of list `list_id`): a closed list is at rest."""
    ids = None if item_ids is None else list(set(item_ids))
    if ids is None and list_id is not None:  # one list (/status 民生): the other queries read its items only
        in_list = [int(i) for i in session.exec(select(Item.id).where(Item.list_id == list_id)).all() if i is not None]
        ids = in_list if len(in_list) <= LIST_IDS_AT_MOST else None
    codes = lists.active_codes(session)  # named in messages only while several lists are active
    query = select(Item.id, Item.number, Item.title, Item.domain, Item.start_date, Item.deadline,
                   Item.report_cycle, Item.created_at, Item.list_id, Item.closing_state, Item.closed_on).where(
        col(Item.archived).is_(False), Item.closing_state != Closing.CANCELLED).order_by(Item.list_id, Item.number)
    if ids is not None:
        query = query.where(col(Item.id).in_(ids))
    elif list_id is not None:
        query = query.where(Item.list_id == list_id)
    else:
        query = query.where(col(Item.list_id).in_(list(codes)))
    if before is not None:
        query = query.where(col(Item.created_at) < before)
    units = units_by_role(session, item_ids=ids)
    latest = _latest_marks(session, item_ids=ids, before=before)
    reported = _recent_reports(session, today=today, item_ids=ids, before=before) if with_reports else {}
    marked = milestone_facts(session, item_ids=ids)
    snoozed: dict[int, set[int]] = defaultdict(set)
    for item_id, unit_id in active_snoozes(session, today=today) if with_reports else ():
        snoozed[item_id].add(unit_id)
    items = plain_rows(session, query)
    no_mark = (None, None, None)
    nothing: frozenset = frozenset()
    periods = {cycle: period_key(cycle, today) for cycle in ("monthly", "quarterly", "weekly", "none")}
    facts = []
    several = len(codes) > 1
    all_codes = lists.codes(session) if several else {}
    for item_id, number, title, domain, start, deadline, cycle, created_at, list_of, closing, closed_on in items:
        status, percent, source = latest.get(item_id, no_mark)
        if before is not None and closed_on is not None and closed_on >= before.date():
            closing = Closing.OPEN  # closed (办结) after the moment looked at
        status = counted_mark(status, source, closing)
        seen = reported.get(item_id, nothing)
        period = periods.get(cycle) or period_key(cycle, today)
        facts.append(ItemFacts(
            id=item_id, number=number, title=title, domain=domain, start=start, deadline=deadline, cycle=cycle,
            lead_unit_ids=units.get((item_id, "lead"), ()),
            responsible_unit_ids=units.get((item_id, "responsible"), ()),
            declared=status, percent=percent, official=source == "import", created=created_at.date(), reported=seen,
            reported_unit_ids=frozenset([u for u, p in seen if p == period]) if seen else nothing,
            snoozed_unit_ids=frozenset(snoozed[item_id]) if item_id in snoozed else nothing, closing=closing,
            list_id=list_of, list_code=all_codes.get(list_of, "") if several else "",
            milestones=marked.get(item_id, ()),
        ))
    return facts


def _latest_marks(session: Session, *, item_ids: Iterable[int] | None,
                  before: datetime | None = None) -> dict[int, tuple[str, int | None, str]]:
    """(status, percent, source) of each item's latest report that counts (a returned one does not)."""
    latest = select(func.max(ProgressReport.id)).where(counting(before)).group_by(ProgressReport.item_id)
    if item_ids is not None:
        latest = latest.where(col(ProgressReport.item_id).in_(list(item_ids)))
    rows = plain_rows(session, select(ProgressReport.item_id, ProgressReport.status, ProgressReport.percent,
                                       ProgressReport.source).where(col(ProgressReport.id).in_(latest)))
    return {item_id: (status, percent, source) for item_id, status, percent, source in rows}


# ---------------------------------------------------------------- reminders and sent messages


def record_due(session: Session, *, due: Iterable[Due], now: datetime) -> int:
    """Write the reminders that are not yet on record; returns how many were new. Two processes
    writing the same round both succeed, and each reminder is on record once."""
    rows = [dict(item_id=d.item_id, unit_id=d.unit_id, reason=d.reason, period=d.period, created_at=now,
                 status="pending") for d in dict.fromkeys(due)]
    return len(insert_ignore_many(session, Reminder, rows, Reminder.id))


def recorded_reminders(session: Session) -> set[tuple[int, int, str, str]]:
    """(item, unit, reason, period) of every reminder already written."""
    rows = session.exec(select(Reminder.item_id, Reminder.unit_id, Reminder.reason, Reminder.period)).all()
    return {(i, u, r, p) for i, u, r, p in rows}


def pending_reminders(session: Session, *, unit_id: int | None = None) -> dict[int, list[Reminder]]:
    """Reminders written but not sent yet, grouped by unit."""
    query = select(Reminder).where(Reminder.status == "pending")
    if unit_id is not None:
        query = query.where(Reminder.unit_id == unit_id)
    grouped: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in session.exec(query.order_by(Reminder.unit_id, Reminder.id)).all():
        grouped[reminder.unit_id].append(reminder)
    return grouped


def mark_reminders(session: Session, *, reminder_ids: Iterable[int], status: str, now: datetime) -> None:
    for reminder in session.exec(select(Reminder).where(col(Reminder.id).in_(list(reminder_ids)))).all():
        reminder.status = status
        if status == "sent":
            reminder.sent_at = now


def items_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Item]:
    return {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(list(set(ids))))).all()}


def record_sent_message(
    session: Session, *, kind: str, chat_id: int, message_id: int, unit_id: int | None,
    item_ids: Sequence[int], now: datetime,
) -> None:
    session.add(SentMessage(kind=kind, chat_id=chat_id, message_id=message_id, unit_id=unit_id,
                            item_ids=list(item_ids), sent_at=now))


def sent_message(session: Session, *, chat_id: int, message_id: int) -> SentMessage | None:
    return session.exec(
        select(SentMessage).where(SentMessage.chat_id == chat_id, SentMessage.message_id == message_id)
    ).first()


def digest_posted(session: Session, *, chat_id: int, period: str) -> bool:
    query = select(DigestLog).where(DigestLog.chat_id == chat_id, DigestLog.period == period)
    return session.exec(query).first() is not None


def log_digest(session: Session, *, chat_id: int, period: str, now: datetime) -> None:
    session.add(DigestLog(chat_id=chat_id, period=period, sent_at=now))


# ---------------------------------------------------------------- calendar overrides and snoozes


def calendar_overrides(session: Session) -> dict[date, bool]:
    return {o.day: o.workday for o in session.exec(select(CalendarOverride)).all()}


def set_calendar_override(session: Session, *, day: date, workday: bool | None, note: str | None,
                          created_by: int) -> None:
    """Mark a day as a working day or a day off; None removes the override."""
    row = session.get(CalendarOverride, day)
    if workday is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(CalendarOverride(day=day, workday=workday, note=note, created_by=created_by))
    else:
        row.workday, row.note, row.created_by = workday, note, created_by


def list_calendar_overrides(session: Session) -> list[CalendarOverride]:
    return list(session.exec(select(CalendarOverride).order_by(CalendarOverride.day)).all())


def snooze(session: Session, *, item_id: int, unit_ids: Iterable[int], until: date, created_by: int,
           now: datetime) -> None:
    for unit_id in unit_ids:
        row = session.exec(select(Snooze).where(Snooze.item_id == item_id, Snooze.unit_id == unit_id)).first()
        if row is None:
            session.add(Snooze(item_id=item_id, unit_id=unit_id, until=until, created_by=created_by, created_at=now))
        else:
            row.until, row.created_by, row.created_at = until, created_by, now


def snoozes_of_item(session: Session, *, item_id: int, today: date) -> list[Snooze]:
    return list(session.exec(select(Snooze).where(Snooze.item_id == item_id, Snooze.until > today)).all())


# ---------------------------------------------------------------- settings kept in the database


def get_setting(session: Session, *, key: str) -> str | None:
    row = session.get(BotSetting, key)
    return row.value if row else None


def set_setting(session: Session, *, key: str, value: str) -> None:
    row = session.get(BotSetting, key)
    if row is None:
        session.add(BotSetting(key=key, value=value))
    else:
        row.value = value


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
