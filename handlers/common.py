"""Helpers shared by the audiences' handlers: language, replies, guards, confirmations, /help."""

from __future__ import annotations

import logging
import re
import secrets
import traceback
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.callbacks import CardExtend, CardReport, Confirm, Extend, Report, Step, new_token
from bot.context import BotContext, Services
from bot.dates import parse_deadline
from bot.texts import LANGUAGES, MESSAGE_LIMIT, esc, join, split_message, t
from db import contacts, lists, names, people
from db.engine import transaction_open, unavailable
from db.lists import Reference
from db.lists import parse_reference as parse_reference
from db.models import Item
from handlers.uow import Refusal, safe_lang, work
from jobs.supervision import calendar
from jobs.workdays import WorkCalendar

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Awaitable[Any]]
Check = Callable[[Update, BotContext], bool]


def services(context: BotContext) -> Services:
    return context.services


def lang_of(update: Update | None, context: BotContext) -> str:
    """The user's chosen language, else the office default; cached for the user."""
    cached = context.user_data.get("lang") if context.user_data is not None else None
    if cached:
        return cached
    lang = context.services.settings.language
    user = update.effective_user if update else None
    if user is not None:
        with work(context) as session:
            lang = people.person_language(session, telegram_id=user.id) or lang
        if context.user_data is not None:
            context.user_data["lang"] = lang
    return lang


async def answer(update: Update, context: BotContext, text: str,
                 markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Reply in the chat of the update, split under Telegram's limit; buttons go with the last part."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_message(text)
    message = None
    for index, part in enumerate(parts):
        message = await context.bot.send_message(
            chat.id, part, reply_markup=markup if index == len(parts) - 1 else None,
        )
    return message


async def say(update: Update, context: BotContext, key: str, markup: InlineKeyboardMarkup | None = None,
              **values: Any) -> Message | None:
    return await answer(update, context, t(lang_of(update, context), key, **values), markup)


async def text_expected(update: Update, context: BotContext) -> None:
    """A dialogue's step that waits for one text message got something else (a photo, a sticker)."""
    await say(update, context, "report.text_expected")


async def done_with_button(update: Update, text: str | None = None) -> None:
    """Acknowledge a button press: the message loses its keyboard and shows what was chosen
    (or becomes `text`), so the chat keeps a readable record of each answer."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    message = query.message
    try:
        if text is not None:
            await query.edit_message_text(text, reply_markup=None)
        elif isinstance(message, Message) and message.text:
            await query.edit_message_text(with_choice(message, query.data or ""), reply_markup=None)
        else:
            await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:  # message too old, or already without buttons
        pass


async def answer_press(update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None,
                       *, in_place: bool) -> Message | None:
    """Acknowledge a button press and answer it with `text`. `in_place` when the pressed message is the
    latest of the dialogue, the one the user is looking at: one edit makes it show the choice, then
    `text` with its buttons. Otherwise the pressed message shows the choice without buttons and `text`
    comes as a new message, at the bottom of the chat where the user will look for it."""
    query = update.callback_query
    message = query.message if query is not None else None
    if in_place and isinstance(message, Message) and message.text:
        combined = f"{with_choice(message, query.data or '')}\n\n{text}"
        if len(combined) <= MESSAGE_LIMIT:
            await query.answer()
            try:
                edited = await query.edit_message_text(combined, reply_markup=markup)
                return edited if isinstance(edited, Message) else None
            except TelegramError:  # the message went meanwhile: the answer comes as a new message
                return await answer(update, context, text, markup)
    await done_with_button(update)
    return await answer(update, context, text, markup)


async def confirmed_draft(update: Update, context: BotContext, draft_key: str,
                          needs: str | None = None) -> Any:
    """The draft a ✔/✖ confirmation button answers, taken out of the dialogue: None (the user told so)
    when ✖ was pressed. A press whose token is not the current draft's (a finished, cancelled or replaced
    draft, a restart) is refused as expired and leaves the current draft alone. A dict draft must hold
    `needs`; any other draft (a parsed table) only has to be there."""
    data = update.callback_query.data or ""
    draft = context.user_data.get(draft_key)
    if isinstance(draft, dict) and "token" in draft:
        pressed = Confirm.parse(data)
        if pressed is None or draft["token"] != pressed.token:
            raise Refusal("confirm.expired")
        declined = not pressed.yes
    else:  # a draft without a token of its own (handlers/admin.py until it adopts new_draft)
        declined = data.endswith(":n")
    draft = context.user_data.pop(draft_key, None)
    complete = draft is not None and (needs is None or needs in draft)
    if declined or not complete:
        await done_with_button(update, t(lang_of(update, context), "cancelled" if draft else "confirm.expired"))
        return None
    return draft


def item_pressed(update: Update, context: BotContext, kind: type[Report] | type[Extend],
                 card: type[CardReport] | type[CardExtend]) -> int:
    """The item id a Report/Extend button carries (or, for an item card's older button, its number's)."""
    pressed = kind.parse(update.callback_query.data)
    if pressed is not None:
        return pressed.item_id
    with work(context) as session:
        chat = update.effective_chat
        item = lists.find_item(session, reference=Reference(card.of(update).number),
                               chat_id=chat.id if chat else None).item
    if item is None:
        raise Refusal("confirm.expired")
    return item.id


def new_draft(context: BotContext, draft_key: str, **values: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Start dialogue `draft_key`'s draft with a token of its own (its buttons carry it; the record it
    ends in stores it, so a second submit stores nothing): (the draft, the one it replaces, if any)."""
    earlier = context.user_data.get(draft_key)
    draft = {"token": new_token(), **values}
    context.user_data[draft_key] = draft
    return draft, earlier if isinstance(earlier, dict) and earlier else None


def draft_of(context: BotContext, draft_key: str, token: str) -> dict[str, Any]:
    """The dialogue's draft when `token` (from the pressed button) is its own; else the press is on a
    finished, cancelled or replaced draft's message, and is refused as expired."""
    draft = context.user_data.get(draft_key) if context.user_data is not None else None
    if not isinstance(draft, dict) or draft.get("token") != token:
        raise Refusal("confirm.expired")
    return draft


async def tell_dropped(update: Update, context: BotContext, earlier: dict[str, Any] | None) -> None:
    """Say that starting again dropped the earlier draft of the same dialogue (for item #n, when known)."""
    if not earlier:
        return
    lang = lang_of(update, context)
    number = earlier.get("number")
    key = "draft.dropped_item" if number is not None else "draft.dropped"
    await answer(update, context, t(lang, key, number=number))


def cancels(draft_key: str, text_key: str = "cancelled") -> Callable[[Update, BotContext], Awaitable[int]]:
    """A dialogue's /cancel (or ✖ button): drop its draft, say so, end the dialogue."""

    async def cancel(update: Update, context: BotContext) -> int:
        context.user_data.pop(draft_key, None)
        await done_with_button(update)
        await say(update, context, text_key)
        return ConversationHandler.END

    return cancel


def cancel_pressed(draft_key: str, kind: type[Step],
                   cancel: Callable[[Update, BotContext], Awaitable[int]]) -> Callable[[Update, BotContext], Awaitable[int]]:
    """A dialogue's ✖ button (of `kind`): `cancel` when it is this very draft's; one of an earlier draft is
    refused as expired and changes nothing."""

    async def pressed(update: Update, context: BotContext) -> int:
        draft_of(context, draft_key, kind.of(update).token)
        return await cancel(update, context)

    return pressed


def times_out(draft_key: str, text_key: str = "timeout") -> Callable[[Update, BotContext], Awaitable[None]]:
    """What a dialogue does when abandoned past its timeout: drop its draft and say so."""

    async def timed_out(update: Update, context: BotContext) -> None:
        context.user_data.pop(draft_key, None)
        await say(update, context, text_key)

    return timed_out


def with_choice(message: Message, data: str) -> str:
    """The message's text followed by the label of the button pressed ("→ ★ 推进良好")."""
    chosen = pressed_label(message, data)
    return message.text_html + (f"\n→ <b>{esc(chosen)}</b>" if chosen else "")


def pressed_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def typed_text(update: Update) -> str:
    """What the user typed (a message's text, or a document's caption), normalised once, here at the edge:
    NFKC with the full-width punctuation kept, zero-width, bidirectional and control characters removed,
    spaces collapsed, line breaks kept (`db.names.multi_line`). Every handler reads typed input through
    this or `args_text`, so a lone zero-width space is an empty answer everywhere (tests/test_names.py)."""
    message = update.effective_message
    return names.multi_line((message.text or message.caption or "") if message else "")


def args_text(update: Update) -> str:
    """What follows the command, normalised as `typed_text`, line breaks kept."""
    parts = typed_text(update).split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


_NUMBER = re.compile(r"^\s*[#＃]?\s*([0-9０-９]{1,9})\s*$")


def item_at(session: Session, update: Update, context: BotContext, reference: Reference, *,
            end: bool = False) -> Item:
    """The item a reference typed in this chat means (`db.lists.find_item`: the chat's current list, or the
    list it names); refused when there is none, the list code is unknown or the number is ambiguous."""
    chat = update.effective_chat
    found = lists.find_item(session, reference=reference, chat_id=chat.id if chat else None)
    if found.problem == "unknown_list":
        raise Refusal("list.unknown_code", end=end, code=esc(reference.code or ""),
                      codes=join(lang_of(update, context), list(found.choices)))
    if found.problem == "ambiguous":
        raise Refusal("list.ambiguous", end=end, number=reference.number, choices=join(lang_of(update, context), list(found.choices)),
                      example=found.choices[0])
    if found.item is None:
        raise Refusal("item.unknown", end=end, number=esc(str(reference)))
    return found.item


def refuse_closed(session: Session, item: Item, *, end: bool = False) -> None:
    """Refuse a write (report, edit, extension, send-back) on an item of a closed list: it is read-only."""
    closed = lists.closed_list_of(session, item=item)
    if closed is not None:
        raise Refusal("list.closed", end=end, name=esc(closed.name), number=lists.item_ref(session, item=item))


def parse_number(text: str) -> int | None:
    match = _NUMBER.match(text)
    if not match:
        return None
    return int(match[1].translate(str.maketrans("０１２３４５６７８９", "0123456789")))


# ---------------------------------------------------------------- audiences


def is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.admin_ids


def is_supervisor(update: Update, context: BotContext) -> bool:
    """Admins, supervisors, and anyone asking inside the digest group."""
    settings = context.services.settings
    user, chat = update.effective_user, update.effective_chat
    if user is not None and user.id in (*settings.admin_ids, *settings.supervisor_ids):
        return True
    return chat is not None and chat.id in context.services.digest_chat_filter.chat_ids


def is_overseer(update: Update, context: BotContext) -> bool:
    """An admin or a supervisor, by numeric id: who may change the record on what they oversee (send a
    report back). Members of the digest group only read (`is_supervisor`)."""
    user = update.effective_user
    settings = context.services.settings
    return user is not None and user.id in (*settings.admin_ids, *settings.supervisor_ids)


def is_contact(update: Update, context: BotContext) -> bool:
    """A user bound to at least one unit; their units are put on the context, and their language,
    which the same query reads, is cached as `lang_of` would."""
    user = update.effective_user
    if user is None:
        return False
    with work(context) as session:
        context.units, language = contacts.contact_units(session, telegram_id=user.id)
    if context.units and context.user_data is not None:
        context.user_data.setdefault("lang", language or context.services.settings.language)
    return bool(context.units)


def in_private(update: Update, _context: BotContext) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def guard(check: Check, refusal: str, callback: Callback) -> Callback:
    """Run `callback` only when `check` passes; otherwise answer with the refusal text."""

    @wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        if check(update, context):
            return await callback(update, context)
        if update.callback_query is not None:
            await update.callback_query.answer(t(lang_of(update, context), refusal), show_alert=True)
        else:
            await say(update, context, refusal)
        return None

    return guarded


def either(*checks: Check) -> Check:
    return lambda update, context: any(check(update, context) for check in checks)


# ---------------------------------------------------------------- confirmations


def remember_pending(context: BotContext, payload: dict[str, Any]) -> str:
    """Keep an action awaiting its confirm button; the token goes into the button's data."""
    token = secrets.token_hex(4)
    pending = context.user_data.setdefault("pending", {})
    pending.clear()  # only the latest preview can be confirmed
    pending[token] = payload
    return token


def take_pending(context: BotContext, token: str) -> dict[str, Any] | None:
    return context.user_data.get("pending", {}).pop(token, None)


def peek_pending(context: BotContext, token: str) -> dict[str, Any] | None:
    return context.user_data.get("pending", {}).get(token)


# ---------------------------------------------------------------- one dialogue at a time

# The user_data entry each dialogue keeps while it runs (each dialogue drops it when it ends, is cancelled
# or times out), and the text naming it. Two dialogues at once would both wait for the user's next message.
DIALOGUES = {
    "report_draft": "dialogue.report", "add": "dialogue.add", "extend": "dialogue.extend",
    "decide": "dialogue.decide", "send_back": "dialogue.send_back", "revise": "dialogue.revise",
    "close_decide": "dialogue.close_decide", "adjust": "dialogue.adjust",  # handlers/closing.py
    "instruct": "dialogue.instruct",
}


def busy_with(context: BotContext, starting: str) -> str | None:
    """The text key of another dialogue this user is in the middle of, if any."""
    data = context.user_data if context.user_data is not None else {}
    for key, label in DIALOGUES.items():
        if key != starting and data.get(key):
            return label
    return None


async def refuse_busy(update: Update, context: BotContext, label: str) -> None:
    """Say which dialogue to finish (or /cancel) first; a button press gets it as an alert."""
    lang = lang_of(update, context)
    text = t(lang, "dialogue.busy", dialogue=t(lang, label))
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await answer(update, context, text)


# ---------------------------------------------------------------- days as written

_YMD = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")
_MD = re.compile(r"^\s*(\d{1,2})\s*[./月]\s*(\d{1,2})\s*日?\s*$")


def office_calendar(context: BotContext, session: Session | None = None) -> WorkCalendar:
    """The office's working days, which every date rule counts on: its /holiday overrides over the official
    calendar. Read in the update's transaction (`session`); a dialogue step with no other database work
    passes none, and the read is then the step's one transaction (never a second one inside another)."""
    if session is not None:
        return calendar(session)
    if transaction_open():
        raise RuntimeError("office_calendar inside a transaction: pass its session")
    with work(context) as own:
        return calendar(own)


def parse_day(text: str, now: datetime, cal: WorkCalendar | None = None, *, past: bool = False) -> date | None:
    """A calendar day: 2021-08-01, 2021.8.1, 2021年8月1日, 8月1日 (this year; with `past`, the latest one not
    after today), or anything `parse_deadline` reads ("明天", "下周一", "3个工作日内" on `cal`)."""
    today = now.date()
    try:
        match = _YMD.match(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _MD.match(text)
        if match:
            day = date(today.year, int(match[1]), int(match[2]))
            return day.replace(year=today.year - 1) if past and day > today else day
    except ValueError:
        return None
    return parse_deadline(text, now, cal)


def short_date(lang: str, day: date) -> str:
    """ "10月31日": a date without its year, where the year goes without saying."""
    return t(lang, "date.short", month=day.month, day=day.day)


# ---------------------------------------------------------------- common commands


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and tell them what they can do here."""
    user = update.effective_user
    lang = lang_of(update, context)
    with work(context) as session:
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        units = contacts.units_of_user(session, telegram_id=user.id)
    lines = [t(lang, "start.hello", name=esc(user.first_name))]
    if is_admin(update, context):
        lines.append(t(lang, "start.admin"))
    elif is_supervisor(update, context):
        lines.append(t(lang, "start.supervisor"))
    if units:
        lines.append(t(lang, "start.contact", units=esc(t(lang, "list_sep").join(u.name for u in units))))
    elif not is_admin(update, context) and not is_supervisor(update, context):
        lines.append(t(lang, "start.unbound"))
    await answer(update, context, "\n\n".join(lines))


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands the asking user may use."""
    lang = lang_of(update, context)
    sections = [t(lang, "help.title")]
    if is_contact(update, context):
        sections.append(t(lang, "help.contact"))
    if is_supervisor(update, context):
        sections.append(t(lang, "help.supervisor"))
    if is_admin(update, context):
        sections.append(t(lang, "help.admin"))
    if len(sections) > 1:
        sections.append(t(lang, "help.lists") + ("\n" + t(lang, "help.lists_admin") if is_admin(update, context) else ""))
    sections.append(t(lang, "help.common"))
    await answer(update, context, "\n\n".join(sections))


async def lang_command(update: Update, context: BotContext) -> None:
    """Switch the user's language (zh or en)."""
    wanted = args_text(update).lower()
    if wanted not in LANGUAGES:
        await say(update, context, "lang.usage")
        return
    with work(context) as session:
        people.set_person_language(session, telegram_id=update.effective_user.id, language=wanted)
    context.user_data["lang"] = wanted
    await say(update, context, "lang.set")


async def cancel_idle(update: Update, context: BotContext) -> None:
    """/cancel outside any dialogue; also drops a draft left without its dialogue (e.g. by a restart)."""
    context.user_data.pop("pending", None)
    for key in DIALOGUES:
        context.user_data.pop(key, None)
    await say(update, context, "nothing_to_cancel")


async def error_handler(update: object, context: BotContext) -> None:
    """Log the error with its traceback, tell the user, and alert the admins (no token, no report text)."""
    error = context.error
    if unavailable(error):  # answered where it happened when it was an update; no admin alert for each
        log.warning("database unavailable: %s", type(error).__name__)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, t(safe_lang(context), "db.unavailable"))
            except TelegramError:
                pass
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await say(update, context, "error.generic")
        except TelegramError:
            pass
    where = "?"
    if error is not None and error.__traceback__ is not None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
    # Only the type and place: exception messages may quote report texts or the token.
    summary = f"{type(error).__name__} at {where}"
    for admin_id in context.services.settings.admin_ids:
        try:
            await context.bot.send_message(admin_id, t(context.services.settings.language, "error.admin_alert",
                                                      error=esc(summary)))
        except TelegramError:
            pass
