"""The weekly digest, shaped like the office's official notice (通报), and the warning lines the digest and
the item cards share: text built from facts (bot.texts), no I/O.

`assess` and `Assessed` are the rules' (jobs.rules); they are imported here for the callers that build
a digest."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.dates import format_date
from bot.texts import MARKS, MESSAGE_LIMIT, esc, join, section_index, split_message, t
from db.closing import Cancelled
from db.extensions import Extended
from db.facts import Closing, ItemFacts, Status, shown
from db.outbox import AckCount
from jobs.rules import (
    STATUS_ORDER,
    Assessed,
    Colour,
    assess,
    by_domain,
    count_by_status,
    missing_unit_ids,
)
from jobs.warnings import DOTS, Warning, colour_counts, red_first


def missing_by_unit(items: Sequence[ItemFacts]) -> dict[int, list[str]]:
    """Unit id → the items it has not reported on this period, as messages name them (12, 民生12)."""
    missing: dict[int, list[str]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.list_id, i.number)):
        for unit_id in missing_unit_ids(item):
            missing[unit_id].append(item.ref)
    return dict(sorted(missing.items()))


def unit_names(ids: Sequence[int], names: Mapping[int, str]) -> list[str]:
    return [esc(names.get(i, f"#{i}")) for i in ids]


def totals_line(lang: str, assessed: Sequence[Assessed]) -> str:
    counts = count_by_status(a.status for a in assessed)
    return t(lang, "digest.total", total=len(assessed), **{s.value: counts[s] for s in STATUS_ORDER})


def domain_lines(lang: str, assessed: Sequence[Assessed]) -> list[str]:
    lines = []
    for index, (domain, entries) in enumerate(by_domain(assessed).items(), start=1):
        counts = count_by_status(a.status for a in entries)
        parts = [t(lang, "digest.domain_part", count=counts[s], status=t(lang, f"domain_status.{s.value}"))
                 for s in STATUS_ORDER if counts[s]]
        sep = "，" if lang == "zh" else ", "
        lines.append(t(lang, "digest.domain", index=section_index(lang, index),
                       domain=esc(domain or t(lang, "digest.no_domain")), count=len(entries),
                       parts=sep.join(parts)))
    return lines


def slow_lines(lang: str, assessed: Sequence[Assessed], names: Mapping[int, str]) -> list[str]:
    flagged = [a for a in sorted(assessed, key=lambda a: a.facts.number) if a.is_slow_or_overdue]
    return [slow_line(lang, index, entry, names) for index, entry in enumerate(flagged, start=1)]


def slow_line(lang: str, index: int, entry: Assessed, names: Mapping[int, str]) -> str:
    item = entry.facts
    if entry.overdue_days:
        detail = t(lang, "digest.detail_overdue", days=entry.overdue_days)
    elif item.declared == Status.SLOW:
        detail = t(lang, "digest.detail_declared")
    elif item.percent is not None and entry.progress is not None:
        detail = t(lang, "digest.detail_progress", percent=item.percent, time_progress=round(entry.progress * 100))
    else:
        detail = ""
    return t(lang, "digest.slow_item", index=index, number=item.ref, title=esc(item.title),
             lead=join(lang, unit_names(item.lead_unit_ids, names)),
             responsible=join(lang, unit_names(item.responsible_unit_ids, names)), detail=detail)


def missing_lines(lang: str, items: Sequence[ItemFacts], names: Mapping[int, str],
                  unbound: Collection[int] = ()) -> list[str]:
    """A line per unit that has not reported, those with no contact bound (`unbound`) named as such, and
    then a line telling the admins to invite them."""
    sep = t(lang, "list_sep")
    missing = missing_by_unit(items)
    lines = [t(lang, "missing.line", count=len(numbers), numbers=sep.join(shown(n) for n in numbers),
               unit=esc(names.get(unit_id, f"#{unit_id}")) + (t(lang, "missing.unbound") if unit_id in unbound else ""))
             for unit_id, numbers in missing.items()]
    if unbound and set(missing) & set(unbound):
        lines.append(t(lang, "missing.unbound_hint"))
    return lines


@dataclass(frozen=True)
class Supervision:
    """What the digest says beyond progress: colours, extensions, receipts, and the monthly ranking."""

    warnings: Mapping[int, Warning] = field(default_factory=dict)
    extended: Mapping[int, Extended] = field(default_factory=dict)
    acks: Sequence[AckCount] = ()
    ack_days: int = 7
    ranking: Sequence[str] = ()  # the ranking's lines, on the first working day of a month
    cancelled: Sequence[Cancelled] = ()  # items cancelled on an approved request (out of the totals)
    changes: Sequence[str] = ()  # month-on-month (环比), on the first working day of a month


MAX_WARNING_LINES = 60  # beyond this the digest counts the rest and points to /items 红色 / 黄色


def warning_lines(lang: str, items: Sequence[ItemFacts], warnings: Mapping[int, Warning],
                  names: Mapping[int, str]) -> list[str]:
    """Red items, then yellow ones, with their units and why (the first MAX_WARNING_LINES, then a count)."""
    by_id = {i.id: i for i in items}
    numbers = {i.id: i.number for i in items}
    flagged = red_first([warnings[i] for i in by_id if i in warnings], numbers)
    shown = flagged[:MAX_WARNING_LINES]
    lines = []
    for index, warning in enumerate(shown, start=1):
        item = by_id[warning.item_id]
        detail = warning_detail(lang, warning)
        lines.append(t(lang, "digest.warning_item", index=index, dot=warning.dot, number=item.ref,
                       title=esc(item.title), lead=join(lang, unit_names(item.lead_unit_ids, names)),
                       responsible=join(lang, unit_names(item.responsible_unit_ids, names)),
                       detail=f"{t(lang, 'digest.comma')}{detail}" if detail else ""))
    if len(shown) < len(flagged):
        rest = colour_counts(flagged[len(shown):])
        lines.append(t(lang, "digest.more_warnings", red=rest[Colour.RED], yellow=rest[Colour.YELLOW]))
    return lines


def colour_totals(lang: str, warnings: Sequence[Warning]) -> str:
    counts = colour_counts(warnings)
    return t(lang, "digest.colours", red=counts[Colour.RED], yellow=counts[Colour.YELLOW],
             green=counts[Colour.GREEN])


def extension_note(lang: str, extended: Extended) -> str:
    """ "延期至 2021年12月31日，原定 10月31日"."""
    if extended.original is None:
        return t(lang, "extension.note_open", deadline=format_date(extended.deadline, lang))
    original = t(lang, "date.short", month=extended.original.month, day=extended.original.day)
    if extended.original.year != extended.deadline.year:
        original = format_date(extended.original, lang)
    return t(lang, "extension.note", deadline=format_date(extended.deadline, lang), original=original)


def extension_lines(lang: str, items: Sequence[ItemFacts], extended: Mapping[int, Extended]) -> list[str]:
    return [t(lang, "digest.extension_item", number=i.ref, title=esc(i.title), note=extension_note(lang, extended[i.id]))
            for i in sorted(items, key=lambda i: i.number) if i.id in extended]


def ack_lines(lang: str, acks: Sequence[AckCount], names: Mapping[int, str]) -> list[str]:
    """Rounds acknowledged of those sent, per unit; units that left some unacknowledged first."""
    if not acks:
        return []
    rounds, acked = sum(a.rounds for a in acks), sum(a.acked for a in acks)
    ordered = sorted(acks, key=lambda a: (a.acked - a.rounds, names.get(a.unit_id, "")))
    units = t(lang, "list_sep").join(t(lang, "digest.ack_unit", unit=esc(names.get(a.unit_id, f"#{a.unit_id}")),
                                        acked=a.acked, rounds=a.rounds) for a in ordered)
    return [t(lang, "digest.ack_total", units=len(acks), rounds=rounds, acked=acked), units]


def closing_lines(lang: str, items: Sequence[ItemFacts], cancelled: Sequence[Cancelled]) -> list[str]:
    """ "申请办结 2 项，待审核：#3、#7。" and "已取消 1 项：#12 …（经批准取消）。" (none when there are none)."""
    sep = t(lang, "list_sep")
    pending = [shown(i.ref) for i in sorted(items, key=lambda i: (i.list_id, i.number)) if i.closing == Closing.REQUESTED]
    lines = [t(lang, "digest.closing_pending", count=len(pending), numbers=sep.join(pending))] if pending else []
    if cancelled:
        lines.append(t(lang, "digest.cancelled", count=len(cancelled), items=sep.join(
            t(lang, "digest.cancelled_item", number=c.number, title=esc(c.title)) for c in cancelled)))
    return lines


def build_digest(
    lang: str,
    items: Sequence[ItemFacts],
    names: Mapping[int, str],
    today: date,
    *,
    margin: int,
    unreachable: Sequence[str] = (),
    unbound: Collection[int] = (),
    supervision: Supervision | None = None,
    title: str | None = None,
    whole: bool = True,
) -> str:
    """The digest as one HTML text (split it with `split_message` before sending); `unbound`: the units
    no contact is bound to. `title` replaces the digest's own; without `whole`, one list's section of a
    notice over several (`lists_notice`): no receipts, ranking, unreachable contacts or legend."""
    assessed = assess(items, today, margin)
    slow = slow_lines(lang, assessed, names)
    missing = missing_lines(lang, items, names, unbound)
    lines = [
        title or t(lang, "digest.title", date=format_date(today, lang)),
        "",
        t(lang, "digest.part1"),
        totals_line(lang, assessed),
        *closing_lines(lang, items, supervision.cancelled if supervision else ()),
        "",
        t(lang, "digest.part2"),
        *domain_lines(lang, assessed),
        "",
        t(lang, "digest.part3"),
        *(slow or [t(lang, "digest.part3_none")]),
        "",
        t(lang, "digest.part4"),
        *(missing or [t(lang, "digest.part4_none")]),
    ]
    if supervision is not None:
        warnings = [supervision.warnings[i.id] for i in items if i.id in supervision.warnings]
        lines[4:4] = [colour_totals(lang, warnings)]
        lines += ["", t(lang, "digest.part5"),
                  *(warning_lines(lang, items, supervision.warnings, names) or [t(lang, "digest.part5_none")]),
                  "", t(lang, "digest.part6"),
                  *(extension_lines(lang, items, supervision.extended) or [t(lang, "digest.part6_none")])]
    if whole:
        lines += digest_end(lang, names, unreachable, supervision)
    return "\n".join(lines)


def digest_end(lang: str, names: Mapping[int, str], unreachable: Sequence[str],
               supervision: Supervision | None) -> list[str]:
    """What the digest says once, whatever the lists: receipts, the ranking, unreachable contacts, the legend."""
    lines = []
    if supervision is not None:
        lines += ["", t(lang, "digest.part7", days=supervision.ack_days),
                  *(ack_lines(lang, supervision.acks, names) or [t(lang, "digest.part7_none")])]
        if supervision.ranking:
            lines += ["", t(lang, "digest.part8"), *supervision.ranking]
        if supervision.changes:
            lines += ["", t(lang, "digest.part9"), *supervision.changes]
    if unreachable:
        lines += ["", t(lang, "digest.unreachable", units=join(lang, [esc(u) for u in unreachable]))]
    return [*lines, "", t(lang, "digest.legend")]


@dataclass(frozen=True)
class ListPart:
    """One active list's share of a notice over several: its name and kind, and its items."""

    name: str
    kind: str
    items: Sequence[ItemFacts]


def notice_totals(lang: str, parts: Sequence[ListPart], today: date, margin: int) -> str:
    """ "126项重点工作中，28项已完成全年目标，90项正常推进，8项进度偏慢；12项民生实事中，……。" """
    phrases = []
    for part in parts:
        counts = count_by_status(a.status for a in assess(part.items, today, margin))
        phrases.append(t(lang, "list.notice_part", total=len(part.items), kind=esc(part.kind or part.name),
                         ahead=counts[Status.AHEAD], on_track=counts[Status.GOOD] + counts[Status.AVERAGE],
                         slow=counts[Status.SLOW]))
    text = ("；" if lang == "zh" else "; ").join(phrases) + ("。" if lang == "zh" else ".")
    return text[0].upper() + text[1:] if lang != "zh" else text


def lists_notice(lang: str, parts: Sequence[ListPart], names: Mapping[int, str], today: date, *, margin: int,
                 unreachable: Sequence[str] = (), unbound: Collection[int] = (),
                 supervision: Supervision | None = None) -> str:
    """The notice over several active lists, in one post: the totals of each in one sentence, then each
    list's own section (totals, domains, slow and overdue tasks, unreported units, colours, extensions)."""
    lines = [t(lang, "digest.title", date=format_date(today, lang)), "", notice_totals(lang, parts, today, margin)]
    for part in parts:
        lines += ["", build_digest(lang, part.items, names, today, margin=margin, unbound=unbound,
                                   supervision=supervision, title=t(lang, "list.section", name=esc(part.name)),
                                   whole=False)]
    return "\n".join([*lines, *digest_end(lang, names, unreachable, supervision)])


def item_line(lang: str, entry: Assessed, warning: Warning | None = None) -> str:
    """One line of an item list: number, colour, mark, title, deadline."""
    item = entry.facts
    mark = MARKS[entry.status.value] if warning is None else f"{warning.dot} {MARKS[entry.status.value]}"
    line = t(lang, "item.line", number=item.ref, mark=mark, title=esc(item.title))
    if item.deadline:
        line += t(lang, "item.line_deadline", deadline=format_date(item.deadline, lang))
    return line


def warning_detail(lang: str, warning: Warning) -> str:
    """Why an item has its colour: "已逾期 5 天", "完成 20%，时序进度 58%", "连续 2 期未报送"."""
    parts = []
    if warning.overdue_days:
        parts.append(t(lang, "warning.overdue", days=warning.overdue_days))
    if warning.percent is not None and warning.progress is not None:
        parts.append(t(lang, "warning.progress", percent=warning.percent, time_progress=round(warning.progress * 100)))
    if warning.missed:
        parts.append(t(lang, "warning.missed", count=warning.missed))
    if warning.missed_milestones:
        parts.append(t(lang, "warning.milestones", count=warning.missed_milestones))
    return t(lang, "warning.sep").join(parts)


def month_strip(lang: str, stored: Mapping[str, str], year: int, current: tuple[str, Colour] | None) -> str:
    """ "1月🟢 2月🟢 3月🟡 …": the year's months with their kept colours (the current one live)."""
    cells = []
    for month in range(1, 13):
        key = f"{year}-{month:02d}"
        colour = stored.get(key)
        if current is not None and current[0] == key:
            colour = current[1]
        dot = DOTS[Colour(colour)] if colour else "·"
        cells.append(t(lang, "colour.month", month=month, dot=dot))
    return " ".join(cells)


# ---------------------------------------------------------------- a digest as one post: capped in messages


@dataclass(frozen=True)
class Post:
    """A digest as it is posted: at most the cap's messages and, when they leave lines out, the complete
    text as a file (name, plain text) to follow them."""

    parts: list[str]
    file: tuple[str, str] | None = None
    left_out: int = 0  # lines not in the messages
    sections: int = 0  # sections those lines belong to


_TAG = re.compile(r"</?\w+[^>]*>")


def plain_text(html_text: str) -> str:
    """A message's HTML as the text a file shows."""
    return html.unescape(_TAG.sub("", html_text))


def capped_post(lang: str, text: str, today: date, max_messages: int, limit: int = MESSAGE_LIMIT) -> Post:
    """The digest `text` in at most `max_messages` messages. When the whole does not fit, the messages hold
    as many of its first lines as fit with a last line saying how many lines, in how many sections, were
    left out, and the complete text follows as a .txt file: the digest stays complete."""
    parts = split_message(text, limit)
    if len(parts) <= max_messages:
        return Post(parts)
    lines = text.split("\n")
    section, sections = 0, []  # the section (block between blank lines) of each line
    for line in lines:
        section += not line.strip()
        sections.append(section)

    def post(kept: int) -> Post:
        rest = [i for i in range(kept, len(lines)) if lines[i].strip()]
        left_sections = len({sections[i] for i in rest})
        note = t(lang, "digest.capped", messages=max_messages, lines=len(rest), sections=left_sections)
        shown = "\n".join(lines[:kept]).rstrip()
        return Post(split_message(f"{shown}\n\n{note}" if shown else note, limit), left_out=len(rest),
                    sections=left_sections)

    low, high = 0, len(lines) - 1  # the most lines that fit: more lines never take fewer messages
    while low < high:
        middle = (low + high + 1) // 2
        if len(post(middle).parts) <= max_messages:
            low = middle
        else:
            high = middle - 1
    best = post(low)
    name = t(lang, "digest.file_name", date=today.isoformat())
    return Post(best.parts[:max_messages], (name, plain_text(text) + "\n"), best.left_out, best.sections)
