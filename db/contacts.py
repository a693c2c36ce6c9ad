"""A unit's contacts and invites as admins see and manage them: /contacts, removing a contact, revoking an invite.

Removing a contact deletes only the binding (and the leaves it is part of): the unit's reports keep their
reporter's Telegram id and the receipts their presser's, so nothing of the unit's history goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db.models import Absence, Contact, Invite, Outbox, Person, Unit


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
