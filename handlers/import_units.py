"""/import's preview: treat two near-duplicate unit names as one unit before the import is confirmed.

The preview (bot.preview) lists pairs such as 「区人社局」/「区人力社保局」 with a button each. A press
records the pair in the pending import's draft (``ParsedTable.unit_merges``, kept in user_data under
the /import dialogue's key) and shows the preview again; nothing is written until ✔ is pressed, and a
press on an old preview, or after the import was confirmed or cancelled, changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.keyboards import confirm_buttons
from bot.preview import UnitPair, import_preview, unit_name, unit_pairs
from bot.tables import ParsedTable
from bot.texts import split_message, t
from db.imports import ImportPlan, plan_import
from handlers.common import answer, guard, is_admin, lang_of

DRAFT_KEY = "import"  # handlers.admin's IMPORT: where the /import dialogue keeps the parsed table
MERGE_DATA = "iu"
MERGE_PATTERN = rf"^{MERGE_DATA}:[0-9]{{1,2}}:[01]:[0-9a-f]{{8}}$"  # pair, which way, the pair's checksum


def preview_markup(lang: str, table: ParsedTable, plan: ImportPlan) -> InlineKeyboardMarkup:
    """The preview's buttons: ✔/✖, then one "merge" button per near-duplicate pair."""
    rows = [list(row) for row in confirm_buttons(lang, DRAFT_KEY).inline_keyboard]
    for index, pair in enumerate(unit_pairs(table, plan)):
        buttons = []
        for way, (merged, kept) in enumerate(pair.choices(plan.unit_uses)):
            label = t(lang, "import.merge_button", merged=unit_name(lang, merged), kept=unit_name(lang, kept))
            buttons.append(InlineKeyboardButton(label, callback_data=f"{MERGE_DATA}:{index}:{way}:{pair.key}"))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


def _pressed(data: str, pairs: list[UnitPair], uses: dict[str, int]) -> tuple[str, str] | None:
    """(merged, kept) for a button's data, if its pair still stands at that place in the current preview."""
    _, index, way, key = data.split(":")
    position = int(index)
    if position >= len(pairs) or pairs[position].key != key:
        return None
    choices = pairs[position].choices(uses)
    return choices[int(way)] if int(way) < len(choices) else None


def merge_names(merges: dict[str, str], merged: str, kept: str) -> None:
    """Record that `merged` is `kept`; names merged into `merged` before now follow it to `kept`."""
    for name, into in merges.items():
        if into == merged:
            merges[name] = kept
    merges[merged] = kept
    merges.pop(kept, None)


async def merge_units(update: Update, context: BotContext) -> None:
    """Treat the pressed pair of unit names as one unit in the pending import and show the preview again."""
    query = update.callback_query
    lang = lang_of(update, context)
    table = context.user_data.get(DRAFT_KEY)
    if not isinstance(table, ParsedTable):
        await query.answer(t(lang, "import.merge_stale"), show_alert=True)
        return
    with context.services.db.session() as session:
        plan = plan_import(session, table=table)
    choice = _pressed(query.data or "", unit_pairs(table, plan), plan.unit_uses)
    if choice is None:
        await query.answer(t(lang, "import.merge_stale"), show_alert=True)
        return
    merged, kept = choice
    merge_names(table.unit_merges, merged, kept)
    with context.services.db.session() as session:
        plan = plan_import(session, table=table)
    text = import_preview(lang, table.file_name or "", table, plan)
    markup = preview_markup(lang, table, plan)
    await query.answer(t(lang, "import.merge_done", merged=t(lang, "import.unit_name", name=merged),
                         kept=t(lang, "import.unit_name", name=kept)))
    if len(split_message(text)) == 1 and isinstance(query.message, Message):
        await query.edit_message_text(text, reply_markup=markup)
    else:  # too long for one message: the old part loses its buttons, the new preview comes below
        await query.edit_message_reply_markup(reply_markup=None)
        await answer(update, context, text, markup)

def handlers() -> list[BaseHandler]:
    """The merge button's handler; it belongs in the /import dialogue's confirm state (it keeps that state)."""
    return [CallbackQueryHandler(guard(is_admin, "refuse.admin", merge_units), pattern=MERGE_PATTERN)]
