"""People the bot has met: their names and the language each chose.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from db.models import (
    Person,
)


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
