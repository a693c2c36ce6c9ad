"""办结 on review and adjustments (调整 / 取消), in the chat.

办结: a unit's 已完成 report asks for closing (handlers/contact.py calls `jobs.actions.closing_follows`); the
admins and supervisors get the request with 确认办结 / 退回. Confirm closes the item, dated; 退回 asks for the
reason in one message, then the reminders resume and the unit is told why. An admin closes an item directly
with `/close n 备注`, after a confirmation. Decisions go through `jobs.actions`, as the dashboard's do.

Adjustments, like an extension request: the contact, `/adjust n` (or 🔧 on the card) → what to change (title,
target, responsible units, or cancel) → the new value → the reason → confirm. The admins get Approve /
Refuse; an approved change is applied, the item as it was and as it became kept on the request. The request
stores its draft's token: confirmed twice (a restored dialogue), it is sent once.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import (
    ADJUST_KINDS,
    Adjust,
    AdjustCancel,
    AdjustKind,
    CloseConfirm,
    ClosingCancel,
    Confirm,
    DecideAdjustment,
    DecideClosing,
)
from bot.context import BotContext
from bot.keyboards import choice_buttons, confirm_buttons
from bot.texts import esc, t
from db import closing, dialogues, lists, names, people, units
from db import items as items_db
from db.facts import Closing, shown
from db.models import Adjustment, Role
from handlers.common import (
    args_text,
    busy_with,
    cancel_pressed,
    cancels,
    confirmed_draft,
    done_with_button,
    draft_of,
    guard,
    in_private,
    is_admin,
    is_contact,
    is_overseer,
    item_at,
    lang_of,
    new_draft,
    parse_reference,
    refuse_busy,
    refuse_closed,
    say,
    tell_dropped,
    text_expected,
    times_out,
    typed_text,
)
from handlers.units import refusal_of, resolve_units
from handlers.uow import Refusal, work
from jobs.actions import (
    Actor,
    Outcome,
    adjustment_notices,
    adjustment_text,
    adjustment_value,
    close_item,
    decide_adjustment_request,
    decide_closing_request,
)
from jobs.sender import send_queued

CLOSE_REASON = 40
ADJ_KIND, ADJ_VALUE, ADJ_REASON, ADJ_CONFIRM = range(41, 45)
DECISION, CLOSE, ADJUST = "close_decide", "close", "adjust"
MAX_TEXT = 1000
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def actor_of(update: Update) -> Actor:
    user = update.effective_user
    return Actor(user.id, user.full_name, user.username)


def refusal_values(lang: str, outcome: Outcome, kind: str) -> dict[str, Any]:
    outcome_text = t(lang, f"{kind}.status.{outcome.status}") if outcome.status else ""
    return {"number": outcome.number, "outcome": outcome_text}


async def drop_buttons(update: Update) -> None:
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except TelegramError:
        pass


# ---------------------------------------------------------------- 办结: the overseers' decision


async def decide_button(update: Update, context: BotContext) -> int:
    """确认办结 closes at once; 退回 asks for the reason first."""
    pressed = DecideClosing.of(update)
    query = update.callback_query
    lang = lang_of(update, context)
    if pressed.verdict == "c":
        outcome = decide_closing_request(context.services, review_id=pressed.review_id, confirm=True,
                                         by=actor_of(update), reason=None, now=context.services.clock.now(),
                                         lang=lang)
        if outcome.refusal is not None:
            await query.answer(t(lang, outcome.refusal, **refusal_values(lang, outcome, "close")), show_alert=True)
            await drop_buttons(update)
            return ConversationHandler.END
        await done_with_button(update, t(lang, "close.confirmed", number=outcome.number, day=outcome.day))
        await send_queued(context)
        return ConversationHandler.END
    busy = busy_with(context, DECISION)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    with work(context) as session:
        request = closing.review(session, review_id=pressed.review_id)
        item = dialogues.item(session, item_id=request.item_id) if request else None
        ref = lists.item_ref(session, item=item) if item else ""
    if request is None or item is None:
        raise Refusal("confirm.expired")
    if request.status != "requested":
        await query.answer(t(lang, "close.already", outcome=t(lang, f"close.status.{request.status}")),
                           show_alert=True)
        await drop_buttons(update)
        return ConversationHandler.END
    await done_with_button(update)
    draft, earlier = new_draft(context, DECISION, review_id=request.id, number=ref)
    await tell_dropped(update, context, earlier)
    await say(update, context, "close.ask_reason",
              choice_buttons([(t(lang, "btn.cancel"), ClosingCancel(draft["token"]).encode())]), number=ref)
    return CLOSE_REASON


async def got_refusal_reason(update: Update, context: BotContext) -> int:
    """The one message saying why: record the send-back, tell the unit."""
    text = typed_text(update)
    if len(text) > MAX_TEXT:
        await say(update, context, "add.too_long", max=MAX_TEXT)
        return CLOSE_REASON
    draft = context.user_data.pop(DECISION, {})
    if "review_id" not in draft:
        raise Refusal("confirm.expired", end=True)
    lang = lang_of(update, context)
    outcome = decide_closing_request(context.services, review_id=draft["review_id"], confirm=False,
                                     by=actor_of(update), reason=text, now=context.services.clock.now(), lang=lang)
    if outcome.refusal is not None:
        raise Refusal(outcome.refusal, end=True, **refusal_values(lang, outcome, "close"))
    await say(update, context, "close.refused", number=outcome.number)
    await send_queued(context)
    return ConversationHandler.END


decide_cancel = cancels(DECISION, "close.decide_cancelled")
decide_timed_out = times_out(DECISION, "close.decide_cancelled")


decide_cancel_pressed = cancel_pressed(DECISION, ClosingCancel, decide_cancel)


def decision_conversation(timeout_seconds: float) -> ConversationHandler:
    text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        name="closing_decision",
        persistent=True,
        entry_points=[CallbackQueryHandler(guard(is_overseer, "refuse.closing", decide_button),
                                           pattern=DecideClosing.matches)],
        states={
            CLOSE_REASON: [MessageHandler(text, got_refusal_reason)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, decide_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", decide_cancel),
                   CallbackQueryHandler(decide_cancel_pressed, pattern=ClosingCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


# ---------------------------------------------------------------- 办结: an admin closes directly


async def close_command(update: Update, context: BotContext) -> None:
    """/close n 备注: preview the direct closing; it is recorded on confirm."""
    parts = args_text(update).split(maxsplit=1)
    reference = parse_reference(parts[0]) if parts else None
    if reference is None or len(parts) < 2 or not parts[1].strip():
        raise Refusal("close.usage")
    note = parts[1].strip()
    if len(note) > MAX_TEXT:
        raise Refusal("add.too_long", max=MAX_TEXT)
    with work(context) as session:
        item = item_at(session, update, context, reference)
        if item.archived:
            raise Refusal("item.unknown", number=esc(str(reference)))
        refuse_closed(session, item)
        ref = lists.item_ref(session, item=item)
    if item.closing_state in (Closing.CLOSED, Closing.CANCELLED):
        raise Refusal("close.already_closed", number=ref)
    lang = lang_of(update, context)
    draft, _ = new_draft(context, CLOSE, item_id=item.id, number=ref, note=note)
    await say(update, context, "close.preview", choice_buttons([
        (t(lang, "confirm.yes"), CloseConfirm(draft["token"], "y").encode()),
        (t(lang, "confirm.no"), CloseConfirm(draft["token"], "n").encode())]),
        number=ref, title=esc(item.title), note=esc(note))


async def close_confirmed(update: Update, context: BotContext) -> None:
    """✔ under the preview: close the item (once per draft: a second press finds it closed)."""
    pressed = CloseConfirm.of(update)
    draft = context.user_data.get(CLOSE)
    lang = lang_of(update, context)
    if not isinstance(draft, dict) or draft.get("token") != pressed.token:
        raise Refusal("confirm.expired")
    context.user_data.pop(CLOSE, None)
    if pressed.answer != "y":
        await done_with_button(update, t(lang, "cancelled"))
        return
    outcome = close_item(context.services, item_id=draft["item_id"], by=actor_of(update), note=draft["note"],
                         now=context.services.clock.now(), draft_id=pressed.token, lang=lang)
    if outcome.refusal is not None:
        raise Refusal(outcome.refusal, edit=True, number=outcome.number or draft["number"])
    await done_with_button(update, t(lang, "close.done_direct", number=outcome.number, day=outcome.day))


# ---------------------------------------------------------------- adjustments: the contact's request


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(ADJUST, {})


def cancel_button(lang: str, token: str) -> InlineKeyboardMarkup:
    return choice_buttons([(t(lang, "btn.cancel"), AdjustCancel(token).encode())])


async def adjust_command(update: Update, context: BotContext) -> int:
    """/adjust n: ask to change item n or cancel it; bare /adjust lists the unit's items."""
    reference = parse_reference(args_text(update)) if args_text(update) else None
    if args_text(update) and reference is None:
        await say(update, context, "item.number_usage", example="/adjust 12")
        return ConversationHandler.END
    if reference is None:
        with work(context) as session:
            own = {i.id: i for u in context.units for i in items_db.list_items(session, unit_id=u.id)
                   if i.closing_state not in (Closing.CANCELLED, Closing.CLOSED)}  # nothing left to change
            named = lists.refs(session, items=own.values())
        items = sorted((i.number, shown(named[i.id]), i.id) for i in own.values())
        if not items:
            await say(update, context, "report.no_items")
            return ConversationHandler.END
        await say(update, context, "adj.choose",
                  choice_buttons([(label, Adjust(i).encode()) for _n, label, i in items[:99]], width=4))
        return ConversationHandler.END
    with work(context) as session:
        item_id = item_at(session, update, context, reference, end=True).id
    return await begin(update, context, item_id)


async def adjust_button(update: Update, context: BotContext) -> int:
    """The card's 🔧 申请调整 button."""
    item_id = Adjust.of(update).item_id
    await update.callback_query.answer()
    return await begin(update, context, item_id)


async def begin(update: Update, context: BotContext, item_id: int) -> int:
    """Check the item is the user's unit's, open, and has no request pending; then ask what to change."""
    busy = busy_with(context, ADJUST)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    lang = lang_of(update, context)
    with work(context) as session:
        item = dialogues.item(session, item_id=item_id)
        links = items_db.item_unit_ids(session, item_ids=[item.id]).get(item.id) if item else None
        pending = closing.pending_adjustment(session, item_id=item.id) if item else None
        if item is not None:
            refuse_closed(session, item, end=True)
        ref = lists.item_ref(session, item=item) if item else "?"
    if item is None or item.archived:
        raise Refusal("item.unknown", number=ref)
    if item.closing_state == Closing.CANCELLED:
        raise Refusal("adj.item_cancelled", number=ref)
    own = {u.id for u in context.units}
    mine = [u for u in [*links[Role.RESPONSIBLE], *links[Role.LEAD]] if u in own] if links else []
    if not mine:
        raise Refusal("adj.not_your_item", number=ref)
    if pending is not None:
        raise Refusal("adj.pending", number=ref)
    draft, earlier = new_draft(context, ADJUST, item_id=item.id, number=ref, title=item.title, unit_id=mine[0])
    await tell_dropped(update, context, earlier)
    token = draft["token"]
    buttons = [(t(lang, f"adj.kind.{k}"), AdjustKind(token, k).encode()) for k in ADJUST_KINDS]
    await say(update, context, "adj.ask_kind",
              choice_buttons([*buttons, (t(lang, "btn.cancel"), AdjustCancel(token).encode())], width=2),
              number=ref, title=esc(item.title))
    return ADJ_KIND


async def chose_kind(update: Update, context: BotContext) -> int:
    pressed = AdjustKind.of(update)
    draft = draft_of(context, ADJUST, pressed.token)
    lang = lang_of(update, context)
    await done_with_button(update)
    with work(context) as session:
        item = dialogues.item(session, item_id=draft["item_id"])
        if item is None:
            raise Refusal("confirm.expired", end=True)
        current = adjustment_value(lang, pressed.kind, closing.item_as_is(session, item=item, kind=pressed.kind),
                                   units.unit_names(session))
    if pressed.kind == "target" and item.target_value is None:
        raise Refusal("adj.not_indicator", number=draft["number"])
    draft["kind"] = pressed.kind
    if pressed.kind == "cancel":
        draft["after"] = {"closing_state": Closing.CANCELLED.value}
        await say(update, context, "adj.ask_reason", cancel_button(lang, draft["token"]))
        return ADJ_REASON
    draft["unit_text"] = item.indicator_unit
    await say(update, context, f"adj.ask_{pressed.kind}", cancel_button(lang, draft["token"]), current=current)
    return ADJ_VALUE


async def got_value(update: Update, context: BotContext) -> int:
    """The new title, target or units, checked like /edit's."""
    draft = _draft(context)
    text = typed_text(update)
    lang = lang_of(update, context)
    kind = draft.get("kind")
    if kind == "title":
        try:
            after: dict[str, Any] = {"title": names.title(text)}
        except names.BadText as error:
            raise refusal_of(error) from error
    elif kind == "target":
        if not _NUMBER.match(text):
            raise Refusal("adj.bad_target", text=esc(text[:40]))
        after = {"target_value": float(text), "indicator_unit": draft.get("unit_text")}
    elif kind == "units":
        with work(context) as session:
            after = {"responsible": resolve_units(session, lang, text)}
    else:
        raise Refusal("confirm.expired", end=True)
    with work(context) as session:
        item = dialogues.item(session, item_id=draft["item_id"])
        before = closing.item_as_is(session, item=item, kind=kind) if item else {}
    if {k: before.get(k) for k in after} == after:
        raise Refusal("adj.same")
    draft["after"] = after
    await say(update, context, "adj.ask_reason", cancel_button(lang, draft["token"]))
    return ADJ_REASON


async def got_reason(update: Update, context: BotContext) -> int:
    text = typed_text(update)
    if len(text) > MAX_TEXT:
        await say(update, context, "add.too_long", max=MAX_TEXT)
        return ADJ_REASON
    draft = _draft(context)
    draft["reason"] = text
    lang = lang_of(update, context)
    with work(context) as session:
        item = dialogues.item(session, item_id=draft["item_id"])
        if item is None:
            raise Refusal("confirm.expired", end=True)
        preview = Adjustment(item_id=item.id, unit_id=draft["unit_id"], requested_by=0, kind=draft["kind"],
                             before=closing.item_as_is(session, item=item, kind=draft["kind"]), after=draft["after"],
                             reason=text)
        change = adjustment_text(lang, preview, units.unit_names(session))
    await say(update, context, "adj.preview", confirm_buttons(lang, draft["token"]), number=draft["number"],
              title=esc(draft["title"]), change=change, reason=esc(text))
    return ADJ_CONFIRM


async def confirmed(update: Update, context: BotContext) -> int:
    """Record the request and put it before the admins, in one transaction (once per draft)."""
    draft = await confirmed_draft(update, context, ADJUST, "reason")
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    services = context.services
    now = services.clock.now()
    user = update.effective_user
    with work(context) as session:
        if dialogues.of_draft(session, Adjustment, draft_id=draft["token"]) is not None:
            raise Refusal("adj.already_saved", end=True, edit=True)
        item = dialogues.item(session, item_id=draft["item_id"])
        pending = closing.pending_adjustment(session, item_id=item.id) if item else None
        if item is None or item.archived or pending is not None or item.closing_state == Closing.CANCELLED:
            raise Refusal("adj.pending" if pending is not None else "item.unknown", end=True, edit=True,
                          number=draft["number"])
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        request = closing.request_adjustment(session, item=item, unit_id=draft["unit_id"], by=user.id,
                                             kind=draft["kind"], after=draft["after"], reason=draft["reason"],
                                             now=now, draft_id=draft["token"])
        unit = units.units_by_id(session, ids=[draft["unit_id"]])[draft["unit_id"]]
        adjustment_notices(services, session, request=request, item=item, unit=unit.name, person=user.full_name,
                           now=now)
    await done_with_button(update, t(lang, "adj.submitted", number=draft["number"]))
    await send_queued(context)
    return ConversationHandler.END


cancel = cancels(ADJUST)  # nothing of the request is saved
timed_out = times_out(ADJUST)


adjust_cancel_pressed = cancel_pressed(ADJUST, AdjustCancel, cancel)


def adjustment_conversation(timeout_seconds: float) -> ConversationHandler:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    contact = lambda cb: guard(is_contact, "refuse.contact_adjust", guard(in_private, "refuse.private", cb))  # noqa: E731
    return ConversationHandler(
        name="adjustment",
        persistent=True,
        entry_points=[
            CommandHandler("adjust", contact(adjust_command), filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
            CallbackQueryHandler(contact(adjust_button), pattern=Adjust.matches),
        ],
        states={
            ADJ_KIND: [CallbackQueryHandler(chose_kind, pattern=AdjustKind.matches)],
            ADJ_VALUE: [MessageHandler(text, got_value), MessageHandler(private & ~filters.COMMAND, text_expected)],
            ADJ_REASON: [MessageHandler(text, got_reason), MessageHandler(private & ~filters.COMMAND, text_expected)],
            ADJ_CONFIRM: [CallbackQueryHandler(confirmed, pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(adjust_cancel_pressed, pattern=AdjustCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


# ---------------------------------------------------------------- adjustments: the admin's decision


async def decide_adjustment_button(update: Update, context: BotContext) -> None:
    """Approve or refuse an adjustment at once (a second press, or another admin's, finds it decided)."""
    pressed = DecideAdjustment.of(update)
    lang = lang_of(update, context)
    outcome = decide_adjustment_request(context.services, adjustment_id=pressed.adjustment_id,
                                        approve=pressed.verdict == "a", by=actor_of(update), comment=None,
                                        now=context.services.clock.now())
    if outcome.refusal is not None:
        await update.callback_query.answer(t(lang, outcome.refusal, **refusal_values(lang, outcome, "adj")),
                                           show_alert=True)
        await drop_buttons(update)
        return
    key = "adj.decided_approved" if outcome.status == "approved" else "adj.decided_refused"
    await done_with_button(update, t(lang, key, number=outcome.number))
    await send_queued(context)


def handlers(timeout_seconds: float) -> list:
    """The overseers' decision on a 办结, an admin's /close, the adjustment dialogue and its decision."""
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    return [
        decision_conversation(timeout_seconds),
        adjustment_conversation(timeout_seconds),
        CommandHandler("close", admin(close_command), filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
        CallbackQueryHandler(admin(close_confirmed), pattern=CloseConfirm.matches),
        CallbackQueryHandler(admin(decide_adjustment_button), pattern=DecideAdjustment.matches),
    ]

