"""Admins: units, invites, items (/add, /edit, /archive), and sending reminders or the digest now."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.dates import format_date, parse_deadline, past_note
from bot.keyboards import choice_buttons, confirm_buttons
from bot.preview import import_done, import_preview
from bot.tables import MAX_BYTES, TableError, read_table, split_units
from bot.texts import esc, join, t
from db import queries
from db.imports import apply_import, plan_import
from db.models import ReportCycle, Unit
from db.outbox import summary as outbox_summary
from handlers.common import (
    answer,
    args_text,
    cancels,
    confirmed_draft,
    done_with_button,
    guard,
    is_admin,
    lang_of,
    parse_number,
    remember_pending,
    say,
    take_pending,
    times_out,
)
from jobs.policy import forecast
from jobs.reminders import reason_label
from jobs.runner import (
    DIGEST_CHAT_KEY,
    digest_chat_id,
    policy_of,
    post_digest,
    run_reminder_round,
    send_time,
    work_calendar,
)

ADD_TITLE, ADD_DEADLINE, ADD_LEAD, ADD_RESPONSIBLE, ADD_DOMAIN, ADD_CONFIRM = range(10, 16)
BACKUP_WORDS = ("备用", "备用联络员", "b角", "backup")
MAX_TITLE = 500
_UNIT_LINE_SPLIT = re.compile(r"[\s,，、;；]+")


class UnknownUnits(Exception):
    """Some unit names match no unit; carries the names and suggestions for each."""

    def __init__(self, missing: list[tuple[str, list[str]]]) -> None:
        super().__init__(", ".join(name for name, _ in missing))
        self.missing = missing


def resolve_units(session: Session, text: str) -> list[int]:
    """Unit ids for a written list of units; raises UnknownUnits with suggestions."""
    ids, missing = [], []
    for name in split_units(text):
        unit = queries.find_unit(session, name=name)
        if unit is None:
            missing.append((name, queries.suggest_units(session, name=name)))
        else:
            ids.append(unit.id)
    if missing:
        raise UnknownUnits(missing)
    return list(dict.fromkeys(ids))


def unknown_units_text(lang: str, error: UnknownUnits) -> str:
    lines = []
    for name, suggestions in error.missing:
        lines.append(t(lang, "unit.unknown", name=esc(name)))
        if suggestions:
            lines.append(t(lang, "unit.suggest", names=esc(t(lang, "list_sep").join(suggestions))))
        lines.append(t(lang, "unit.create_hint", name=esc(name)))
    return "\n".join(lines)


async def known_unit(update: Update, context: BotContext, session: Session, name: str) -> Unit | None:
    """The unit of that name, or None after answering with the closest existing names."""
    unit = queries.find_unit(session, name=name)
    if unit is None:
        error = UnknownUnits([(name, queries.suggest_units(session, name=name))])
        await answer(update, context, unknown_units_text(lang_of(update, context), error))
    return unit


# ---------------------------------------------------------------- units and invites


async def unit_add(update: Update, context: BotContext) -> None:
    """Add units, one a line: the name, then any aliases."""
    lines = [line.strip() for line in args_text(update).splitlines() if line.strip()]
    if not lines:
        await say(update, context, "usage", usage=t(lang_of(update, context), "unit.usage"))
        return
    added, existing = [], []
    with context.services.db.session() as session:
        for line in lines:
            name, *aliases = [p for p in _UNIT_LINE_SPLIT.split(line) if p]
            if len(name) > 100:
                await say(update, context, "add.too_long", max=100)
                return
            if queries.find_unit(session, name=name) is not None:
                existing.append(name)
            else:
                added.append(queries.add_unit(session, name=name, aliases=aliases).name)
    lang = lang_of(update, context)
    parts = []
    if added:
        parts.append(t(lang, "unit.added", names=esc(join(lang, added))))
    if existing:
        parts.append(t(lang, "unit.exists", names=esc(join(lang, existing))))
    await answer(update, context, "\n".join(parts))


async def units(update: Update, context: BotContext) -> None:
    """List units with their contacts and items."""
    lang = lang_of(update, context)
    with context.services.db.session() as session:
        all_units = queries.all_units(session)
        contacts = queries.unit_contact_counts(session)
        items = queries.unit_item_counts(session)
    if not all_units:
        await say(update, context, "unit.none")
        return
    lines = [t(lang, "unit.list_title", count=len(all_units))]
    for unit in all_units:
        aliases = t(lang, "unit.aliases", aliases=esc(join(lang, unit.aliases))) if unit.aliases else ""
        lines.append(t(lang, "unit.line", name=esc(unit.name), aliases=aliases,
                       contacts=contacts.get(unit.id, 0), items=items.get(unit.id, 0)))
    await answer(update, context, "\n".join(lines))


async def invite(update: Update, context: BotContext) -> None:
    """Answer with a single-use deep link that binds a contact to the unit."""
    lang = lang_of(update, context)
    name = args_text(update)
    if not name:
        await say(update, context, "usage", usage=t(lang, "invite.usage"))
        return
    # "/invite 区住建局 备用": a backup contact (备用联络员), reminded only when the others do not acknowledge.
    words = name.split()
    backup = len(words) > 1 and words[-1].lower() in BACKUP_WORDS
    if backup:
        name = " ".join(words[:-1])
    settings, now = context.services.settings, context.services.clock.now()
    with context.services.db.session() as session:
        unit = await known_unit(update, context, session, name)
        if unit is None:
            return
        code = queries.create_invite(session, unit_id=unit.id, created_by=update.effective_user.id, now=now,
                                     ttl=timedelta(hours=settings.invite_ttl_hours), backup=backup).code
    until = (now + timedelta(hours=settings.invite_ttl_hours)).astimezone(settings.tz)
    link = f"https://t.me/{context.bot.username}?start={code}"
    await say(update, context, "invite.created_backup" if backup else "invite.created", unit=esc(unit.name),
              link=esc(link), until=f"{format_date(until.date(), lang)} {until:%H:%M}")


# ---------------------------------------------------------------- /add


def _add(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault("add", {})


async def add_entry(update: Update, context: BotContext) -> int:
    """One-line /add goes straight to the preview; a bare /add starts the guided dialogue."""
    context.user_data["add"] = {}
    text = args_text(update)
    if not text:
        await say(update, context, "add.ask_title")
        return ADD_TITLE
    parts = [p.strip() for p in re.split(r"[|｜]", text)]
    if len(parts) < 4 or len(parts) > 5 or not parts[0]:
        await say(update, context, "usage", usage=t(lang_of(update, context), "add.usage"))
        return ConversationHandler.END
    title, deadline_text, lead, responsible, *rest = parts
    draft = _add(context)
    for step in (lambda: set_title(update, context, title), lambda: set_deadline(update, context, deadline_text),
                 lambda: set_units(update, context, "lead", lead),
                 lambda: set_units(update, context, "responsible", responsible or lead)):
        if not await step():
            return ConversationHandler.END
    draft["domain"] = rest[0] if rest and rest[0] else None
    return await preview(update, context)


async def set_title(update: Update, context: BotContext, title: str) -> bool:
    title = " ".join(title.split())
    if not title:
        await say(update, context, "add.empty_title")
        return False
    if len(title) > MAX_TITLE:
        await say(update, context, "add.too_long", max=MAX_TITLE)
        return False
    _add(context)["title"] = title
    return True


async def set_deadline(update: Update, context: BotContext, text: str) -> bool:
    deadline = parse_deadline(text, context.services.clock.now())
    if deadline is None:
        await say(update, context, "add.bad_deadline", text=esc(text))
        return False
    _add(context).update(deadline=deadline.isoformat(), deadline_text=text.strip())
    return True


async def set_units(update: Update, context: BotContext, role: str, text: str) -> bool:
    lang = lang_of(update, context)
    if not split_units(text):
        await say(update, context, "add.no_units")
        return False
    with context.services.db.session() as session:
        try:
            _add(context)[role] = resolve_units(session, text)
        except UnknownUnits as error:
            await answer(update, context, unknown_units_text(lang, error))
            return False
    return True


async def add_title(update: Update, context: BotContext) -> int:
    if not await set_title(update, context, update.effective_message.text):
        return ADD_TITLE
    await say(update, context, "add.ask_deadline")
    return ADD_DEADLINE


async def add_deadline(update: Update, context: BotContext) -> int:
    if not await set_deadline(update, context, update.effective_message.text):
        return ADD_DEADLINE
    lang = lang_of(update, context)
    deadline = date.fromisoformat(_add(context)["deadline"])
    await answer(update, context, t(lang, "remind.deadline", deadline=format_date(deadline, lang), left="") + "\n"
                 + t(lang, "add.ask_lead"))
    return ADD_LEAD


async def add_lead(update: Update, context: BotContext) -> int:
    if not await set_units(update, context, "lead", update.effective_message.text):
        return ADD_LEAD
    lang = lang_of(update, context)
    await say(update, context, "add.ask_responsible", choice_buttons([(t(lang, "add.same_as_lead"), "add:same")]))
    return ADD_RESPONSIBLE


async def add_responsible(update: Update, context: BotContext) -> int:
    if not await set_units(update, context, "responsible", update.effective_message.text):
        return ADD_RESPONSIBLE
    return await ask_domain(update, context)


async def add_same_as_lead(update: Update, context: BotContext) -> int:
    await done_with_button(update)
    _add(context)["responsible"] = list(_add(context).get("lead", []))
    return await ask_domain(update, context)


async def ask_domain(update: Update, context: BotContext) -> int:
    lang = lang_of(update, context)
    with context.services.db.session() as session:
        known = queries.domains(session)
    options = [(d, f"add:dom:{i}") for i, d in enumerate(known[:20])] + [(t(lang, "add.skip"), "add:dom:skip")]
    _add(context)["known_domains"] = known[:20]
    await say(update, context, "add.ask_domain", choice_buttons(options, width=2))
    return ADD_DOMAIN


async def add_domain_text(update: Update, context: BotContext) -> int:
    domain = " ".join(update.effective_message.text.split())
    if len(domain) > 100:
        await say(update, context, "add.too_long", max=100)
        return ADD_DOMAIN
    _add(context)["domain"] = domain or None
    return await preview(update, context)


async def add_domain_button(update: Update, context: BotContext) -> int:
    choice = update.callback_query.data.rsplit(":", 1)[1]
    known = _add(context).get("known_domains", [])
    _add(context)["domain"] = None if choice == "skip" or int(choice) >= len(known) else known[int(choice)]
    await done_with_button(update)
    return await preview(update, context)


async def preview(update: Update, context: BotContext) -> int:
    """Echo the item as understood, the deadline spelled out, before anything is saved."""
    lang = lang_of(update, context)
    draft = _add(context)
    with context.services.db.session() as session:
        number = queries.next_item_number(session)
        names = {u.id: u.name for u in queries.units_by_id(session, ids=[*draft["lead"], *draft["responsible"]]).values()}
    draft["number"] = number
    deadline = date.fromisoformat(draft["deadline"])
    text = t(lang, "add.preview", number=number, title=esc(draft["title"]),
             deadline=format_date(deadline, lang) + past_note(deadline, lang, context.services.clock.now().date()),
             lead=esc(join(lang, [names[i] for i in draft["lead"]])),
             responsible=esc(join(lang, [names[i] for i in draft["responsible"]])),
             domain=esc(draft.get("domain") or t(lang, "none")))
    await answer(update, context, text, confirm_buttons(lang, "add"))
    return ADD_CONFIRM


async def add_confirmed(update: Update, context: BotContext) -> int:
    """Save the previewed item in one transaction."""
    draft = await confirmed_draft(update, context, "add", needs="title")
    if draft is None:
        return ConversationHandler.END
    now = context.services.clock.now()
    deadline = date.fromisoformat(draft["deadline"])
    with context.services.db.session() as session:
        item = queries.add_item(
            session, title=draft["title"], deadline=deadline, deadline_text=draft["deadline_text"],
            lead_unit_ids=draft["lead"], responsible_unit_ids=draft["responsible"],
            start_date=date(now.year, 1, 1), domain=draft.get("domain"), now=now,
            report_cycle=context.services.settings.report_cycle,
        )
    lang = lang_of(update, context)
    await done_with_button(update, t(lang, "add.saved", number=item.number, title=esc(item.title),
                                     deadline=format_date(deadline, lang)))
    return ConversationHandler.END


add_cancel = cancels("add")  # the item being added is dropped

add_timed_out = times_out("add")

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
                              CallbackQueryHandler(add_same_as_lead, pattern=r"^add:same$")],
            ADD_DOMAIN: [MessageHandler(text, add_domain_text),
                         CallbackQueryHandler(add_domain_button, pattern=r"^add:dom:(\d{1,2}|skip)$")],
            ADD_CONFIRM: [CallbackQueryHandler(add_confirmed, pattern=r"^cf:add:[yn]$")],
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
    return next((f for f, names in FIELDS.items() if word.lower() in names), None)


def cycle_of(word: str) -> str | None:
    return next((c.value for c, names in CYCLES.items() if word.lower() in names), None)


async def edit(update: Update, context: BotContext) -> None:
    """Preview a change to one field of an item; it is saved on confirm."""
    lang = lang_of(update, context)
    parts = args_text(update).split(maxsplit=2)
    number = parse_number(parts[0]) if parts else None
    if len(parts) < 3 or number is None:
        await say(update, context, "usage", usage=t(lang, "edit.usage"))
        return
    field, value = field_of(parts[1]), parts[2].strip()
    if field is None:
        await say(update, context, "edit.bad_field", field=esc(parts[1]))
        return
    with context.services.db.session() as session:
        item = queries.item_by_number(session, number=number)
        if item is None:
            await say(update, context, "item.unknown", number=number)
            return
        old, new, payload = await edit_values(update, context, session, item, field, value)
    if payload is None:
        return
    token = remember_pending(context, {"action": "edit", "item_id": item.id, "field": field, "shown": new, **payload})
    await say(update, context, "edit.preview", confirm_buttons(lang, f"edit:{token}"), number=number,
              field=t(lang, f"field.{field}"), old=old, new=new)


async def edit_values(update: Update, context: BotContext, session: Session, item: Any, field: str,
                      value: str) -> tuple[str, str, dict[str, Any] | None]:
    """(old shown, new shown, stored payload) for a change, or a None payload after telling why not."""
    lang = lang_of(update, context)
    if field == "title":
        if len(value) > MAX_TITLE:
            await say(update, context, "add.too_long", max=MAX_TITLE)
            return "", "", None
        return esc(item.title), esc(value), {"value": value}
    if field == "domain":
        return esc(item.domain or t(lang, "none")), esc(value), {"value": value}
    if field == "deadline":
        deadline = parse_deadline(value, context.services.clock.now())
        if deadline is None:
            await say(update, context, "add.bad_deadline", text=esc(value))
            return "", "", None
        old = format_date(item.deadline, lang) if item.deadline else t(lang, "item.deadline_open")
        new = format_date(deadline, lang) + past_note(deadline, lang, context.services.clock.now().date())
        return old, new, {"value": deadline.isoformat(), "text": value}
    if field == "cycle":
        cycle = cycle_of(value)
        if cycle is None:
            await say(update, context, "edit.bad_cycle", text=esc(value))
            return "", "", None
        return t(lang, f"cycle.{item.report_cycle}"), t(lang, f"cycle.{cycle}"), {"value": cycle}
    try:
        ids = resolve_units(session, value)
    except UnknownUnits as error:
        await answer(update, context, unknown_units_text(lang, error))
        return "", "", None
    links = queries.item_unit_ids(session, item_ids=[item.id]).get(item.id, {}).get(field, [])
    names = {u.id: u.name for u in queries.units_by_id(session, ids=[*ids, *links]).values()}
    return (esc(join(lang, [names[i] for i in links])), esc(join(lang, [names[i] for i in ids])),
            {"value": ids})


async def edit_confirmed(update: Update, context: BotContext) -> None:
    """Apply a confirmed edit or archive."""
    _, kind, token, answer_ = update.callback_query.data.split(":")
    payload = take_pending(context, token)
    lang = lang_of(update, context)
    if payload is None:
        await done_with_button(update, t(lang, "confirm.expired"))
        return
    if answer_ == "n":
        await done_with_button(update, t(lang, "cancelled"))
        return
    now = context.services.clock.now()
    with context.services.db.session() as session:
        item = queries.update_item(session, item_id=payload["item_id"], field=payload["field"],
                                   value=payload["value"], text=payload.get("text"), now=now)
    if payload["field"] == "archived":
        key = "archive.done" if payload["value"] else "unarchive.done"
        await done_with_button(update, t(lang, key, number=item.number))
    else:
        await done_with_button(update, t(lang, "edit.saved", number=item.number,
                                         field=t(lang, f"field.{payload['field']}"), new=payload["shown"]))


async def archive(update: Update, context: BotContext, *, archived: bool = True) -> None:
    """Ask to archive (or restore) an item."""
    lang = lang_of(update, context)
    number = parse_number(args_text(update))
    if number is None:
        await say(update, context, "usage", usage=t(lang, "archive.usage"))
        return
    with context.services.db.session() as session:
        item = queries.item_by_number(session, number=number)
    if item is None:
        await say(update, context, "item.unknown", number=number)
        return
    if item.archived == archived:
        await say(update, context, "archive.already" if archived else "unarchive.not_archived", number=number)
        return
    token = remember_pending(context, {"action": "edit", "item_id": item.id, "field": "archived", "value": archived})
    if archived:
        await say(update, context, "archive.preview", confirm_buttons(lang, f"edit:{token}"), number=number,
                  title=esc(item.title))
    else:
        with context.services.db.session() as session:
            queries.update_item(session, item_id=item.id, field="archived", value=False, text=None,
                                now=context.services.clock.now())
        take_pending(context, token)
        await say(update, context, "unarchive.done", number=number)


async def unarchive(update: Update, context: BotContext) -> None:
    """Restore an archived item."""
    await archive(update, context, archived=False)


# ---------------------------------------------------------------- /import


IMPORT_WAIT, IMPORT_CONFIRM = range(20, 22)
IMPORT = "import"


async def import_entry(update: Update, context: BotContext) -> int:
    """/import with a document attached reads it; a bare /import waits for the file."""
    if update.effective_message.document is not None:
        return await import_file(update, context)
    await say(update, context, "import.ask_file")
    return IMPORT_WAIT


async def import_file(update: Update, context: BotContext) -> int:
    """Read the table and show what the import would do; nothing is written yet."""
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_BYTES:
        await say(update, context, "import.error.too_large")
        return ConversationHandler.END
    data = bytes(await (await document.get_file()).download_as_bytearray())
    name = document.file_name or "table"
    try:
        table = read_table(data, name, now=context.services.clock.now())
    except TableError as error:
        await say(update, context, f"import.error.{error.code}")
        return ConversationHandler.END
    with context.services.db.session() as session:
        plan = plan_import(session, table=table)
    lang = lang_of(update, context)
    if not plan.writes and not plan.new_units:
        await answer(update, context, import_preview(lang, name, table, plan))
        return ConversationHandler.END
    context.user_data[IMPORT] = table
    await answer(update, context, import_preview(lang, name, table, plan), confirm_buttons(lang, "import"))
    return IMPORT_CONFIRM


async def import_not_document(update: Update, context: BotContext) -> int:
    await say(update, context, "import.need_document")
    return IMPORT_WAIT


async def import_confirmed(update: Update, context: BotContext) -> int:
    """Write the whole table in one transaction, or nothing."""
    table = await confirmed_draft(update, context, IMPORT)
    if table is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    await done_with_button(update)
    with context.services.db.session() as session:
        result = apply_import(session, table=table, now=context.services.clock.now(),
                              report_cycle=context.services.settings.report_cycle)
    await answer(update, context, import_done(lang, result))
    return ConversationHandler.END


import_cancel = cancels(IMPORT)  # the table being imported is dropped

import_timed_out = times_out(IMPORT)

def import_conversation(timeout_seconds: float) -> ConversationHandler:
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return ConversationHandler(
        name="import",
        entry_points=[
            CommandHandler("import", admin(import_entry), filters=new),
            MessageHandler(new & filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)"),
                           admin(import_entry)),
        ],
        states={
            IMPORT_WAIT: [MessageHandler(new & filters.Document.ALL, import_file),
                          MessageHandler(new & ~filters.COMMAND, import_not_document)],
            IMPORT_CONFIRM: [CallbackQueryHandler(import_confirmed, pattern=r"^cf:import:[yn]$")],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, import_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", import_cancel)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


# ---------------------------------------------------------------- reminders, digest, group


async def remind(update: Update, context: BotContext) -> None:
    """Send the due reminders now (optionally to one unit), chasing every unreported item."""
    lang = lang_of(update, context)
    name = args_text(update)
    unit_id = None
    if name:
        with context.services.db.session() as session:
            unit = await known_unit(update, context, session, name)
            if unit is None:
                return
            unit_id = unit.id
    result = await run_reminder_round(context.bot, context.services, unit_id=unit_id, manual=True)
    lines = [t(lang, "remind.result", units=result.units, items=result.items) if result.units
             else t(lang, "remind.nothing")]
    if result.queued:
        at = send_time(context.services, context.services.clock.now())
        lines.append(t(lang, "remind.queued", count=result.queued, time=f"{format_date(at.date(), lang)} {at:%H:%M}"))
    if result.undelivered_units:
        lines.append(t(lang, "remind.no_contact", units=esc(join(lang, result.undelivered_units))))
    await answer(update, context, "\n".join(lines))


async def digest(update: Update, context: BotContext) -> None:
    """Post the digest to the digest group now (or to the admin when no group is set)."""
    chat_id = digest_chat_id(context.services)
    if chat_id is None:
        await say(update, context, "digest.no_group")
        await post_digest(context.bot, context.services, update.effective_chat.id)
        return
    parts = await post_digest(context.bot, context.services, chat_id)
    if update.effective_chat.id != chat_id:
        await say(update, context, "digest.posted", parts=parts)


async def setgroup(update: Update, context: BotContext) -> None:
    """Make the group this is sent in the one that receives digests."""
    chat = update.effective_chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await say(update, context, "group.need_group")
        return
    services = context.services
    with services.db.session() as session:
        queries.set_setting(session, key=DIGEST_CHAT_KEY, value=str(chat.id))
    chat_filter = services.digest_chat_filter
    chat_filter.remove_chat_ids(list(chat_filter.chat_ids))
    chat_filter.add_chat_ids(chat.id)
    lang = lang_of(update, context)
    settings = services.settings
    await say(update, context, "group.set", title=esc(chat.title or chat.id),
              weekday=t(lang, f"weekday.{settings.digest_weekday}"), time=f"{settings.digest_time:%H:%M}")


# ---------------------------------------------------------------- calendar, schedule, outbox

OFF_WORDS, WORK_WORDS, REMOVE_WORDS = ("休", "假", "放假", "off", "holiday"), ("班", "上班", "work", "workday"), (
    "删除", "取消", "remove", "delete")


async def holiday(update: Update, context: BotContext) -> None:
    """List the calendar overrides, or mark a day as a day off or a working day."""
    lang = lang_of(update, context)
    parts = args_text(update).split(maxsplit=2)
    if not parts:
        await list_holidays(update, context)
        return
    if len(parts) < 2:
        await say(update, context, "usage", usage=t(lang, "holiday.usage"))
        return
    day = parse_day(parts[0], context.services.clock.now())
    if day is None:
        await say(update, context, "holiday.bad_date", text=esc(parts[0]))
        return
    kind = parts[1].lower()
    workday = False if kind in OFF_WORDS else True if kind in WORK_WORDS else None
    if workday is None and kind not in REMOVE_WORDS:
        await say(update, context, "holiday.bad_kind")
        return
    with context.services.db.session() as session:
        queries.set_calendar_override(session, day=day, workday=workday, note=parts[2] if len(parts) > 2 else None,
                                      created_by=update.effective_user.id)
    key = "holiday.removed" if workday is None else "holiday.set_work" if workday else "holiday.set_off"
    await say(update, context, key, day=format_date(day, lang))


def parse_day(text: str, now):  # type: ignore[no-untyped-def]
    """A calendar day as written (2027-02-10, 2月10日); past days are fine here."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return parse_deadline(text, now)


async def list_holidays(update: Update, context: BotContext) -> None:
    lang = lang_of(update, context)
    with context.services.db.session() as session:
        rows = queries.list_calendar_overrides(session)
    if not rows:
        covered = work_calendar(context.services).covers(context.services.clock.now().year)
        await say(update, context, "holiday.none", coverage=t(lang, "holiday.covered" if covered else "holiday.uncovered"))
        return
    lines = [t(lang, "holiday.list_title", count=len(rows))]
    lines += [t(lang, "holiday.line", day=format_date(r.day, lang), note=t(lang, "paren", text=esc(r.note)) if r.note else "",
                kind=t(lang, "holiday.kind.work" if r.workday else "holiday.kind.off")) for r in rows]
    await answer(update, context, "\n".join(lines))


async def schedule(update: Update, context: BotContext) -> None:
    """What the rounds will send in the next 7 days, and why."""
    lang = lang_of(update, context)
    services = context.services
    today = services.clock.now().date()
    with services.db.session() as session:
        facts = queries.item_facts(session, today=today)
        already = queries.recorded_reminders(session)
        names = {u.id: u.name for u in queries.all_units(session)}
    numbers = {f.id: f.number for f in facts}
    days = forecast(facts, today, policy_of(services), work_calendar(services), already=already,
                    digest_weekday=services.settings.digest_weekday)
    lines = [t(lang, "schedule.title")]
    for day in days:
        label = format_date(day.day, lang)
        if not day.workday:
            lines.append(t(lang, "schedule.day_off", day=label))
            continue
        lines.append(t(lang, "schedule.day", day=label))
        by_unit: dict[int, list[str]] = {}
        for due in day.due:
            by_unit.setdefault(due.unit_id, []).append(reason_label(lang, numbers[due.item_id], due.reason))
        lines += [t(lang, "schedule.unit_line", unit=esc(names.get(u, "?")), items=join(lang, reasons))
                  for u, reasons in sorted(by_unit.items())]
        lines += [t(lang, "schedule.escalation", unit=esc(names.get(e.unit_id, "?")), number=numbers[e.item_id])
                  for e in day.escalations]
        if day.digest:
            lines.append(t(lang, "schedule.digest"))
        if not by_unit and not day.escalations and not day.digest:
            lines.append(t(lang, "schedule.nothing"))
    await answer(update, context, "\n".join(lines))


async def outbox_command(update: Update, context: BotContext) -> None:
    """Pending and failed sends."""
    lang = lang_of(update, context)
    tz = context.services.settings.tz
    with context.services.db.session() as session:
        summary = outbox_summary(session)
        people = queries.people_names(session, telegram_ids=[r.chat_id for r in [*summary.pending, *summary.failed]
                                                             if r.chat_id])
    counts = {k: summary.counts.get(k, 0) for k in ("pending", "claimed", "sent", "failed", "expired")}
    lines = [t(lang, "outbox.title"), t(lang, "outbox.counts", **counts)]

    def line(row) -> str:  # type: ignore[no-untyped-def]
        when = row.created_at.astimezone(tz)
        error = f" — {esc(row.last_error)}" if row.last_error else ""
        return t(lang, "outbox.line", id=row.id, kind=t(lang, f"outbox.kind.{row.kind}"),
                 chat=esc(people.get(row.chat_id, row.chat_id)), when=f"{when:%m-%d %H:%M}", error=error)

    if summary.pending:
        lines += ["", t(lang, "outbox.pending_title"), *[line(r) for r in summary.pending]]
    if summary.failed:
        lines += ["", t(lang, "outbox.failed_title"), *[line(r) for r in summary.failed]]
    await answer(update, context, "\n".join(lines))


def handlers(timeout_seconds: float) -> list:
    """The admin audience's handlers; every one refuses non-admins with a message."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    commands = {
        "unit_add": unit_add, "units": units, "invite": invite, "edit": edit, "archive": archive,
        "unarchive": unarchive, "remind": remind, "digest": digest, "setgroup": setgroup,
        "holiday": holiday, "schedule": schedule, "outbox": outbox_command,
    }
    return [
        add_conversation(timeout_seconds),
        import_conversation(timeout_seconds),
        *[CommandHandler(name, admin(callback), filters=new) for name, callback in commands.items()],
        CallbackQueryHandler(admin(edit_confirmed), pattern=r"^cf:edit:[0-9a-f]{8}:[yn]$"),
    ]
