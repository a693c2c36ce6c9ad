"""Admins: items — /add (one line, or a guided dialogue), /edit one field, /archive and /unarchive, each
shown as a preview and saved on its confirmation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import AddDomain, AddSameAsLead, AddSkipDomain, Confirm, ItemConfirm
from bot.context import BotContext
from bot.dates import format_date, parse_deadline, past_note
from bot.keyboards import choice_buttons, confirm_buttons
from bot.tables import split_units
from bot.texts import esc, join, t
from db import items, lists, names, units
from db.facts import item_label
from db.models import Item, ListState, ReportCycle
from handlers.common import (
    answer,
    args_text,
    cancels,
    confirmed_draft,
    done_with_button,
    draft_of,
    guard,
    is_admin,
    item_at,
    lang_of,
    new_draft,
    office_calendar,
    parse_reference,
    refuse_closed,
    say,
    tell_dropped,
    times_out,
    typed_text,
)
from handlers.units import confirmed_pending, refusal_of, remember, resolve_units, yes_no
from handlers.uow import Refusal, work

ADD_TITLE, ADD_DEADLINE, ADD_LEAD, ADD_RESPONSIBLE, ADD_DOMAIN, ADD_CONFIRM = range(10, 16)
ADD = "add"
KNOWN_DOMAINS = 20  # domains offered as buttons (AddDomain's index bound)


# ---------------------------------------------------------------- /add


def _add(context: BotContext) -> dict[str, Any]:
    draft = context.user_data.get(ADD)
    if not isinstance(draft, dict):  # a step reached without its draft (a restart that lost it)
        raise Refusal("confirm.expired", end=True)
    return draft


async def add_entry(update: Update, context: BotContext) -> int:
    """One-line /add goes straight to the preview; a bare /add starts the guided dialogue."""
    _, earlier = new_draft(context, ADD)
    await tell_dropped(update, context, earlier)
    text = args_text(update)
    if not text:
        await say(update, context, "add.ask_title")
        return ADD_TITLE
    parts = [p.strip() for p in re.split(r"[|｜]", text)]
    if len(parts) < 4 or len(parts) > 5:  # an empty title: set_title says so
        context.user_data.pop(ADD, None)
        raise Refusal("usage", end=True, usage=t(lang_of(update, context), "add.usage"))
    title, deadline_text, lead, responsible, *rest = parts
    try:
        set_title(context, title, end=True)
        with work(context) as session:
            set_deadline(context, deadline_text, session, end=True)
            set_units(session, update, context, "lead", lead, end=True)
            set_units(session, update, context, "responsible", responsible or lead, end=True)
        set_domain(context, rest[0] if rest else "", end=True)
    except Refusal:
        context.user_data.pop(ADD, None)
        raise
    return await preview(update, context)


def set_title(context: BotContext, title: str, *, end: bool = False) -> None:
    try:
        _add(context)["title"] = names.title(title)
    except names.BadText as error:
        raise refusal_of(error, end=end) from error


def set_domain(context: BotContext, domain: str, *, end: bool = False) -> None:
    try:
        _add(context)["domain"] = names.domain(domain)
    except names.BadText as error:
        raise refusal_of(error, end=end) from error


def set_deadline(context: BotContext, text: str, session: Session | None = None, *, end: bool = False) -> None:
    """The draft's deadline as written, read on the office's calendar (in `session`, the update's transaction,
    when there is one)."""
    deadline = parse_deadline(text, context.services.clock.now(), office_calendar(context, session))
    if deadline is None:
        raise Refusal("add.bad_deadline", end=end, text=esc(text))
    _add(context).update(deadline=deadline.isoformat(), deadline_text=text.strip())


def set_units(session: Session, update: Update, context: BotContext, role: str, text: str, *,
              end: bool = False) -> None:
    if not split_units(text):
        raise Refusal("add.no_units", end=end)
    _add(context)[role] = resolve_units(session, lang_of(update, context), text, end=end)


async def add_title(update: Update, context: BotContext) -> int:
    set_title(context, typed_text(update))
    await say(update, context, "add.ask_deadline")
    return ADD_DEADLINE


async def add_deadline(update: Update, context: BotContext) -> int:
    set_deadline(context, typed_text(update))
    lang = lang_of(update, context)
    deadline = date.fromisoformat(_add(context)["deadline"])
    await answer(update, context, t(lang, "remind.deadline", deadline=format_date(deadline, lang), left="") + "\n"
                 + t(lang, "add.ask_lead"))
    return ADD_LEAD


async def add_lead(update: Update, context: BotContext) -> int:
    with work(context) as session:
        set_units(session, update, context, "lead", typed_text(update))
    lang = lang_of(update, context)
    same = AddSameAsLead(_add(context)["token"]).encode()
    await say(update, context, "add.ask_responsible", choice_buttons([(t(lang, "add.same_as_lead"), same)]))
    return ADD_RESPONSIBLE


async def add_responsible(update: Update, context: BotContext) -> int:
    with work(context) as session:
        set_units(session, update, context, "responsible", typed_text(update))
    return await ask_domain(update, context)


async def add_same_as_lead(update: Update, context: BotContext) -> int:
    draft = draft_of(context, ADD, AddSameAsLead.of(update).token)
    await done_with_button(update)
    draft["responsible"] = list(draft.get("lead", []))
    return await ask_domain(update, context)


async def ask_domain(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    with work(context) as session:
        known = items.domains(session)[:KNOWN_DOMAINS]
    draft = _add(context)
    options = [(d, AddDomain(draft["token"], i).encode()) for i, d in enumerate(known)]
    draft["known_domains"] = known
    await say(update, context, "add.ask_domain", choice_buttons(
        [*options, (t(lang, "add.skip"), AddSkipDomain(draft["token"]).encode())], width=2))
    return ADD_DOMAIN


async def add_domain_text(update: Update, context: BotContext) -> int:
    set_domain(context, typed_text(update))
    return await preview(update, context)


async def add_domain_button(update: Update, context: BotContext) -> int:
    pressed = AddDomain.parse(update.callback_query.data) or AddSkipDomain.of(update)
    draft = draft_of(context, ADD, pressed.token)
    known = draft.get("known_domains", [])
    index = getattr(pressed, "index", None)
    draft["domain"] = known[index] if index is not None and index < len(known) else None
    await done_with_button(update)
    return await preview(update, context)


async def preview(update: Update, context: BotContext) -> int:
    """Echo the item as understood, the deadline spelled out, before anything is saved."""
    lang = lang_of(update, context)
    draft = _add(context)
    with work(context) as session:
        into = lists.current_list(session, chat_id=update.effective_chat.id)
        if into is None or into.state != ListState.ACTIVE.value:  # a closed list takes no new items
            into = lists.main_list(session)
        number = lists.next_item_number(session, list_id=into.id or 0) if into else 1
        shown_as = item_label(into.code, number) if into and lists.several_active(session) else number
        unit_names = {u.id: u.name for u in units.units_by_id(
            session, ids=[*draft["lead"], *draft["responsible"]]).values()}
    draft["number"], draft["list_id"] = number, into.id if into else None
    deadline = date.fromisoformat(draft["deadline"])
    text = t(lang, "add.preview", number=shown_as, title=esc(draft["title"]),
             deadline=format_date(deadline, lang) + past_note(deadline, lang, context.services.clock.now().date()),
             lead=esc(join(lang, [unit_names[i] for i in draft["lead"]])),
             responsible=esc(join(lang, [unit_names[i] for i in draft["responsible"]])),
             domain=esc(draft.get("domain") or t(lang, "none")))
    await answer(update, context, text, confirm_buttons(lang, draft["token"]))
    return ADD_CONFIRM


async def add_confirmed(update: Update, context: BotContext) -> int:
    """Save the previewed item in one transaction."""
    draft = await confirmed_draft(update, context, ADD, needs="title")
    if draft is None:
        return ConversationHandler.END
    now = context.services.clock.now()
    deadline = date.fromisoformat(draft["deadline"])
    with work(context) as session:
        item = items.add_item(
            session, title=draft["title"], deadline=deadline, deadline_text=draft["deadline_text"],
            lead_unit_ids=draft["lead"], responsible_unit_ids=draft["responsible"],
            start_date=date(now.year, 1, 1), domain=draft.get("domain"), now=now,
            report_cycle=context.services.settings.report_cycle, list_id=draft.get("list_id"),
        )
        ref = lists.item_ref(session, item=item)
    lang = lang_of(update, context)
    await done_with_button(update, t(lang, "add.saved", number=ref, title=esc(item.title),
                                     deadline=format_date(deadline, lang)))
    return ConversationHandler.END


add_cancel = cancels(ADD)  # the item being added is dropped

add_timed_out = times_out(ADD)


def add_conversation(timeout_seconds: float) -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    return ConversationHandler(
        name="add_item",
        persistent=True,
        entry_points=[CommandHandler("add", admin(add_entry), filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED)],
        states={
            ADD_TITLE: [MessageHandler(text, add_title)],
            ADD_DEADLINE: [MessageHandler(text, add_deadline)],
            ADD_LEAD: [MessageHandler(text, add_lead)],
            ADD_RESPONSIBLE: [MessageHandler(text, add_responsible),
                              CallbackQueryHandler(add_same_as_lead, pattern=AddSameAsLead.matches)],
            ADD_DOMAIN: [MessageHandler(text, add_domain_text),
                         CallbackQueryHandler(add_domain_button,
                                              pattern=lambda d: AddDomain.matches(d) or AddSkipDomain.matches(d))],
            ADD_CONFIRM: [CallbackQueryHandler(add_confirmed, pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, add_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", add_cancel)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


# ---------------------------------------------------------------- /edit, /archive


FIELDS = {
    "title": ("标题", "title", "名称"), "deadline": ("时限", "完成时限", "截止", "deadline", "截止时间"),
    "lead": ("牵头", "牵头单位", "lead"), "responsible": ("责任", "责任单位", "responsible"),
    "domain": ("领域", "domain"), "cycle": ("周期", "报送周期", "cycle"),
}
CYCLES = {
    ReportCycle.MONTHLY: ("每月", "月", "monthly"), ReportCycle.QUARTERLY: ("每季度", "季度", "quarterly"),
    ReportCycle.WEEKLY: ("每周", "周", "weekly"), ReportCycle.NONE: ("不定期", "无", "none"),
}


def field_of(word: str) -> str | None:
    return next((f for f, words in FIELDS.items() if word.lower() in words), None)


def cycle_of(word: str) -> str | None:
    return next((c.value for c, words in CYCLES.items() if word.lower() in words), None)


async def edit(update: Update, context: BotContext) -> None:
    """Preview a change to one field of an item; it is saved on confirm."""
    lang = lang_of(update, context)
    parts = args_text(update).split(maxsplit=2)
    reference = parse_reference(parts[0]) if parts else None
    if len(parts) < 3 or reference is None:
        raise Refusal("usage", usage=t(lang, "edit.usage"))
    field, value = field_of(parts[1]), parts[2].strip()
    if field is None:
        raise Refusal("edit.bad_field", field=esc(parts[1]))
    with work(context) as session:
        item = item_at(session, update, context, reference)
        refuse_closed(session, item)
        number = lists.item_ref(session, item=item)
        old, new, payload = edit_values(session, context, lang, item, field, value)
    token = remember(context, {"action": "edit", "item_id": item.id, "field": field, "shown": new, **payload})
    await say(update, context, "edit.preview", yes_no(lang, ItemConfirm, token), number=number,
              field=t(lang, f"field.{field}"), old=old, new=new)


def edit_values(session: Session, context: BotContext, lang: str, item: Item, field: str,
                value: str) -> tuple[str, str, dict[str, Any]]:
    """(old shown, new shown, stored payload) for a change; raises a Refusal saying why not."""
    if field in ("title", "domain"):
        try:
            cleaned = names.title(value) if field == "title" else names.domain(value)
        except names.BadText as error:
            raise refusal_of(error) from error
        return (esc(getattr(item, field) or t(lang, "none")), esc(cleaned or t(lang, "none")),
                {"value": cleaned})
    if field == "deadline":
        deadline = parse_deadline(value, context.services.clock.now(), office_calendar(context, session))
        if deadline is None:
            raise Refusal("add.bad_deadline", text=esc(value))
        old = format_date(item.deadline, lang) if item.deadline else t(lang, "item.deadline_open")
        new = format_date(deadline, lang) + past_note(deadline, lang, context.services.clock.now().date())
        return old, new, {"value": deadline.isoformat(), "text": value}
    if field == "cycle":
        cycle = cycle_of(value)
        if cycle is None:
            raise Refusal("edit.bad_cycle", text=esc(value))
        return t(lang, f"cycle.{item.report_cycle}"), t(lang, f"cycle.{cycle}"), {"value": cycle}
    ids = resolve_units(session, lang, value)
    links = items.item_unit_ids(session, item_ids=[item.id]).get(item.id, {}).get(field, [])
    unit_names = {u.id: u.name for u in units.units_by_id(session, ids=[*ids, *links]).values()}
    return (esc(join(lang, [unit_names[i] for i in links])), esc(join(lang, [unit_names[i] for i in ids])),
            {"value": ids})


async def edit_confirmed(update: Update, context: BotContext) -> None:
    """Apply a confirmed edit or archive; a press on an older preview changes nothing."""
    payload = await confirmed_pending(update, context, ItemConfirm, ("edit",))
    if payload is None:
        return
    lang = lang_of(update, context)
    now = context.services.clock.now()
    with work(context) as session:
        if items.items_by_id(session, ids=[payload["item_id"]]).get(payload["item_id"]) is None:
            raise Refusal("confirm.expired")
        item = items.update_item(session, item_id=payload["item_id"], field=payload["field"],
                                   value=payload["value"], text=payload.get("text"), now=now)
        ref = lists.item_ref(session, item=item)
    if payload["field"] == "archived":
        key = "archive.done" if payload["value"] else "unarchive.done"
        await done_with_button(update, t(lang, key, number=ref))
    else:
        await done_with_button(update, t(lang, "edit.saved", number=ref,
                                         field=t(lang, f"field.{payload['field']}"), new=payload["shown"]))


async def archive(update: Update, context: BotContext, *, archived: bool = True) -> None:
    """Ask to archive an item (restoring one needs no confirmation)."""
    lang = lang_of(update, context)
    reference = parse_reference(args_text(update))
    if reference is None:
        raise Refusal("usage", usage=t(lang, "archive.usage"))
    with work(context) as session:
        item = item_at(session, update, context, reference)
        refuse_closed(session, item)
        number = lists.item_ref(session, item=item)
        if item.archived == archived:
            raise Refusal("archive.already" if archived else "unarchive.not_archived", number=number)
        if not archived:
            items.update_item(session, item_id=item.id, field="archived", value=False, text=None,
                                now=context.services.clock.now())
    if not archived:
        await say(update, context, "unarchive.done", number=number)
        return
    token = remember(context, {"action": "edit", "item_id": item.id, "field": "archived", "value": True})
    await say(update, context, "archive.preview", yes_no(lang, ItemConfirm, token), number=number,
              title=esc(item.title))


async def unarchive(update: Update, context: BotContext) -> None:
    """Restore an archived item."""
    await archive(update, context, archived=False)


def handlers(timeout_seconds: float) -> list:
    """The admins' item handlers; every one refuses non-admins with a message."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    commands = {"edit": edit, "archive": archive, "unarchive": unarchive}
    return [
        add_conversation(timeout_seconds),
        *[CommandHandler(name, admin(callback), filters=new) for name, callback in commands.items()],
        CallbackQueryHandler(admin(edit_confirmed), pattern=ItemConfirm.matches),
    ]
