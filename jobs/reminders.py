"""Reminder messages: one per unit and round, listing its items (pure formatting, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.dates import format_date
from bot.texts import esc, t
from db.facts import shown


@dataclass(frozen=True)
class ReminderLine:
    item_id: int
    number: int
    title: str
    reason: str  # "deadline-N" or "report"
    period: str
    deadline: date | None
    milestone: str | None = None  # the title of the milestone a "milestone-N" reason is for
    label: str = ""  # "民生12" while several lists are active (numbers repeat across lists)

    @property
    def ref(self) -> str:
        return self.label or str(self.number)


def period_label(lang: str, period: str) -> str:
    """2021-07 → 2021年7月; 2021-Q3 → 2021年第3季度; 2021-W29 → 2021年第29周."""
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        return t(lang, "period.quarter", year=year, quarter=int(rest[1:]))
    if rest.startswith("W"):
        return t(lang, "period.week", year=year, week=int(rest[1:]))
    return t(lang, "period.month", year=year, month=int(rest))


def deadline_left(lang: str, deadline: date, today: date) -> str:
    days = (deadline - today).days
    if days > 0:
        return t(lang, "item.days_left", days=days)
    if days == 0:
        return t(lang, "item.today")
    return t(lang, "item.days_over", days=-days)


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reminder_text(lang: str, unit_name: str, lines: Sequence[ReminderLine], today: date,
                  instructed: Sequence[str] = ()) -> str:
    """The reminder for one unit: each item once, with every reason it is due for; then the leaders'
    instructions it repeats (`instructed`, lines of jobs.instructions)."""
    by_item: dict[int, list[ReminderLine]] = {}
    for line in sorted(lines, key=lambda x: (x.number, x.ref)):
        by_item.setdefault(line.item_id, []).append(line)
    body = [t(lang, "remind.title", unit=esc(unit_name)), t(lang, "remind.intro", count=len(by_item))]
    for index, reasons in enumerate(by_item.values(), start=1):
        body.append(f"{index}. {shown(reasons[0].ref)} {esc(shorten(reasons[0].title))}")
        for why in reasons:
            period = why.period.split("@")[0]
            if why.reason.startswith("report-missed"):
                body.append("   " + t(lang, "remind.missed", period=period_label(lang, period)))
            elif why.reason.startswith("report") or why.reason == "manual":
                body.append("   " + t(lang, "remind.report", period=period_label(lang, period)))
            elif why.reason.startswith("milestone"):
                due = date.fromisoformat(why.period.split("@")[0])
                body.append("   " + t(lang, "remind.milestone", title=esc(shorten(why.milestone or "")),
                                      deadline=format_date(due, lang), left=deadline_left(lang, due, today)))
            elif why.deadline is not None:
                left = deadline_left(lang, why.deadline, today)
                body.append("   " + t(lang, "remind.deadline", deadline=format_date(why.deadline, lang), left=left))
    body += instructed
    body.append(t(lang, "remind.footer"))
    return "\n".join(body)


def reason_label(lang: str, number: int, reason: str) -> str:
    """#12 截止前7天, #12 报送日前3天, #12 逾期未报（第1个工作日）…"""
    kind, _, days = reason.rpartition("-") if reason[-1].isdigit() else (reason, "", "")
    return t(lang, f"reason.{kind}", number=number, days=days)


def item_numbers(lines: Sequence[ReminderLine]) -> list[int]:
    return sorted({line.number for line in lines})


def unit_label(names: Mapping[int, str], unit_id: int) -> str:
    return names.get(unit_id, f"#{unit_id}")
