"""Receipts: the 收到 button of a reminder (pressed by its recipient, or implied by a report button pressed on
it), and /unread, the units whose latest reminder nobody acknowledged."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Ack
from bot.context import BotContext
from bot.dates import format_date
from bot.keyboards import ACK, without_button
from bot.texts import esc, join, t
from db import outbox, units
from db import people as people_db
from handlers.common import answer, guard, is_admin, lang_of, say
from handlers.uow import work
from jobs.supervision import ACK_DAYS

# ---------------------------------------------------------------- receipts


async def acknowledge(update: Update, context: BotContext) -> None:
    """Record the 收到 button of a reminder; only its recipient can press it."""
    query = update.callback_query
    lang = lang_of(update, context)
    row_id = Ack.of(update).row_id
    now = context.services.clock.now()
    with work(context) as session:
        result, _ = outbox.acknowledge(session, row_id=row_id, telegram_id=update.effective_user.id, now=now)
    await query.answer(t(lang, f"ack.{result.value}"), show_alert=result in (outbox.Ack.NOT_YOURS, outbox.Ack.UNKNOWN))
    if result in (outbox.Ack.RECORDED, outbox.Ack.ALREADY) and isinstance(query.message, Message):
        try:
            await query.edit_message_reply_markup(without_button(query.message.reply_markup, f"{ACK}:"))
        except TelegramError:  # already without the button
            pass


def ack_from_buttons(message: object, telegram_id: int, context: BotContext) -> None:
    """A report button pressed on a reminder acknowledges it too: whoever reports has read it."""
    markup = getattr(message, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            pressed = Ack.parse(button.callback_data)
            if pressed is not None:
                with work(context) as session:
                    outbox.acknowledge(session, row_id=pressed.row_id, telegram_id=telegram_id,
                                       now=context.services.clock.now())
                return


async def unread(update: Update, context: BotContext) -> None:
    """The units whose latest reminder nobody acknowledged, with when it went out and to whom."""
    lang = lang_of(update, context)
    services = context.services
    tz = services.settings.tz
    with work(context) as session:
        batches = outbox.current_batches(session, since=services.clock.now() - timedelta(days=ACK_DAYS))
        names = {u.id: u.name for u in units.all_units(session)}
        people = people_db.people_names(session, telegram_ids=[r.chat_id for b in batches.values() for r in b.rows
                                                             if r.chat_id])
    if not batches:
        await say(update, context, "unread.no_rounds", days=ACK_DAYS)
        return
    waiting = sorted((b for b in batches.values() if b.acked is None), key=lambda b: names.get(b.unit_id, ""))
    if not waiting:
        await say(update, context, "unread.none", count=len(batches))
        return
    lines = [t(lang, "unread.title", count=len(waiting), total=len(batches))]
    for batch in waiting:
        sent = (batch.first_sent or batch.created).astimezone(tz)
        recipients = sorted({people.get(r.chat_id, str(r.chat_id)) for r in batch.sent_rows if r.chat_id})
        lines.append(t(lang, "unread.line", unit=esc(names.get(batch.unit_id, "?")),
                       when=f"{format_date(sent.date(), lang)} {sent:%H:%M}", people=esc(join(lang, recipients)),
                       stage=t(lang, f"unread.stage.{batch.stage}")))
    await answer(update, context, "\n".join(lines))


def handlers() -> list:
    """Receipts (anyone may press; the row's recipient is checked) and /unread for admins."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [
        CallbackQueryHandler(acknowledge, pattern=Ack.matches),
        CommandHandler("unread", guard(is_admin, "refuse.admin", unread), filters=new),
    ]
