"""/import's preview: which task list (清单) the table goes into.

The preview names the list: the active one whose year and kind the table's title names, else a new one
named from the title ("2021年普陀区民生实事…" → 2021年民生实事). Its buttons pick another active list,
go back to the new one, or ask for the new list's name and year in one message ("2022年重点工作 2022").
Each choice is kept in the pending import's draft and the preview is shown again; nothing is written
until ✔. The buttons carry the draft's token and the list's id: a press on an old or another import's
preview, or for a list closed since, changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.callbacks import ImportInto, ImportListName
from bot.context import BotContext
from bot.preview import import_preview
from bot.tables import ParsedTable
from bot.texts import esc, t
from db.imports import existing_list, plan_import, typed_list
from handlers.common import answer, draft_of, guard, is_admin, lang_of, say, typed_text
from handlers.import_units import DRAFT_KEY, preview_markup, send_changes, show_again
from handlers.uow import Refusal, answering, work

CONFIRM, LIST_NAME = 21, 22  # the /import dialogue's states: the preview's buttons; the new list's name typed


def _pending(context: BotContext, token: str) -> ParsedTable:
    table = draft_of(context, DRAFT_KEY, token).get("table")
    if not isinstance(table, ParsedTable):
        raise Refusal("confirm.expired")
    return table


async def choose_list(update: Update, context: BotContext) -> None:
    """Put the pending import into the pressed list and show the preview again."""
    press = ImportInto.of(update)
    table = _pending(context, press.token)
    with work(context) as session:
        if press.list_id:
            target = existing_list(session, list_id=press.list_id)
            if target is None:
                raise Refusal("import.list_gone")
        else:
            target = None
        table.target = target
        plan = plan_import(session, table=table)
        if target is None:
            table.target = plan.fresh
            plan = plan_import(session, table=table)
    await show_again(update, context, press.token, table, plan,
                     t(lang_of(update, context), "import.list_chosen", name=plan.target.name))


async def ask_list_name(update: Update, context: BotContext) -> int:
    """Ask for the new list's name and year, in one message."""
    _pending(context, ImportListName.of(update).token)
    await update.callback_query.answer()
    await say(update, context, "import.ask_list_name")
    return LIST_NAME


async def list_named(update: Update, context: BotContext) -> int:
    """The new list's name and year, as typed: show the preview again with it."""
    draft = context.user_data.get(DRAFT_KEY)
    table = draft.get("table") if isinstance(draft, dict) else None
    if not isinstance(table, ParsedTable):
        await say(update, context, "confirm.expired")
        return ConversationHandler.END
    target = typed_list(typed_text(update))
    if target is None:
        await say(update, context, "import.bad_list_name")
        return LIST_NAME
    table.target = target
    lang = lang_of(update, context)
    with work(context) as session:
        plan = plan_import(session, table=table)
    await answer(update, context, t(lang, "import.list_chosen", name=esc(target.name)))
    await answer(update, context, import_preview(lang, table.file_name or "", table, plan),
                 preview_markup(lang, draft["token"], table, plan))
    await send_changes(update, context, lang, plan)
    return CONFIRM


def handlers() -> list[BaseHandler]:
    """The list buttons' handlers, for the /import dialogue's confirm and name states (admins only)."""
    admin = lambda cb: answering(guard(is_admin, "refuse.admin", cb))  # noqa: E731
    return [CallbackQueryHandler(admin(choose_list), pattern=ImportInto.matches),
            CallbackQueryHandler(admin(ask_list_name), pattern=ImportListName.matches)]
