"""/import's preview: treat two near-duplicate unit names as one unit before the import is confirmed.

The preview (bot.preview) lists pairs such as 「区人社局」/「区人力社保局」, each with a button (two when
nothing tells which name to keep). A press records the pair in the pending import's draft
(``ParsedTable.unit_merges`` of the table the /import dialogue keeps in its draft) and shows the preview
again; nothing is written until ✔ is pressed. The button carries the draft's token and the pair's
checksum: a press on an old preview, on another import's, or after the import was confirmed or
cancelled changes nothing.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import ImportInto, ImportListName, MergeDifferent, MergeUnits
from bot.context import BotContext
from bot.keyboards import confirm_buttons
from bot.preview import UnitPair, changes_workbook, import_preview, unit_name, unit_pairs
from bot.tables import ParsedTable
from bot.texts import split_message, t
from db.imports import ImportPlan, plan_import
from handlers.common import answer, draft_of, guard, is_admin, lang_of
from handlers.uow import Refusal, answering, work

LISTS_AT_MOST = 6  # existing lists offered as buttons
DRAFT_KEY = "import"  # handlers.importing's IMPORT: the /import dialogue's draft, {"token", "table"}


def list_buttons(lang: str, token: str, plan: ImportPlan) -> list[list[InlineKeyboardButton]]:
    """A button per other active list, one back to the new list the title names, and one to name it."""
    rows = [[InlineKeyboardButton(t(lang, "import.list_button", name=other.name),
                                  callback_data=ImportInto(token, other.list_id or 0).encode())]
            for other in plan.lists[:LISTS_AT_MOST] if other.list_id != plan.target.list_id]
    if plan.target.list_id is not None:
        rows.append([InlineKeyboardButton(t(lang, "import.new_list_button", name=plan.fresh.name),
                                          callback_data=ImportInto(token, 0).encode())])
    rows.append([InlineKeyboardButton(t(lang, "import.rename_button"),
                                      callback_data=ImportListName(token).encode())])
    return rows


def preview_markup(lang: str, token: str, table: ParsedTable, plan: ImportPlan) -> InlineKeyboardMarkup:
    """The preview's buttons: ✔/✖, the choice for rows that are other tasks than the item with their
    number, the lists it could go into instead (handlers.import_lists), then a row of "merge" buttons per
    near-duplicate pair."""
    rows = [list(row) for row in confirm_buttons(lang, token).inline_keyboard]
    if plan.different or table.merge_different:
        merged = table.merge_different
        label = t(lang, "import.split_different_button" if merged else "import.merge_different_button",
                  count=len(plan.different))
        rows.append([InlineKeyboardButton(label, callback_data=MergeDifferent(token, "n" if merged else "y").encode())])
    rows += list_buttons(lang, token, plan)
    for index, pair in enumerate(unit_pairs(table, plan)):
        buttons = []
        for way, (merged, kept) in enumerate(pair.choices(plan.unit_uses)):
            label = t(lang, "import.merge_button", merged=unit_name(lang, merged), kept=unit_name(lang, kept))
            data = MergeUnits(token, index, way, pair.checksum).encode()
            buttons.append(InlineKeyboardButton(label, callback_data=data))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


def _pressed(press: MergeUnits, pairs: list[UnitPair], uses: dict[str, int]) -> tuple[str, str]:
    """(merged, kept) for the press, if its pair still stands at that place in the current preview."""
    if press.pair >= len(pairs) or pairs[press.pair].checksum != press.checksum:
        raise Refusal("import.merge_stale")
    choices = pairs[press.pair].choices(uses)
    if press.way >= len(choices):
        raise Refusal("import.merge_stale")
    return choices[press.way]


def merge_names(merges: dict[str, str], merged: str, kept: str) -> None:
    """Record that `merged` is `kept`; names merged into `merged` before now follow it to `kept`."""
    for name, into in merges.items():
        if into == merged:
            merges[name] = kept
    merges[merged] = kept
    merges.pop(kept, None)


async def merge_units(update: Update, context: BotContext) -> None:
    """Treat the pressed pair of unit names as one unit in the pending import and show the preview again."""
    press = MergeUnits.of(update)
    draft = draft_of(context, DRAFT_KEY, press.token)
    table = draft.get("table")
    if not isinstance(table, ParsedTable):
        raise Refusal("import.merge_stale")
    lang = lang_of(update, context)
    with work(context) as session:
        plan = plan_import(session, table=table)
        merged, kept = _pressed(press, unit_pairs(table, plan), plan.unit_uses)
        merge_names(table.unit_merges, merged, kept)
        plan = plan_import(session, table=table)
    await show_again(update, context, press.token, table, plan, t(lang, "import.merge_done", merged=t(
        lang, "import.unit_name", name=merged), kept=t(lang, "import.unit_name", name=kept)))


async def merge_different(update: Update, context: BotContext) -> None:
    """Merge (or keep apart again) the rows that are other tasks than the item with their number, and show
    the preview again; nothing is written until ✔."""
    press = MergeDifferent.of(update)
    table = draft_of(context, DRAFT_KEY, press.token).get("table")
    if not isinstance(table, ParsedTable):
        raise Refusal("import.merge_stale")
    table.merge_different = press.yes
    with work(context) as session:
        plan = plan_import(session, table=table)
    await show_again(update, context, press.token, table, plan, t(lang_of(update, context), "import.merge_different_done"))


async def show_again(update: Update, context: BotContext, token: str, table: ParsedTable, plan: ImportPlan,
                     note: str) -> None:
    """The pending import's preview shown again after a choice, in place of the pressed one when it fits."""
    lang = lang_of(update, context)
    text = import_preview(lang, table.file_name or "", table, plan)
    markup = preview_markup(lang, token, table, plan)
    query = update.callback_query
    await query.answer(note)
    if len(split_message(text)) == 1 and isinstance(query.message, Message):
        await query.edit_message_text(text, reply_markup=markup)
    else:  # too long for one message: the old part loses its buttons, the new preview comes below
        await query.edit_message_reply_markup(reply_markup=None)
        await answer(update, context, text, markup)
    await send_changes(update, context, lang, plan)


CHANGES_FILE = "import-changes.xlsx"


async def send_changes(update: Update, context: BotContext, lang: str, plan: ImportPlan) -> None:
    """Every change and different task as an .xlsx, when the preview lists only the first."""
    data = await asyncio.to_thread(changes_workbook, lang, plan)
    if data is not None:
        await context.bot.send_document(update.effective_chat.id, data, filename=CHANGES_FILE,
                                        caption=t(lang, "import.changes_caption"))


def handlers() -> list[BaseHandler]:
    """The merge buttons' handlers, for the /import dialogue's confirm state (they keep that state)."""
    admin = lambda cb: answering(guard(is_admin, "refuse.admin", cb))  # noqa: E731
    return [CallbackQueryHandler(admin(merge_units), pattern=MergeUnits.matches),
            CallbackQueryHandler(admin(merge_different), pattern=MergeDifferent.matches)]
