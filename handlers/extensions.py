"""Extension requests (延期申请): a unit's contact asks to move an item's deadline, an admin decides.

The contact: /extend n (or the card's button) → the new deadline, echoed as understood → the reason →
confirm. The admins get the request with Approve / Refuse; the deciding admin may add a comment (one
message, or a tap for none); the contact is told. An approved request moves the deadline and keeps the
one before on record. The request stores its draft's token: confirmed twice (a restored dialogue), it
is sent once.
"""

from __future__ import annotations

from datetime import date
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
    CardExtend,
    Confirm,
    Decide,
    DecideCancel,
    DecideNoComment,
    Extend,
    ExtendCancel,
    either_kind,
)
from bot.context import BotContext
from bot.dates import format_date, parse_deadline
from bot.keyboards import choice_buttons, confirm_buttons
from bot.texts import esc, t
from db import dialogues, extensions, lists, outbox, people, units
from db import items as items_db
from db.facts import shown
from db.models import ExtensionRequest, Role
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
    item_at,
    item_pressed,
    lang_of,
    new_draft,
    office_calendar,
    parse_reference,
    refuse_busy,
    refuse_closed,
    say,
    short_date,
    tell_dropped,
    text_expected,
    times_out,
    typed_text,
)
from handlers.uow import Refusal, work
from jobs.actions import outcome_text
from jobs.sender import send_queued, send_time

EXT_DEADLINE, EXT_REASON, EXT_CONFIRM = range(30, 33)
DEC_COMMENT = 35
DRAFT, DECISION = "extend", "decide"
MAX_REASON = 1000


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def cancel_button(lang: str, token: str) -> InlineKeyboardMarkup:
    return choice_buttons([(t(lang, "btn.cancel"), ExtendCancel(token).encode())])


# ---------------------------------------------------------------- the contact's request


async def extend_command(update: Update, context: BotContext) -> int:
    """/extend n: ask to move item n's deadline; bare /extend lists the unit's items to choose from."""
    reference = parse_reference(args_text(update)) if args_text(update) else None
    if args_text(update) and reference is None:
        await say(update, context, "item.number_usage", example="/extend 12")
        return ConversationHandler.END
    if reference is None:
        return await choose_item(update, context)
    with work(context) as session:
        item_id = item_at(session, update, context, reference).id
    return await begin(update, context, item_id)


async def extend_button(update: Update, context: BotContext) -> int:
    """The card's (or the list's) 申请延期 button."""
    item_id = item_pressed(update, context, Extend, CardExtend)
    await update.callback_query.answer()
    return await begin(update, context, item_id)


async def choose_item(update: Update, context: BotContext) -> int:
    with work(context) as session:
        own = {i.id: i for u in context.units for i in items_db.list_items(session, unit_id=u.id)}
        named = lists.refs(session, items=own.values())
        items = sorted((i.list_id, i.number, named[i.id], i.id) for i in own.values())
    if not items:
        await say(update, context, "report.no_items")
        return ConversationHandler.END
    await say(update, context, "ext.choose", choice_buttons([(shown(ref), Extend(i).encode()) for _l, _n, ref, i in items[:99]],
                                                          width=4))
    return ConversationHandler.END


async def begin(update: Update, context: BotContext, item_id: int) -> int:
    """Check the item is the user's unit's and has no request pending, then ask for the new deadline."""
    busy = busy_with(context, DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    lang = lang_of(update, context)
    with work(context) as session:
        item = dialogues.item(session, item_id=item_id)
        links = items_db.item_unit_ids(session, item_ids=[item.id]).get(item.id) if item else None
        pending = extensions.pending_extension(session, item_id=item.id) if item else None
        if item is not None:
            refuse_closed(session, item, end=True)
        number = lists.item_ref(session, item=item) if item else "?"
    if item is None or item.archived:
        raise Refusal("item.unknown", number=number)
    own = {u.id for u in context.units}
    mine = [u for u in [*links[Role.RESPONSIBLE], *links[Role.LEAD]] if u in own] if links else []
    if not mine:
        await say(update, context, "ext.not_your_item", number=number)
        return ConversationHandler.END
    if pending is not None:
        await say(update, context, "ext.pending", number=number, deadline=format_date(pending.requested_deadline, lang),
                  when=short_date(lang, pending.created_at.astimezone(context.services.settings.tz).date()))
        return ConversationHandler.END
    draft, earlier = new_draft(context, DRAFT, item_id=item.id, number=number, title=item.title, unit_id=mine[0],
                               current=item.deadline.isoformat() if item.deadline else None)
    await tell_dropped(update, context, earlier)
    current = format_date(item.deadline, lang) if item.deadline else t(lang, "item.deadline_open")
    await say(update, context, "ext.ask_deadline", cancel_button(lang, draft["token"]), number=number,
              title=esc(item.title), current=current)
    return EXT_DEADLINE


async def got_deadline(update: Update, context: BotContext) -> int:
    """Read the new deadline as offices write it, and echo it as understood."""
    draft = _draft(context)
    text = typed_text(update)
    now = context.services.clock.now()
    lang = lang_of(update, context)
    deadline = parse_deadline(text, now, office_calendar(context))
    if deadline is None:
        await say(update, context, "ext.bad_deadline", text=esc(text))
        return EXT_DEADLINE
    current = date.fromisoformat(draft["current"]) if draft.get("current") else None
    if current is not None and deadline <= current:
        await say(update, context, "ext.not_later", deadline=format_date(deadline, lang),
                  current=format_date(current, lang))
        return EXT_DEADLINE
    if deadline < now.date():
        await say(update, context, "ext.past", deadline=format_date(deadline, lang))
        return EXT_DEADLINE
    draft.update(deadline=deadline.isoformat(), deadline_text=text[:80])
    await say(update, context, "ext.ask_reason", cancel_button(lang, draft["token"]),
              deadline=format_date(deadline, lang))
    return EXT_REASON


async def got_reason(update: Update, context: BotContext) -> int:
    text = typed_text(update)
    if len(text) > MAX_REASON:
        await say(update, context, "add.too_long", max=MAX_REASON)
        return EXT_REASON
    draft = _draft(context)
    draft["reason"] = text
    lang = lang_of(update, context)
    current = date.fromisoformat(draft["current"]) if draft.get("current") else None
    await say(update, context, "ext.preview", confirm_buttons(lang, draft["token"]), number=draft["number"],
              title=esc(draft["title"]), deadline=format_date(date.fromisoformat(draft["deadline"]), lang),
              current=format_date(current, lang) if current else t(lang, "item.deadline_open"), reason=esc(text))
    return EXT_CONFIRM


async def confirmed(update: Update, context: BotContext) -> int:
    """Record the request and put it before the admins, in one transaction (once per draft)."""
    draft = await confirmed_draft(update, context, DRAFT, "reason")
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    services = context.services
    now = services.clock.now()
    user = update.effective_user
    with work(context) as session:
        if dialogues.of_draft(session, ExtensionRequest, draft_id=draft["token"]) is not None:
            raise Refusal("ext.already_saved", end=True, edit=True)
        item = dialogues.item(session, item_id=draft["item_id"])
        pending = extensions.pending_extension(session, item_id=item.id) if item else None
        if item is None or item.archived or pending is not None:
            raise Refusal("ext.pending_now" if pending is not None else "item.unknown", end=True, edit=True,
                          number=draft["number"])
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        request = extensions.request_extension(
            session, item=item, unit_id=draft["unit_id"], by=user.id,
            deadline=date.fromisoformat(draft["deadline"]), text=draft["deadline_text"], reason=draft["reason"],
            now=now)
        dialogues.mark_draft(session, request, draft_id=draft["token"])
        unit = units.units_by_id(session, ids=[draft["unit_id"]])[draft["unit_id"]]
        for admin_id in services.settings.admin_ids:
            admin_lang = people.person_language(session, telegram_id=admin_id) or services.settings.language
            outbox.enqueue_text(
                session, key=f"extension:{request.id}:{admin_id}", kind="notice", chat_id=admin_id,
                parts=[request_text(admin_lang, request, draft["number"], item.title, unit.name, user.full_name)],
                buttons=[[(t(admin_lang, "ext.approve"), Decide(request.id, "a").encode()),
                          (t(admin_lang, "ext.refuse"), Decide(request.id, "r").encode())]],
                now=now, not_before=send_time(services, now))
    await done_with_button(update, t(lang, "ext.submitted", number=draft["number"],
                                     deadline=format_date(date.fromisoformat(draft["deadline"]), lang)))
    await send_queued(context)
    return ConversationHandler.END


def request_text(lang: str, request: ExtensionRequest, number: int | str, title: str, unit: str, person: str) -> str:
    original = format_date(request.original_deadline, lang) if request.original_deadline else t(lang, "item.deadline_open")
    return t(lang, "ext.admin_request", number=number, title=esc(title), unit=esc(unit), person=esc(person),
             deadline=format_date(request.requested_deadline, lang), text=esc(request.requested_text),
             original=original, reason=esc(request.reason))


cancel = cancels(DRAFT)  # nothing of the request is saved


request_cancel_pressed = cancel_pressed(DRAFT, ExtendCancel, cancel)

timed_out = times_out(DRAFT)

# ---------------------------------------------------------------- the admin's decision


async def decide_button(update: Update, context: BotContext) -> int:
    """Approve or refuse: first ask for an optional comment."""
    query = update.callback_query
    pressed = Decide.of(update)
    busy = busy_with(context, DECISION)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    lang = lang_of(update, context)
    with work(context) as session:
        request = extensions.extension(session, request_id=pressed.request_id)
        item = dialogues.item(session, item_id=request.item_id) if request else None
        decider = people.people_names(session, telegram_ids=[request.decided_by]) if request and request.decided_by else {}
        ref = lists.item_ref(session, item=item) if item else ""
    if request is None or item is None:
        await query.answer(t(lang, "confirm.expired"), show_alert=True)
        return ConversationHandler.END
    if request.status != "pending":
        await query.answer(already_text(lang, request, decider), show_alert=True)
        try:
            await query.edit_message_reply_markup(None)
        except TelegramError:
            pass
        return ConversationHandler.END
    await done_with_button(update)
    approve = pressed.verdict == "a"
    draft, earlier = new_draft(context, DECISION, request_id=request.id, approve=approve, number=ref)
    await tell_dropped(update, context, earlier)
    options = [(t(lang, "ext.no_comment"), DecideNoComment(draft["token"]).encode()),
               (t(lang, "btn.cancel"), DecideCancel(draft["token"]).encode())]
    await say(update, context, "ext.ask_comment", choice_buttons(options),
              verdict=t(lang, "ext.verdict_approve" if approve else "ext.verdict_refuse"), number=ref,
              deadline=format_date(request.requested_deadline, lang))
    return DEC_COMMENT


def already_text(lang: str, request: ExtensionRequest, decider: dict[int, str]) -> str:
    return t(lang, "ext.already", outcome=t(lang, f"ext.status.{request.status}"),
             person=decider.get(request.decided_by or 0) or t(lang, "ext.an_admin"))


async def comment_text(update: Update, context: BotContext) -> int:
    text = typed_text(update)
    if len(text) > MAX_REASON:
        await say(update, context, "add.too_long", max=MAX_REASON)
        return DEC_COMMENT
    return await decide(update, context, text or None)


async def no_comment(update: Update, context: BotContext) -> int:
    draft_of(context, DECISION, DecideNoComment.of(update).token)
    await done_with_button(update)
    return await decide(update, context, None)


async def decide(update: Update, context: BotContext, comment: str | None) -> int:
    """Record the decision, move the deadline when approved, tell the contact: one transaction."""
    draft = context.user_data.pop(DECISION, {})
    if "request_id" not in draft:
        await say(update, context, "confirm.expired")
        return ConversationHandler.END
    services = context.services
    now = services.clock.now()
    lang = lang_of(update, context)
    with work(context) as session:
        request = extensions.extension(session, request_id=draft["request_id"])
        if request is None:
            raise Refusal("confirm.expired", end=True, edit=True)
        if request.status != "pending":
            decider = people.people_names(session, telegram_ids=[request.decided_by or 0])
            raise Refusal("ext.already", end=True, edit=True, outcome=t(lang, f"ext.status.{request.status}"),
                          person=decider.get(request.decided_by or 0) or t(lang, "ext.an_admin"))
        item = dialogues.item(session, item_id=request.item_id)
        ref = lists.item_ref(session, item=item)
        user = update.effective_user
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        extensions.decide_extension(session, request=request, approve=draft["approve"], by=update.effective_user.id,
                                     comment=comment, now=now)
        contact_lang = people.person_language(session, telegram_id=request.requested_by) or services.settings.language
        outbox.enqueue_text(session, key=f"extension-decided:{request.id}", kind="notice", chat_id=request.requested_by,
                            parts=[outcome_text(contact_lang, request, ref, item.title)], now=now,
                            not_before=send_time(services, now))
    key = "ext.decided_approved" if request.status == "approved" else "ext.decided_refused"
    await say(update, context, key, number=ref, deadline=format_date(request.requested_deadline, lang))
    await send_queued(context)
    return ConversationHandler.END


decide_cancel = cancels(DECISION, "ext.decide_cancelled")  # the request stays pending


decide_cancel_pressed = cancel_pressed(DECISION, DecideCancel, decide_cancel)

decide_timed_out = times_out(DECISION, "ext.decide_timeout")

# ---------------------------------------------------------------- wiring


def extension_conversation(timeout_seconds: float) -> ConversationHandler:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    # A contact's dialogue runs in the private chat, where the bot sees every message.
    contact = lambda cb: guard(is_contact, "refuse.contact_extend", guard(in_private, "refuse.private", cb))  # noqa: E731
    return ConversationHandler(
        name="extension",
        persistent=True,
        entry_points=[
            CommandHandler("extend", contact(extend_command), filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
            CallbackQueryHandler(contact(extend_button), pattern=either_kind(Extend, CardExtend)),
        ],
        states={
            EXT_DEADLINE: [MessageHandler(text, got_deadline), MessageHandler(private & ~filters.COMMAND, text_expected)],
            EXT_REASON: [MessageHandler(text, got_reason), MessageHandler(private & ~filters.COMMAND, text_expected)],
            EXT_CONFIRM: [CallbackQueryHandler(confirmed, pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(request_cancel_pressed, pattern=ExtendCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def decision_conversation(timeout_seconds: float) -> ConversationHandler:
    text = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        name="extension_decision",
        persistent=True,
        entry_points=[CallbackQueryHandler(guard(is_admin, "refuse.admin", decide_button),
                                           pattern=Decide.matches)],
        states={
            DEC_COMMENT: [MessageHandler(text, comment_text), CallbackQueryHandler(no_comment, pattern=DecideNoComment.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, decide_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", decide_cancel),
                   CallbackQueryHandler(decide_cancel_pressed, pattern=DecideCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def handlers(timeout_seconds: float) -> list:
    """Both sides of an extension request; the request is for a unit's contacts, the decision for admins."""
    return [extension_conversation(timeout_seconds), decision_conversation(timeout_seconds)]

