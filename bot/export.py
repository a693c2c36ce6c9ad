"""The progress table (进展情况表) as .xlsx, in the layout offices send up the chain.

A title row, the header (序号, 主要领域, 年度目标任务, 年度投资, 完成时限, 牵头单位, 责任单位,
"1—7月份完成情况", 存在问题, 形象进度), a 合计 row, one row per item, domain cells merged over their
group (and the lead unit over a run of rows it shares), the legend row at the bottom. The header
stays frozen and repeats on every printed page. Reading the file back with ``bot.tables.read_table``
gives the same items.

Each item shows its latest report written before the end of the chosen month (the whole history
when the month is the current one) and its mark as the digest rules give it on that month's last
day. Report texts are written as text cells, whatever they start with, so a report cannot smuggle
a formula into the supervisor's Excel.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from bot.texts import MARKS, section_index, t
from db.export_queries import ExportData, ExportItem, export_data
from db.gcpause import collector_paused
from db.models import Status
from jobs.rules import ItemFacts, effective_status, indicator_percent, month_end, period_key

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
# Column key, width in characters (as the office's own table), centred or not.
COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("number", 5, True), ("domain", 12, True), ("title", 40, False), ("investment", 9, True),
    ("deadline", 9, True), ("lead", 14, True), ("responsible", 18, True), ("progress", 60, False),
    ("problems", 28, False), ("status", 6, True),
)
COLUMN_INDEX = {key: i for i, (key, _, _) in enumerate(COLUMNS, start=1)}
FIRST_ROW = 4  # after the title, the header and the 合计 row
_WRAPPED = ("title", "lead", "responsible", "progress", "problems")
_WRAPPED_WIDTHS = tuple((key, chars) for key, chars, _ in COLUMNS if key in _WRAPPED)
MAX_CELL = 32_000  # Excel refuses a cell longer than 32,767 characters

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportRow:
    """One item as it appears in the progress table."""

    number: int
    domain: str | None
    title: str
    investment: float | None
    deadline: date | None
    lead: list[str]
    responsible: list[str]
    progress: str
    problems: str
    status: Status


# --------------------------------------------------------------------------- periods

_CN_MONTHS = {n: i for i, n in enumerate("一二三四五六七八九十", start=1)} | {"十一": 11, "十二": 12}
_PERIOD = re.compile(
    r"(?:(?P<year>(?:19|20)[0-9]{2})\s*(?:年|[-./／])\s*)?"
    r"(?:1\s*[-—–~至到]\s*)?(?P<month>[0-9]{1,2}|十[一二]?|[一二三四五六七八九])\s*(?:月份?)?"
)


def parse_period(text: str, today: date) -> str | None:
    """The month an export covers, as "2021-07": from "2021-07", "2021.7", "2021年7月", "1—7月",
    "7月" (the latest July not after today) or nothing (this month); None when not understood."""
    text = text.strip()
    if not text:
        return period_key("monthly", today)
    m = _PERIOD.fullmatch(text)
    if m is None or (m["year"] is None and not re.search(r"月|^[0-9]{1,2}$", text)):
        return None
    month_text = m["month"]
    month = int(month_text) if month_text.isdigit() else _CN_MONTHS[month_text]
    if not 1 <= month <= 12:
        return None
    year = int(m["year"]) if m["year"] else today.year - (month > today.month)
    return f"{year}-{month:02d}"


def _month_of(period: str) -> tuple[int, int]:
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", period)
    if m is None or not 1 <= int(m[2]) <= 12:
        raise ValueError(f"not a month period: {period!r}")
    return int(m[1]), int(m[2])


def months_label(lang: str, period: str) -> str:
    """ "1—7月份": the months a cumulative progress table covers."""
    _, month = _month_of(period)
    return t(lang, "export.months", month=month) if month > 1 else t(lang, "export.months_first")


def table_title(lang: str, period: str) -> str:
    year, _ = _month_of(period)
    return t(lang, "export.title", year=year, months=months_label(lang, period))


# --------------------------------------------------------------------------- rows


@collector_paused()
def progress_rows(
    session: Session, *, today: date, period: str, lang: str, margin: int = 20, tz: tzinfo = OFFICE_TZ,
) -> list[ExportRow]:
    """The items as of the end of `period` (four queries, whatever the item count)."""
    year, month = _month_of(period)
    last_day = month_end(year, month)
    cutoff = datetime.combine(last_day + timedelta(days=1), time(0), tz)
    data = export_data(session, before=cutoff)
    return rows_from_data(data, as_of=min(today, last_day), margin=margin, lang=lang)


def rows_from_data(data: ExportData, *, as_of: date, margin: int, lang: str) -> list[ExportRow]:
    """Export rows from what the queries read; marks from the digest's rules on `as_of`."""
    return [_row(item, data, effective_status(_facts(item, data), as_of, margin), lang) for item in data.items]


def _facts(item: ExportItem, data: ExportData) -> ItemFacts:
    report = data.latest.get(item.id)
    return ItemFacts(
        id=item.id, number=item.number, title=item.title, domain=item.domain, start=item.start_date,
        deadline=item.deadline, cycle=item.report_cycle, lead_unit_ids=data.links.get((item.id, "lead"), ()),
        responsible_unit_ids=data.links.get((item.id, "responsible"), ()),
        declared=report.status if report else None, percent=report.percent if report else None,
        official=report is not None and report.source == "import",
    )


def _row(item: ExportItem, data: ExportData, status: Status, lang: str) -> ExportRow:
    report = data.latest.get(item.id)
    names = data.unit_names
    progress = report.text if report else ""
    if report is not None and report.current_value is not None and item.target_value is not None:
        progress = "\n".join(p for p in (progress, _indicator_line(lang, item, report.current_value)) if p)
    return ExportRow(
        number=item.number, domain=item.domain, title=item.title, investment=item.investment,
        deadline=item.deadline,
        lead=[names.get(i, "?") for i in data.links.get((item.id, "lead"), ())],
        responsible=[names.get(i, "?") for i in data.links.get((item.id, "responsible"), ())],
        progress=progress, problems=(report.problems or "") if report else "", status=status,
    )


def _number(value: float) -> str:
    return f"{value:g}"


def _indicator_line(lang: str, item: ExportItem, current: float) -> str:
    """ "当前值 11860元/年（基期 9720元/年，目标 14000元/年），完成 50%" for an indicator item."""
    target = item.target_value if item.target_value is not None else current
    baseline = "—" if item.baseline_value is None else _number(item.baseline_value)
    return t(lang, "export.indicator", current=_number(current), unit=item.indicator_unit or "",
             baseline=baseline, target=_number(target),
             percent=indicator_percent(item.baseline_value, target, current))


# --------------------------------------------------------------------------- workbook

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY = Font(name="宋体", size=10)
_HEAD = Font(name="宋体", size=10, bold=True)
_TITLE = Font(name="宋体", size=16, bold=True)
_MARK = Font(name="宋体", size=12)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


class _Styles:
    """Cell styles prepared once: copying a style array is far cheaper than setting fonts per cell."""

    def __init__(self, ws: Worksheet) -> None:
        self.arrays: dict[tuple[str, bool], Any] = {}
        probe = ws.cell(row=1, column=1)
        for name, font in (("body", _BODY), ("head", _HEAD), ("title", _TITLE), ("mark", _MARK)):
            for centred in (True, False):
                probe.font, probe.alignment = font, _CENTRE if centred else _LEFT
                probe.border = Border() if name == "title" else _BORDER
                self.arrays[(name, centred)] = probe._style
                probe._style = type(probe._style)()  # a fresh array for the next combination

    def apply(self, cell: Any, name: str, centred: bool) -> None:
        cell._style = type(self.arrays[(name, centred)])(self.arrays[(name, centred)])


def _text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"


def _put(ws: Worksheet, styles: _Styles, row: int, col: int, value: Any, style: str = "body",
         centred: bool = True) -> None:
    """Write one cell; a text stays text, never a formula (= + - @) nor an error value (#N/A)."""
    if isinstance(value, str):
        value = _text(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    styles.apply(cell, style, centred)


def _deadline_value(deadline: date | None) -> str | date | None:
    """A month-end deadline as the office writes it ("2021.12"); any other day as a date cell."""
    if deadline is None:
        return None
    if deadline == month_end(deadline.year, deadline.month):
        return f"{deadline.year}.{deadline.month:02d}" if deadline.month >= 10 else f"{deadline.year}.{deadline.month}"
    return deadline


def _width(text: str) -> int:
    """Display width, near enough: a CJK character (3 bytes in UTF-8) counts twice, ASCII once."""
    return (len(text.encode()) + len(text)) // 2


def _lines(text: str, chars: float) -> int:
    """Lines a text takes when wrapped in a column `chars` wide (a little more, never fewer)."""
    if not text:
        return 1
    per_line = max(1, int(chars * 0.95))
    if "\n" not in text:  # most texts: one paragraph
        return max(1, -(-_width(text) // per_line))
    return sum(max(1, -(-_width(line) // per_line)) for line in text.split("\n"))


def _runs(values: Sequence[object]) -> list[tuple[int, int]]:
    """(start, end) index ranges of equal neighbouring values, end inclusive."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def _domain_labels(lang: str, rows: Sequence[ExportRow]) -> list[str | None]:
    """ "一、住房安居领域" for each row: the group's ordinal and name (rows without a domain say so)."""
    if not any(r.domain for r in rows):
        return [None] * len(rows)
    names = [r.domain or t(lang, "digest.no_domain") for r in rows]
    labels: list[str | None] = [None] * len(rows)
    for index, (start, end) in enumerate(_runs(names), start=1):
        sep = "、" if lang == "zh" else ". "
        ordinal = section_index(lang, index) if index < 100 else str(index)  # cn_index stops at 99
        labels[start : end + 1] = [f"{ordinal}{sep}{names[start]}"] * (end - start + 1)
    return labels


@collector_paused()
def write_progress_table(rows: Sequence[ExportRow], *, lang: str, period: str,
                         on_row: ProgressCallback | None = None) -> bytes:
    """The .xlsx file of the progress table; `on_row(done, total)` follows the rows written.

    openpyxl writes the sheet around the items (title, header, 合计, the first item's row, the legend,
    merges, widths, page setup). The other items' rows, thousands of alike cells, are then put in as
    the XML openpyxl would write for them, with the styles it gave the first item's cells: through
    openpyxl's cells they took four seconds for 10,000 items."""
    wb = Workbook()
    ws = wb.active
    ws.title = t(lang, "export.sheet")
    styles = _Styles(ws)
    _title_rows(ws, styles, lang, period, rows)
    joiner = t(lang, "list_sep")
    domains = _domain_labels(lang, rows)
    merges = _merges(rows, domains, joiner)
    covered = {(key, i) for key, start, end in merges for i in range(start + 1, end + 1)}
    values = (_cells(row, domains[i], joiner, covered={key for key in ("domain", "lead") if (key, i) in covered})
              for i, row in enumerate(rows))
    if rows:
        _item_row(ws, styles, FIRST_ROW, next(values))
    for key, start, end in merges:
        _merge_down(ws, COLUMN_INDEX[key], FIRST_ROW + start, FIRST_ROW + end)
    _legend_row(ws, styles, lang, FIRST_ROW + len(rows))
    _page_setup(ws)
    out = io.BytesIO()
    wb.save(out)
    if len(rows) < 2:
        if on_row is not None and rows:
            on_row(1, 1)
        return out.getvalue()
    column_styles = [ws.cell(row=FIRST_ROW, column=c).style_id for c in range(1, len(COLUMNS) + 1)]
    body = _rows_xml(values, FIRST_ROW + 1, column_styles, on_row, len(rows))
    return _insert_rows(out.getvalue(), ws.path.lstrip("/"), FIRST_ROW + len(rows), body)


def _merges(rows: Sequence[ExportRow], domains: list[str | None], joiner: str) -> list[tuple[str, int, int]]:
    """(column key, first, last row index) of each domain's group, and of a lead unit's run of rows
    within its group."""
    leads = [(domains[i], joiner.join(r.lead)) for i, r in enumerate(rows)]
    merges = [("domain", start, end) for start, end in _runs(domains) if end > start and domains[start]]
    merges += [("lead", start, end) for start, end in _runs(leads) if end > start and leads[start][1]]
    return merges


def _cells(row: ExportRow, domain: str | None, joiner: str, covered: set[str]) -> dict[str, Any]:
    """The values of an item's row, by column key; the `covered` ones are left empty (the merged cell
    above shows them: nothing hides under a merge)."""
    values = {
        "number": row.number, "domain": domain, "title": row.title, "investment": row.investment,
        "deadline": _deadline_value(row.deadline), "lead": joiner.join(row.lead),
        "responsible": joiner.join(row.responsible), "progress": row.progress, "problems": row.problems,
        "status": MARKS[row.status.value],
    }
    for key in covered:
        values[key] = None
    return values


def _height(values: dict[str, Any]) -> float:
    """An item's row height, enough for its longest wrapped text."""
    lines = max([_lines(str(values[key] or ""), chars) for key, chars in _WRAPPED_WIDTHS])
    return max(27, 13.5 * lines + 4)


def _item_row(ws: Worksheet, styles: _Styles, r: int, values: dict[str, Any]) -> None:
    """Write an item's row through openpyxl."""
    for c, (key, _, centred) in enumerate(COLUMNS, start=1):
        _put(ws, styles, r, c, values[key], "mark" if key == "status" else "body", centred)
    ws.cell(row=r, column=COLUMN_INDEX["deadline"]).number_format = "yyyy.m.d"
    ws.row_dimensions[r].height = _height(values)


def _rows_xml(rows: Iterable[dict[str, Any]], first: int, column_styles: Sequence[int],
              on_row: ProgressCallback | None, total: int) -> bytes:
    """The <row> elements of items' rows from row `first` on, each cell styled as its column's."""
    columns = [(get_column_letter(c), style, key) for c, ((key, _, _), style)
               in enumerate(zip(COLUMNS, column_styles, strict=True), start=1)]
    parts = []
    for r, values in enumerate(rows, start=first):
        cells = "".join([_cell_xml(f"{letter}{r}", style, values[key]) for letter, style, key in columns])
        parts.append(f'<row r="{r}" ht="{_height(values):.16g}" customHeight="1">{cells}</row>')
        done = r - FIRST_ROW + 1
        if on_row is not None and (done % 200 == 0 or done == total):
            on_row(done, total)
    return "".join(parts).encode()


def _cell_xml(ref: str, style: int, value: Any) -> str:
    """One cell as openpyxl writes it; every text an inline string, so none can be a formula."""
    if isinstance(value, str):
        value = _text(value)
        if not value:
            return f'<c r="{ref}" s="{style}" t="inlineStr"/>'
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{xml_escape(value)}</t></is></c>'
    if isinstance(value, date):
        value = to_excel(value)
    if value is None or not math.isfinite(value):
        return f'<c r="{ref}" s="{style}" t="n"/>'
    return f'<c r="{ref}" s="{style}" t="n"><v>{value:.16g}</v></c>'


def _insert_rows(xlsx: bytes, sheet: str, before: int, rows: bytes) -> bytes:
    """The workbook with `rows` put in its sheet's data just before row `before`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == sheet:
                at = data.index(f'<row r="{before}"'.encode())
                data = data[:at] + rows + data[at:]
            target.writestr(info, data)
    return out.getvalue()


def _title_rows(ws: Worksheet, styles: _Styles, lang: str, period: str, rows: Sequence[ExportRow]) -> None:
    """Row 1 the title, row 2 the header, row 3 the 合计 row."""
    width = len(COLUMNS)
    _put(ws, styles, 1, 1, table_title(lang, period), "title")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 36
    months = months_label(lang, period)
    for c, (key, chars, _) in enumerate(COLUMNS, start=1):
        _put(ws, styles, 2, c, t(lang, f"export.col.{key}", months=months), "head")
        ws.column_dimensions[get_column_letter(c)].width = chars
    ws.row_dimensions[2].height = 30
    investments = [r.investment for r in rows if r.investment is not None]
    for c, (key, _, _) in enumerate(COLUMNS, start=1):
        value: Any = None
        if key == "domain":
            value = t(lang, "export.total", count=len(rows))
        elif key == "investment" and investments:
            value = round(sum(investments), 6)
        _put(ws, styles, 3, c, value, "head")


def _merge_down(ws: Worksheet, column: int, top: int, bottom: int) -> None:
    """Merge a column's cells from `top` to `bottom`. Every cell already has its borders and the covered
    ones are empty, so the range is recorded as it is: `ws.merge_cells` would re-border each covered
    cell, seconds for a domain of a few thousand rows."""
    ws.merged_cells.add(CellRange(min_col=column, min_row=top, max_col=column, max_row=bottom))


def _legend_row(ws: Worksheet, styles: _Styles, lang: str, row: int) -> None:
    width = len(COLUMNS)
    _put(ws, styles, row, 1, t(lang, "export.legend"), "body", centred=False)
    for c in range(2, width + 1):
        styles.apply(ws.cell(row=row, column=c), "body", False)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 24


def _page_setup(ws: Worksheet) -> None:
    """Frozen header; printed landscape on A4, one page wide, the header on every page."""
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def export_progress_table(
    session: Session, *, today: date, lang: str, period: str | None = None, margin: int = 20,
    tz: tzinfo = OFFICE_TZ, on_row: ProgressCallback | None = None,
) -> bytes:
    """The progress table of `period` ("2021-07"; this month when None) as .xlsx bytes."""
    period = period or period_key("monthly", today)
    rows = progress_rows(session, today=today, period=period, lang=lang, margin=margin, tz=tz)
    return write_progress_table(rows, lang=lang, period=period, on_row=on_row)
