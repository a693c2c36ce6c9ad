"""Unit contacts: binding through an invite, their items, snoozing one, and the progress report dialogue.

The report: /report n (or a reminder's, list's or card's button, or a reply to a reminder) → what was
done → the percent (or the indicator's value) → the status → the milestones it completes (one button
per open milestone, toggled ✓, then 确定 or 跳过; no step when the item has none open) → problems →
evidence → 📤 submit. The ticks are saved with the report, in its transaction. Every
step works by tapping buttons and typing one message. The draft gets a token when it starts: every
button of the dialogue carries it (a press on an abandoned draft's message changes nothing), and the
report stores it under a unique index, so a draft restored after a restart and submitted again is
answered "already saved" and stored once. Starting a new report drops the unfinished one, and says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
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
    SNOOZE_DAYS,
    CardReport,
    Report,
    ReportCancel,
    ReportMilestone,
    ReportMilestonesDone,
    ReportNoProblems,
    ReportPercent,
    ReportStatus,
    ReportSubmit,
    Revise,
    SnoozeFor,
    SnoozeItem,
    SnoozeMenu,
    Step,
    either_kind,
)
from bot.context import BotContext
from bot.dates import format_date, parse_deadline
from bot.keyboards import choice_buttons, report_buttons
from bot.texts import MARKS, esc, t
from db import contacts, dialogues, lists, outbox, people, reminders, reports, snoozes
from db import items as items_db
from db import milestones as db_milestones
from db.facts import shown
from db.lists import Reference
from db.models import Item, ProgressReport, Status
from handlers import instructions
from handlers.common import (
    answer,
    answer_press,
    args_text,
    busy_with,
    done_with_button,
    draft_of,
    guard,
    in_private,
    is_contact,
    item_at,
    item_pressed,
    lang_of,
    new_draft,
    parse_reference,
    refuse_busy,
    refuse_closed,
    say,
    tell_dropped,
    times_out,
    typed_text,
)
from handlers.receipts import ack_from_buttons
from handlers.uow import Refusal, work
from jobs.actions import closing_follows
from jobs.digest import assess, item_line
from jobs.policy import next_due
from jobs.reminders import period_label, shorten
from jobs.rules import indicator_percent, period_key
from jobs.sender import send_queued
from jobs.supervision import calendar, policy_of, warnings_on

CHOOSE, TEXT, PERCENT, STATUS, PROBLEMS, EVIDENCE, VALUE, MILESTONES = range(8)
DRAFT = "report_draft"
LAST = "last_message"  # in the draft: the id of the dialogue's latest message, the one the user sees
MAX_TEXT = 3000
MAX_EVIDENCE = 20
_PERCENT_IN_TEXT = re.compile(r"(?:完成|进度|达到|累计)?\s*(\d{1,3}(?:\.\d+)?)\s*[%％]")
_NUMBER_IN_TEXT = re.compile(r"-?\d+(?:\.\d+)?")
_PERCENT_ALONE = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*[%％]?\s*$")


# ---------------------------------------------------------------- binding and lists


async def start_with_code(update: Update, context: BotContext) -> None:
    """Bind the user to the invite's unit and greet them with the unit's items."""
    code = context.args[0] if context.args else ""
    user = update.effective_user
    now = context.services.clock.now()
    with work(context) as session:
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        result, unit = contacts.redeem_invite(session, code=code, telegram_id=user.id, now=now)
    if unit is None:
        await say(update, context, f"invite.{result.value}")
        return
    key = "invite.bound" if result == contacts.InviteResult.BOUND else "invite.already"
    await say(update, context, key, unit=esc(unit.name))
    await show_unit_items(update, context, unit.id, unit.name)


async def show_unit_items(update: Update, context: BotContext, unit_id: int, unit_name: str) -> None:
    lang = lang_of(update, context)
    today = context.services.clock.now().date()
    with work(context) as session:
        items = items_db.list_items(session, unit_id=unit_id)
        facts = reports.item_facts(session, today=today, item_ids=[i.id for i in items])
        warnings = warnings_on(context.services, session, facts, today)
    if not facts:
        await say(update, context, "unit.no_items")
        return
    assessed = sorted(assess(facts, today, context.services.settings.slow_margin), key=lambda a: a.facts.number)
    lines = [t(lang, "mine.title", unit=esc(unit_name), count=len(assessed))]
    lines += [item_line(lang, a, warnings.get(a.facts.id)) for a in assessed]
    open_items = [(a.facts.id, a.facts.ref) for a in assessed if a.status != Status.AHEAD]
    await answer(update, context, "\n".join(lines), report_buttons(lang, open_items))


async def mine(update: Update, context: BotContext) -> None:
    """List the items of the user's units with their latest status."""
    for unit in context.units:
        await show_unit_items(update, context, unit.id, unit.name)


# ---------------------------------------------------------------- snooze


def own_item(session, context: BotContext, *, item_id: int) -> tuple[Item, list[int]]:  # type: ignore[no-untyped-def]
    """The item (by id, from a button or `item_at`) and those of the user's units it belongs to; refused
    when it is unknown, archived, or none of the user's units'."""
    item, links = dialogues.item_with_units(session, item_id=item_id)
    if item is None or item.archived:
        raise Refusal("item.unknown", end=True, number="" if item is None else item.number)
    refuse_closed(session, item, end=True)
    own = {u.id for u in context.units}
    mine_ = [u for u in [*links["responsible"], *links["lead"]] if u in own]
    if not mine_:
        raise Refusal("refuse.not_your_item", end=True, number=item.number)
    return item, mine_


def snooze_bound(session, context: BotContext, item: Item, today: date) -> date:  # type: ignore[no-untyped-def]
    """The last day a snooze of `item` may run to: its deadline, or its next report due day if sooner."""
    due = next_due(item.report_cycle, today, policy_of(context.services), calendar(session))
    return min(due, item.deadline) if item.deadline else due


def snooze(update: Update, context: BotContext, until_of, *, item_id: int | None = None,  # type: ignore[no-untyped-def]
           reference: Reference | None = None, written: str = "") -> tuple[str, date]:
    """Snooze the user's item (by id, or as typed) until `until_of(today, office calendar)` (None: not
    understood), within its bound: one transaction. Returns the item as messages name it, and the day."""
    now, lang = context.services.clock.now(), lang_of(update, context)
    with work(context) as session:
        if item_id is None:
            item_id = item_at(session, update, context, reference or Reference(0), end=True).id
        item, unit_ids = own_item(session, context, item_id=item_id)
        until, bound = until_of(now.date(), calendar(session)), snooze_bound(session, context, item, now.date())
        if until is None:
            raise Refusal("snooze.bad_when", text=esc(written))
        if until <= now.date():
            raise Refusal("snooze.past")
        if until > bound:
            raise Refusal("snooze.too_late", until=format_date(bound, lang))
        snoozes.snooze(session, item_id=item.id, unit_ids=unit_ids, until=until, created_by=update.effective_user.id,
                       now=now)
        ref = lists.item_ref(session, item=item)
    return ref, until


async def snooze_command(update: Update, context: BotContext) -> None:
    """/snooze <n> <when>: leave an item out of the unit's reminders until then (at most its deadline or
    next report due day)."""
    parts = args_text(update).split(maxsplit=1)
    reference = parse_reference(parts[0]) if parts else None
    if reference is None or len(parts) < 2:
        await say(update, context, "usage", usage=t(lang_of(update, context), "snooze.usage"))
        return
    now = context.services.clock.now()
    ref, until = snooze(update, context, lambda _today, cal: parse_deadline(parts[1], now, cal), reference=reference,
                        written=parts[1])
    await say(update, context, "snooze.done", number=ref, until=format_date(until, lang_of(update, context)))


async def snooze_menu(update: Update, context: BotContext) -> None:
    """The reminder's snooze button: choose one of the reminder's items."""
    query = update.callback_query
    ack_from_buttons(query.message, update.effective_user.id, context)  # pressed on a reminder: it was read
    markup = query.message.reply_markup if query.message else None
    ids = [pressed.item_id for row in (markup.inline_keyboard if markup else ()) for b in row
           for pressed in [Report.parse(b.callback_data)] if pressed is not None]
    with work(context) as session:
        named = lists.refs(session, items=items_db.items_by_id(session, ids=ids).values())
    await query.answer()
    choices = [(shown(named[i]), SnoozeItem(i).encode()) for i in ids if i in named]
    await say(update, context, "snooze.choose_item", choice_buttons(choices, width=4))


async def snooze_item(update: Update, context: BotContext) -> None:
    """Snooze this item: offer the spans that end by its bound."""
    item_id = SnoozeItem.of(update).item_id
    today = context.services.clock.now().date()
    with work(context) as session:
        item, _units = own_item(session, context, item_id=item_id)
        bound = snooze_bound(session, context, item, today)
        ref = lists.item_ref(session, item=item)
    lang = lang_of(update, context)
    days = [d for d in SNOOZE_DAYS if today + timedelta(days=d) <= bound]
    if not days:
        raise Refusal("snooze.too_late", until=format_date(bound, lang))
    await done_with_button(update)
    options = [(t(lang, f"snooze.opt.{d}"), SnoozeFor(item.id, d).encode()) for d in days]
    await say(update, context, "snooze.choose_when", choice_buttons(options, width=2), number=ref)


async def snooze_for(update: Update, context: BotContext) -> None:
    pressed = SnoozeFor.of(update)
    ref, until = snooze(update, context, lambda today, _cal: today + timedelta(days=pressed.days),
                        item_id=pressed.item_id)
    await done_with_button(update)
    await say(update, context, "snooze.done", number=ref, until=format_date(until, lang_of(update, context)))


# ---------------------------------------------------------------- report dialogue


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def pressed_draft(update: Update, context: BotContext, kind: type[Step]) -> dict[str, Any]:
    """The draft the pressed button belongs to; refused as expired when it is not the current one."""
    return draft_of(context, DRAFT, kind.of(update).token)


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
    text = "\n".join(filter(None, [draft.pop("heading", None), text]))
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
    reference = parse_reference(arg) if arg else None
    if arg and reference is None:
        await say(update, context, "item.number_usage", example="/report 12")
        return ConversationHandler.END
    await start_draft(update, context)
    if reference is not None:
        try:
            with work(context) as session:
                item_id = item_at(session, update, context, reference, end=True).id
        except Refusal:
            context.user_data.pop(DRAFT, None)
            raise
        return await begin_item(update, context, item_id)
    return await ask_choose(update, context)


async def report_button(update: Update, context: BotContext) -> int:
    """Start a report from a reminder's or a list's button (which also acknowledges the reminder)."""
    busy = busy_with(context, DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    item_id = item_pressed(update, context, Report, CardReport)
    await update.callback_query.answer()
    ack_from_buttons(update.callback_query.message, update.effective_user.id, context)
    await start_draft(update, context, keep=True)
    return await begin_item(update, context, item_id)


async def report_by_reply(update: Update, context: BotContext) -> int | None:
    """A reply to a reminder is the progress text for its item (or one of its items)."""
    message = update.effective_message
    if not is_contact(update, context):
        return None
    with work(context) as session:
        sent = reminders.sent_message(session, chat_id=message.chat_id, message_id=message.reply_to_message.message_id)
        items = items_db.items_by_id(session, ids=sent.item_ids) if sent and sent.kind == "reminder" else {}
        named = lists.refs(session, items=items.values())
    if not items or busy_with(context, DRAFT):
        return None
    await start_draft(update, context, text=typed_text(update)[:MAX_TEXT])
    if len(items) == 1:
        return await begin_item(update, context, next(iter(items)), have_text=True)
    listed = [(i.id, named[i.id]) for i in sorted(items.values(), key=lambda i: (i.list_id, i.number))]
    await say(update, context, "report.from_reply_many", report_buttons(lang_of(update, context), listed))
    return CHOOSE


async def ask_choose(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    today = context.services.clock.now().date()
    with work(context) as session:
        items = [i for u in context.units for i in items_db.list_items(session, unit_id=u.id)]
        facts = reports.item_facts(session, today=today, item_ids=[i.id for i in items])
    listed = [(f.id, f.ref) for f in sorted(facts, key=lambda f: (f.list_id, f.number)) if f.declared != Status.AHEAD]
    if not listed:
        context.user_data.pop(DRAFT, None)
        await say(update, context, "report.no_items")
        return ConversationHandler.END
    await say(update, context, "report.choose", report_buttons(lang, listed))
    return CHOOSE


async def begin_item(update: Update, context: BotContext, item_id: int, *, have_text: bool = False) -> int:
    """Check the item belongs to the user's unit, then ask for (or use) the progress text."""
    try:
        with work(context) as session:
            item, mine_ = own_item(session, context, item_id=item_id)
            outbox.acknowledge_item(session, item_id=item.id, unit_ids=[u.id for u in context.units],
                                    telegram_id=update.effective_user.id, now=context.services.clock.now())
            instructed, quoted = instructions.open_for_report(session, lang_of(update, context), item_id=item.id,
                                                              unit_id=mine_[0])
            # Each open milestone as [id, its number as the card and /node show it, title].
            open_nodes = [[m.id, i, m.title] for i, m in enumerate(db_milestones.milestones_of(session, item_id=item.id),
                                                                    start=1) if m.done_at is None]
            ref = lists.item_ref(session, item=item)
    except Refusal:
        context.user_data.pop(DRAFT, None)
        raise
    own = {u.id: u.name for u in context.units}
    draft = _draft(context)
    # The unit's name is kept for the record shown at the end.
    draft.update(item_id=item.id, number=ref, title=item.title, unit_id=mine_[0], unit_name=own[mine_[0]],
                 cycle=item.report_cycle, evidence=[], target=item.target_value, baseline=item.baseline_value,
                 indicator_unit=item.indicator_unit, instructions=instructed, milestones=open_nodes, ticked=[])
    if have_text:  # the first question says which item the reply was taken for
        draft["heading"] = "\n".join(filter(None, [t(lang_of(update, context), "report.from_reply", number=ref,
                                                      title=esc(item.title)), quoted]))
        return await after_text(update, context)
    # A plain message even after a button: the reminder or list pressed keeps its buttons.
    question = t(lang_of(update, context), "report.ask_text", number=ref, title=esc(item.title))
    sent = await answer(update, context, "\n\n".join(filter(None, [question, quoted])), cancel_markup(update, context))
    draft[LAST] = sent.message_id if sent else None
    return TEXT


def cancel_markup(update: Update, context: BotContext):  # type: ignore[no-untyped-def]
    return choice_buttons([(t(lang_of(update, context), "btn.cancel"), ReportCancel(_draft(context)["token"]).encode())])


async def got_text(update: Update, context: BotContext) -> int:
    """Keep what was done; take the percent from it when it says one."""
    text = typed_text(update)
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
    options = [(f"{p}%", ReportPercent(draft["token"], p).encode()) for p in range(0, 101, 10)]
    options.append((t(lang, "btn.cancel"), ReportCancel(draft["token"]).encode()))
    await tell(update, context, "report.ask_percent", choice_buttons(options, width=4))
    return PERCENT


async def got_value(update: Update, context: BotContext) -> int:
    """The indicator's current value; the percent follows from baseline and target."""
    draft = _draft(context)
    match = _NUMBER_IN_TEXT.search(typed_text(update).replace(",", ""))
    if match is None or len(match[0]) > 15:
        await tell(update, context, "report.bad_value")
        return VALUE
    draft["current_value"] = float(match[0])
    draft["percent"] = indicator_percent(draft.get("baseline"), draft["target"], draft["current_value"])
    return await ask_status(update, context)


async def not_text(update: Update, context: BotContext) -> int | None:
    await tell(update, context, "report.text_expected")
    return None


async def got_percent_button(update: Update, context: BotContext) -> int:
    """A percent button (0–100, checked by its kind) of this very draft."""
    pressed_draft(update, context, ReportPercent)["percent"] = ReportPercent.of(update).percent
    return await ask_status(update, context)


async def got_percent_text(update: Update, context: BotContext) -> int:
    match = _PERCENT_ALONE.match(typed_text(update))
    if not match or float(match[1]) > 100:
        await tell(update, context, "report.bad_percent")
        return PERCENT
    _draft(context)["percent"] = round(float(match[1]))
    return await ask_status(update, context)


async def ask_status(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    draft = _draft(context)
    order = list(Status)
    if draft.get("percent") != 100:
        order = [Status.GOOD, Status.AVERAGE, Status.SLOW, Status.AHEAD]
    options = [(f"{MARKS[s.value]} {t(lang, f'status.{s.value}')}", ReportStatus(draft["token"], s.value).encode())
               for s in order]
    await tell(update, context, "report.ask_status", choice_buttons(options, width=2))
    return STATUS


async def got_status(update: Update, context: BotContext) -> int:
    """A status button of this very draft (a press on an abandoned dialogue's message is refused)."""
    draft = pressed_draft(update, context, ReportStatus)
    draft["status"] = ReportStatus.of(update).status
    if draft.get("milestones"):
        return await ask_milestones(update, context)
    return await ask_problems(update, context)


async def ask_problems(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    lang = lang_of(update, context)
    await tell(update, context, "report.ask_problems",
               choice_buttons([(t(lang, "report.no_problems"), ReportNoProblems(draft["token"]).encode()),
                               (t(lang, "btn.cancel"), ReportCancel(draft["token"]).encode())]))
    return PROBLEMS


async def status_expected(update: Update, context: BotContext) -> int:
    return await ask_status(update, context)


async def ask_milestones(update: Update, context: BotContext) -> int:
    await tell(update, context, "report.ask_milestones", milestone_markup(update, context))
    return MILESTONES


def milestone_markup(update: Update, context: BotContext) -> InlineKeyboardMarkup:
    """One button per open milestone of the item (✓ when ticked), then 确定 / 跳过."""
    lang = lang_of(update, context)
    draft = _draft(context)
    ticked = set(draft.get("ticked", []))
    options = [(f"{'✓ ' if milestone_id in ticked else ''}{position}. {shorten(title, 30)}",
                ReportMilestone(draft["token"], milestone_id).encode())
               for milestone_id, position, title in draft.get("milestones", [])]
    options += [(t(lang, "report.milestones_done"), ReportMilestonesDone(draft["token"], "done").encode()),
                (t(lang, "report.milestones_skip"), ReportMilestonesDone(draft["token"], "skip").encode())]
    return choice_buttons(options, width=1)


async def toggled_milestone(update: Update, context: BotContext) -> int:
    """Tick or untick a milestone of this very draft: it must be one the draft offered, still of the
    draft's item and still open (checked against the database); else nothing changes."""
    draft = pressed_draft(update, context, ReportMilestone)
    milestone_id = ReportMilestone.of(update).milestone_id
    with work(context) as session:
        milestone = db_milestones.milestone_by_id(session, milestone_id=milestone_id)
        current = (milestone is not None and milestone.item_id == draft.get("item_id") and milestone.done_at is None
                   and milestone_id in {m[0] for m in draft.get("milestones", [])})
    if not current:
        raise Refusal("node.stale")
    ticked = draft.setdefault("ticked", [])
    if milestone_id in ticked:
        ticked.remove(milestone_id)
    else:
        ticked.append(milestone_id)
    query = update.callback_query
    if query.message is None or query.message.message_id != draft.get(LAST):  # an earlier message of this draft
        return await ask_milestones(update, context)
    await query.answer()
    try:  # the question stays; only its buttons show the tick
        await query.edit_message_reply_markup(milestone_markup(update, context))
    except TelegramError:  # the message went meanwhile: ask again below
        return await ask_milestones(update, context)
    return MILESTONES


async def milestones_done(update: Update, context: BotContext) -> int:
    """确定 (with the milestones ticked so far) or 跳过 (none): on to the problems."""
    draft = pressed_draft(update, context, ReportMilestonesDone)
    if ReportMilestonesDone.of(update).answer == "skip":
        draft["ticked"] = []
    if draft.get("ticked"):
        draft["heading"] = ticked_line(lang_of(update, context), draft)
    return await ask_problems(update, context)


def ticked_line(lang: str, draft: dict[str, Any], ids: set[int] | None = None) -> str:
    """完成节点：… for the draft's ticked milestones (or those of them in `ids`); "" when none."""
    ticked = set(draft.get("ticked", [])) if ids is None else ids
    titles = [title for milestone_id, _position, title in draft.get("milestones", []) if milestone_id in ticked]
    return t(lang, "report.milestones_ticked", titles=esc(t(lang, "warning.sep").join(titles))) if titles else ""


async def milestones_expected(update: Update, context: BotContext) -> int:
    return await ask_milestones(update, context)


async def got_problems(update: Update, context: BotContext) -> int:
    text = typed_text(update)
    if len(text) > MAX_TEXT:
        await tell(update, context, "add.too_long", max=MAX_TEXT)
        return PROBLEMS
    _draft(context)["problems"] = text or None
    return await ask_evidence(update, context)


async def no_problems(update: Update, context: BotContext) -> int:
    pressed_draft(update, context, ReportNoProblems)["problems"] = None
    return await ask_evidence(update, context)


async def ask_evidence(update: Update, context: BotContext) -> int:
    await tell(update, context, "report.ask_evidence", submit_markup(update, context))
    return EVIDENCE


def submit_markup(update: Update, context: BotContext):  # type: ignore[no-untyped-def]
    lang = lang_of(update, context)
    token = _draft(context)["token"]
    return choice_buttons([(t(lang, "report.submit"), ReportSubmit(token).encode()),
                           (t(lang, "btn.cancel"), ReportCancel(token).encode())])


async def got_evidence(update: Update, context: BotContext) -> int:
    """Keep the file id of a photo or document; the file stays on Telegram's side."""
    message = update.effective_message
    if message.photo:
        entry = {"type": "photo", "file_id": message.photo[-1].file_id}
    else:
        entry = {"type": "document", "file_id": message.document.file_id,
                 "name": message.document.file_name or ""}
    evidence = _draft(context).setdefault("evidence", [])
    if len(evidence) >= MAX_EVIDENCE:
        await tell(update, context, "add.too_long", max=MAX_EVIDENCE)
        return EVIDENCE
    evidence.append(entry)
    await tell(update, context, "report.evidence_received", submit_markup(update, context), count=len(evidence))
    return EVIDENCE


async def submit(update: Update, context: BotContext) -> int:
    """Store the report, tied to its draft, in one transaction, and show the stored record. The same
    draft submitted again (its message pressed twice, or restored after a restart) stores nothing."""
    token = ReportSubmit.of(update).token
    draft = context.user_data.get(DRAFT)
    if not isinstance(draft, dict) or draft.get("token") != token or "status" not in draft:
        return await submitted_before(update, context)
    now = context.services.clock.now()
    period = period_key(draft["cycle"], now.date())
    with work(context) as session:
        saved = dialogues.of_draft(session, ProgressReport, draft_id=token)
        units, _language = contacts.contact_units(session, telegram_id=update.effective_user.id)
        if saved is not None or draft["unit_id"] not in {u.id for u in units}:  # saved, or unbound meanwhile
            context.user_data.pop(DRAFT, None)
        if saved is not None:
            raise Refusal("report.already_saved", end=True, edit=True, id=saved.id)
        if draft["unit_id"] not in {u.id for u in units}:
            raise Refusal("refuse.not_your_item", end=True, edit=True, number=draft["number"])
        report = reports.add_report(
            session, item_id=draft["item_id"], unit_id=draft["unit_id"], reporter_id=update.effective_user.id,
            period=period, now=now, text=draft["text"], percent=draft.get("percent"), status=draft["status"],
            problems=draft.get("problems"), evidence=draft.get("evidence", []),
            current_value=draft.get("current_value"),
        )
        dialogues.mark_draft(session, report, draft_id=token)
        instructions.answer_with(session, draft, report_id=report.id, now=now)
        done_nodes = db_milestones.tick_milestones(session, item_id=draft["item_id"], now=now, report_id=report.id,
                                                   milestone_ids=draft.get("ticked", []))
        done_ids = {m.id for m in done_nodes if m.id is not None}
        unit_name = draft.get("unit_name") or next(u.name for u in units if u.id == draft["unit_id"])
        closing_asked = closing_follows(context.services, session, item_id=draft["item_id"], report=report,
                                        unit=unit_name, person=update.effective_user.full_name, now=now)
    context.user_data.pop(DRAFT, None)  # after the commit: a database away keeps the draft for the next try
    lang = lang_of(update, context)
    record = report_record(lang, report, draft["number"], draft["title"], unit_name, context)
    if done_ids:
        record += "\n" + ticked_line(lang, draft, done_ids)
    if closing_asked is not None:
        record += "\n" + t(lang, "close.asked", number=draft["number"])
    hours = context.services.settings.report_edit_hours
    markup = choice_buttons([(t(lang, "rv.button"), Revise(report.id).encode())]) if hours > 0 else None
    if hours > 0:
        record += "\n" + t(lang, "rv.hint", hours=f"{hours:g}", number=draft["number"])
    await tell_text(update, context, t(lang, "report.saved", id=report.id) + "\n" + record, markup, draft=draft)
    if closing_asked is not None:
        await send_queued(context)
    return ConversationHandler.END


async def submitted_before(update: Update, context: BotContext) -> int | None:
    """📤 of a draft that is not the dialogue's current one: "already saved" when it was stored (the
    dialogue was restored from before its end, or the button pressed twice), else expired."""
    token = ReportSubmit.of(update).token
    with work(context) as session:
        saved = dialogues.of_draft(session, ProgressReport, draft_id=token)
    if saved is None:
        raise Refusal("confirm.expired")
    if _draft(context).get("token") == token:
        context.user_data.pop(DRAFT, None)
    await done_with_button(update, t(lang_of(update, context), "report.already_saved", id=saved.id))
    return ConversationHandler.END


def report_record(lang: str, report: Any, number: int | str, title: str, unit_name: str, context: BotContext) -> str:
    when = report.created_at.astimezone(context.services.settings.tz)
    percent = f"{report.percent}%" if report.percent is not None else t(lang, "report.percent_unknown")
    return t(lang, "report.record", number=number, title=esc(title), unit=esc(unit_name),
             period=period_label(lang, report.period), when=f"{format_date(when.date(), lang)} {when:%H:%M}",
             text=esc(report.text), percent=percent,
             status=f"{MARKS[report.status]} {t(lang, f'status_long.{report.status}')}",
             problems=esc(report.problems) if report.problems else t(lang, "none"),
             evidence=len(report.evidence))


async def cancel(update: Update, context: BotContext) -> int:
    """Drop the draft (the one whose ✖ was pressed); nothing is saved."""
    if update.callback_query is not None:
        pressed_draft(update, context, ReportCancel)
    draft = context.user_data.pop(DRAFT, None) or {}
    await tell(update, context, "cancelled", draft=draft)
    return ConversationHandler.END


timed_out = times_out(DRAFT)


async def start_draft(update: Update, context: BotContext, *, keep: bool = False, **values: Any) -> None:
    """A new draft with its own token; an unfinished one it replaces is named as dropped. `keep`: a
    draft already started by this dialogue (its list of items) carries on."""
    current = context.user_data.get(DRAFT)
    if keep and isinstance(current, dict) and current.get("token") and not current.get("item_id"):
        current["touched"] = context.services.clock.now().timestamp()
        return
    _draft_, earlier = new_draft(context, DRAFT, touched=context.services.clock.now().timestamp(), **values)
    await tell_dropped(update, context, earlier if earlier and earlier.get("item_id") else None)


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
            CallbackQueryHandler(contact(report_button), pattern=either_kind(Report, CardReport)),
            MessageHandler(text & filters.REPLY & ~filters.FORWARDED, report_by_reply),
        ],
        states={
            CHOOSE: [CallbackQueryHandler(step(contact(report_button)), pattern=either_kind(Report, CardReport))],
            TEXT: [MessageHandler(text, step(got_text)), MessageHandler(private & ~filters.COMMAND, step(not_text))],
            VALUE: [MessageHandler(text, step(got_value))],
            PERCENT: [CallbackQueryHandler(step(got_percent_button), pattern=ReportPercent.matches),
                      MessageHandler(text, step(got_percent_text))],
            STATUS: [CallbackQueryHandler(step(got_status), pattern=ReportStatus.matches),
                     MessageHandler(text, step(status_expected))],
            MILESTONES: [CallbackQueryHandler(step(toggled_milestone), pattern=ReportMilestone.matches),
                         CallbackQueryHandler(step(milestones_done), pattern=ReportMilestonesDone.matches),
                         MessageHandler(text, step(milestones_expected))],
            PROBLEMS: [CallbackQueryHandler(step(no_problems), pattern=ReportNoProblems.matches),
                       MessageHandler(text, step(got_problems))],
            EVIDENCE: [MessageHandler(private & (filters.PHOTO | filters.Document.ALL), step(got_evidence)),
                       CallbackQueryHandler(step(submit), pattern=ReportSubmit.matches),
                       MessageHandler(text, step(ask_evidence))],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=ReportCancel.matches)],
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
        CallbackQueryHandler(guard(is_contact, "refuse.contact", snooze_menu), pattern=SnoozeMenu.matches),
        CallbackQueryHandler(guard(is_contact, "refuse.contact", snooze_item), pattern=SnoozeItem.matches),
        CallbackQueryHandler(guard(is_contact, "refuse.contact", snooze_for), pattern=SnoozeFor.matches),
        # 📤 of a draft the dialogue no longer holds (restored from before its end, pressed twice).
        CallbackQueryHandler(submitted_before, pattern=ReportSubmit.matches),
    ]
