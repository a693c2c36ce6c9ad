"""The weekly digest, shaped like the office's official notice (通报): built from facts, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.dates import format_date
from bot.texts import MARKS, esc, join, section_index, t
from db.models import Status
from jobs.rules import (
    STATUS_ORDER,
    ItemFacts,
    count_by_status,
    effective_status,
    is_overdue,
    missing_unit_ids,
    time_progress,
)


@dataclass(frozen=True)
class Assessed:
    """An item with the verdicts of the rules for one day."""

    facts: ItemFacts
    status: Status
    overdue_days: int
    progress: float | None

    @property
    def is_slow_or_overdue(self) -> bool:
        return self.status == Status.SLOW or self.overdue_days > 0


def assess(items: Sequence[ItemFacts], today: date, margin: int) -> list[Assessed]:
    assessed = []
    for item in items:
        overdue = is_overdue(item.deadline, today, item.declared)
        days = (today - item.deadline).days if overdue and item.deadline else 0
        assessed.append(Assessed(item, effective_status(item, today, margin), days,
                                 time_progress(item.start, item.deadline, today)))
    return assessed


def by_domain(assessed: Sequence[Assessed]) -> dict[str | None, list[Assessed]]:
    """Items grouped by domain, domains in the order of their first item."""
    grouped: dict[str | None, list[Assessed]] = defaultdict(list)
    for entry in sorted(assessed, key=lambda a: a.facts.number):
        grouped[entry.facts.domain].append(entry)
    return dict(grouped)


def missing_by_unit(items: Sequence[ItemFacts]) -> dict[int, list[int]]:
    """Unit id → numbers of the items it has not reported on this period."""
    missing: dict[int, list[int]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.number):
        for unit_id in missing_unit_ids(item):
            missing[unit_id].append(item.number)
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
    return t(lang, "digest.slow_item", index=index, number=item.number, title=esc(item.title),
             lead=join(lang, unit_names(item.lead_unit_ids, names)),
             responsible=join(lang, unit_names(item.responsible_unit_ids, names)), detail=detail)


def missing_lines(lang: str, items: Sequence[ItemFacts], names: Mapping[int, str]) -> list[str]:
    sep = t(lang, "list_sep")
    return [t(lang, "missing.line", unit=esc(names.get(unit_id, f"#{unit_id}")), count=len(numbers),
              numbers=sep.join(f"#{n}" for n in numbers))
            for unit_id, numbers in missing_by_unit(items).items()]


def build_digest(
    lang: str,
    items: Sequence[ItemFacts],
    names: Mapping[int, str],
    today: date,
    *,
    margin: int,
    unreachable: Sequence[str] = (),
) -> str:
    """The digest as one HTML text (split it with `split_message` before sending)."""
    assessed = assess(items, today, margin)
    slow = slow_lines(lang, assessed, names)
    missing = missing_lines(lang, items, names)
    lines = [
        t(lang, "digest.title", date=format_date(today, lang)),
        "",
        t(lang, "digest.part1"),
        totals_line(lang, assessed),
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
    if unreachable:
        lines += ["", t(lang, "digest.unreachable", units=join(lang, [esc(u) for u in unreachable]))]
    lines += ["", t(lang, "digest.legend")]
    return "\n".join(lines)


def item_line(lang: str, entry: Assessed) -> str:
    """One line of an item list: number, mark, title, deadline."""
    item = entry.facts
    line = t(lang, "item.line", number=item.number, mark=MARKS[entry.status.value], title=esc(item.title))
    if item.deadline:
        line += t(lang, "item.line_deadline", deadline=format_date(item.deadline, lang))
    return line
