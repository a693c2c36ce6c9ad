"""The progress table (进展情况表) as .xlsx, in the layout offices send up the chain and print.

A title row, the header (序号, 主要领域, 年度目标任务, 年度投资, 完成时限, 牵头单位, 责任单位,
"1—7月份完成情况", 存在问题, 形象进度), a 合计 row, one row per item, domain cells merged over their
group (and the lead unit over a run of rows it shares), the legend row at the bottom. When the
office's own table was imported, its title and its headers are kept (and its columns, such as
"其中：区财政安排(万元)"), with the export's months put in place of the table's own.
Reading the file back with ``bot.tables.read_table`` gives the same items.

Printed, it is A4 landscape at a fixed scale chosen so the text stays at 9 pt or more, "第 N 页 共 M
页" in the footer and the header on every page. Row heights are worked out from the wrapped texts,
and the pages are laid out here rather than by the printer: a manual break ends each page, and a
domain or lead unit whose rows go on over a break is merged on each page apart, its label repeated
at the top of the next, so no printed page shows rows with an empty domain.

Each item shows its latest report written before the end of the chosen month (the whole history
when the month is the current one) and its mark as the digest rules give it on that month's last
day. Report texts are written as text cells, whatever they start with, so a report cannot smuggle
a formula into the supervisor's Excel.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from bot.instructions import with_notes
from bot.milestone_text import milestone_lines
from bot.texts import MARKS, section_index, t
from db import instructions, milestones
from db.export_queries import ExportData, ExportItem, OfficeTable, export_data
from db.facts import counted_mark
from db.gcpause import collector_paused
from db.models import Milestone, Status
from jobs.rules import ItemFacts, effective_status, indicator_percent, month_end, period_key

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
FIRST_ROW = 4  # after the title, the header and the 合计 row
DEFAULT_KIND = "重点工作"  # the kind the plain title names
_KIND_KEYS = {"民生实事": "export.kind_livelihood"}  # kinds with a name in English
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
    fiscal_investment: float | None = None
    item_id: int | None = None  # numbers repeat across lists: a row is picked out by its item's id


@dataclass(frozen=True)
class Heading:
    """What a table is titled and headed with: the year its items belong to, and the office's own title
    and column headers (by column key) when its table was imported."""

    year: int | None
    title: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    kind: str | None = None  # the list's kind (民生实事 …): the title names it; None: 重点工作
    words: str | None = None  # the list's name without its year ("普陀区民生实事"), for a Chinese title


class ExportRows(list[ExportRow]):
    """The rows of one export, with the heading they are shown under."""

    def __init__(self, rows: Iterable[ExportRow], heading: Heading) -> None:
        super().__init__(rows)
        self.heading = heading


# --------------------------------------------------------------------------- periods

_CN_MONTHS = {n: i for i, n in enumerate("一二三四五六七八九十", start=1)} | {"十一": 11, "十二": 12}
_CN_MONTH_NAMES = {i: n for n, i in _CN_MONTHS.items()}
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


def _shown_month(period: str, year: int | None) -> tuple[int, int]:
    """The year and month a table is titled with: the period's, but a period after the items' year
    shows that whole year (a 2021 list exported in 2026 is "2021年1—12月份", not "2026年")."""
    period_year, month = _month_of(period)
    if year is not None and period_year > year:
        return year, 12
    return period_year, month


def _months(lang: str, month: int) -> str:
    return t(lang, "export.months", month=month) if month > 1 else t(lang, "export.months_first")


def months_label(lang: str, period: str, year: int | None = None) -> str:
    """ "1—7月份": the months a cumulative progress table covers."""
    return _months(lang, _shown_month(period, year)[1])


def table_title(lang: str, period: str, rows: Sequence[ExportRow] | None = None) -> str:
    """The title of the table of `rows`: the office's own (its months made the export's) or
    "2021年1—7月份…进展情况表", the year the items' (the period's without `rows`)."""
    return _title(lang, period, Heading(year=None) if rows is None else _heading_of(rows))


def _title(lang: str, period: str, heading: Heading) -> str:
    year, month = _shown_month(period, heading.year)
    if lang == "zh" and heading.title:
        return _with_months(heading.title, year, month)
    if lang == "zh" and heading.words:
        return t(lang, "export.title_kind", year=year, months=_months(lang, month), kind=heading.words)
    if heading.kind and heading.kind != DEFAULT_KIND:
        kind = t(lang, _KIND_KEYS[heading.kind]) if heading.kind in _KIND_KEYS else heading.kind
        return t(lang, "export.title_kind", year=year, months=_months(lang, month), kind=kind)
    return t(lang, "export.title", year=year, months=_months(lang, month))


_MONTH_RANGE = re.compile(
    r"(?P<first>1|一)(?P<sep>\s*[-—–~至到]\s*)(?P<last>1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])(?P<suffix>\s*月份?)")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}(?=\s*年)")


def _with_months(text: str, year: int, month: int) -> str:
    """The office's title or header with the export's months and year in place of its own, in its own
    style: "1-7月普陀区…" for August becomes "1-8月普陀区…". A text naming no month range keeps its words."""
    def swap(m: re.Match[str]) -> str:
        if month == 1:
            return f"{m['first']}{m['suffix'].strip()}"
        last = str(month) if m["last"].isdigit() else _CN_MONTH_NAMES[month]
        return f"{m['first']}{m['sep']}{last}{m['suffix']}"

    return _YEAR.sub(str(year), _MONTH_RANGE.sub(swap, text, count=1), count=1)


def items_year(deadlines: Iterable[date | None], starts: Iterable[date | None] = ()) -> int | None:
    """The year a list's items belong to: the commonest year of their deadlines (of their start dates
    when none has a deadline); the earlier on a tie, None for no items."""
    for dates in (deadlines, starts):
        years = Counter(d.year for d in dates if d is not None)
        if years:
            return min(years, key=lambda y: (-years[y], y))
    return None


def _heading_of(rows: Sequence[ExportRow]) -> Heading:
    heading = getattr(rows, "heading", None)
    return heading if isinstance(heading, Heading) else Heading(year=items_year(r.deadline for r in rows))


# --------------------------------------------------------------------------- rows

# bot.tables' field names for the columns whose keys here are shorter.
_FIELD_KEYS = {"lead_units": "lead", "responsible_units": "responsible", "progress_text": "progress"}


@collector_paused()
def progress_rows(
    session: Session, *, today: date, period: str, lang: str, margin: int = 20, tz: tzinfo = OFFICE_TZ,
    list_id: int | None = None,
) -> ExportRows:
    """The list's items (the main list's when None) as of the end of `period`, with the heading they are
    shown under (eight queries, whatever the item count)."""
    year, month = _month_of(period)
    last_day = month_end(year, month)
    cutoff = datetime.combine(last_day + timedelta(days=1), time(0), tz)
    data = export_data(session, before=cutoff, through=(year, month), list_id=list_id)
    as_of = min(today, last_day)
    rows = rows_from_data(data, as_of=as_of, margin=margin, lang=lang)
    # The milestones (节点) follow the item's progress, each ✓ or due or overdue as of the month's end.
    rows = with_milestones(rows, milestones.milestones_by_item(session, item_ids=[i.id for i in data.items]),
                           data.unit_names, as_of=as_of, cutoff=cutoff, lang=lang)
    # The latest leader's instruction (领导批示) follows them.
    rows = with_notes(rows, instructions.latest_by_item(session, before=cutoff), lang)
    return ExportRows(rows, heading_from_data(data))


def with_milestones(rows: Sequence[ExportRow], nodes: Mapping[int, Sequence[Milestone]], unit_names: Mapping[int, str],
                    *, as_of: date, cutoff: datetime, lang: str) -> list[ExportRow]:
    """Rows with "节点：1/3 已完成" and a line a milestone after the progress of items that have some; one
    done after `cutoff` (the end of the month shown) shows as it stood then."""
    out = []
    for row in rows:
        own = nodes.get(row.item_id or 0)
        if not own:
            out.append(row)
            continue
        shown = [m if m.done_at is None or m.done_at < cutoff else m.model_copy(update={"done_at": None}) for m in own]
        done = sum(1 for m in shown if m.done_at is not None)
        lines = [t(lang, "node.export", done=done, count=len(shown)), *milestone_lines(lang, shown, unit_names, as_of)]
        text = html.unescape("\n".join(lines))
        out.append(replace(row, progress="\n".join(p for p in (row.progress, text) if p)))
    return out


def heading_from_data(data: ExportData) -> Heading:
    """The list's year and kind (without a list, the items' year), and the office's title and headers (by
    column key) when its table was imported."""
    office: OfficeTable = data.office
    headers = {_FIELD_KEYS.get(name, name): text for name, text in office.headers.items()}
    year = data.task_list.year if data.task_list is not None else items_year(
        (i.deadline for i in data.items), (i.start_date for i in data.items))
    chosen = data.task_list
    return Heading(year=year, title=office.title, headers={k: v for k, v in headers.items() if k in _COLUMN_SPECS},
                   kind=chosen.kind if chosen is not None else None,
                   words=_YEAR_PREFIX.sub("", chosen.name).strip() or None if chosen is not None else None)


_YEAR_PREFIX = re.compile(r"^\s*(?:19|20)[0-9]{2}\s*年度?")


def rows_from_data(data: ExportData, *, as_of: date, margin: int, lang: str) -> list[ExportRow]:
    """Export rows from what the queries read; marks from the digest's rules on `as_of`."""
    return [_row(item, data, effective_status(_facts(item, data, as_of), as_of, margin), lang) for item in data.items]


def _facts(item: ExportItem, data: ExportData, as_of: date) -> ItemFacts:
    report = data.latest.get(item.id)
    closing = "" if item.closed_on is not None and item.closed_on > as_of else item.closing_state
    return ItemFacts(
        id=item.id, number=item.number, title=item.title, domain=item.domain, start=item.start_date,
        deadline=item.deadline, cycle=item.report_cycle, lead_unit_ids=data.links.get((item.id, "lead"), ()),
        responsible_unit_ids=data.links.get((item.id, "responsible"), ()),
        declared=counted_mark(report.status if report else None, report.source if report else None, closing),
        percent=report.percent if report else None, official=report is not None and report.source == "import",
        closing=closing,
    )


def _row(item: ExportItem, data: ExportData, status: Status, lang: str) -> ExportRow:
    report = data.latest.get(item.id)
    names = data.unit_names
    progress = report.text if report else ""
    if report is not None and report.current_value is not None and item.target_value is not None:
        progress = "\n".join(p for p in (progress, _indicator_line(lang, item, report.current_value)) if p)
    return ExportRow(
        number=item.number, domain=item.domain, title=item.title, investment=item.investment,
        fiscal_investment=item.fiscal_investment, deadline=item.deadline,
        lead=[names.get(i, "?") for i in data.links.get((item.id, "lead"), ())],
        responsible=[names.get(i, "?") for i in data.links.get((item.id, "responsible"), ())],
        progress=progress, problems=(report.problems or "") if report else "", status=status, item_id=item.id,
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



# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Spec:
    width: float  # in characters, as Excel counts them; 0 for a long text, which shares what is left
    centred: bool
    share: float = 0


# In the office's order (the Putuo table's). Long texts share what the others leave of TABLE_WIDTH.
_COLUMN_SPECS: dict[str, _Spec] = {
    "number": _Spec(4, True), "domain": _Spec(7, True), "title": _Spec(0, False, 21),
    "investment": _Spec(7, True), "fiscal_investment": _Spec(7, True), "deadline": _Spec(9, True),
    "lead": _Spec(8, True), "responsible": _Spec(9, True), "progress": _Spec(0, False, 36),
    "problems": _Spec(0, False, 12), "status": _Spec(4.5, True),
}
_ORDER = {key: i for i, key in enumerate(_COLUMN_SPECS)}
_ALWAYS = ("number", "domain", "title", "investment", "deadline", "lead", "responsible", "progress", "problems", "status")
_OFFICE_ALWAYS = ("number", "title", "lead", "responsible", "progress", "status")
_LABELS = ("domain", "lead")  # merged over their rows, so their height is their run's, not a row's
_TEXTS = ("title", "responsible", "progress", "problems")  # the others' values take one line

# Column widths are counted in digits of the workbook's normal font. It is Courier New, for every
# monospace face has the same digits (0.6 em: Courier New, Liberation Mono, DejaVu Sans Mono…), so a
# column is as wide in Excel (9 px a digit, and 5 more) as in LibreOffice with whatever fonts it has
# (8.8 px): with Calibri a column was a third wider where LibreOffice falls back on DejaVu Sans. The
# cells themselves are all 宋体. The scale is worked out for the wider, so the table never runs onto
# a second page across, and the texts are wrapped for the narrower, so none is cut; TABLE_WIDTH keeps
# the scale at 100 %, the text at 10 pt.
NORMAL_FONT = Font(name="Courier New", sz=11, family=3)
TABLE_WIDTH = 112
_PAPER = (11.69, 8.27)  # A4 landscape, inches
_MARGINS = {"left": 0.25, "right": 0.25, "top": 0.5, "bottom": 0.6, "header": 0.3, "footer": 0.3}
_WIDEST_DIGIT_PX, _COLUMN_PADDING_PX = 9, 5  # Excel's
_NARROWEST_CHAR_PT = 6.6  # LibreOffice's digit, 8.8 px
_CELL_PADDING_PT = 4  # left and right together
_FOOTER_SPACING_PT = 8  # LibreOffice keeps this between the body and the footer
_FILL = 0.98  # of a page's height: room for rounding, so the printer never breaks before we do
_MAX_BREAKS = 1026  # Excel keeps no more manual page breaks than this
_MAX_HEIGHT = 409  # points: Excel's tallest row

BODY_PT, HEAD_PT, TITLE_PT, MARK_PT = 10, 10, 16, 12
_LINE = 1.45  # line pitch per point of type: Noto Sans CJK's, the tallest of the usual CJK faces
_ROW_PADDING_PT = 5
_ASCII_EM = 0.6  # DejaVu Sans's letters, digits and spaces, on average: wider than SimSun's or Noto's


@dataclass(frozen=True)
class _Layout:
    """The columns of one table, their widths and headers, and the scale it prints at."""

    keys: tuple[str, ...]
    widths: tuple[float, ...]
    headers: tuple[str, ...]
    title: str
    scale: int

    def column(self, key: str) -> int | None:
        """The 1-based column of `key`, None when the table does not have it."""
        return self.keys.index(key) + 1 if key in self.keys else None

    def ems(self, key: str, size: float = BODY_PT) -> float:
        """How many ems of `size` type fit on a line of the column `key` (of the whole width for "")."""
        width = sum(self.widths) if key == "" else self.widths[self.keys.index(key)]
        return (width * _NARROWEST_CHAR_PT - _CELL_PADDING_PT) / size


def _layout(rows: Sequence[ExportRow], heading: Heading, lang: str, period: str) -> _Layout:
    """The table's columns: ours, or the office's when its headers are known, and any our data fills
    (the fiscal investment when items have it), in the office's order."""
    present = {
        "domain": any(r.domain for r in rows), "investment": any(r.investment is not None for r in rows),
        "fiscal_investment": any(r.fiscal_investment is not None for r in rows),
        "deadline": any(r.deadline is not None for r in rows), "problems": any(r.problems for r in rows),
    }
    office = dict(heading.headers) if lang == "zh" else {}
    always = _OFFICE_ALWAYS if heading.headers else _ALWAYS  # the office's columns, or ours
    wanted = {k for k in _COLUMN_SPECS if k in always or k in heading.headers or present.get(k)}
    keys = _in_office_order(wanted, list(heading.headers))
    year, month = _shown_month(period, heading.year)
    months = _months(lang, month)
    headers = tuple(_with_months(office[k], year, month) if k in office
                    else t(lang, f"export.col.{k}", months=months) for k in keys)
    least = [_word_width(h) for h in headers]
    fixed = [max(_COLUMN_SPECS[k].width, w) if _COLUMN_SPECS[k].width else 0 for k, w in zip(keys, least, strict=True)]
    shares = sum(_COLUMN_SPECS[k].share for k in keys)
    widths = tuple(f or max(w, round((TABLE_WIDTH - sum(fixed)) * _COLUMN_SPECS[k].share / shares, 1))
                   for k, f, w in zip(keys, fixed, least, strict=True))
    printable_px = (_PAPER[0] - _MARGINS["left"] - _MARGINS["right"]) * 96
    scale = min(100, math.floor(100 * printable_px / sum(w * _WIDEST_DIGIT_PX + _COLUMN_PADDING_PX for w in widths)))
    return _Layout(keys, widths, headers, _title(lang, period, heading), scale)


def _word_width(header: str) -> float:
    """The width (in characters) a header's longest Latin word takes in bold: words are not broken."""
    longest = max((len(word) for word in re.findall(r"[!-~]+", header)), default=0)
    return math.ceil((longest * _ASCII_EM * 1.1 * HEAD_PT + _CELL_PADDING_PT) / _NARROWEST_CHAR_PT * 2) / 2


def _in_office_order(keys: set[str], office: list[str]) -> tuple[str, ...]:
    """`keys` in the office's order, each of ours it lacks put after the last column that comes before it
    in ours."""
    order = [k for k in office if k in keys]
    for key in sorted(keys - set(order), key=_ORDER.__getitem__):
        before = [i for i, k in enumerate(order) if _ORDER[k] < _ORDER[key]]
        order.insert(before[-1] + 1 if before else 0, key)
    return tuple(order)


def _lines(text: str, ems: float) -> int:
    """Lines a text takes wrapped `ems` wide (a little more, never fewer). A CJK character (3 bytes in
    UTF-8) is an em wide, others _ASCII_EM; a line loses an em to the rule that no line starts with
    "，" and a fifth of its Latin share to words kept whole."""
    if len(text) <= ems and "\n" not in text:  # most cells: short enough whatever the characters
        return 1
    lines = 0
    for line in text.split("\n"):
        wide = (len(line.encode()) - len(line)) // 2
        narrow = len(line) - wide
        width = wide + _ASCII_EM * narrow
        per_line = max(1.0, ems * (1 - 0.1 * narrow / max(1, len(line))) - 1)
        lines += max(1, math.ceil(width / per_line))
    return lines


def _pixels(height: float) -> float:
    """A row height rounded up to whole pixels (LibreOffice rounds a row down to them), at most Excel's
    tallest row."""
    return min(_MAX_HEIGHT, math.ceil(height / 0.75 - 1e-9) * 0.75)


_TOKENS = re.compile(r"[!-~]+|\s|.")


def _laid_out_lines(text: str, ems: float, bold: float = 1.1) -> int:
    """Lines a short text takes wrapped `ems` wide, laid out word by word (a Latin word is kept whole
    unless it is wider than the line): exact where the estimate of `_lines` is loose, for headers."""
    lines = 0
    for paragraph in text.split("\n"):
        lines, used = lines + 1, 0.0
        for token in _TOKENS.findall(paragraph):
            width = (0.5 if token.isspace() else _ASCII_EM * len(token) if token.isascii() else 1.0) * bold
            if used + width > ems and used > 0 and not token.isspace():
                lines, used = lines + 1, 0.0
            while width > ems:  # a word wider than the line is broken
                lines, width = lines + 1, width - ems
            used += width
    return lines


def _points(lines: int, size: float, least: float = 0) -> float:
    """The height of `lines` lines of `size` type with the cell's padding, at least `least`."""
    return _pixels(max(least, lines * size * _LINE + _ROW_PADDING_PT))


_ONE_LINE = _points(1, MARK_PT)  # the marks are larger than the text


def _height(values: dict[str, Any], ems: Sequence[tuple[str, float]]) -> float:
    """An item's row height, enough for its longest wrapped text in the columns `ems` (key, room)."""
    lines = max([_lines(text, room) for key, room in ems
                 if len(text := values[key] or "") > room or "\n" in text], default=1)
    return _points(lines, BODY_PT, least=_ONE_LINE)


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class _Block:
    """A label merged over rows `start`…`end` (item indices) of column `key`, all on one page."""

    key: str
    start: int
    end: int
    text: str


Labels = dict[str, tuple[Sequence[object], Sequence[str | None]]]  # column key -> (runs' values, texts)


def _runs(values: Sequence[object]) -> list[tuple[int, int]]:
    """(start, end) index ranges of equal neighbouring values, end inclusive."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def _paginate(heights: list[float], labels: Labels, layout: _Layout,
              *, first: float, repeated: float, tail: float) -> tuple[list[int], list[_Block]]:
    """The item indices that begin a page (len(heights) when the legend, `tail` high, goes alone), and
    the label blocks, cut at the page starts.

    As many rows go on a page as fit under its headings (`first` high on page 1, the repeated header
    `repeated` on the others), counting the room a block's label needs: where a block's rows on a page
    are lower than its label, its last row there is made taller (`heights` is changed in place)."""
    page = (_PAPER[1] * 72 - (_MARGINS["top"] + _MARGINS["bottom"]) * 72 - _FOOTER_SPACING_PT) \
        * 100 / layout.scale * _FILL
    ems = {key: layout.ems(key) for key in labels}
    needs: dict[tuple[str, str], float] = {}  # a unit leads many runs of rows

    def need(key: str, text: str | None) -> float:
        if not text:
            return 0
        if (key, text) not in needs:
            needs[key, text] = _points(_lines(text, ems[key]), BODY_PT)
        return needs[key, text]
    starts: list[int] = []
    blocks: list[_Block] = []
    open_: dict[str, list[Any]] = {}  # key -> [start, height so far on this page, height its label needs]
    used = top = first

    def close(keys: Iterable[str], last: int) -> float:
        """End the blocks of `keys` at row `last`, making it taller if one needs; the height added."""
        closing = [open_.pop(key) + [key] for key in keys if key in open_]
        grow = max([need - height for _, height, need, _ in closing] + [0])
        if grow > 0:
            heights[last] = _pixels(heights[last] + grow)
            for block in open_.values():
                block[1] += grow
        blocks.extend(_Block(key, start, last, labels[key][1][start] or "") for start, _, _, key in closing)
        return grow

    def opened(i: int, height: float) -> dict[str, list[Any]]:
        """The blocks open once row `i` is on the page: the open ones carried on, new ones begun."""
        after = {}
        for key, (values, texts) in labels.items():
            block = open_.get(key)
            if block is not None and values[i] == values[block[0]]:
                after[key] = [block[0], block[1] + height, block[2]]
            else:
                after[key] = [i, height, need(key, texts[i])]
        return after

    for i, height in enumerate(heights):
        used += close([k for k in labels if k in open_ and labels[k][0][i] != labels[k][0][open_[k][0]]], i - 1)
        after = opened(i, height)
        if used + height + max([need - h for _, h, need in after.values()] + [0]) > page and used > top:
            close(list(open_), i - 1)  # its growth was counted when row i - 1 went on
            starts.append(i)
            used = top = repeated
            after = opened(i, height)
        open_ = after
        used += height
    used += close(list(open_), len(heights) - 1)
    if used + tail > page and used > top:
        starts.append(len(heights))
    return starts, [block for block in blocks if block.text]


# --------------------------------------------------------------------------- workbook

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY = Font(name="宋体", size=BODY_PT)
_HEAD = Font(name="宋体", size=HEAD_PT, bold=True)
_TITLE = Font(name="宋体", size=TITLE_PT, bold=True)
_MARK = Font(name="宋体", size=MARK_PT)
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
                         on_row: ProgressCallback | None = None, heading: Heading | None = None) -> bytes:
    """The .xlsx file of the progress table; `on_row(done, total)` follows the rows written. The heading
    is `heading`, else the one ``progress_rows`` gave its rows, else ours with the year of the deadlines.

    openpyxl writes the sheet around the items (title, header, 合计, the first item's row, the legend,
    merges, widths, page setup). The other items' rows, thousands of alike cells, are then put in as
    the XML openpyxl would write for them, with the styles it gave the first item's cells: through
    openpyxl's cells they took four seconds for 10,000 items."""
    layout = _layout(rows, heading or _heading_of(rows), lang, period)
    wb = Workbook()
    wb._fonts = IndexedList([NORMAL_FONT])  # the normal style's font, before any cell is styled
    ws = wb.active
    ws.title = t(lang, "export.sheet")
    styles = _Styles(ws)
    joiner = t(lang, "list_sep")
    domains = _domain_labels(lang, rows) if layout.column("domain") else [None] * len(rows)
    values = [_cells(row, domains[i], joiner) for i, row in enumerate(rows)]
    ems = [(key, layout.ems(key)) for key in layout.keys if key in _TEXTS]
    heights = [_height(v, ems) for v in values]
    leads = [v["lead"] for v in values]
    labels: Labels = {"domain": (domains, domains), "lead": (list(zip(domains, leads, strict=True)), leads)}
    top = _title_rows(ws, styles, lang, layout, rows)
    legend = _legend_row(ws, styles, lang, layout, FIRST_ROW + len(rows))
    starts, blocks = _paginate(heights, labels, layout, first=sum(top), repeated=top[1], tail=legend)
    for block in blocks:
        for i in range(block.start + 1, block.end + 1):
            values[i][block.key] = None  # the merged cell above shows it: nothing hides under a merge
    if rows:
        _item_row(ws, styles, layout, FIRST_ROW, values[0], heights[0])
    _merge_down(ws, [(layout.column(b.key) or 0, FIRST_ROW + b.start, FIRST_ROW + b.end)
                     for b in blocks if b.end > b.start])
    _page_setup(ws, layout, lang, [FIRST_ROW + i - 1 for i in starts])
    out = io.BytesIO()
    wb.save(out)
    if len(rows) < 2:
        if on_row is not None and rows:
            on_row(1, 1)
        return out.getvalue()
    column_styles = [ws.cell(row=FIRST_ROW, column=c).style_id for c in range(1, len(layout.keys) + 1)]
    body = _rows_xml(values[1:], heights[1:], FIRST_ROW + 1, layout, column_styles, on_row, len(rows))
    return _insert_rows(out.getvalue(), ws.path.lstrip("/"), FIRST_ROW + len(rows), body)


def _cells(row: ExportRow, domain: str | None, joiner: str) -> dict[str, Any]:
    """The values of an item's row, by column key."""
    return {
        "number": row.number, "domain": domain, "title": row.title, "investment": row.investment,
        "fiscal_investment": row.fiscal_investment, "deadline": _deadline_value(row.deadline),
        "lead": joiner.join(row.lead), "responsible": joiner.join(row.responsible), "progress": row.progress,
        "problems": row.problems, "status": MARKS[row.status.value],
    }


def _item_row(ws: Worksheet, styles: _Styles, layout: _Layout, r: int, values: dict[str, Any],
              height: float) -> None:
    """Write an item's row through openpyxl."""
    for c, key in enumerate(layout.keys, start=1):
        _put(ws, styles, r, c, values[key], "mark" if key == "status" else "body", _COLUMN_SPECS[key].centred)
    if deadline := layout.column("deadline"):
        ws.cell(row=r, column=deadline).number_format = "yyyy.m.d"
    ws.row_dimensions[r].height = height


def _rows_xml(rows: Iterable[dict[str, Any]], heights: Sequence[float], first: int, layout: _Layout,
              column_styles: Sequence[int], on_row: ProgressCallback | None, total: int) -> bytes:
    """The <row> elements of items' rows from row `first` on, each cell styled as its column's."""
    columns = [(get_column_letter(c), style, key) for c, (key, style)
               in enumerate(zip(layout.keys, column_styles, strict=True), start=1)]
    parts = []
    for r, (values, height) in enumerate(zip(rows, heights, strict=True), start=first):
        cells = "".join([_cell_xml(f"{letter}{r}", style, values[key]) for letter, style, key in columns])
        parts.append(f'<row r="{r}" ht="{height:.16g}" customHeight="1">{cells}</row>')
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


def _title_rows(ws: Worksheet, styles: _Styles, lang: str, layout: _Layout,
                rows: Sequence[ExportRow]) -> tuple[float, ...]:
    """Row 1 the title, row 2 the header, row 3 the 合计 row; their heights."""
    width = len(layout.keys)
    _put(ws, styles, 1, 1, layout.title, "title")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    heights = [_points(_lines(layout.title, layout.ems("", TITLE_PT)), TITLE_PT, least=36)]
    for c, (header, chars) in enumerate(zip(layout.headers, layout.widths, strict=True), start=1):
        _put(ws, styles, 2, c, header, "head")
        ws.column_dimensions[get_column_letter(c)].width = chars
    lines = max(_laid_out_lines(h, layout.ems(k, HEAD_PT)) for k, h in zip(layout.keys, layout.headers, strict=True))
    heights.append(_points(lines, HEAD_PT, least=30))
    totals: dict[str, Any] = {"domain" if layout.column("domain") else "title":
                              t(lang, "export.total", count=len(rows))}
    for key in ("investment", "fiscal_investment"):
        figures = [getattr(r, key) for r in rows if getattr(r, key) is not None]
        if figures:
            totals[key] = round(sum(figures), 6)
    for c, key in enumerate(layout.keys, start=1):
        _put(ws, styles, 3, c, totals.get(key), "head")
    lines = max(_laid_out_lines(str(v), layout.ems(k, HEAD_PT)) for k, v in totals.items())
    heights.append(_points(lines, HEAD_PT, least=21))
    for r, height in enumerate(heights, start=1):
        ws.row_dimensions[r].height = height
    return tuple(heights)


def _merge_down(ws: Worksheet, ranges: Iterable[tuple[int, int, int]]) -> None:
    """Merge each (column, top, bottom) range of cells. Every cell already has its borders and the covered
    ones are empty, so the ranges are recorded as they are: `ws.merge_cells` would re-border each covered
    cell, seconds for a domain of a few thousand rows, and `merged_cells.add` compares each range with
    all those before it, seconds for a few thousand ranges. They do not overlap."""
    ws.merged_cells.ranges.update(CellRange(min_col=column, min_row=top, max_col=column, max_row=bottom)
                                  for column, top, bottom in ranges)


def _legend_row(ws: Worksheet, styles: _Styles, lang: str, layout: _Layout, row: int) -> float:
    """The legend under the items, merged across; its height."""
    width = len(layout.keys)
    legend = t(lang, "export.legend")
    _put(ws, styles, row, 1, legend, "body", centred=False)
    for c in range(2, width + 1):
        styles.apply(ws.cell(row=row, column=c), "body", False)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    height = _points(_lines(legend, layout.ems("")), BODY_PT, least=24)
    ws.row_dimensions[row].height = height
    return height


def _page_setup(ws: Worksheet, layout: _Layout, lang: str, breaks: Sequence[int]) -> None:
    """Frozen header; printed landscape on A4 at the layout's scale, the header on every page, the page
    number in the footer, a manual break after each of the rows `breaks`. A fixed scale rather than
    "fit to one page wide": Excel ignores manual breaks when fitting, and the breaks need a known scale."""
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = layout.scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.print_options.horizontalCentered = True
    for side, inches in _MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = t(lang, "export.footer")
    ws.oddFooter.center.size = BODY_PT
    ws.oddFooter.center.font = "宋体"
    ws.row_breaks.brk = [Break(id=row) for row in breaks[:_MAX_BREAKS]]  # append() copies the list each time


def export_progress_table(
    session: Session, *, today: date, lang: str, period: str | None = None, margin: int = 20,
    list_id: int | None = None,
    tz: tzinfo = OFFICE_TZ, on_row: ProgressCallback | None = None,
) -> bytes:
    """The progress table of `period` ("2021-07"; this month when None) as .xlsx bytes."""
    period = period or period_key("monthly", today)
    rows = progress_rows(session, today=today, period=period, lang=lang, margin=margin, tz=tz, list_id=list_id)
    return write_progress_table(rows, lang=lang, period=period, on_row=on_row)
