"""Milestones (节点) written as text: one line of `/node`, or the numbered lines an office writes in one
cell of its table ("1. 6月底前完成设计；2. 9月底前开工；3. 12月底前完工", "①…②…", "（1）…"); and read as
text, the lines the card, /node and the export show ("1. 完成设计 — ✓ 2021年7月20日完成").

Pure functions of the text and `now`; the deadline is read by the bot's own parser (`bot.dates`), from
the front of a line ("6月底前完成设计") or its end ("完成设计（6月底前）").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.dates import format_date, parse_deadline
from bot.texts import esc, t
from db.models import Milestone
from jobs.workdays import WorkCalendar

MAX_MILESTONES = 30  # in one cell; more is a paragraph, not a plan
MAX_TITLE = 200
_LONGEST_DATE = 24  # characters a deadline written in words takes at most ("2021年12月31日（周五）前")

# A number that starts a line: "1." "1、" "1．" "1）" "（1）" "(1)" "①"; at the start, after a line
# break or after a separator (；;。，,).
_MARKER = re.compile(r"\s*(?:[（(]\s*\d{1,2}\s*[)）]|[①-⑳])\s*"
                     r"|(?:^|(?<=[\n；;。，,\s]))\s*\d{1,2}\s*(?:[、)）]|[.．](?!\d))\s*")
_SEPARATORS = re.compile(r"[\n；;]+")
_EDGES = " \t\r\n；;。，,、:："
_AFTER_DATE = re.compile(r"^(?:之前|以前|前|内)")
# How a deadline written in Chinese ends: "6月底前完成" also reads as a deadline ("完成" is dropped), but its
# "完成" belongs to the title.
_DATE_END = set("日号底末初旬中前内月年度季天周")
_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKETED_TAIL = re.compile(r"[（(]([^（）()]{1,30})[)）]$")


@dataclass(frozen=True)
class MilestoneText:
    """A milestone as read: its title, the deadline as written and as understood (None: none found)."""

    title: str
    deadline_text: str | None
    deadline: date | None


def split_lines(cell: str) -> list[str]:
    """The milestones' lines of a cell: by their numbers when numbered, else one a line (or ；)."""
    text = (cell or "").strip()
    if not text:
        return []
    markers = list(_MARKER.finditer(text))
    if len(markers) >= 2 or (markers and markers[0].start() == 0):
        starts = [m.end() for m in markers]
        ends = [m.start() for m in markers[1:]] + [len(text)]
        head = text[: markers[0].start()].strip(_EDGES)
        pieces = ([head] if head else []) + [text[s:e] for s, e in zip(starts, ends, strict=True)]
    else:
        pieces = _SEPARATORS.split(text)
    return [p for p in (piece.strip(_EDGES) for piece in pieces) if p][:MAX_MILESTONES]


def _ends_like_a_date(written: str) -> bool:
    return bool(written) and (written[-1] in _DATE_END or not _CJK.match(written[-1]))


def too_long(line: str) -> bool:
    """Whether a typed milestone is longer than `read_line` keeps (a title of MAX_TITLE and its deadline)."""
    return len(line.strip(_EDGES)) > MAX_TITLE + _LONGEST_DATE


def read_line(line: str, now: datetime, calendar: WorkCalendar | None = None) -> MilestoneText:
    """A milestone's title and deadline from one line: the longest start that is a deadline, else the
    longest end (bracketed or not); the rest is the title."""
    text = line.strip(_EDGES)
    for size in range(min(len(text), _LONGEST_DATE), 0, -1):
        written = text[:size].strip(_EDGES)
        deadline = parse_deadline(written, now, calendar) if _ends_like_a_date(written) else None
        if deadline is not None:
            rest = text[size:]
            suffix = _AFTER_DATE.match(rest)
            if suffix:
                written, rest = written + suffix.group(0), rest[suffix.end():]
            title = rest.strip(_EDGES)
            return MilestoneText((title or written)[:MAX_TITLE], written, deadline)
    bracketed = _BRACKETED_TAIL.search(text)
    if bracketed:
        deadline = parse_deadline(bracketed.group(1), now, calendar)
        if deadline is not None:
            return MilestoneText(text[: bracketed.start()].strip(_EDGES)[:MAX_TITLE], bracketed.group(1), deadline)
    for size in range(min(len(text) - 1, _LONGEST_DATE), 0, -1):
        written = text[-size:].strip(_EDGES)
        deadline = parse_deadline(written, now, calendar) if written else None
        if deadline is not None:
            return MilestoneText(text[:-size].strip(_EDGES)[:MAX_TITLE], written, deadline)
    return MilestoneText(text[:MAX_TITLE], None, None)


def read_cell(cell: str, now: datetime, calendar: WorkCalendar | None = None) -> list[MilestoneText]:
    """Every milestone of a table's cell, in its order; lines without a deadline are kept (no reminder
    then), a cell without any deadline at all is no plan of milestones and gives none."""
    read = [read_line(line, now, calendar) for line in split_lines(cell)]
    return read if any(m.deadline for m in read) else []


Row = tuple[str, date | None, str | None]  # a table row's milestone: title, deadline, deadline as written


def row_milestones(own: str | None, deadline_text: str | None, now: datetime,
                   calendar: WorkCalendar | None = None) -> list[Row]:
    """A table row's milestones: those of its milestones column (节点安排, 进度安排 …), else the numbered lines
    an office wrote in its deadline column (时间节点: "1. 6月底前完成设计；2. 12月底前完工"), when there are
    two or more of them."""
    read = read_cell(own, now, calendar) if own else []
    if not read and deadline_text and len(split_lines(deadline_text)) >= 2:
        read = read_cell(deadline_text, now, calendar)
    return [(m.title, m.deadline, m.deadline_text) for m in read]


def last_deadline(milestones: list[Row]) -> tuple[date, str | None] | None:
    """The latest dated milestone's deadline (and its words): the item's own when its cell held milestones."""
    dated = [(d, text) for _, d, text in milestones if d is not None]
    return max(dated, key=lambda m: m[0]) if dated else None


# ---------------------------------------------------------------- the lines of a card, a list or the export


def mark(lang: str, milestone: Milestone, today: date) -> str:
    """✓ done (its date), 待完成 (its deadline) or 已逾期."""
    if milestone.done_at is not None:
        return t(lang, "node.mark_done", date=format_date(milestone.done_at.date(), lang))
    if milestone.deadline is None:
        return t(lang, "node.mark_due", deadline=t(lang, "item.deadline_open"))
    key = "node.mark_overdue" if milestone.deadline < today else "node.mark_due"
    return t(lang, key, deadline=format_date(milestone.deadline, lang))


def milestone_lines(lang: str, nodes: Sequence[Milestone], unit_names: Mapping[int, str], today: date) -> list[str]:
    """ "1. 完成设计 — ✓ 2021年7月20日完成（区建管委）", one a milestone, in Telegram's HTML."""
    return [t(lang, "node.line", position=i, title=esc(m.title), mark=mark(lang, m, today),
              unit=t(lang, "paren", text=esc(unit_names.get(m.unit_id, "?"))) if m.unit_id else "")
            for i, m in enumerate(nodes, start=1)]
