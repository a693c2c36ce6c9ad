"""Admins: units (/unit_add, /units), their contacts and invites (/invite, /contacts), removing a contact and
revoking an invite after a confirmation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, TypeHandler, filters

from bot.callbacks import ItemConfirm, RemoveContact, RevokeInvite, UnitConfirm, new_token
from bot.context import BotContext
from bot.dates import format_date
from bot.keyboards import choice_buttons
from bot.tables import split_units
from bot.texts import esc, join, t
from db import contacts, names
from db import items as items_db
from db import people as people_db
from db import units as units_db
from db.models import Unit
from handlers.common import (
    DIALOGUES,
    answer,
    args_text,
    done_with_button,
    guard,
    is_admin,
    is_contact,
    lang_of,
    say,
    take_pending,
)
from handlers.uow import Refusal, tell, work

BACKUP_WORDS = ("备用", "备用联络员", "b角", "backup")
_UNIT_LINE_SPLIT = re.compile(r"[\s,，、;；]+")
REMOVED = "removed_from"  # user_data of a contact removed meanwhile: the unit they were removed from


class UnknownUnits(Refusal):
    """Some unit names match no unit: the refusal lists each with the closest existing names."""

    def __init__(self, lang: str, missing: list[tuple[str, list[str]]], *, end: bool = False) -> None:
        super().__init__("unit.unknown_all", end=end, lines=unknown_units_text(lang, missing))
        self.missing = missing


def unknown_units_text(lang: str, missing: list[tuple[str, list[str]]]) -> str:
    lines = []
    for name, suggestions in missing:
        lines.append(t(lang, "unit.unknown", name=esc(name)))
        if suggestions:
            lines.append(t(lang, "unit.suggest", names=esc(t(lang, "list_sep").join(suggestions))))
        lines.append(t(lang, "unit.create_hint", name=esc(name)))
    return "\n".join(lines)


def resolve_units(session: Session, lang: str, text: str, *, end: bool = False) -> list[int]:
    """Unit ids for a written list of units; raises UnknownUnits with suggestions."""
    ids, missing = [], []
    for name in split_units(text):
        unit = units_db.find_unit(session, name=name)
        if unit is None:
            missing.append((name, units_db.suggest_units(session, name=name)))
        else:
            ids.append(unit.id)
    if missing:
        raise UnknownUnits(lang, missing, end=end)
    return list(dict.fromkeys(ids))


def require_unit(session: Session, lang: str, name: str) -> Unit:
    """The unit of that name; raises UnknownUnits with the closest existing names."""
    unit = units_db.find_unit(session, name=name)
    if unit is None:
        raise UnknownUnits(lang, [(name, units_db.suggest_units(session, name=name))])
    return unit


def refusal_of(error: names.BadText, *, end: bool = False) -> Refusal:
    """The refusal of a title, domain or text that is empty or over its bound."""
    if error.reason == "too_long":
        return Refusal("add.too_long", end=end, max=error.limit)
    return Refusal("add.empty_title" if error.kind == names.TITLE else "names.empty", end=end)


# ---------------------------------------------------------------- units


def parse_unit_lines(text: str) -> list[tuple[str, list[str]]]:
    """(name, aliases) of each line of /unit_add, normalised and checked (raises names.BadText); lines
    without a name (only separators or invisible characters) are left out."""
    units = []
    for line in text.splitlines():
        parts = [p for p in (names.unit_key(p) for p in _UNIT_LINE_SPLIT.split(line)) if p]
        if parts:
            units.append((names.unit_name(parts[0]), [names.alias(a) for a in parts[1:]]))
    return units


async def unit_add(update: Update, context: BotContext) -> None:
    """Add units, one a line: the name, then any aliases. All of them or, on any refusal, none."""
    lang = lang_of(update, context)
    text = args_text(update)
    if not text:
        raise Refusal("usage", usage=t(lang, "unit.usage"))
    try:
        lines = parse_unit_lines(text)
    except names.BadText as error:
        raise Refusal("unit.name_too_long", max=error.limit) from error
    if not lines:
        raise Refusal("unit.no_names", usage=t(lang, "unit.usage"))
    added, existing = [], []
    with work(context) as session:
        for name, aliases in lines:
            unit = units_db.find_unit(session, name=name)
            if unit is not None and unit.name == name:
                existing.append(name)
                continue
            try:
                added.append(units_db.add_unit(session, name=name, aliases=aliases).name)
            except names.NameTaken as taken:  # the whole update rolls back: none of the lines is saved
                raise Refusal("unit.taken", name=esc(taken.name), unit=esc(taken.unit)) from taken
    parts = []
    if added:
        parts.append(t(lang, "unit.added", names=esc(join(lang, added))))
    if existing:
        parts.append(t(lang, "unit.exists", names=esc(join(lang, existing))))
    await answer(update, context, "\n".join(parts))


async def units(update: Update, context: BotContext) -> None:
    """List units with their contacts and items."""
    lang = lang_of(update, context)
    with work(context) as session:
        all_units = units_db.all_units(session)
        contact_counts = units_db.unit_contact_counts(session)
        items = items_db.unit_item_counts(session)
    if not all_units:
        raise Refusal("unit.none")
    lines = [t(lang, "unit.list_title", count=len(all_units))]
    for unit in all_units:
        aliases = t(lang, "unit.aliases", aliases=esc(join(lang, unit.aliases))) if unit.aliases else ""
        lines.append(t(lang, "unit.line", name=esc(unit.name), aliases=aliases,
                       contacts=contact_counts.get(unit.id, 0), items=items.get(unit.id, 0)))
    await answer(update, context, "\n".join(lines))


# ---------------------------------------------------------------- invites and contacts


def when(context: BotContext, moment: datetime, lang: str) -> str:
    local = moment.astimezone(context.services.settings.tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


async def invite(update: Update, context: BotContext) -> None:
    """Answer with a single-use deep link that binds a contact to the unit."""
    lang = lang_of(update, context)
    name = args_text(update)
    if not name:
        raise Refusal("usage", usage=t(lang, "invite.usage"))
    # "/invite 区住建局 备用": a backup contact (备用联络员), reminded only when the others do not acknowledge.
    words = name.split()
    backup = len(words) > 1 and words[-1].lower() in BACKUP_WORDS
    if backup:
        name = " ".join(words[:-1])
    settings, now = context.services.settings, context.services.clock.now()
    with work(context) as session:
        unit = require_unit(session, lang, name)
        code = contacts.create_invite(session, unit_id=unit.id, created_by=update.effective_user.id, now=now,
                                     ttl=timedelta(hours=settings.invite_ttl_hours), backup=backup).code
    link = f"https://t.me/{context.bot.username}?start={code}"
    await say(update, context, "invite.created_backup" if backup else "invite.created", unit=esc(unit.name),
              link=esc(link), until=when(context, now + timedelta(hours=settings.invite_ttl_hours), lang))


async def contacts_command(update: Update, context: BotContext) -> None:
    """/contacts 单位: the unit's contacts with their state and its unused invites, each with a button to
    remove or revoke it."""
    lang = lang_of(update, context)
    name = args_text(update)
    if not name:
        raise Refusal("usage", usage=t(lang, "contacts.usage"))
    now = context.services.clock.now()
    with work(context) as session:
        unit = require_unit(session, lang, name)
        people = contacts.contact_states(session, unit_id=unit.id, today=now.astimezone(
            context.services.settings.tz).date())
        invites = contacts.open_invites(session, unit_id=unit.id, now=now)
    lines = [t(lang, "contacts.title", unit=esc(unit.name), count=len(people))]
    if not people:
        lines.append(t(lang, "contacts.none", unit=esc(unit.name)))
    buttons = []
    for index, person in enumerate(people, 1):
        states = [t(lang, "contacts.bound", date=format_date(person.bound.astimezone(
            context.services.settings.tz).date(), lang))]
        if person.backup:
            states.append(t(lang, "contacts.backup"))
        states.append(t(lang, "contacts.reachable" if person.reachable else "contacts.unreachable"))
        if person.away_until is not None:
            states.append(t(lang, "contacts.away", until=format_date(person.away_until, lang)))
        lines.append(t(lang, "contacts.line", index=index, name=esc(person.name),
                       states=t(lang, "list_sep").join(states)))
        buttons.append((t(lang, "contacts.remove_button", name=person.name), RemoveContact(person.id).encode()))
    if invites:
        lines += ["", t(lang, "contacts.invites_title", count=len(invites))]
        for index, row in enumerate(invites, 1):
            lines.append(t(lang, "contacts.invite_line", index=index, created=when(context, row.created_at, lang),
                           until=when(context, row.expires_at, lang),
                           backup=t(lang, "contacts.invite_backup") if row.backup else ""))
            buttons.append((t(lang, "contacts.revoke_button", index=index), RevokeInvite(row.id).encode()))
    await answer(update, context, "\n".join(lines), choice_buttons(buttons, width=1) if buttons else None)


def remember(context: BotContext, payload: dict[str, Any]) -> str:
    """Keep the action the confirmation will carry out; only the latest question can be confirmed."""
    token = new_token()
    context.user_data["pending"] = {token: payload}
    return token


def yes_no(lang: str, kind: type[ItemConfirm] | type[UnitConfirm], token: str) -> InlineKeyboardMarkup:
    """✅ / ✖ under a question whose action `remember` keeps under `token`."""
    return choice_buttons([(t(lang, "confirm.yes"), kind(token, "y").encode()),
                           (t(lang, "confirm.no"), kind(token, "n").encode())])


async def confirmed_pending(update: Update, context: BotContext, kind: type[ItemConfirm] | type[UnitConfirm],
                            actions: tuple[str, ...]) -> dict[str, Any] | None:
    """The action a ✅ / ✖ press answers, taken out: None (the user told so) for ✖; a press on an older
    question, or one already answered, is refused as expired and leaves its message as it is."""
    pressed = kind.of(update)
    payload = take_pending(context, pressed.token)
    if payload is None or payload.get("action") not in actions:
        raise Refusal("confirm.expired")
    if not pressed.yes:
        await done_with_button(update, t(lang_of(update, context), "cancelled"))
        return None
    return payload


async def ask_remove_contact(update: Update, context: BotContext) -> None:
    """Ask whether to remove the contact of the pressed button (checked: it is still bound)."""
    lang = lang_of(update, context)
    pressed = RemoveContact.of(update)
    with work(context) as session:
        found = contacts.contact_with_unit(session, contact_id=pressed.contact_id)
        if found is None:
            raise Refusal("contacts.gone")
        contact, unit = found
        person = people_db.people_names(session, telegram_ids=[contact.telegram_id]).get(contact.telegram_id,
                                                                                        str(contact.telegram_id))
    token = remember(context, {"action": "remove_contact", "contact_id": contact.id})
    await update.callback_query.answer()
    await say(update, context, "contacts.remove_confirm", yes_no(lang, UnitConfirm, token), name=esc(person),
              unit=esc(unit.name))


async def ask_revoke_invite(update: Update, context: BotContext) -> None:
    """Ask whether to revoke the invite of the pressed button (checked: still unused and valid)."""
    lang = lang_of(update, context)
    pressed = RevokeInvite.of(update)
    now = context.services.clock.now()
    with work(context) as session:
        found = contacts.invite_with_unit(session, invite_id=pressed.invite_id)
        if found is None or found[0].used_at is not None or found[0].expires_at <= now:
            raise Refusal("contacts.invite_gone")
        row, unit = found
    token = remember(context, {"action": "revoke_invite", "invite_id": row.id})
    await update.callback_query.answer()
    await say(update, context, "contacts.revoke_confirm", yes_no(lang, UnitConfirm, token), unit=esc(unit.name),
              created=when(context, row.created_at, lang))


async def unit_confirmed(update: Update, context: BotContext) -> None:
    """Carry out a confirmed removal or revocation; a press on an older question changes nothing."""
    lang = lang_of(update, context)
    payload = await confirmed_pending(update, context, UnitConfirm, ("remove_contact", "revoke_invite"))
    if payload is None:
        return
    now = context.services.clock.now()
    with work(context) as session:
        if payload["action"] == "remove_contact":
            removed = contacts.remove_contact(session, contact_id=payload["contact_id"], now=now)
            if removed is None:
                raise Refusal("contacts.gone")
            still_contact = contacts.is_contact_anywhere(session, telegram_id=removed.telegram_id)
            person = people_db.people_names(session, telegram_ids=[removed.telegram_id]).get(
                removed.telegram_id, str(removed.telegram_id))
            text = t(lang, "contacts.removed", name=esc(person), unit=esc(removed.unit_name))
        else:
            revoked = contacts.revoke_invite(session, invite_id=payload["invite_id"], now=now)
            if revoked is None:
                raise Refusal("contacts.invite_gone")
            removed = None
            text = t(lang, "contacts.revoked")
    if removed is not None:
        end_dialogues(context, removed.telegram_id, removed.unit_name, gate=not still_contact)
    await done_with_button(update, text)


def end_dialogues(context: BotContext, telegram_id: int, unit_name: str, *, gate: bool) -> None:
    """Drop a removed contact's drafts, so the buttons of their open dialogues expire; when they are no
    contact at all any more, their next press or message is answered so (see `removed_contact_gate`)."""
    data = context.application.user_data[telegram_id]
    for key in (*DIALOGUES, "pending"):
        data.pop(key, None)
    if gate:
        data[REMOVED] = unit_name
    context.application.mark_data_for_update_persistence(user_ids=telegram_id)


async def removed_contact_gate(update: Update, context: BotContext) -> None:
    """Before every other handler: a removed contact's press, or message in a dialogue they had open, is
    answered that they are no longer a contact, and goes no further. Commands pass (a new invite's /start
    binds them again, and the others refuse non-contacts themselves)."""
    data = context.user_data
    if not data or REMOVED not in data:
        return
    message = update.effective_message
    if update.callback_query is None and (message is None or (message.text or "").startswith("/")):
        return
    if is_contact(update, context):  # invited again since
        data.pop(REMOVED, None)
        return
    await tell(update, context, t(lang_of(update, context), "contacts.you_were_removed", unit=esc(data[REMOVED])))
    raise ApplicationHandlerStop


def gates() -> list:
    """The handlers that run before all others (group -1)."""
    return [TypeHandler(Update, removed_contact_gate)]


def handlers() -> list:
    """The admin audience's unit, invite and contact handlers; every one refuses non-admins with a message."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    commands = {"unit_add": unit_add, "units": units, "invite": invite, "contacts": contacts_command}
    return [
        *[CommandHandler(name, admin(callback), filters=new) for name, callback in commands.items()],
        CallbackQueryHandler(admin(ask_remove_contact), pattern=RemoveContact.matches),
        CallbackQueryHandler(admin(ask_revoke_invite), pattern=RevokeInvite.matches),
        CallbackQueryHandler(admin(unit_confirmed), pattern=UnitConfirm.matches),
    ]
