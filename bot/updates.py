"""How updates are processed: concurrently across users, one at a time and in order for each user.

PTB processes updates one by one unless told otherwise (`concurrent_updates=False`): every handler that
awaits something long — the /import preview reading a 20,000-row table in a worker thread, /remind
waiting for its round, a /history workbook — holds every other user's updates behind it, however little
CPU it uses. `PerUserUpdates` (a `telegram.ext.BaseUpdateProcessor`, PTB's documented way to change this)
lets the updates of different users run side by side and keeps each user's own updates in the order
Telegram sent them, one finishing before the next starts.

Why that is safe here:

- **Dialogues.** PTB warns that a `ConversationHandler` relies on its updates being processed one by one:
  it reads the conversation's state when an update arrives and writes the new state when the callback
  returns, so two updates of one conversation handled at once would both start from the old state. A
  conversation's key is (chat, user) in every dialogue of this bot (PTB's default `per_chat`, `per_user`;
  none is `per_message`), and every update of one user is serialised here, so each conversation still
  sees its updates strictly one after the other. Updates of other users touch other conversations.
- **user_data** (the dialogues' drafts) is per user, so only that user's updates, one at a time, touch it
  (serialising per user rather than per chat and user also covers a user writing in two chats at once,
  and `handlers.uow.answering`, which puts a user's drafts back as they were when the database fails).
  **chat_data** (a group's paged lists) is changed without an await in between, on the one event loop.
- **The unit of work.** Each update opens its own session (`handlers.uow.work`), committed before any
  message goes; nothing is awaited inside it, so two users' transactions never interleave on the loop,
  and the database keeps concurrent transactions apart as it does for the replicas and the jobs.
- **Persistence.** PTB's persistence loop copies user_data, chat_data and the conversations on the event
  loop between awaits, as it did before; a snapshot is at worst one step behind, which a restart handles
  (the kill tests).

The bound: at most `limit` updates are being handled at once (the rest wait in arrival order); each user
holds at most one of those places, so one user sending a burst cannot take everyone's. Updates with no
user (none of the kinds the bot asks for) are keyed by their chat, or run on their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once. Each one's own work is short or in a worker thread (asyncio.to_thread, whose
# pool has min(32, CPUs + 4) threads), so a few dozen keep everyone answered without piling up threads.
DEFAULT_LIMIT = 32
# PTB's own bound (`max_concurrent_updates`, taken before `do_process_update`) is set this high, so it
# only caps the updates in hand; the real bound, `limit`, is taken after the user's turn, so no place is
# held by an update waiting for its user's previous one.
_QUEUED = 100_000


def update_key(update: object) -> Hashable | None:
    """Whose turn an update waits for: its user, else its chat; None: no order to keep."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return None


class PerUserUpdates(BaseUpdateProcessor):
    """Updates of different users concurrently (at most `limit` at once), each user's in order."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 2:
            raise ValueError("PerUserUpdates needs a limit of at least 2 (1 is PTB's default processor)")
        super().__init__(max_concurrent_updates=_QUEUED)
        self.limit = limit
        self._running = asyncio.BoundedSemaphore(limit)
        self._turns: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    @property
    def running(self) -> int:
        """Updates being handled now (PTB's `current_concurrent_updates` also counts those waiting)."""
        return self.limit - self._running._value  # noqa: SLF001 - asyncio's count of free places

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # PTB starts one task per update in arrival order, and each reaches this lock before it first
        # suspends; asyncio's Lock wakes its waiters first come, first served: the user's order is kept.
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with turn, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else of this user is waiting: forget the lock
                del self._waiting[key], self._turns[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
