"""Admins: /import of the office's task table — a preview of what it would do, then one transaction on
confirmation. Reading, planning and writing the table run in a worker thread, each with its own session,
so a 50,000-row table keeps nobody else waiting."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import Confirm
from bot.context import BotContext, Services
from bot.preview import import_done, import_preview
from bot.tables import MAX_BYTES, ParsedTable, TableError, read_table
from bot.texts import esc
from db.imports import ImportPlan, ListGone, apply_import, existing_list, plan_import, typed_list
from handlers import import_lists, import_units
from handlers.common import (
    answer,
    cancels,
    confirmed_draft,
    done_with_button,
    guard,
    is_admin,
    lang_of,
    new_draft,
    say,
    times_out,
    typed_text,
)
from handlers.import_lists import CONFIRM as IMPORT_CONFIRM
from handlers.import_lists import LIST_NAME
from handlers.uow import Refusal
from jobs.supervision import calendar

IMPORT_WAIT = 20
IMPORT = "import"
INTO_KEY = "import_into"  # /import's option, kept until the file comes


def read_and_plan(services: Services, data: bytes, name: str, lang: str,
                  now: datetime, into: str = "") -> tuple[ParsedTable, ImportPlan, bool, str]:
    """In a worker thread: the table, its plan, whether the import would write anything, and its preview.
    `into` is /import's option: an existing list's code or name, or a new list's name and year."""
    with services.db.session() as session:
        table = read_table(data, name, now=now, calendar=calendar(session))
        if into:
            table.target = existing_list(session, code=into) or typed_list(into)
            if table.target is None:
                raise Refusal("import.bad_into", end=True, text=esc(into))
        plan = plan_import(session, table=table)
    return table, plan, bool(plan.writes or plan.new_units), import_preview(lang, name, table, plan)


def write_table(services: Services, table: ParsedTable, now: datetime) -> object:
    """In a worker thread: the whole table in one transaction, or nothing."""
    with services.db.session() as session:
        return apply_import(session, table=table, now=now, report_cycle=services.settings.report_cycle)


async def import_entry(update: Update, context: BotContext) -> int:
    """/import with a document attached reads it; a bare /import waits for the file. Either may name the
    list: `/import 民生` (an existing list's code or name), `/import 2022年重点工作 2022` (a new list)."""
    words = typed_text(update).split(maxsplit=1)
    context.user_data[INTO_KEY] = words[1].strip() if len(words) > 1 else ""
    if update.effective_message.document is not None:
        return await import_file(update, context)
    await say(update, context, "import.ask_file")
    return IMPORT_WAIT


async def import_file(update: Update, context: BotContext) -> int:
    """Read the table and show what the import would do; nothing is written yet."""
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_BYTES:
        raise Refusal("import.error.too_large", end=True)
    data = bytes(await (await document.get_file()).download_as_bytearray())
    name = document.file_name or "table"
    lang = lang_of(update, context)
    try:
        table, plan, writes, text = await asyncio.to_thread(
            read_and_plan, context.services, data, name, lang, context.services.clock.now(),
            context.user_data.pop(INTO_KEY, ""))
    except TableError as error:
        raise Refusal(f"import.error.{error.code}", end=True) from error
    if not writes:
        await answer(update, context, text)
        return ConversationHandler.END
    table.target = plan.target  # fixed here, so each later preview and the write agree on the list
    draft, _ = new_draft(context, IMPORT, table=table)
    await answer(update, context, text, import_units.preview_markup(lang, draft["token"], table, plan))
    await import_units.send_changes(update, context, lang, plan)
    return IMPORT_CONFIRM


async def import_not_document(update: Update, context: BotContext) -> int:
    await say(update, context, "import.need_document")
    return IMPORT_WAIT


async def import_confirmed(update: Update, context: BotContext) -> int:
    """Write the whole table in one transaction, or nothing."""
    draft = await confirmed_draft(update, context, IMPORT, needs="table")
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    await done_with_button(update)
    try:
        result = await asyncio.to_thread(write_table, context.services, draft["table"], context.services.clock.now())
    except ListGone:
        await say(update, context, "import.list_gone")
        return ConversationHandler.END
    await answer(update, context, import_done(lang, result))  # type: ignore[arg-type]
    return ConversationHandler.END


import_cancel = cancels(IMPORT)  # the table being imported is dropped

import_timed_out = times_out(IMPORT)


def import_conversation(timeout_seconds: float) -> ConversationHandler:
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return ConversationHandler(
        name="import",
        entry_points=[
            CommandHandler("import", admin(import_entry), filters=new),
            MessageHandler(new & filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)"),
                           admin(import_entry)),
        ],
        states={
            IMPORT_WAIT: [MessageHandler(new & filters.Document.ALL, import_file),
                          MessageHandler(new & ~filters.COMMAND, import_not_document)],
            IMPORT_CONFIRM: [CallbackQueryHandler(import_confirmed, pattern=Confirm.matches),
                             *import_units.handlers(), *import_lists.handlers()],
            # The preview's buttons still work while the new list's name is awaited.
            LIST_NAME: [MessageHandler(new & filters.TEXT & ~filters.COMMAND, import_lists.list_named),
                        CallbackQueryHandler(import_confirmed, pattern=Confirm.matches),
                        *import_units.handlers(), *import_lists.handlers()],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, import_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", import_cancel)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def handlers(timeout_seconds: float) -> list:
    """The /import dialogue, for admins only."""
    return [import_conversation(timeout_seconds)]
