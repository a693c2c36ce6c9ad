"""Contacts (联络员) and invites: who reports for which unit, binding by invite, reachability, leave and
stand-ins (/away), and the admins' view of them (/contacts, removing a contact, revoking an invite).

Removing a contact deletes only the binding (and the leaves it is part of): the unit's reports keep their
reporter's Telegram id and the receipts their presser's, so nothing of the unit's history goes.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from db.models import (
    Absence,
    Contact,
    Invite,
    Outbox,
    Person,
    Unit,
)


@dataclass(frozen=True)
class ContactState:
    """A contact as /contacts lists it."""

    id: int
    telegram_id: int
    name: str
    bound: datetime
    backup: bool
    reachable: bool
    away_until: date | None  # on leave today, until then (inclusive)


def contact_states(session: Session, *, unit_id: int, today: date) -> list[ContactState]:
    """The unit's contacts in the order they were bound, each with its name and state."""
    rows = session.exec(
        select(Contact, Person.full_name, Person.username)
        .join(Person, col(Person.telegram_id) == col(Contact.telegram_id), isouter=True)
        .where(Contact.unit_id == unit_id).order_by(col(Contact.id))
    ).all()
    away = {a.contact_id: a.ends for a in session.exec(select(Absence).where(
        Absence.unit_id == unit_id, col(Absence.cancelled_at).is_(None), col(Absence.starts) <= today,
        col(Absence.ends) >= today)).all()}
    return [ContactState(id=c.id, telegram_id=c.telegram_id, name=full or (f"@{user}" if user else str(c.telegram_id)),
                         bound=c.created_at, backup=c.backup, reachable=c.reachable, away_until=away.get(c.id))
            for c, full, user in rows if c.id is not None]


def open_invites(session: Session, *, unit_id: int, now: datetime) -> list[Invite]:
    """The unit's invites neither used nor expired, oldest first."""
    return list(session.exec(select(Invite).where(
        Invite.unit_id == unit_id, col(Invite.used_at).is_(None), col(Invite.expires_at) > now).order_by(col(Invite.id))
    ).all())


@dataclass(frozen=True)
class Removed:
    telegram_id: int
    unit_id: int
    unit_name: str


def contact_with_unit(session: Session, *, contact_id: int) -> tuple[Contact, Unit] | None:
    row = session.exec(select(Contact, Unit).join(Unit, col(Unit.id) == col(Contact.unit_id))
                       .where(Contact.id == contact_id)).first()
    return (row[0], row[1]) if row else None


def remove_contact(session: Session, *, contact_id: int, now: datetime) -> Removed | None:
    """Unbind a contact from its unit: its leaves (as the one away or standing in) go with it, and the
    reminders still waiting to be sent to it for that unit are expired. None when it was already gone."""
    found = contact_with_unit(session, contact_id=contact_id)
    if found is None:
        return None
    contact, unit = found
    for absence in session.exec(select(Absence).where(
            or_(col(Absence.contact_id) == contact_id, col(Absence.stand_in_id) == contact_id))).all():
        session.delete(absence)
    for row in session.exec(select(Outbox).where(
            Outbox.chat_id == contact.telegram_id, Outbox.unit_id == contact.unit_id,
            col(Outbox.status).in_(["pending", "failed"]))).all():
        row.status, row.last_error = "expired", "contact removed"
        session.add(row)
    session.flush()
    removed = Removed(telegram_id=contact.telegram_id, unit_id=unit.id, unit_name=unit.name)  # type: ignore[arg-type]
    session.delete(contact)
    session.flush()
    return removed


def invite_with_unit(session: Session, *, invite_id: int) -> tuple[Invite, Unit] | None:
    row = session.exec(select(Invite, Unit).join(Unit, col(Unit.id) == col(Invite.unit_id))
                       .where(Invite.id == invite_id)).first()
    return (row[0], row[1]) if row else None


def revoke_invite(session: Session, *, invite_id: int, now: datetime) -> Invite | None:
    """End an unused invite now (its link then answers that it has expired); None when it was used,
    expired or gone meanwhile."""
    invite = session.get(Invite, invite_id)
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    invite.expires_at = now
    session.add(invite)
    session.flush()
    return invite


def is_contact_anywhere(session: Session, *, telegram_id: int) -> bool:
    return session.exec(select(Contact.id).where(Contact.telegram_id == telegram_id)).first() is not None


def units_of_user(session: Session, *, telegram_id: int) -> list[Unit]:
    query = select(Unit).join(Contact, col(Contact.unit_id) == col(Unit.id)).where(
        Contact.telegram_id == telegram_id
    )
    return list(session.exec(query.order_by(col(Unit.id))).all())


# The query of every /report (and of each contact's command), built once: building a statement and
# its cache key costs more than running it on SQLite.
_CONTACT_UNITS = (
    select(Unit, Person.language).join(Contact, col(Contact.unit_id) == col(Unit.id))
    .outerjoin(Person, col(Person.telegram_id) == col(Contact.telegram_id))
    .where(Contact.telegram_id == bindparam("telegram_id")).order_by(col(Unit.id))
)


def contact_units(session: Session, *, telegram_id: int) -> tuple[list[Unit], str | None]:
    """The units a user reports for, and the language they chose (None: the office's), in one query."""
    rows = session.exec(_CONTACT_UNITS, params={"telegram_id": telegram_id}).all()
    return [unit for unit, _language in rows], (rows[0][1] if rows else None)


def contacts_of_units(session: Session, *, unit_ids: Iterable[int]) -> dict[int, list[Contact]]:
    ids = list(set(unit_ids))
    rows = session.exec(select(Contact).where(col(Contact.unit_id).in_(ids)).order_by(col(Contact.id))).all()
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
        .where(col(Contact.reachable).is_(False)).order_by(col(Unit.id), col(Contact.id))
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


def contact(session: Session, *, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def unit_contacts(session: Session, *, unit_id: int) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.unit_id == unit_id).order_by(col(Contact.id))).all())


def contact_of(session: Session, *, telegram_id: int, unit_id: int) -> Contact | None:
    return session.exec(select(Contact).where(Contact.telegram_id == telegram_id, Contact.unit_id == unit_id)).first()


def add_absence(session: Session, *, contact: Contact, stand_in: Contact, starts: date, ends: date, by: int,
                now: datetime) -> tuple[Absence, list[Absence]]:
    """Record a leave; leaves of the same contact that overlap it are replaced. Returns it and those replaced."""
    if contact.unit_id != stand_in.unit_id or contact.id == stand_in.id:
        raise ValueError("a stand-in is another contact of the same unit")
    replaced = list(session.exec(select(Absence).where(
        Absence.contact_id == contact.id, col(Absence.cancelled_at).is_(None),
        col(Absence.starts) <= ends, col(Absence.ends) >= starts)).all())
    for old in replaced:
        old.cancelled_at = now
        session.add(old)
    assert contact.id is not None and stand_in.id is not None
    absence = Absence(contact_id=contact.id, unit_id=contact.unit_id, stand_in_id=stand_in.id, starts=starts,
                      ends=ends, created_by=by, created_at=now)
    session.add(absence)
    session.flush()
    return absence, replaced


def absences(session: Session, *, today: date, unit_ids: Iterable[int] | None = None,
             contact_ids: Iterable[int] | None = None) -> list[Absence]:
    """Leaves not cancelled that have not ended before today (current and coming), by start."""
    query = select(Absence).where(col(Absence.cancelled_at).is_(None), col(Absence.ends) >= today)
    if unit_ids is not None:
        query = query.where(col(Absence.unit_id).in_(list(set(unit_ids))))
    if contact_ids is not None:
        query = query.where(or_(col(Absence.contact_id).in_(list(set(contact_ids))),
                                col(Absence.stand_in_id).in_(list(set(contact_ids)))))
    return list(session.exec(query.order_by(col(Absence.starts), col(Absence.id))).all())


def cancel_absence(session: Session, *, absence_id: int, now: datetime) -> Absence | None:
    absence = session.get(Absence, absence_id)
    if absence is None or absence.cancelled_at is not None:
        return None
    absence.cancelled_at = now
    session.add(absence)
    return absence


def contacts_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Contact]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(ids))).all() if c.id is not None}
