"""Units (责任单位, 牵头单位): names and aliases, normalised once and kept unique.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from db import names
from db.models import (
    Contact,
    Unit,
)


def normalize_name(name: str) -> str:
    """A unit name or alias as stored and compared (see db.names)."""
    return names.unit_key(name)


def _units_with_aliases(session: Session) -> list[Unit]:
    # Aliases are a JSON list; most units have none, so only the few that do are read to compare them.
    return list(session.exec(select(Unit).where(cast(Unit.aliases, String) != "[]").order_by(col(Unit.id))).all())


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
    return list(session.exec(select(Unit).order_by(col(Unit.id))).all())


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
    rows = session.exec(select(Contact.unit_id, func.count()).group_by(col(Contact.unit_id))).all()
    return {unit_id: count for unit_id, count in rows}


def units_by_id(session: Session, *, ids: Iterable[int] | None = None) -> dict[int, Unit]:
    query = select(Unit)
    if ids is not None:
        query = query.where(col(Unit.id).in_(list(set(ids))))
    return {u.id: u for u in session.exec(query).all() if u.id is not None}
