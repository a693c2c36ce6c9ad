"""Leaders' instructions (领导批示): an admin records one on an item, its units acknowledge and answer it.

The admin: /instruct n → who gave it → the date (今天 by default; parsed and echoed) → the text → the
date by which the units must act, or 无期限 → confirm. `/instruct n 区长 张三 | 7月5日 | 要加快进度 | 8月底前`
does it in one line (the date and the act-by date may be left out: `| |`), straight to the preview.
On ✅ the instruction is stored with one row per lead and responsible unit, and the notices to the
units' contacts are queued in the same transaction; the draft's token is stored with it, so a second
confirm (a restored dialogue) stores and sends nothing.

A contact of a unit it went to presses 收到 under the notice: recorded once per unit. /instructions
shows the admins which units have not acknowledged or answered; the item card shows the same. The
unit's next report on the item is asked to answer it and, saved, is linked as the answer
(handlers/contact.py calls `open_for_report` and `answer_with`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import AckInstruction, Confirm, InstructCancel, InstructNoDate, InstructToday
from bot.context import BotContext
from bot.dates import format_date, parse_deadline
from bot.instructions import MAX_LEADER, MAX_TEXT, entry_lines, quote, units_text
from bot.keyboards import choice_buttons, confirm_buttons, without_button
from bot.texts import esc, t
from db import dialogues, instructions, lists, people
from db import units as units_db
from db.facts import shown
from db.instructions import AckResult
from db.models import Role
from handlers.common import (
    answer,
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
    lang_of,
    new_draft,
    office_calendar,
    parse_day,
    parse_reference,
    refuse_busy,
    refuse_closed,
    say,
    text_expected,
    times_out,
    typed_text,
)
from handlers.uow import Refusal, work
from jobs.instructions import notify_units
from jobs.sender import send_queued, send_time
from jobs.workdays import WorkCalendar

LEADER, GIVEN_ON, TEXT, ACT_BY, CONFIRM = range(50, 55)
DRAFT = "instruct"


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def _buttons(lang: str, token: str, *extra: tuple[str, str]) -> InlineKeyboardMarkup:
    return choice_buttons([*extra, (t(lang, "btn.cancel"), InstructCancel(token).encode())])


def addressees(links: dict[str, list[int]]) -> dict[int, str]:
    """Unit id → its role on the item: the lead units, then the responsible ones not leading too."""
    units = {unit_id: Role.LEAD.value for unit_id in links.get(Role.LEAD, [])}
    for unit_id in links.get(Role.RESPONSIBLE, []):
        units.setdefault(unit_id, Role.RESPONSIBLE.value)
    return units


# ---------------------------------------------------------------- the admin's dialogue


async def instruct_command(update: Update, context: BotContext) -> int:
    """/instruct n: record a leader's instruction on item n (or, with `|`, all of it in one line)."""
    number_text, _, rest = args_text(update).partition(" ")
    reference = parse_reference(number_text)
    if reference is None:
        await say(update, context, "usage", usage=t(lang_of(update, context), "ins.usage"))
        return ConversationHandler.END
    busy = busy_with(context, DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    with work(context) as session:
        found = item_at(session, update, context, reference, end=True)
        refuse_closed(session, found, end=True)
        item, links = dialogues.item_with_units(session, item_id=found.id)
        names = units_db.unit_names(session)
        ref = lists.item_ref(session, item=item) if item else ""
        cal = office_calendar(context, session) if "|" in rest else None
    if item is None or item.archived:
        raise Refusal("item.unknown", end=True, number=esc(str(reference)))
    units = addressees(links)
    if not units:
        raise Refusal("ins.no_units", end=True, number=ref)
    lang = lang_of(update, context)
    draft, _earlier = new_draft(context, DRAFT, item_id=item.id, number=ref, title=item.title,
                                units=units_text(lang, list(units), names))
    if cal is not None:
        return await one_line(update, context, draft, rest, cal)
    await say(update, context, "ins.ask_leader", _buttons(lang, draft["token"]), number=ref,
              title=esc(item.title))
    return LEADER


async def one_line(update: Update, context: BotContext, draft: dict[str, Any], rest: str, cal: WorkCalendar) -> int:
    """`区长 张三 | 7月5日 | 要加快进度 | 8月底前`: each part read as its step reads it, then the preview."""
    parts = [p.strip() for p in rest.split("|")]
    parts += [""] * (4 - len(parts))
    leader, given_on, text, act_by = parts[:4]
    if len(parts) > 4 or not leader or not text:
        context.user_data.pop(DRAFT, None)
        raise Refusal("usage", usage=t(lang_of(update, context), "ins.usage"))
    steps = ((leader, take_leader), (given_on, take_given_on), (text, take_text), (act_by, take_act_by))
    for value, step in steps:
        refusal = step(context, lang_of(update, context), value, cal)
        if refusal is not None:
            context.user_data.pop(DRAFT, None)
            raise Refusal(refusal[0], **refusal[1])
    return await preview(update, context)


# Each step's reading of what was typed: None when taken into the draft, else (text key, values) to say.
Reading = tuple[str, dict[str, Any]] | None


def take_leader(context: BotContext, lang: str, text: str, _cal: WorkCalendar | None = None) -> Reading:
    if not text:
        return "ins.empty", {}
    if len(text) > MAX_LEADER:
        return "add.too_long", {"max": MAX_LEADER}
    _draft(context)["leader"] = text
    return None


def take_given_on(context: BotContext, lang: str, text: str, cal: WorkCalendar | None = None) -> Reading:
    """The day it was given, as offices write it; empty is today. Not after today. `cal`: the office's
    calendar when the caller read it already (else read here, as the step's one transaction)."""
    now = context.services.clock.now()
    today = now.astimezone(context.services.settings.tz).date()
    day = parse_day(text, now, cal or office_calendar(context), past=True) if text else today
    if day is None:
        return "ins.bad_date", {"text": esc(text)}
    if day > today:
        return "ins.future_date", {"date": format_date(day, lang)}
    _draft(context)["given_on"] = day.isoformat()
    return None


def take_text(context: BotContext, lang: str, text: str, _cal: WorkCalendar | None = None) -> Reading:
    if not text:
        return "ins.empty", {}
    if len(text) > MAX_TEXT:
        return "add.too_long", {"max": MAX_TEXT}
    _draft(context)["text"] = text
    return None


def take_act_by(context: BotContext, lang: str, text: str, cal: WorkCalendar | None = None) -> Reading:
    """The date to act by, read like a deadline; empty is none. Not before the day it was given."""
    draft = _draft(context)
    if not text:
        draft["act_by"] = None
        return None
    day = parse_deadline(text, context.services.clock.now(), cal or office_calendar(context))
    if day is None:
        return "ins.bad_act_by", {"text": esc(text)}
    if day < date.fromisoformat(draft["given_on"]):
        return "ins.act_by_early", {"date": format_date(day, lang)}
    draft.update(act_by=day.isoformat(), act_by_text=text[:80])
    return None


async def got_leader(update: Update, context: BotContext) -> int:
    refusal = take_leader(context, lang_of(update, context), typed_text(update))
    if refusal is not None:
        await say(update, context, refusal[0], **refusal[1])
        return LEADER
    lang = lang_of(update, context)
    today = context.services.clock.now().astimezone(context.services.settings.tz).date()
    draft = _draft(context)
    await say(update, context, "ins.ask_date",
              _buttons(lang, draft["token"], (t(lang, "ins.today", date=format_date(today, lang)),
                                              InstructToday(draft["token"]).encode())),
              leader=esc(draft["leader"]))
    return GIVEN_ON


async def got_given_on(update: Update, context: BotContext) -> int:
    refusal = take_given_on(context, lang_of(update, context), typed_text(update))
    if refusal is not None:
        await say(update, context, refusal[0], **refusal[1])
        return GIVEN_ON
    return await ask_text(update, context)


async def today_pressed(update: Update, context: BotContext) -> int:
    draft_of(context, DRAFT, InstructToday.of(update).token)
    take_given_on(context, lang_of(update, context), "")
    await done_with_button(update)
    return await ask_text(update, context)


async def ask_text(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    draft = _draft(context)
    await say(update, context, "ins.ask_text", _buttons(lang, draft["token"]),
              date=format_date(date.fromisoformat(draft["given_on"]), lang))
    return TEXT


async def got_text(update: Update, context: BotContext) -> int:
    refusal = take_text(context, lang_of(update, context), typed_text(update))
    if refusal is not None:
        await say(update, context, refusal[0], **refusal[1])
        return TEXT
    lang = lang_of(update, context)
    token = _draft(context)["token"]
    await say(update, context, "ins.ask_act_by",
              _buttons(lang, token, (t(lang, "ins.no_act_by"), InstructNoDate(token).encode())))
    return ACT_BY


async def got_act_by(update: Update, context: BotContext) -> int:
    refusal = take_act_by(context, lang_of(update, context), typed_text(update))
    if refusal is not None:
        await say(update, context, refusal[0], **refusal[1])
        return ACT_BY
    return await preview(update, context)


async def no_act_by(update: Update, context: BotContext) -> int:
    draft_of(context, DRAFT, InstructNoDate.of(update).token)
    take_act_by(context, lang_of(update, context), "")
    await done_with_button(update)
    return await preview(update, context)


async def preview(update: Update, context: BotContext) -> int:
    """Everything as understood, the dates echoed, with ✅ / ✖."""
    draft = _draft(context)
    draft["ready"] = True
    lang = lang_of(update, context)
    act_by = (t(lang, "ins.act_by_value", date=format_date(date.fromisoformat(draft["act_by"]), lang),
                text=esc(draft["act_by_text"])) if draft.get("act_by") else t(lang, "ins.act_by_none"))
    await say(update, context, "ins.preview", confirm_buttons(lang, draft["token"]), number=draft["number"],
              title=esc(draft["title"]), leader=esc(draft["leader"]), text=esc(draft["text"]), act_by=act_by,
              date=format_date(date.fromisoformat(draft["given_on"]), lang), units=draft["units"])
    return CONFIRM


async def confirmed(update: Update, context: BotContext) -> int:
    """Store the instruction and queue its notices to the units: one transaction, once per draft."""
    draft = await confirmed_draft(update, context, DRAFT, "ready")
    if draft is None:
        return ConversationHandler.END
    services = context.services
    now = services.clock.now()
    user = update.effective_user
    lang = lang_of(update, context)
    with work(context) as session:
        if instructions.of_draft(session, draft_id=draft["token"]) is not None:
            raise Refusal("ins.already_saved", end=True, edit=True)
        item, links = dialogues.item_with_units(session, item_id=draft["item_id"])
        units = addressees(links)
        if item is None or item.archived:
            raise Refusal("item.unknown", end=True, edit=True, number=draft["number"])
        if not units:
            raise Refusal("ins.no_units", end=True, edit=True, number=draft["number"])
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        instruction = instructions.record(
            session, item_id=item.id, leader=draft["leader"], given_on=date.fromisoformat(draft["given_on"]),
            text=draft["text"], act_by=date.fromisoformat(draft["act_by"]) if draft.get("act_by") else None,
            act_by_text=draft.get("act_by_text"), by=user.id, now=now, units=units, draft_id=draft["token"])
        unreached = notify_units(session, services, instruction=instruction, item=item, unit_ids=list(units),
                                 now=now, not_before=send_time(services, now))
        names = units_db.unit_names(session)
    text = t(lang, "ins.saved", number=draft["number"], units=units_text(lang, list(units), names))
    if unreached:
        text += "\n" + t(lang, "ins.unreached", units=units_text(lang, unreached, names))
    await done_with_button(update, text)
    await send_queued(context)
    return ConversationHandler.END


cancel = cancels(DRAFT)  # nothing of the instruction is saved


instruct_cancel_pressed = cancel_pressed(DRAFT, InstructCancel, cancel)

timed_out = times_out(DRAFT)


# ---------------------------------------------------------------- the units' 收到, the admins' overview


async def acknowledge(update: Update, context: BotContext) -> None:
    """收到 under an instruction: recorded once for the presser's units it went to."""
    query = update.callback_query
    lang = lang_of(update, context)
    instruction_id = AckInstruction.of(update).instruction_id
    with work(context) as session:
        result = instructions.acknowledge(session, instruction_id=instruction_id, unit_ids=[u.id for u in context.units],
                                          by=update.effective_user.id, now=context.services.clock.now())
        if result in (AckResult.NOT_YOURS, AckResult.UNKNOWN):
            raise Refusal(f"ins.ack.{result.value}")
    await query.answer(t(lang, f"ins.ack.{result.value}"))
    if isinstance(query.message, Message):
        try:
            await query.edit_message_reply_markup(without_button(query.message.reply_markup,
                                                                 f"{AckInstruction.prefix}:"))
        except TelegramError:  # already without the button
            pass


async def list_open(update: Update, context: BotContext) -> None:
    """/instructions: every instruction not answered by all its units, with each unit's state."""
    lang = lang_of(update, context)
    with work(context) as session:
        waiting = instructions.open_ones(session)
        names = units_db.unit_names(session)
    if not waiting:
        await say(update, context, "ins.list_none")
        return
    lines = [t(lang, "ins.list_title", count=len(waiting))]
    for entry, ref in waiting:
        lines += entry_lines(lang, entry, names, context.services.settings.tz, prefix=f"{shown(ref)} ")
    await answer(update, context, "\n".join(lines))


# ---------------------------------------------------------------- the report that answers


def open_for_report(session: Session, lang: str, *, item_id: int, unit_id: int) -> tuple[list[int], str]:
    """The instructions the unit has not answered on the item, and the lines quoting them for the report
    dialogue's first question ("" when none)."""
    waiting = instructions.unanswered(session, unit_ids=[unit_id], item_id=item_id)
    if not waiting:
        return [], ""
    lines = [quote(lang, o.instruction) for o in waiting] + [t(lang, "ins.answer_it")]
    return [o.instruction.id for o in waiting if o.instruction.id is not None], "\n".join(lines)


def answer_with(session: Session, draft: dict[str, Any], *, report_id: int, now: Any) -> None:
    """The saved report answers the instructions its dialogue quoted (in the report's own transaction)."""
    if draft.get("instructions"):
        instructions.answer(session, instruction_ids=draft["instructions"], unit_id=draft["unit_id"],
                            report_id=report_id, now=now)


# ---------------------------------------------------------------- wiring


def instruct_conversation(timeout_seconds: float) -> ConversationHandler:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    admin = lambda cb: guard(is_admin, "refuse.admin", guard(in_private, "refuse.private", cb))  # noqa: E731
    typed = lambda cb: [MessageHandler(text, cb), MessageHandler(private & ~filters.COMMAND, text_expected)]  # noqa: E731
    return ConversationHandler(
        name="instruct",
        persistent=True,
        entry_points=[CommandHandler("instruct", admin(instruct_command),
                                     filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED)],
        states={
            LEADER: typed(got_leader),
            GIVEN_ON: [CallbackQueryHandler(today_pressed, pattern=InstructToday.matches), *typed(got_given_on)],
            TEXT: typed(got_text),
            ACT_BY: [CallbackQueryHandler(no_act_by, pattern=InstructNoDate.matches), *typed(got_act_by)],
            CONFIRM: [CallbackQueryHandler(admin(confirmed), pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(instruct_cancel_pressed, pattern=InstructCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def handlers(timeout_seconds: float) -> list:
    """The admins' /instruct and /instructions; the units' 收到 (any contact may press it; the units the
    instruction went to are checked)."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [
        instruct_conversation(timeout_seconds),
        CallbackQueryHandler(guard(is_contact, "refuse.contact", acknowledge), pattern=AckInstruction.matches),
        CommandHandler("instructions", guard(is_admin, "refuse.admin", list_open), filters=new),
    ]
