"""Leave and stand-ins (请假与代班): while a contact is away, the unit's reminders go to a colleague.

A contact: /away 2021-08-01 2021-08-10 (or 下周, 明天, 8月10日前) → tap the colleague who stands in.
An admin: /away 区住建局 下周 → tap who is away → tap who stands in. Bare /away lists the leaves with a
button to end each. Every step after the command is a tap.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import AwayChoice, AwayEnd
from bot.context import BotContext
from bot.dates import format_date
from bot.keyboards import choice_buttons
from bot.texts import esc, t
from db import contacts as contacts_db
from db import dialogues, outbox
from db import people as people_db
from db import units as units_db
from db.models import Absence, Contact
from handlers.common import (
    answer,
    args_text,
    done_with_button,
    draft_of,
    is_admin,
    is_contact,
    lang_of,
    new_draft,
    office_calendar,
    parse_day,
    say,
    short_date,
)
from handlers.uow import Refusal, work
from jobs.sender import send_queued, send_time
from jobs.workdays import WorkCalendar

MAX_DAYS = 366
DRAFT = "away"  # the leave being registered; its token is in every button of the steps
NEXT_WEEK = ("下周", "下星期", "下个星期", "下礼拜", "next week")
THIS_WEEK = ("本周", "这周", "本星期", "this week")
_SEPARATORS = re.compile(r"\s*(?:至|到|~|～|—|–|－|\s)\s*")
_BEFORE = re.compile(r"(前|之前|以前|为止|until|till)\s*$", re.IGNORECASE)


def parse_leave(text: str, now: datetime, cal: WorkCalendar | None = None) -> tuple[date, date] | None:
    """The days of a leave, both included: "2021-08-01 2021-08-10", "8月1日至8月10日", "下周" (Monday to
    Sunday), "本周" (today to Sunday), "8月10日前" (today to then), or one day ("明天", "8月3日")."""
    text = text.strip()
    today = now.date()
    if text.lower() in NEXT_WEEK:
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    if text.lower() in THIS_WEEK:
        return today, today + timedelta(days=6 - today.weekday())
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) == 1 and text.count("-") == 1 and parse_day(text, now, cal) is None:
        parts = [p.strip() for p in text.split("-")]
    if len(parts) == 2:
        start, end = parse_day(parts[0], now, cal), parse_day(parts[1], now, cal)
    elif len(parts) == 1:
        end = parse_day(_BEFORE.sub("", text), now, cal)
        start = today if _BEFORE.search(text) else end
    else:
        return None
    if start is None or end is None or end < start or end < today or (end - start).days >= MAX_DAYS:
        return None
    return start, end


def span_text(lang: str, starts: date, ends: date) -> str:
    if starts == ends:
        return format_date(starts, lang)
    return t(lang, "away.span", start=format_date(starts, lang), end=format_date(ends, lang))


# ---------------------------------------------------------------- /away


async def away(update: Update, context: BotContext) -> None:
    """Register a leave: for oneself (a contact), or for any contact (an admin naming the unit)."""
    text = args_text(update)
    if not text:
        await list_leaves(update, context)
        return
    admin, contact = is_admin(update, context), is_contact(update, context)
    if not admin and not contact:
        await say(update, context, "refuse.away")
        return
    now = context.services.clock.now()
    unit, period_text = None, text
    words = text.split(maxsplit=1)
    with work(context) as session:
        cal = office_calendar(context, session)
        unit = units_db.find_unit(session, name=words[0]) if len(words) == 2 else None
    if unit is not None:
        period_text = words[1]
    period = parse_leave(period_text, now, cal)
    if period is None:
        await say(update, context, "away.bad_period", text=esc(period_text))
        return
    own = {u.id: u for u in context.units}
    if unit is not None and unit.id not in own and not admin:
        await say(update, context, "away.not_your_unit", unit=esc(unit.name))
        return
    if unit is None and not own:
        await say(update, context, "away.admin_needs_unit")
        return
    # An admin naming a unit chooses who is away; a contact registers their own leave.
    payload, _earlier = new_draft(context, DRAFT, starts=period[0].isoformat(), ends=period[1].isoformat(),
                                  self=unit is None or not admin)
    token = payload["token"]
    if unit is None and len(own) > 1:
        lang = lang_of(update, context)
        await say(update, context, "away.choose_unit",
                  choice_buttons([(u.name, AwayChoice(token, "u", u.id).encode()) for u in own.values()]),
                  span=span_text(lang, *period))
        return
    await chose_unit(update, context, token, unit.id if unit else next(iter(own)))


async def away_button(update: Update, context: BotContext) -> None:
    """A tap in the leave steps: the unit, who is away, who stands in."""
    pressed = AwayChoice.of(update)
    payload = draft_of(context, DRAFT, pressed.token)
    if pressed.step == "u" and pressed.choice_id not in {u.id for u in context.units} and not is_admin(update, context):
        raise Refusal("confirm.expired")  # a unit button this user was never offered
    if pressed.step == "s" and "contact_id" not in payload or pressed.step == "c" and "unit_id" not in payload:
        raise Refusal("confirm.expired")
    await done_with_button(update)
    if pressed.step == "u":
        await chose_unit(update, context, pressed.token, pressed.choice_id)
    elif pressed.step == "c":
        await chose_contact(update, context, pressed.token, pressed.choice_id)
    else:
        await chose_stand_in(update, context, pressed.token, pressed.choice_id)


def take_pending(context: BotContext, token: str) -> dict | None:  # type: ignore[type-arg]
    """The leave's draft, taken out (it ends here)."""
    draft = context.user_data.get(DRAFT)
    return context.user_data.pop(DRAFT) if isinstance(draft, dict) and draft.get("token") == token else None


def peek_pending(context: BotContext, token: str) -> dict | None:  # type: ignore[type-arg]
    draft = context.user_data.get(DRAFT)
    return draft if isinstance(draft, dict) and draft.get("token") == token else None


async def chose_unit(update: Update, context: BotContext, token: str, unit_id: int) -> None:
    payload = peek_pending(context, token) or {}
    payload["unit_id"] = unit_id
    user = update.effective_user
    with work(context) as session:
        contacts = contacts_db.unit_contacts(session, unit_id=unit_id)
        names = people_db.people_names(session, telegram_ids=[c.telegram_id for c in contacts])
    me = next((c for c in contacts if c.telegram_id == user.id), None)
    if payload.get("self") and me is not None:
        await chose_contact(update, context, token, me.id)
        return
    if not is_admin(update, context):
        take_pending(context, token)
        await say(update, context, "refuse.away")
        return
    if not contacts:
        take_pending(context, token)
        await say(update, context, "away.no_contacts")
        return
    lang = lang_of(update, context)
    await say(update, context, "away.choose_contact",
              choice_buttons([(names.get(c.telegram_id, str(c.telegram_id)), AwayChoice(token, "c", c.id).encode())
                              for c in contacts]),
              span=span_text(lang, date.fromisoformat(payload["starts"]), date.fromisoformat(payload["ends"])))


async def chose_contact(update: Update, context: BotContext, token: str, contact_id: int) -> None:
    payload = peek_pending(context, token) or {}
    with work(context) as session:
        contact = contacts_db.contact(session, contact_id=contact_id)
        colleagues = [c for c in contacts_db.unit_contacts(session, unit_id=payload.get("unit_id", 0))
                      if contact is not None and c.id != contact.id and c.reachable]
        names = people_db.people_names(session, telegram_ids=[c.telegram_id for c in colleagues]
                                     + ([contact.telegram_id] if contact else []))
    if contact is None or contact.unit_id != payload.get("unit_id"):
        take_pending(context, token)
        await say(update, context, "confirm.expired")
        return
    if not colleagues:
        take_pending(context, token)
        await say(update, context, "away.no_colleague")
        return
    payload["contact_id"] = contact.id
    lang = lang_of(update, context)
    await say(update, context, "away.choose_stand_in",
              choice_buttons([(names.get(c.telegram_id, str(c.telegram_id)), AwayChoice(token, "s", c.id).encode())
                              for c in colleagues]),
              person=esc(names.get(contact.telegram_id, "")),
              span=span_text(lang, date.fromisoformat(payload["starts"]), date.fromisoformat(payload["ends"])))


async def chose_stand_in(update: Update, context: BotContext, token: str, stand_in_id: int) -> None:
    """Save the leave and tell the stand-in (and the contact, when someone else registered it): one transaction."""
    payload = take_pending(context, token) or {}
    services = context.services
    now = services.clock.now()
    lang = lang_of(update, context)
    user = update.effective_user
    starts, ends = date.fromisoformat(payload["starts"]), date.fromisoformat(payload["ends"])
    with work(context) as session:
        contact = contacts_db.contact(session, contact_id=payload.get("contact_id", 0))
        stand_in = contacts_db.contact(session, contact_id=stand_in_id)
        mine = contact is not None and contact.telegram_id == user.id
        if contact is None or stand_in is None or stand_in.unit_id != contact.unit_id or stand_in.id == contact.id \
                or not (mine or user.id in services.settings.admin_ids):
            refusal = "away.bad_stand_in"
        else:
            refusal = None
            absence, replaced = contacts_db.add_absence(session, contact=contact, stand_in=stand_in, starts=starts,
                                                        ends=ends, by=user.id, now=now)
            unit = units_db.units_by_id(session, ids=[contact.unit_id])[contact.unit_id]
            names = people_db.people_names(session, telegram_ids=[contact.telegram_id, stand_in.telegram_id])
            person, deputy = names.get(contact.telegram_id, ""), names.get(stand_in.telegram_id, "")
            tell = [(stand_in.telegram_id, "away.stand_in_notice")]
            if not mine:
                tell.append((contact.telegram_id, "away.contact_notice"))
            for chat_id, key in tell:
                other = people_db.person_language(session, telegram_id=chat_id) or services.settings.language
                outbox.enqueue_text(session, key=f"away:{absence.id}:{chat_id}", kind="notice", chat_id=chat_id,
                                    parts=[t(other, key, person=esc(person), deputy=esc(deputy), unit=esc(unit.name),
                                             span=span_text(other, starts, ends))],
                                    now=now, not_before=send_time(services, now))
    if refusal is not None:
        await say(update, context, refusal)
        return
    text = t(lang, "away.saved", person=esc(person), deputy=esc(deputy), unit=esc(unit.name),
             span=span_text(lang, starts, ends))
    if replaced:
        text += "\n" + t(lang, "away.replaced", count=len(replaced))
    await answer(update, context, text, choice_buttons([(t(lang, "away.end_button"), AwayEnd(absence.id).encode())]))
    await send_queued(context)


# ---------------------------------------------------------------- listing and ending leaves


async def list_leaves(update: Update, context: BotContext) -> None:
    """Current and coming leaves the user is part of (all of them for admins), each with an end button."""
    lang = lang_of(update, context)
    services = context.services
    admin, contact = is_admin(update, context), is_contact(update, context)
    if not admin and not contact:
        await say(update, context, "refuse.away")
        return
    today = services.clock.now().date()
    with work(context) as session:
        mine = [c.id for u in context.units for c in contacts_db.unit_contacts(session, unit_id=u.id)
                if c.telegram_id == update.effective_user.id]
        leaves = contacts_db.absences(session, today=today, contact_ids=None if admin else mine)
        people = contacts_db.contacts_by_id(session, ids=[i for a in leaves for i in (a.contact_id, a.stand_in_id)])
        names = people_db.people_names(session, telegram_ids=[c.telegram_id for c in people.values()])
        units = {u.id: u.name for u in units_db.all_units(session)}
    usage = t(lang, "away.usage")
    if not leaves:
        await answer(update, context, "\n".join([t(lang, "away.none"), usage]))
        return
    lines = [t(lang, "away.list_title", count=len(leaves))]
    buttons = []
    for index, leave in enumerate(leaves, start=1):
        lines.append(leave_line(lang, index, leave, people, names, units))
        buttons.append((t(lang, "away.end_n", index=index), AwayEnd(leave.id).encode()))
    await answer(update, context, "\n".join([*lines, "", usage]), choice_buttons(buttons, width=3))


def leave_line(lang: str, index: int, leave: Absence, people: dict[int, Contact], names: dict[int, str],
               units: dict[int, str]) -> str:
    def name(contact_id: int) -> str:
        contact = people.get(contact_id)
        return esc(names.get(contact.telegram_id, str(contact.telegram_id))) if contact else "?"

    return t(lang, "away.line", index=index, person=name(leave.contact_id), unit=esc(units.get(leave.unit_id, "?")),
             start=short_date(lang, leave.starts), end=short_date(lang, leave.ends), deputy=name(leave.stand_in_id))


async def end_leave(update: Update, context: BotContext) -> None:
    """End a leave now: the contact gets reminders again. Only the contact, the stand-in or an admin may."""
    query = update.callback_query
    lang = lang_of(update, context)
    services = context.services
    user = update.effective_user
    absence_id = AwayEnd.of(update).absence_id
    now = services.clock.now()
    with work(context) as session:
        leave = dialogues.absence(session, absence_id=absence_id)
        people = contacts_db.contacts_by_id(session, ids=[leave.contact_id, leave.stand_in_id]) if leave else {}
        allowed = user.id in services.settings.admin_ids or user.id in {c.telegram_id for c in people.values()}
        if leave is None or leave.cancelled_at is not None:
            refusal = "away.already_ended"
        elif not allowed:
            refusal = "away.not_yours"
        else:
            refusal = None
            contacts_db.cancel_absence(session, absence_id=absence_id, now=now)
    if refusal is not None:
        await query.answer(t(lang, refusal), show_alert=True)
        return
    await done_with_button(update)
    await say(update, context, "away.ended", start=short_date(lang, leave.starts), end=short_date(lang, leave.ends))


def handlers() -> list:
    """/away for contacts and admins (checked inside: an admin may name any unit), and its buttons."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [
        CommandHandler("away", away, filters=new),
        CallbackQueryHandler(end_leave, pattern=AwayEnd.matches),
        CallbackQueryHandler(away_button, pattern=AwayChoice.matches),
    ]
