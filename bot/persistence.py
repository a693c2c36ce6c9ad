"""PTB persistence kept in the database (the `BotState` table), not in a pickle file beside it.

A contact halfway through a report continues after a restart: the conversation states and the
draft in `user_data` are rows of (namespace, key, JSON value). Only what comes back from JSON
exactly as it went in is stored; anything else (the services in `bot_data`, a parsed import table
in `user_data`) stays in the process, with one warning per kind of entry.

The Application hands every changed entry to this class each `update_interval` seconds and on
stop; a crash loses at most that interval.

`bot_data` needs care: `Application.initialize` replaces it with what `get_bot_data` returns, and
every update deep-copies it. The process-only entries (the services) are therefore given to the
persistence as `live_bot_data`: put into the loaded bot_data, shared rather than copied, never stored.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from db.bot_state import StateId, save_states, state_rows
from db.engine import Database

log = logging.getLogger(__name__)

USER_DATA, CHAT_DATA, BOT_DATA, CALLBACK_DATA = "user_data", "chat_data", "bot_data", "callback_data"
CONVERSATION = "conversation:"  # + the ConversationHandler's name
BOT_KEY, CALLBACK_KEY = "bot", "cache"
NEVER_STORED = frozenset({"services"})  # bot_data entries that live only in the process

Data = dict[Any, Any]
ConversationKey = tuple[int | str, ...]


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def round_trips(value: Any) -> bool:
    """Whether JSON gives this value back equal (no tuples, sets, int keys, dates, objects)."""
    try:
        return json.loads(_dump(value)) == value
    except (TypeError, ValueError):
        return False


class BotData(dict[Any, Any]):
    """bot_data as loaded from the database. A deep copy (what Application.update_persistence
    hands to `update_bot_data`) leaves out the process-only entries instead of copying them: the
    services hold an engine and locks, which cannot be copied and must not be stored."""

    def __init__(self, data: Mapping[Any, Any], *, live: frozenset[str]) -> None:
        super().__init__(data)
        self.live = live

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items() if key not in self.live}


def conversation_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def parse_conversation_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Conversations, user_data, chat_data, bot_data and callback_data in the `BotState` table."""

    def __init__(self, db: Database, *, update_interval: float = 5, store_data: PersistenceInput | None = None,
                 live_bot_data: Mapping[str, Any] | None = None) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.db = db
        self.live_bot_data = dict(live_bot_data or {})
        self.never_stored = NEVER_STORED | frozenset(self.live_bot_data)
        self._lock = threading.Lock()  # guards the two dicts and the writes, from any thread
        self._saved: dict[StateId, str] = {}  # JSON of each row as it is in the database
        self._pending: dict[StateId, str | None] = {}  # changes not yet written; None deletes
        self._warned: set[tuple[str, str]] = set()

    # Loading, once at start-up.

    def _load(self, namespace: str) -> dict[str, Any]:
        with self.db.session() as session:
            rows = {row.key: row.value for row in state_rows(session, namespace=namespace)}
        with self._lock:
            for key, value in rows.items():
                self._saved[(namespace, key)] = _dump(value)
        return rows

    async def get_user_data(self) -> dict[int, Data]:
        return {int(key): value for key, value in self._load(USER_DATA).items()}

    async def get_chat_data(self) -> dict[int, Data]:
        return {int(key): value for key, value in self._load(CHAT_DATA).items()}

    async def get_bot_data(self) -> Data:
        stored = self._load(BOT_DATA).get(BOT_KEY, {})
        return BotData(stored | self.live_bot_data, live=self.never_stored)

    async def get_callback_data(self) -> tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]] | None:
        stored = self._load(CALLBACK_DATA).get(CALLBACK_KEY)
        if stored is None:
            return None
        keyboards = [(uuid, float(at), buttons) for uuid, at, buttons in stored["keyboards"]]
        return keyboards, stored["queries"]

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        return {parse_conversation_key(key): state for key, state in self._load(CONVERSATION + name).items()}

    # Updates: staged, then written together (one transaction per run of update_persistence).

    async def update_user_data(self, user_id: int, data: Data) -> None:
        self._stage(USER_DATA, str(user_id), self._storable(USER_DATA, data))
        await self._write_soon()

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        self._stage(CHAT_DATA, str(chat_id), self._storable(CHAT_DATA, data))
        await self._write_soon()

    async def update_bot_data(self, data: Data) -> None:
        self._stage(BOT_DATA, BOT_KEY, self._storable(BOT_DATA, data))
        await self._write_soon()

    async def update_callback_data(self, data: tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]) -> None:
        if data is None:
            self._stage(CALLBACK_DATA, CALLBACK_KEY, None)
        else:
            keyboards, queries = data
            kept = [[uuid, at, buttons] for uuid, at, buttons in keyboards
                    if round_trips(buttons) or self._warn(CALLBACK_DATA, uuid, buttons)]
            self._stage(CALLBACK_DATA, CALLBACK_KEY, {"keyboards": kept, "queries": dict(queries)})
        await self._write_soon()

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if new_state is not None and not round_trips(new_state):
            self._warn(CONVERSATION + name, "state", new_state)
            new_state = None  # better no conversation after a restart than a stale one
        self._stage(CONVERSATION + name, conversation_key(key), new_state)
        await self._write_soon()

    async def drop_user_data(self, user_id: int) -> None:
        self._stage(USER_DATA, str(user_id), None)
        await self._write_soon()

    async def drop_chat_data(self, chat_id: int) -> None:
        self._stage(CHAT_DATA, str(chat_id), None)
        await self._write_soon()

    # One process owns the data, so there is never anything newer in the database to refresh from.

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        pass

    async def refresh_bot_data(self, bot_data: Data) -> None:
        pass

    async def flush(self) -> None:
        self._write_pending()

    # Internals.

    def _storable(self, namespace: str, data: Mapping[Any, Any]) -> dict[str, Any] | None:
        """The entries that survive JSON; None when nothing is left (the row is deleted)."""
        kept: dict[str, Any] = {}
        for name, value in data.items():
            if namespace == BOT_DATA and name in self.never_stored:
                continue
            if isinstance(name, str) and round_trips(value):
                kept[name] = value
            else:
                self._warn(namespace, name, value)
        return kept or None

    def _warn(self, namespace: str, name: object, value: object) -> bool:
        # Names and types only: values may be report texts.
        if (namespace, repr(name)) not in self._warned:
            self._warned.add((namespace, repr(name)))
            log.warning("not persisting %s entry %r: a %s does not survive JSON",
                        namespace, name, type(value).__name__)
        return False

    def _stage(self, namespace: str, key: str, value: Any | None) -> None:
        state_id = (namespace, key)
        dumped = None if value is None else _dump(value)
        with self._lock:
            if dumped == self._saved.get(state_id):
                self._pending.pop(state_id, None)
            else:
                self._pending[state_id] = dumped

    async def _write_soon(self) -> None:
        # Application.update_persistence gathers one call per changed entry: yielding once lets
        # the others stage theirs, so the first to resume writes them all in one transaction.
        await asyncio.sleep(0)
        self._write_pending()

    def _write_pending(self) -> None:
        with self._lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, {}
            try:
                with self.db.session() as session:
                    save_states(session, changes={
                        state_id: None if dumped is None else json.loads(dumped)
                        for state_id, dumped in batch.items()})
            except BaseException:
                self._pending = batch  # kept for the next run; nothing newer can exist under the lock
                raise
            for state_id, dumped in batch.items():
                if dumped is None:
                    self._saved.pop(state_id, None)
                else:
                    self._saved[state_id] = dumped
