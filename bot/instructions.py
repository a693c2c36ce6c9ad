"""How a leader's instruction (领导批示) reads wherever it is shown: the item card, the reminders, the report
dialogue, the export and the dashboard (pure formatting, no I/O)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.texts import esc, join, t
from db.instructions import Instructed
from db.models import Instruction, InstructionAck

MAX_LEADER = 100
MAX_TEXT = 3000


def short_day(lang: str, moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz).date()
    return t(lang, "date.short", month=local.month, day=local.day)


def given(lang: str, instruction: Instruction) -> str:
    """ "7月5日": the day it was given, without its year (shown within the year of the items)."""
    return t(lang, "date.short", month=instruction.given_on.month, day=instruction.given_on.day)


def quote(lang: str, instruction: Instruction, *, limit: int | None = None) -> str:
    """ "领导批示（7月5日 区长张三）：要加快进度（8月31日前落实）", escaped for the chat."""
    text = instruction.text if limit is None or len(instruction.text) <= limit else instruction.text[:limit - 1] + "…"
    act_by = (t(lang, "ins.act_by_short", date=t(lang, "date.short", month=instruction.act_by.month,
                                                    day=instruction.act_by.day))
              if instruction.act_by else "")
    return t(lang, "ins.quote", date=given(lang, instruction), leader=esc(instruction.leader), text=esc(text),
             act_by=act_by)


def unit_state(lang: str, row: InstructionAck, names: Mapping[int, str], tz: ZoneInfo) -> str:
    """区住建局 已答复（7月20日） / 已阅（7月6日），待答复 / 未确认."""
    unit = esc(names.get(row.unit_id, "?"))
    if row.report_id is not None:
        return t(lang, "ins.unit.answered", unit=unit, date=short_day(lang, row.answered_at, tz))
    if row.acked_at is not None:
        return t(lang, "ins.unit.acked", unit=unit, date=short_day(lang, row.acked_at, tz))
    return t(lang, "ins.unit.waiting", unit=unit)


def entry_lines(lang: str, entry: Instructed, names: Mapping[int, str], tz: ZoneInfo, prefix: str = "") -> list[str]:
    """An instruction and, under it, each unit's acknowledgement and answer."""
    states = [unit_state(lang, row, names, tz) for row in entry.units]
    return [prefix + quote(lang, entry.instruction), "   " + t(lang, "ins.unit_sep").join(states)]


def card_section(lang: str, entries: Sequence[Instructed], names: Mapping[int, str], tz: ZoneInfo) -> str:
    """The item card's lines on its instructions ("" when it has none)."""
    if not entries:
        return ""
    lines = [t(lang, "ins.card_title")]
    for entry in entries:
        lines += entry_lines(lang, entry, names, tz)
    return "\n\n" + "\n".join(lines)


def html_section(lang: str, entries: Sequence[Instructed], names: Mapping[int, str], tz: ZoneInfo) -> str:
    """The dashboard card's instructions, each with its units' state, escaped for HTML."""
    parts = []
    for entry in entries:
        i = entry.instruction
        head = t(lang, "ins.quote", date=given(lang, i), leader=i.leader, text=i.text,
                 act_by=t(lang, "ins.act_by_short", date=t(lang, "date.short", month=i.act_by.month, day=i.act_by.day))
                 if i.act_by else "")
        states = "".join(
            f'<li class="{"done" if row.report_id else "read" if row.acked_at else "waiting"}">'
            f'{html.escape(_plain(unit_state(lang, row, names, tz)))}</li>' for row in entry.units)
        parts.append(f'<article class="instruction"><p>{html.escape(head)}</p><ul class="acks">{states}</ul></article>')
    return "".join(parts)


def _plain(text: str) -> str:
    """A chat text (escaped for Telegram's HTML) back to plain text, for escaping once more for the page."""
    return html.unescape(text)


class _Row(Protocol):
    item_id: int | None
    progress: str


def with_notes(rows: Sequence[_Row], latest: Mapping[int, Instruction], lang: str) -> list:
    """Export rows with "领导批示（…）：…" after the progress of items that have one (`latest`: item id →
    its latest instruction), each row picked out by its item's id (numbers repeat across lists)."""
    notes = {item_id: html.unescape(quote(lang, i, limit=200)) for item_id, i in latest.items()}
    return [replace(row, progress="\n".join(p for p in (row.progress, notes[row.item_id]) if p))  # type: ignore[type-var]
            if row.item_id in notes else row for row in rows]


def units_text(lang: str, unit_ids: Sequence[int], names: Mapping[int, str]) -> str:
    return esc(join(lang, [names.get(u, "?") for u in unit_ids]))
