"""Unit contacts: binding through an invite, their items, and the progress report dialogue.

Every step of the dialogue works by tapping buttons and typing one message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.dates import format_date, parse_deadline
from bot.keyboards import REPORT, REVISE, SNOOZE, choice_buttons, report_buttons
from bot.texts import MARKS, esc, t
from db import queries
from db.models import Status
from handlers.common import (
    answer,
    answer_press,
    args_text,
    busy_with,
    done_with_button,
    guard,
    in_private,
    is_contact,
    lang_of,
    parse_number,
    refuse_busy,
    say,
    times_out,
)
from handlers.receipts import ack_from_buttons
from jobs.digest import assess, item_line
from jobs.reminders import period_label
from jobs.rules import indicator_percent, period_key
from jobs.supervision import warnings_on

CHOOSE, TEXT, PERCENT, STATUS, PROBLEMS, EVIDENCE, VALUE = range(7)
DRAFT = "report_draft"
LAST = "last_message"  # in the draft: the id of the dialogue's latest message, the one the user sees
MAX_TEXT = 3000
_PERCENT_IN_TEXT = re.compile(r"(?:完成|进度|达到|累计)?\s*(\d{1,3}(?:\.\d+)?)\s*[%％]")
_NUMBER_IN_TEXT = re.compile(r"-?\d+(?:\.\d+)?")
_PERCENT_ALONE = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*[%％]?\s*$")


# ---------------------------------------------------------------- binding and lists


async def start_with_code(update: Update, context: BotContext) -> None:
    """Bind the user to the invite's unit and greet them with the unit's items."""
    code = context.args[0] if context.args else ""
    user = update.effective_user
    now = context.services.clock.now()
    with context.services.db.session() as session:
        queries.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        result, unit = queries.redeem_invite(session, code=code, telegram_id=user.id, now=now)
    if unit is None:
        await say(update, context, f"invite.{result.value}")
        return
    key = "invite.bound" if result == queries.InviteResult.BOUND else "invite.already"
    await say(update, context, key, unit=esc(unit.name))
    await show_unit_items(update, context, unit.id, unit.name)


async def show_unit_items(update: Update, context: BotContext, unit_id: int, unit_name: str) -> None:
    lang = lang_of(update, context)
    today = context.services.clock.now().date()
    with context.services.db.session() as session:
        items = queries.list_items(session, unit_id=unit_id)
        facts = queries.item_facts(session, today=today, item_ids=[i.id for i in items])
        warnings = warnings_on(context.services, session, facts, today)
    if not facts:
        await say(update, context, "unit.no_items")
        return
    assessed = sorted(assess(facts, today, context.services.settings.slow_margin), key=lambda a: a.facts.number)
    lines = [t(lang, "mine.title", unit=esc(unit_name), count=len(assessed))]
    lines += [item_line(lang, a, warnings.get(a.facts.id)) for a in assessed]
    open_numbers = [a.facts.number for a in assessed if a.status != Status.AHEAD]
    await answer(update, context, "\n".join(lines), report_buttons(lang, open_numbers))


async def mine(update: Update, context: BotContext) -> None:
    """List the items of the user's units with their latest status."""
    for unit in context.units:
        await show_unit_items(update, context, unit.id, unit.name)


# ---------------------------------------------------------------- snooze

SNOOZE_DAYS = (1, 3, 7, 14)


def own_item_units(context: BotContext, number: int) -> tuple[object | None, list[int]]:
    """The item and those of the user's units it belongs to."""
    with context.services.db.session() as session:
        item, links = queries.item_with_units(session, number=number)
    if item is None or item.archived:
        return None, []
    mine_ = {u.id for u in context.units}
    return item, [u for u in [*links["responsible"], *links["lead"]] if u in mine_]


async def snooze_until(update: Update, context: BotContext, number: int, until) -> None:  # type: ignore[no-untyped-def]
    item, unit_ids = own_item_units(context, number)
    if item is None:
        await say(update, context, "item.unknown", number=number)
        return
    if not unit_ids:
        await say(update, context, "refuse.not_your_item", number=number)
        return
    now = context.services.clock.now()
    if until <= now.date():
        await say(update, context, "snooze.past")
        return
    with context.services.db.session() as session:
        queries.snooze(session, item_id=item.id, unit_ids=unit_ids, until=until, created_by=update.effective_user.id,
                       now=now)
    await say(update, context, "snooze.done", number=number, until=format_date(until, lang_of(update, context)))


async def snooze_command(update: Update, context: BotContext) -> None:
    """/snooze <n> <when>: leave an item out of the unit's reminders until then."""
    parts = args_text(update).split(maxsplit=1)
    number = parse_number(parts[0]) if parts else None
    if number is None or len(parts) < 2:
        await say(update, context, "usage", usage=t(lang_of(update, context), "snooze.usage"))
        return
    until = parse_deadline(parts[1], context.services.clock.now())
    if until is None:
        await say(update, context, "snooze.bad_when", text=esc(parts[1]))
        return
    await snooze_until(update, context, number, until)


async def snooze_button(update: Update, context: BotContext) -> None:
    """The reminder's snooze button: choose the item, then how long."""
    query = update.callback_query
    lang = lang_of(update, context)
    _, number, days = (query.data.split(":") + [""])[:3]
    if not number:
        numbers = [n for row in query.message.reply_markup.inline_keyboard for b in row
                   if (b.callback_data or "").startswith(f"{REPORT}:")
                   for n in [int(b.callback_data.split(":")[1])]] if query.message.reply_markup else []
        await query.answer()
        await say(update, context, "snooze.choose_item",
                  choice_buttons([(f"#{n}", f"{SNOOZE}:{n}") for n in numbers], width=4))
        return
    if not days:
        item, unit_ids = own_item_units(context, int(number))
        if item is None or not unit_ids:
            await query.answer(t(lang, "refuse.not_your_item", number=int(number)), show_alert=True)
            return
        await done_with_button(update)
        options = [(t(lang, f"snooze.opt.{d}"), f"{SNOOZE}:{number}:{d}") for d in SNOOZE_DAYS]
        await say(update, context, "snooze.choose_when", choice_buttons(options, width=2), number=int(number))
        return
    await done_with_button(update)
    today = context.services.clock.now().date()
    await snooze_until(update, context, int(number), today + timedelta(days=int(days)))


# ---------------------------------------------------------------- report dialogue


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


async def tell(update: Update, context: BotContext, key: str, markup: InlineKeyboardMarkup | None = None, *,
               draft: dict[str, Any] | None = None, **values: Any) -> None:
    """The dialogue's next message (see `tell_text`)."""
    await tell_text(update, context, t(lang_of(update, context), key, **values), markup, draft=draft)


async def tell_text(update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None,
                    *, draft: dict[str, Any] | None = None) -> None:
    """Send the dialogue's next message; after a button pressed on its latest message, edit that
    message instead, so it keeps the choice and carries what comes next. `draft`: one already
    taken out of user_data."""
    draft = _draft(context) if draft is None else draft
    query = update.callback_query
    if query is None:
        sent = await answer(update, context, text, markup)
    else:
        latest = query.message is not None and query.message.message_id == draft.get(LAST)
        sent = await answer_press(update, context, text, markup, in_place=latest)
    if sent is not None:
        draft[LAST] = sent.message_id


async def report_command(update: Update, context: BotContext) -> int:
    """Start a report: on the item given, or let the user choose one."""
    busy = busy_with(context, DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    arg = args_text(update)
    start_draft(context)
    if arg:
        number = parse_number(arg)
        if number is None:
            await say(update, context, "item.number_usage", example="/report 12")
            return ConversationHandler.END
        return await begin_item(update, context, number)
    return await ask_choose(update, context)


async def report_button(update: Update, context: BotContext) -> int:
    """Start a report from a reminder's or a list's button (which also acknowledges the reminder)."""
    busy = busy_with(context, DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    await update.callback_query.answer()
    ack_from_buttons(update.callback_query.message, update.effective_user.id, context)
    number = int(update.callback_query.data.split(":", 1)[1])
    start_draft(context)
    return await begin_item(update, context, number)


async def report_by_reply(update: Update, context: BotContext) -> int | None:
    """A reply to a reminder is the progress text for its item (or one of its items)."""
    message = update.effective_message
    if not is_contact(update, context):
        return None
    with context.services.db.session() as session:
        sent = queries.sent_message(session, chat_id=message.chat_id, message_id=message.reply_to_message.message_id)
        items = queries.items_by_id(session, ids=sent.item_ids) if sent and sent.kind == "reminder" else {}
    if not items or busy_with(context, DRAFT):
        return None
    start_draft(context, text=message.text.strip()[:MAX_TEXT])
    if len(items) == 1:
        return await begin_item(update, context, next(iter(items.values())).number, have_text=True)
    numbers = sorted(i.number for i in items.values())
    lang = lang_of(update, context)
    await say(update, context, "report.from_reply_many", report_buttons(lang, numbers))
    return CHOOSE


async def ask_choose(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    today = context.services.clock.now().date()
    with context.services.db.session() as session:
        items = [i for u in context.units for i in queries.list_items(session, unit_id=u.id)]
        facts = queries.item_facts(session, today=today, item_ids=[i.id for i in items])
    numbers = sorted({f.number for f in facts if f.declared != Status.AHEAD})
    if not numbers:
        await say(update, context, "report.no_items")
        return ConversationHandler.END
    await say(update, context, "report.choose", report_buttons(lang, numbers))
    return CHOOSE


async def begin_item(update: Update, context: BotContext, number: int, *, have_text: bool = False) -> int:
    """Check the item belongs to the user's unit, then ask for (or use) the progress text."""
    with context.services.db.session() as session:
        item, links = queries.item_with_units(session, number=number)
    if item is None or item.archived:
        context.user_data.pop(DRAFT, None)
        await say(update, context, "item.unknown", number=number)
        return ConversationHandler.END
    own = {u.id: u.name for u in context.units}
    mine_ = [u for u in [*links["responsible"], *links["lead"]] if u in own]
    if not mine_:
        context.user_data.pop(DRAFT, None)
        await say(update, context, "refuse.not_your_item", number=number)
        return ConversationHandler.END
    draft = _draft(context)
    # The unit's name is kept for the record shown at the end.
    draft.update(item_id=item.id, number=item.number, title=item.title, unit_id=mine_[0], unit_name=own[mine_[0]],
                 cycle=item.report_cycle, evidence=[], target=item.target_value, baseline=item.baseline_value,
                 indicator_unit=item.indicator_unit)
    if have_text:
        return await after_text(update, context)
    # A plain message even after a button: the reminder or list pressed keeps its buttons.
    sent = await say(update, context, "report.ask_text", cancel_markup(update, context),
                     number=item.number, title=esc(item.title))
    draft[LAST] = sent.message_id if sent else None
    return TEXT


def cancel_markup(update: Update, context: BotContext):  # type: ignore[no-untyped-def]
    return choice_buttons([(t(lang_of(update, context), "btn.cancel"), "rp:cancel")])


async def got_text(update: Update, context: BotContext) -> int:
    """Keep what was done; take the percent from it when it says one."""
    text = update.effective_message.text.strip()
    if not text:
        await tell(update, context, "report.empty_text")
        return TEXT
    if len(text) > MAX_TEXT:
        await tell(update, context, "add.too_long", max=MAX_TEXT)
        return TEXT
    _draft(context)["text"] = text
    return await after_text(update, context)


async def after_text(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    if draft.get("target") is not None and "current_value" not in draft:
        await tell(update, context, "report.ask_value", cancel_markup(update, context),
                   target=f"{draft['target']:g}", unit=esc(draft.get("indicator_unit") or ""))
        return VALUE
    match = _PERCENT_IN_TEXT.search(draft["text"])
    if match and float(match[1]) <= 100:
        draft["percent"] = round(float(match[1]))
        return await ask_status(update, context)
    lang = lang_of(update, context)
    options = [(f"{p}%", f"rp:pct:{p}") for p in range(0, 101, 10)] + [(t(lang, "btn.cancel"), "rp:cancel")]
    await tell(update, context, "report.ask_percent", choice_buttons(options, width=4))
    return PERCENT


async def got_value(update: Update, context: BotContext) -> int:
    """The indicator's current value; the percent follows from baseline and target."""
    draft = _draft(context)
    match = _NUMBER_IN_TEXT.search(update.effective_message.text.replace(",", ""))
    if match is None:
        await tell(update, context, "report.bad_value")
        return VALUE
    draft["current_value"] = float(match[0])
    draft["percent"] = indicator_percent(draft.get("baseline"), draft["target"], draft["current_value"])
    return await ask_status(update, context)


async def not_text(update: Update, context: BotContext) -> int | None:
    await tell(update, context, "report.text_expected")
    return None


async def got_percent_button(update: Update, context: BotContext) -> int:
    _draft(context)["percent"] = int(update.callback_query.data.rsplit(":", 1)[1])
    return await ask_status(update, context)


async def got_percent_text(update: Update, context: BotContext) -> int:
    match = _PERCENT_ALONE.match(update.effective_message.text)
    if not match or float(match[1]) > 100:
        await tell(update, context, "report.bad_percent")
        return PERCENT
    _draft(context)["percent"] = round(float(match[1]))
    return await ask_status(update, context)


async def ask_status(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    order = list(Status)
    if _draft(context).get("percent") != 100:
        order = [Status.GOOD, Status.AVERAGE, Status.SLOW, Status.AHEAD]
    options = [(f"{MARKS[s.value]} {t(lang, f'status.{s.value}')}", f"rp:st:{s.value}") for s in order]
    await tell(update, context, "report.ask_status", choice_buttons(options, width=2))
    return STATUS


async def got_status(update: Update, context: BotContext) -> int:
    status = update.callback_query.data.rsplit(":", 1)[1]
    if status not in {s.value for s in Status}:
        await update.callback_query.answer()
        return STATUS
    _draft(context)["status"] = status
    lang = lang_of(update, context)
    await tell(update, context, "report.ask_problems",
               choice_buttons([(t(lang, "report.no_problems"), "rp:noprob"), (t(lang, "btn.cancel"), "rp:cancel")]))
    return PROBLEMS


async def status_expected(update: Update, context: BotContext) -> int:
    return await ask_status(update, context)


async def got_problems(update: Update, context: BotContext) -> int:
    text = update.effective_message.text.strip()
    if len(text) > MAX_TEXT:
        await tell(update, context, "add.too_long", max=MAX_TEXT)
        return PROBLEMS
    _draft(context)["problems"] = text or None
    return await ask_evidence(update, context)


async def no_problems(update: Update, context: BotContext) -> int:
    _draft(context)["problems"] = None
    return await ask_evidence(update, context)


async def ask_evidence(update: Update, context: BotContext) -> int:
    await tell(update, context, "report.ask_evidence", submit_markup(update, context))
    return EVIDENCE


def submit_markup(update: Update, context: BotContext):  # type: ignore[no-untyped-def]
    lang = lang_of(update, context)
    return choice_buttons([(t(lang, "report.submit"), "rp:submit"), (t(lang, "btn.cancel"), "rp:cancel")])


async def got_evidence(update: Update, context: BotContext) -> int:
    """Keep the file id of a photo or document; the file stays on Telegram's side."""
    message = update.effective_message
    if message.photo:
        entry = {"type": "photo", "file_id": message.photo[-1].file_id}
    else:
        entry = {"type": "document", "file_id": message.document.file_id,
                 "name": message.document.file_name or ""}
    evidence = _draft(context).setdefault("evidence", [])
    evidence.append(entry)
    await tell(update, context, "report.evidence_received", submit_markup(update, context), count=len(evidence))
    return EVIDENCE


async def submit(update: Update, context: BotContext) -> int:
    """Store the report in one transaction and show the stored record."""
    draft = context.user_data.pop(DRAFT, {})
    if "status" not in draft:
        await done_with_button(update)
        await say(update, context, "confirm.expired")
        return ConversationHandler.END
    now = context.services.clock.now()
    period = period_key(draft["cycle"], now.date())
    with context.services.db.session() as session:
        report = queries.add_report(
            session, item_id=draft["item_id"], unit_id=draft["unit_id"], reporter_id=update.effective_user.id,
            period=period, now=now, text=draft["text"], percent=draft.get("percent"), status=draft["status"],
            problems=draft.get("problems"), evidence=draft.get("evidence", []),
            current_value=draft.get("current_value"),
        )
        unit_name = draft.get("unit_name")  # a draft from before it was kept has none
        if unit_name is None:
            unit_name = queries.units_by_id(session, ids=[draft["unit_id"]])[draft["unit_id"]].name
    lang = lang_of(update, context)
    record = report_record(lang, report, draft["number"], draft["title"], unit_name, context)
    hours = context.services.settings.report_edit_hours
    markup = choice_buttons([(t(lang, "rv.button"), f"{REVISE}:{report.id}")]) if hours > 0 else None
    if hours > 0:
        record += "\n" + t(lang, "rv.hint", hours=f"{hours:g}", number=draft["number"])
    await tell_text(update, context, t(lang, "report.saved", id=report.id) + "\n" + record, markup, draft=draft)
    return ConversationHandler.END


def report_record(lang: str, report: Any, number: int, title: str, unit_name: str, context: BotContext) -> str:
    when = report.created_at.astimezone(context.services.settings.tz)
    percent = f"{report.percent}%" if report.percent is not None else t(lang, "report.percent_unknown")
    return t(lang, "report.record", number=number, title=esc(title), unit=esc(unit_name),
             period=period_label(lang, report.period), when=f"{format_date(when.date(), lang)} {when:%H:%M}",
             text=esc(report.text), percent=percent,
             status=f"{MARKS[report.status]} {t(lang, f'status_long.{report.status}')}",
             problems=esc(report.problems) if report.problems else t(lang, "none"),
             evidence=len(report.evidence))


async def cancel(update: Update, context: BotContext) -> int:
    """Drop the draft; nothing is saved."""
    draft = context.user_data.pop(DRAFT, None) or {}
    await tell(update, context, "cancelled", draft=draft)
    return ConversationHandler.END


timed_out = times_out(DRAFT)


def start_draft(context: BotContext, **values: Any) -> None:
    context.user_data[DRAFT] = {"touched": context.services.clock.now().timestamp(), **values}


def fresh(timeout_seconds: float, step: Callable[[Update, BotContext], Awaitable[Any]]) -> Callable[..., Any]:
    """A dialogue step that ends the dialogue instead when it has been idle past the timeout. PTB's own
    timeout is a job, and jobs are not persisted: a dialogue restored after a restart would otherwise
    wait for its next answer however late it came."""

    @functools.wraps(step)
    async def checked(update: Update, context: BotContext) -> Any:
        draft = context.user_data.get(DRAFT)
        now = context.services.clock.now().timestamp()
        if draft is not None:
            if now - draft.get("touched", now) > timeout_seconds:
                if update.callback_query is not None:  # a fresh press (PTB's own timeout passes an old one)
                    await update.callback_query.answer()
                await timed_out(update, context)
                return ConversationHandler.END
            draft["touched"] = now
        return await step(update, context)

    return checked


def report_conversation(timeout_seconds: float) -> ConversationHandler:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    contact = lambda cb: guard(is_contact, "refuse.contact", cb)  # noqa: E731
    step = lambda cb: fresh(timeout_seconds, cb)  # noqa: E731
    return ConversationHandler(
        name="report",
        persistent=True,
        entry_points=[
            CommandHandler("report", contact(guard(in_private, "refuse.private", report_command)),
                           filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
            CallbackQueryHandler(contact(report_button), pattern=rf"^{REPORT}:\d{{1,9}}$"),
            MessageHandler(text & filters.REPLY & ~filters.FORWARDED, report_by_reply),
        ],
        states={
            CHOOSE: [CallbackQueryHandler(step(contact(report_button)), pattern=rf"^{REPORT}:\d{{1,9}}$")],
            TEXT: [MessageHandler(text, step(got_text)), MessageHandler(private & ~filters.COMMAND, step(not_text))],
            VALUE: [MessageHandler(text, step(got_value))],
            PERCENT: [CallbackQueryHandler(step(got_percent_button), pattern=r"^rp:pct:\d{1,3}$"),
                      MessageHandler(text, step(got_percent_text))],
            STATUS: [CallbackQueryHandler(step(got_status), pattern=r"^rp:st:\w+$"),
                     MessageHandler(text, step(status_expected))],
            PROBLEMS: [CallbackQueryHandler(step(no_problems), pattern=r"^rp:noprob$"),
                       MessageHandler(text, step(got_problems))],
            EVIDENCE: [MessageHandler(private & (filters.PHOTO | filters.Document.ALL), step(got_evidence)),
                       CallbackQueryHandler(step(submit), pattern=r"^rp:submit$"), MessageHandler(text, step(ask_evidence))],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^rp:cancel$")],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def handlers(timeout_seconds: float) -> list:
    """The contact audience's handlers, in registration order."""
    private_new = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [
        # The deep-link /start <code> must come before the plain /start.
        CommandHandler("start", start_with_code, filters=private_new & filters.Regex(r"^/start\s+\S+")),
        report_conversation(timeout_seconds),
        CommandHandler("mine", guard(is_contact, "refuse.contact", mine), filters=filters.UpdateType.MESSAGE),
        CommandHandler("snooze", guard(is_contact, "refuse.contact", snooze_command),
                       filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
        CallbackQueryHandler(guard(is_contact, "refuse.contact", snooze_button),
                             pattern=rf"^{SNOOZE}:(\d{{1,9}}(:\d{{1,3}})?)?$"),
    ]
