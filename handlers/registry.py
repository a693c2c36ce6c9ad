"""The one place that registers every handler, and the command menus each audience sees."""

from __future__ import annotations

import logging
import warnings

from telegram import BotCommand, BotCommandScope, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.context import BotContext, Services
from bot.texts import LANGUAGES, t
from handlers import (
    away,
    closing,
    common,
    contact,
    extensions,
    history,
    importing,
    instructions,
    items,
    lists,
    milestones,
    operations,
    ranking,
    receipts,
    reports,
    supervisor,
    units,
)
from handlers.uow import answer_refusals

CONTACT_MENU = ("report", "mine", "item", "revise", "extend", "adjust", "away", "history", "snooze", "list", "help",
                "lang", "cancel")
SUPERVISOR_MENU = ("status", "slow", "overdue", "missing", "items", "item", "sendback", "ranking", "history", "chart",
                   "export", "list", "help", "lang")
log = logging.getLogger(__name__)
ADMIN_MENU = ("items", "item", "add", "import", "edit", "archive", "unit_add", "units", "invite", "contacts",
              "remind", "digest", "status", "slow", "overdue", "missing", "chart", "export", "setgroup", "schedule",
              "outbox", "holiday", "sendback", "unread", "ranking", "history", "away", "list", "carry", "close", "node",
              "instruct", "instructions",
              "help", "lang", "cancel")


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer a command nobody handles."""
    await common.say(update, context, "unknown.command")


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button that no longer leads anywhere (an old step, or altered data)."""
    await update.callback_query.answer(t(common.lang_of(update, context), "confirm.expired"), show_alert=True)


async def stray_text(update: Update, context: BotContext) -> None:
    """Point a private message outside any dialogue to what can be done."""
    await common.say(update, context, "unknown.text")


def register_handlers(app: Application, services: Services) -> None:
    timeout = services.settings.conversation_timeout_minutes * 60
    private_new = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.FORWARDED
    # Order matters inside the group: the deep-link /start before the plain one, the dialogues
    # before the commands that also exist outside them (/cancel), the catch-alls last.
    with warnings.catch_warnings():
        # Our dialogues are per user and chat on purpose: a button of an earlier message may continue them.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        contact_handlers = contact.handlers(timeout)
        admin_handlers = [*items.handlers(timeout), *importing.handlers(timeout), *units.handlers(), *operations.handlers(),
                          *milestones.handlers()]
        dialogues = [*extensions.handlers(timeout), *instructions.handlers(timeout), *reports.handlers(timeout),
                     *closing.handlers(timeout)]
    # Every callback answers its refusals and a database that is away (handlers/uow.py).
    app.add_handlers(answer_refusals([
        # The dialogues that start from a command or a button come before the report dialogue, whose
        # entry takes any reply to a reminder: while one of them waits for text, a reply is its answer.
        *dialogues,
        *contact_handlers,
        CommandHandler("start", common.start, filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
        *admin_handlers,
        *supervisor.handlers(),
        *receipts.handlers(),
        *ranking.handlers(),
        *history.handlers(),
        *away.handlers(),
        *lists.handlers(),
        CommandHandler("help", common.help_command, filters=filters.UpdateType.MESSAGE),
        CommandHandler("lang", common.lang_command, filters=filters.UpdateType.MESSAGE),
        CommandHandler("cancel", common.cancel_idle, filters=filters.UpdateType.MESSAGE),
        MessageHandler(filters.COMMAND & private_new, unknown_command),
        MessageHandler(filters.TEXT & private_new, stray_text),
        CallbackQueryHandler(stale_button),
    ]))
    app.add_handlers(units.gates(), group=-1)  # a removed contact's press stops here
    app.add_error_handler(common.error_handler)


def _commands(lang: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, t(lang, f"cmd.{name}")) for name in names]


async def set_command_menus(app: Application, services: Services) -> None:
    """Register each audience's command menu in both languages. Menus are a convenience: a
    failure (an admin who never opened the bot is "chat not found") is logged, never fatal."""
    settings = services.settings
    menus: list[tuple[tuple[str, ...], BotCommandScope]] = [(CONTACT_MENU, BotCommandScopeAllPrivateChats())]
    menus += [(SUPERVISOR_MENU, BotCommandScopeChat(i)) for i in settings.supervisor_ids]
    menus += [(ADMIN_MENU, BotCommandScopeChat(i)) for i in settings.admin_ids]
    for lang in LANGUAGES:
        code = None if lang == settings.language else lang
        for names, scope in menus:
            try:
                await app.bot.set_my_commands(_commands(lang, names), scope=scope, language_code=code)
            except TelegramError as exc:
                log.warning("could not set the %s command menu for %s: %s", lang, scope.type, exc)
