"""Leaders' instructions (领导批示) in the messages the bot sends on its own: the notice that tells the units
at once, with its 收到 button, and what the next reminder to a unit repeats.

A reminder repeats the instructions its unit has not answered on the items it lists (the report it
asks for is to answer them), and those the unit has not even acknowledged a working day after they
were recorded, whatever their item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo

from sqlmodel import Session

from bot.callbacks import AckInstruction
from bot.context import Services
from bot.dates import format_date
from bot.instructions import quote
from bot.texts import esc, t
from db import contacts as contacts_db
from db import lists, outbox, people
from db.facts import shown
from db.instructions import Open
from db.models import Instruction, Item
from jobs.workdays import WorkCalendar

UNACKED_WORKDAYS = 1  # unacknowledged this many working days after it was recorded: the next reminder repeats it


def unit_recipients(session: Session, *, unit_ids: Sequence[int], today: date) -> dict[int, list[int]]:
    """Unit id → the chats its notices go to (those its reminders go to: stand-ins for contacts away)."""
    contacts = contacts_db.contacts_of_units(session, unit_ids=unit_ids)
    away = outbox.away_today(session, today=today, unit_ids=unit_ids)
    return {unit_id: list(outbox.reminder_recipients(contacts.get(unit_id, []), away)) for unit_id in unit_ids}


def notify_units(session: Session, services: Services, *, instruction: Instruction, item: Item,
                 unit_ids: Sequence[int], now: datetime, not_before: datetime) -> list[int]:
    """Queue the instruction to each chat of the units it went to, once per chat, with a 收到 button;
    returns the units nobody could be told (no reachable contact)."""
    assert instruction.id is not None
    recipients = unit_recipients(session, unit_ids=unit_ids, today=now.astimezone(services.settings.tz).date())
    chats = list(dict.fromkeys(chat for unit_id in unit_ids for chat in recipients[unit_id]))
    languages = people.people_languages(session, telegram_ids=chats)
    ref = lists.item_ref(session, item=item)
    for chat_id in chats:
        lang = languages.get(chat_id) or services.settings.language
        outbox.enqueue_text(session, key=f"instruction:{instruction.id}:{chat_id}", kind="notice", chat_id=chat_id,
                            parts=[notice_text(lang, instruction, item, ref)],
                            buttons=[[(t(lang, "ins.ack_button"), AckInstruction(instruction.id).encode())]],
                            now=now, not_before=not_before)
    return [unit_id for unit_id in unit_ids if not recipients[unit_id]]


def notice_text(lang: str, instruction: Instruction, item: Item, ref: str) -> str:
    """The notice to the units; `ref`: the item as messages name it (`db.lists.item_ref`)."""
    act_by = t(lang, "ins.notice_act_by", date=format_date(instruction.act_by, lang)) if instruction.act_by else ""
    return t(lang, "ins.notice", number=ref, title=esc(item.title), leader=esc(instruction.leader),
             date=format_date(instruction.given_on, lang), text=esc(instruction.text), act_by=act_by)


def repeated(open_: Sequence[Open], item_ids: Iterable[int], today: date, cal: WorkCalendar, tz: tzinfo) -> list[Open]:
    """What a reminder listing `item_ids` to one unit repeats of the instructions it has not answered:
    those on its items, and those it has not acknowledged UNACKED_WORKDAYS working days after the day
    they were recorded (in the office's time zone `tz`)."""
    listed = set(item_ids)
    return [o for o in open_ if o.instruction.item_id in listed or (
        o.acked_at is None
        and cal.workdays_between(o.instruction.recorded_at.astimezone(tz).date(), today) >= UNACKED_WORKDAYS)]


def reminder_lines(lang: str, chosen: Sequence[Open], item_ids: Iterable[int]) -> list[str]:
    """The reminder's lines on the instructions it repeats ([] when none)."""
    if not chosen:
        return []
    listed = set(item_ids)
    lines = [t(lang, "ins.remind_title")]
    for entry in chosen:
        ask = t(lang, "ins.answer_it") if entry.instruction.item_id in listed else t(lang, "ins.ack_it")
        lines.append(f"{shown(entry.ref or entry.number)} {quote(lang, entry.instruction, limit=300)} {ask}")
    return lines
