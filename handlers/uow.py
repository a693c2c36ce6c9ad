"""One unit of work per update: one transaction for its database work, committed once, then the replies.

A handler does its reads and writes in one `with work(context) as session:` block, through db
functions, and sends its messages after the block (the commit). Nothing is awaited inside the block:
`Database.session` marks the task, and the Bot API transport refuses to send while it is marked, so
a test fails on the spot.

Anything that must stop the update raises `Refusal("text.key", **values)`, inside the block or
outside it: the transaction is rolled back (so whatever the update wrote is gone) and `answering`,
which the registry wraps around every handler, tells the user (an alert for a button, a message
otherwise). A database that cannot be reached is answered the same way ("temporarily unavailable,
nothing was saved") and the update is dropped; the bot keeps running and the next update tries
again.

    async def snooze_command(update, context):
        with work(context) as session:
            item = dialogues.item_with_units(session, item_id=...)
            if item is None:
                raise Refusal("item.unknown", number=n)
            snoozes.snooze(session, ...)
        await say(update, context, "snooze.done", ...)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import BotContext
from bot.texts import t
from db.engine import unavailable

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Awaitable[Any]]


class Refusal(Exception):
    """Stop the update: roll back what it wrote and tell the user `key` (a text of bot/texts.py).
    `end`: inside a dialogue, end it (else the dialogue stays at its step, to answer again).
    `edit`: for a button, the pressed message (a preview) becomes the answer, without its buttons,
    instead of an alert."""

    def __init__(self, key: str, *, end: bool = False, edit: bool = False, **values: Any) -> None:
        super().__init__(key)
        self.key, self.end, self.edit, self.values = key, end, edit, values


@contextmanager
def work(context: BotContext) -> Iterator[Session]:
    """The update's transaction: committed when the block ends, rolled back on a refusal or error."""
    with context.services.db.session() as session:
        yield session


def safe_lang(context: BotContext) -> str:
    """The user's language without asking the database (which may be the thing that failed)."""
    cached = context.user_data.get("lang") if context.user_data is not None else None
    return cached or context.services.settings.language


async def tell(update: Update, context: BotContext, text: str, *, edit: bool = False) -> None:
    """An alert on the pressed button (or, with `edit`, the pressed message turned into `text`), else a
    message in the chat; when the button was answered already (or the message is gone), a message too.
    A failure to tell is only logged."""
    query = update.callback_query
    try:
        if query is not None:
            try:
                if edit:
                    await query.answer()
                    await query.edit_message_text(text, reply_markup=None)
                else:
                    await query.answer(text[:200], show_alert=True)
                return
            except TelegramError:
                pass
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:
        log.warning("could not answer a refused update: %s", exc)


def answering(callback: Callback) -> Callback:
    """`callback`, with its refusals and the database's absence answered instead of raised."""

    @wraps(callback)
    async def answered(update: object, context: BotContext) -> Any:
        kept = dict(context.user_data) if context.user_data is not None else None
        try:
            return await callback(update, context)  # type: ignore[arg-type]
        except Refusal as refusal:
            if isinstance(update, Update):
                await tell(update, context, t(safe_lang(context), refusal.key, **refusal.values), edit=refusal.edit)
            return ConversationHandler.END if refusal.end else None
        except Exception as error:
            if not unavailable(error):
                raise
            log.warning("database unavailable, update dropped: %s", type(error).__name__)
            if kept is not None:  # the drafts as they were, for the next try (the dialogue stays at its step)
                context.user_data.clear()
                context.user_data.update(kept)
            if isinstance(update, Update):
                await tell(update, context, t(safe_lang(context), "db.unavailable"))
            return None

    answered.answering = True  # type: ignore[attr-defined]
    return answered


def answer_refusals(handlers: list[BaseHandler]) -> list[BaseHandler]:
    """Wrap every callback of `handlers` (and of the dialogues among them) in `answering`, in place."""
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            answer_refusals([*handler.entry_points, *handler.fallbacks,
                             *(h for step in handler.states.values() for h in step)])
        elif not getattr(handler.callback, "answering", False):
            handler.callback = answering(handler.callback)
    return handlers
