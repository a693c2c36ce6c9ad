"""Uploaded files as grids of cell values: .xlsx (openpyxl), .xls/.et and .ods (python-calamine), the tables
of a .docx (python-docx), and CSV or tab-separated text in UTF-8/GBK/GB18030/UTF-16.

Every reader gives the same :class:`Grid`: the rows with content, numbered as the office sees them, with
each merged range's value copied into the cells it covers (and the copies marked, so a merged 序号, 主要领域
or 牵头单位 cell applies to each row it spans). Merges come from the file itself: openpyxl and calamine
report them for .xlsx and .xls, the spans of an .ods are read from its content.xml (calamine does not
report them), and python-docx repeats a merged Word cell in each grid position it covers. Where a file
has lost its merges (Word tables whose merged cells come back empty), ``Grid.merges_lost`` says so and
the table reader carries labels down over the empty cells instead.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import iterparse

__all__ = ["MAX_BYTES", "Grid", "TableError", "grid_from_rows", "read_grids"]

MAX_BYTES = 10 * 1024 * 1024

_MAX_UNZIPPED = 300 * 1024 * 1024  # a zipped file under MAX_BYTES that inflates beyond this is a zip bomb
_MAX_COLS = 64

Merge = tuple[int, int, int, int]  # (first row, first column, last row, last column), 1-based, inclusive


class TableError(Exception):
    """A file that cannot be read as a task table."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code  # "too_large" | "not_spreadsheet" | "no_header" | "empty"
        self.detail = detail  # short English detail for logs


def _clean_value(value: Any) -> Any:
    """Cell value with blank strings as None and surrounding whitespace removed."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        return value or None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------- grid


@dataclass
class Grid:
    """A sheet as rows of cell values; only rows with content, merged ranges filled in."""

    rows: list[list[Any]]
    row_no: list[int]  # 1-based source row of each grid row
    copies: dict[tuple[int, int], int]  # (row, col) filled from a merged range -> the anchor's grid row
    number_format: Callable[[int, int], str] | None = None
    merges_lost: bool = False  # merged cells came back empty (see the module docstring)

    def own(self, r: int, c: int) -> Any:
        """The value written in this very cell (None for merge copies)."""
        return None if (r, c) in self.copies else self.rows[r][c]

    def get(self, r: int, c: int | None) -> Any:
        if c is None or c >= len(self.rows[r]):
            return None
        return self.rows[r][c]

    def is_copy(self, r: int, c: int) -> bool:
        return (r, c) in self.copies

    def own_cells(self, r: int) -> list[tuple[int, Any]]:
        return [(c, v) for c, v in enumerate(self.rows[r]) if v is not None and (r, c) not in self.copies]


def grid_from_rows(rows: list[list[Any]], row_no: list[int]) -> Grid:
    width = max((len(r) for r in rows), default=0)
    return Grid([r + [None] * (width - len(r)) for r in rows], row_no, {})


def _cells_grid(cells: dict[int, dict[int, Any]], merges: list[Merge], max_rows: int) -> Grid:
    """A grid from {row: {col: value}} (1-based, non-empty cells only) and the sheet's merged ranges."""
    if len(cells) > max_rows:
        raise TableError("too_large", f"{len(cells)} rows, more than {max_rows}")
    row_no = sorted(cells)
    width = max((max(cols) for cols in cells.values()), default=0)
    rows: list[list[Any]] = [[None] * width for _ in row_no]
    for i, r in enumerate(row_no):
        for c, v in cells[r].items():
            rows[i][c - 1] = v
    grid = Grid(rows, row_no, {})
    index = {r: i for i, r in enumerate(row_no)}
    for r0, c0, r1, c1 in merges:
        value = cells.get(r0, {}).get(c0)
        if value is None:
            continue
        anchor = index[r0]
        for i in range(bisect_left(row_no, r0), bisect_right(row_no, r1)):
            for c in range(c0 - 1, min(c1, width)):
                if (i, c) != (anchor, c0 - 1) and rows[i][c] is None:
                    rows[i][c] = value
                    grid.copies[(i, c)] = anchor
    return grid


# --------------------------------------------------------------------------- sniffing

_OLE = b"\xd0\xcf\x11\xe0"
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def _zip_kind(data: bytes) -> str:
    """ "xlsx", "ods" or "docx" for a zipped office file; raises TableError for others and zip bombs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            mime = zf.read("mimetype")[:100] if "mimetype" in zf.namelist() else b""
    except (zipfile.BadZipFile, ValueError, OSError, KeyError) as exc:
        raise TableError("not_spreadsheet", f"damaged zip/xlsx: {type(exc).__name__}") from None
    if sum(i.file_size for i in infos) > _MAX_UNZIPPED:
        raise TableError("too_large", "the file inflates beyond the size limit")
    names = {i.filename for i in infos}
    if any(n.endswith("workbook.xml") for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if mime.startswith(_ODS_MIME) and "content.xml" in names:
        return "ods"
    raise TableError("not_spreadsheet", "a zip file but not an .xlsx, .ods or .docx (save as .xlsx)")


def _sniff(data: bytes, filename: str) -> str:
    """ "xlsx", "ods", "docx", "ole" (.xls/.et) or "text", by content; raises TableError for formats we refuse."""
    name = filename.lower()
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(b"PK"):
        return _zip_kind(data)
    if data.startswith(b"%PDF"):
        raise TableError("not_spreadsheet", "a PDF, not a spreadsheet: send the .xlsx")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise TableError("not_spreadsheet", "HTML/XML saved under a spreadsheet name: open it and save as .xlsx")
    if name.endswith((".doc", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".zip", ".rar")):
        raise TableError("not_spreadsheet", f"a {name.rsplit('.', 1)[-1]} file: send the table as .xlsx or .csv")
    # Anything else is tried as text: systems that "export to Excel" often write
    # tab-separated text named .xls; random bytes fail decoding below.
    return "text"


# --------------------------------------------------------------------------- .xlsx (openpyxl: merges and number formats)


def _open_workbook(data: bytes) -> Any:
    import openpyxl  # slow import: only when a workbook arrives

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise TableError("not_spreadsheet", f"cannot open workbook: {type(exc).__name__}") from None


def _sheet_cells(ws: Any) -> dict[int, dict[int, Any]]:
    """{row: {col: value}} of the non-empty cells, 1-based."""
    out: dict[int, dict[int, Any]] = {}
    cells = getattr(ws, "_cells", None)
    # ws._cells holds only the cells in the file; iter_rows would create every empty one
    # up to max_row x max_column, which explodes on sheets formatted down to row 1048576.
    items = cells.items() if isinstance(cells, dict) else (
        ((c.row, c.column), c) for row in ws.iter_rows() for c in row
    )
    for (r, c), cell in items:
        if c > _MAX_COLS:
            continue
        value = _clean_value(cell.value)
        if value is not None:
            out.setdefault(r, {})[c] = value
    return out


def _sheet_grid(ws: Any, max_rows: int) -> Grid:
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    grid = _cells_grid(_sheet_cells(ws), merges, max_rows)

    def number_format(r: int, c: int) -> str:
        return str(ws.cell(row=grid.row_no[r], column=c + 1).number_format or "General")

    grid.number_format = number_format
    return grid


def _xlsx_grids(data: bytes, max_rows: int) -> Iterator[tuple[str, Grid]]:
    wb = _open_workbook(data)
    sheets = [ws for ws in wb.worksheets if hasattr(ws, "merged_cells")]
    sheets.sort(key=lambda ws: ws.sheet_state != "visible")  # stable: visible sheets first, in order
    for ws in sheets:
        yield ws.title, _sheet_grid(ws, max_rows)


# --------------------------------------------------------------------------- .xls, .et and .ods (python-calamine)


def _calamine_grids(data: bytes, max_rows: int, kind: str) -> Iterator[tuple[str, Grid]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own errors and ValueError on damaged or foreign files
        what = "an old Word .doc or a damaged .xls (save it as .docx or .xlsx)" if kind == "ole" else "a damaged .ods"
        raise TableError("not_spreadsheet", f"{what}: {type(exc).__name__}") from None
    spans = _ods_spans(data) if kind == "ods" else {}
    sheets = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    sheets.sort(key=lambda m: m.visible != SheetVisibleEnum.Visible)
    for meta in sheets:
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False, nrows=max_rows * 4 + 100)
            merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
        except Exception as exc:
            raise TableError("not_spreadsheet", f"cannot read sheet: {type(exc).__name__}") from None
        cells: dict[int, dict[int, Any]] = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row[:_MAX_COLS], start=1):
                value = _clean_value(value)
                if value is not None:
                    cells.setdefault(r, {})[c] = value
        grid = _cells_grid(cells, merges or spans.get(meta.name, []), max_rows)
        grid.merges_lost = kind == "ods" and not spans  # an .ods whose spans could not be read
        yield meta.name, grid


_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_spans(data: bytes) -> dict[str, list[Merge]]:
    """{sheet: merged ranges} from an .ods's content.xml (cells with number-rows/columns-spanned)."""
    out: dict[str, list[Merge]] = {}
    name, row, col, repeat = "", 0, 0, 1
    t = _TABLE_NS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("content.xml") as xml:
            for event, elem in iterparse(xml, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == f"{t}table":
                        name, row = elem.get(f"{t}name", ""), 0
                    elif tag == f"{t}table-row":
                        col, repeat = 0, int(elem.get(f"{t}number-rows-repeated", "1"))
                    elif tag in (f"{t}table-cell", f"{t}covered-table-cell"):
                        rows = int(elem.get(f"{t}number-rows-spanned", "1"))
                        cols = int(elem.get(f"{t}number-columns-spanned", "1"))
                        if rows > 1 or cols > 1:
                            out.setdefault(name, []).append((row + 1, col + 1, row + rows, col + cols))
                        col += int(elem.get(f"{t}number-columns-repeated", "1"))
                elif tag == f"{t}table-row":
                    row += repeat
                    elem.clear()
    except Exception:  # no spans is only a weaker reading of the merges, never a refusal
        return out
    return out


# --------------------------------------------------------------------------- Word tables (python-docx)


def _docx_grids(data: bytes, max_rows: int) -> Iterator[tuple[None, Grid]]:
    """Each table of the document in turn, with the short paragraphs just above it as its title rows, and
    the tables that follow it with the same number of columns (a table continued after a page break or
    one table per section) joined below it, the short paragraphs between them as section rows."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Any] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                blocks.append(_word_table(block))
            elif block.text.strip():
                blocks.append(_one_paragraph(block.text))
    except TableError:
        raise
    except Exception as exc:  # python-docx raises many kinds on damaged files
        raise TableError("not_spreadsheet", f"cannot open the Word document: {type(exc).__name__}") from None
    for i, block in enumerate(blocks):
        if isinstance(block, _WordTable):
            yield None, _word_grid(blocks, i, max_rows)


@dataclass
class _WordTable:
    rows: list[list[Any]]
    copies: dict[tuple[int, int], int]  # (row, col) -> the anchor's row, both within this table
    width: int


def _one_paragraph(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _word_table(table: Any) -> _WordTable:
    rows: list[list[Any]] = []
    tcs: list[list[Any]] = []  # the <w:tc> behind each grid position: a merged cell repeats the same one
    copies: dict[tuple[int, int], int] = {}
    for r, row in enumerate(table.rows):
        cells = list(row.cells)[:_MAX_COLS]
        tcs.append([cell._tc for cell in cells])
        values: list[Any] = []
        for c, cell in enumerate(cells):
            tc = tcs[r][c]
            if c > 0 and tcs[r][c - 1] is tc:
                copies[(r, c)] = copies.get((r, c - 1), r)
                values.append(values[c - 1])
            elif r > 0 and c < len(tcs[r - 1]) and tcs[r - 1][c] is tc:
                copies[(r, c)] = copies.get((r - 1, c), r - 1)
                values.append(rows[r - 1][c])
            else:
                values.append(_clean_value(cell.text))
        rows.append(values)
    return _WordTable(rows, copies, max((len(r) for r in rows), default=0))


_MAX_TITLE_PARAGRAPH = 80


def _word_grid(blocks: list[Any], start: int, max_rows: int) -> Grid:
    first: _WordTable = blocks[start]
    titles: list[str] = []
    for block in reversed(blocks[:start]):
        if isinstance(block, _WordTable) or len(titles) == 2:
            break
        if len(block) <= _MAX_TITLE_PARAGRAPH:
            titles.insert(0, block)
    rows: list[list[Any]] = [[text] for text in titles]
    row_no = list(range(1 - len(titles), 1))  # the table's rows are numbered 1… as Word shows them
    copies: dict[tuple[int, int], int] = {}
    between: list[str] = []
    for block in blocks[start:]:
        if not isinstance(block, _WordTable):
            between.append(block)
            continue
        if block is not first and block.width != first.width:
            break
        if block is not first and any(len(text) > _MAX_TITLE_PARAGRAPH for text in between):
            break  # prose between two tables: the second is another table, not more of this one
        for text in between:
            rows.append([text])
            row_no.append(row_no[-1] + 1)
        between = []
        offset = len(rows)
        for values in block.rows:  # empty rows too, for the copies' indexes; _compact drops them
            rows.append(values)
            row_no.append(row_no[-1] + 1 if row_no else 1)
        for (r, c), anchor in block.copies.items():
            copies[(offset + r, c)] = offset + anchor
        if len(rows) > max_rows:
            raise TableError("too_large", f"more than {max_rows} rows")
    return _compact(rows, row_no, copies)


def _compact(rows: list[list[Any]], row_no: list[int], copies: dict[tuple[int, int], int]) -> Grid:
    """Drop the empty rows and renumber the copies' anchors; a Word table with empty cells where a
    merged label should be has lost its merges."""
    keep = [i for i, values in enumerate(rows) if any(v is not None for v in values)]
    index = {old: new for new, old in enumerate(keep)}
    grid = grid_from_rows([rows[i] for i in keep], [row_no[i] for i in keep])
    grid.copies = {(index[r], c): index[a] for (r, c), a in copies.items() if r in index and a in index}
    grid.merges_lost = not copies
    return grid


# --------------------------------------------------------------------------- text (CSV, tab-separated)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)  # Excel's "Unicode text"
    else:
        encodings = ("utf-8", "gb18030")  # gb18030 is a superset of GBK/GB2312, what Chinese Excel writes
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("not_spreadsheet", "not text in UTF-8/GBK/GB18030/UTF-16")
    controls = len(_CONTROLS.findall(text))
    if "\x00" in text or controls > len(text) // 100:
        raise TableError("not_spreadsheet", "binary data, not a CSV")
    return text


def _delimiters(text: str) -> list[str]:
    sample = text[:4000]
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    found = sorted((d for d in counts if counts[d]), key=lambda d: -counts[d])
    return found or [","]


def _csv_grid(text: str, delimiter: str, max_rows: int) -> Grid:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[Any]] = []
    row_no: list[int] = []
    start = 1
    try:
        for record in reader:
            cells = [_clean_value(v) for v in record[:_MAX_COLS]]
            if any(v is not None for v in cells):
                rows.append(cells)
                row_no.append(start)
                if len(rows) > max_rows:
                    raise TableError("too_large", f"more than {max_rows} rows")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError("not_spreadsheet", f"unreadable CSV: {exc}") from None
    return grid_from_rows(rows, row_no)


def _text_grids(data: bytes, max_rows: int) -> Iterator[tuple[None, Grid]]:
    text = _decode(data)
    for delimiter in _delimiters(text):
        yield None, _csv_grid(text, delimiter, max_rows)


# --------------------------------------------------------------------------- entry point


def read_grids(data: bytes, filename: str, max_rows: int) -> Iterator[tuple[str | None, Grid]]:
    """The file's sheets (or Word tables) as grids, in the order to look for a task table in."""
    kind = _sniff(data, filename)
    if kind == "xlsx":
        return _xlsx_grids(data, max_rows)
    if kind in ("ole", "ods"):
        return _calamine_grids(data, max_rows, kind)
    if kind == "docx":
        return _docx_grids(data, max_rows)
    return _text_grids(data, max_rows)
