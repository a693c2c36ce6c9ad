"""The rows of PTB's persistence (the `BotState` table): what bot.persistence loads and writes.

Keyword-only functions taking a session, like db.items; the persistence class itself, which speaks
PTB's interface, lives with the application (bot.persistence).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db.models import (
    BotSetting,
    BotState,
    utcnow,
)

StateId = tuple[str, str]  # (namespace, key)


def state_rows(session: Session, *, namespace: str) -> list[BotState]:
    return list(session.exec(select(BotState).where(BotState.namespace == namespace)).all())


def save_states(session: Session, *, changes: Mapping[StateId, Any]) -> None:
    """Write each (namespace, key) → value; a value of None deletes the row. One upsert and one delete,
    each sent once for all its rows (through the ORM, each row would be loaded first, one query each)."""
    table = BotState.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass
    now = utcnow()
    kept = [{"namespace": namespace, "key": key, "value": value, "updated_at": now}
            for (namespace, key), value in changes.items() if value is not None]
    gone = [{"gone_namespace": namespace, "gone_key": key}
            for (namespace, key), value in changes.items() if value is None]
    connection = session.connection()
    if kept:
        insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
        upsert = insert(table)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.c.namespace, table.c.key],
            set_={"value": upsert.excluded.value, "updated_at": upsert.excluded.updated_at})
        connection.execute(upsert, kept)
    if gone:
        connection.execute(delete(table).where(table.c.namespace == bindparam("gone_namespace"),
                                               table.c.key == bindparam("gone_key")), gone)


def get_setting(session: Session, *, key: str) -> str | None:
    row = session.get(BotSetting, key)
    return row.value if row else None


def set_setting(session: Session, *, key: str, value: str) -> None:
    row = session.get(BotSetting, key)
    if row is None:
        session.add(BotSetting(key=key, value=value))
    else:
        row.value = value
