"""Reports by range (/history): as message lines and as an .xlsx workbook. Pure formatting, no I/O.

Report texts go into the workbook as text cells whatever they start with (= + - @), so a report cannot
smuggle a formula into the reader's Excel.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.dates import format_date
from bot.texts import MARKS, esc, t
from db.models import ReportVersion
from db.reports import HistoryRow
from jobs.reminders import period_label, shorten

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_CELL = 32_000
COLUMNS = (("when", 17), ("number", 6), ("title", 36), ("unit", 16), ("reporter", 10), ("period", 12),
           ("text", 60), ("percent", 8), ("status", 14), ("problems", 30), ("evidence", 8), ("state", 30))


def when_text(lang: str, moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


def state_text(lang: str, row: HistoryRow, versions: Sequence[ReportVersion], tz: tzinfo) -> str:
    """ "已退回（理由）", "已修改 2 次" — what became of a report after it was sent."""
    report = row.report
    parts = []
    if report.returned_at is not None:
        parts.append(t(lang, "history.returned", when=when_text(lang, report.returned_at, tz),
                       reason=report.return_reason or ""))
    if versions:
        parts.append(t(lang, "history.edited", count=len(versions), when=when_text(lang, report.edited_at or
                                                                                   report.created_at, tz)))
    return t(lang, "list_sep").join(parts)


def history_lines(lang: str, rows: Sequence[HistoryRow], names: Mapping[int, str], people: Mapping[int, str],
                  versions: Mapping[int, Sequence[ReportVersion]], tz: tzinfo,
                  labels: Mapping[int, str] | None = None) -> list[str]:
    """One line per report: when, item (by its `labels`, 民生12, when given), unit and reporter, status and
    percent, the text shortened."""
    lines = []
    for index, row in enumerate(rows, start=1):
        report = row.report
        state = state_text(lang, row, versions.get(report.id, ()), tz)
        lines.append(t(lang, "history.line", index=index, when=when_text(lang, report.created_at, tz),
                       number=(labels or {}).get(report.item_id, row.number), unit=esc(names.get(report.unit_id, t(lang, "history.office"))),
                       reporter=esc(people.get(report.reporter_id, "")),
                       status=f"{MARKS.get(report.status, '')} {t(lang, f'status.{report.status}')}",
                       percent=f" {report.percent}%" if report.percent is not None else "",
                       text=esc(shorten(report.text, 80)), state=t(lang, "paren", text=esc(state)) if state else ""))
    return lines


def _cell(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        value = value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"
    return value


def history_workbook(lang: str, rows: Sequence[HistoryRow], names: Mapping[int, str], people: Mapping[int, str],
                     versions: Mapping[int, Sequence[ReportVersion]], tz: tzinfo, *, title: str, span: str) -> bytes:
    """The reports of a period as an .xlsx: a title row, the header, one row per report."""
    # openpyxl on first use: most processes never write a workbook.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = t(lang, "history.sheet")
    ws.cell(row=1, column=1, value=_cell(title + t(lang, "paren", text=span))).font = Font(bold=True, size=14)
    for c, (key, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=c, value=t(lang, f"history.col.{key}"))
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=3):
        report = row.report
        values = {
            "when": when_text(lang, report.created_at, tz), "number": row.number, "title": row.title,
            "unit": names.get(report.unit_id, t(lang, "history.office")),
            "reporter": people.get(report.reporter_id, ""), "period": period_label(lang, report.period),
            "text": report.text, "percent": report.percent,
            "status": f"{MARKS.get(report.status, '')} {t(lang, f'status_long.{report.status}')}",
            "problems": report.problems or "", "evidence": len(report.evidence),
            "state": state_text(lang, row, versions.get(report.id, ()), tz),
        }
        for c, (key, _) in enumerate(COLUMNS, start=1):
            value = _cell(values[key])
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
            cell.alignment = wrap
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
