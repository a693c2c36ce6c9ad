"""Shared services and the typed callback context that exposes them to handlers and jobs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, filters

from bot.clock import Clock
from bot.settings import Settings
from db.engine import Database
from db.models import Unit


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    # Chats allowed to ask supervisor questions: starts with DIGEST_CHAT_ID, follows /setgroup.
    digest_chat_filter: filters.Chat = field(default_factory=lambda: filters.Chat(allow_empty=False))
    bot_username: str = ""
    # One outbox drain at a time per process, at one pace: two drains side by side would double the rate.
    drain_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    drain_again: bool = False  # rows were queued while a drain ran: it looks once more (jobs.sender)
    # Outcomes of sends the database was away for, to record first when it is back (jobs.sender.record).
    unrecorded: list[tuple[Any, tuple[Any, ...]]] = field(default_factory=list)
    pacer: Any = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the services; `units` is set by the contact guard."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.units: list[Unit] = []

    @property
    def services(self) -> Services:
        return self.bot_data["services"]
