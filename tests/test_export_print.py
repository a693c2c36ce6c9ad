"""The progress table printed for real: LibreOffice converts the export to PDF and the PDF is read back
(pdfplumber). Each page numbered in its footer, every character at 9 pt or more, the domain and the lead
unit written at the top of each page, no text crossing a cell's border (cut off), the office's title."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.export import FIRST_ROW
from db.engine import Database
from tests.factories import OFFICE_TITLE, export, import_office_table, keep_office_heading

pdfplumber = pytest.importorskip("pdfplumber", reason="pdfplumber reads the printed pages (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui; .ci/run does)")
    return found


def printed(soffice: str, folder: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Each workbook printed to PDF by LibreOffice (one run for all)."""
    for name, data in files.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "pdf", "--outdir", str(folder), *(str(folder / f"{name}.xlsx") for name in files)],
        capture_output=True, text=True, timeout=300,
    )
    pdfs = {name: folder / f"{name}.pdf" for name in files}
    assert result.returncode == 0 and all(p.exists() for p in pdfs.values()), result.stderr
    return pdfs


def column_edges(page: Any) -> list[float]:
    """The x of the table's vertical rules on a page, left to right."""
    xs: list[float] = []
    for x in sorted(e["x0"] for e in page.edges if e["orientation"] == "v"):
        if not xs or x - xs[-1] > 2:
            xs.append(x)
    return xs


def column_text(page: Any, edges: list[float], column: int) -> str:
    """The text of a column (1-based) down the page, without spaces and line ends."""
    crop = page.crop((edges[column - 1] + 1, 0, edges[column] - 1, page.height))
    return re.sub(r"\s", "", crop.extract_text() or "")


def squeezed(text: object) -> str:
    return re.sub(r"\s", "", str(text or ""))


def below_header(page: Any, edges: list[float], ws: Any, column: int) -> str:
    """What a column shows under the header (and under the 合计 row on page 1)."""
    text = column_text(page, edges, column)
    rest = text[text.index(squeezed(ws.cell(2, column).value)) + len(squeezed(ws.cell(2, column).value)):]
    total = squeezed(ws.cell(3, column).value)
    return rest[len(total):] if total and rest.startswith(total) else rest


def cut_characters(page: Any) -> list[str]:
    """Characters a horizontal rule runs through: text taller than its row, cut off in print."""
    rules = [(e["x0"], e["x1"], e["top"]) for e in page.edges if e["orientation"] == "h"]
    return [c["text"] for c in page.chars if c["text"].strip() and any(
        x0 < (c["x0"] + c["x1"]) / 2 < x1 and c["top"] + 1 < y < c["bottom"] - 1 for x0, x1, y in rules)]


def test_the_printed_table_reads_well(database: Database, soffice: str, tmp_path: Path) -> None:
    import_office_table(database)
    keep_office_heading(database)
    files = {"zh": export(database), "en": export(database, lang="en")}
    pdfs = printed(soffice, tmp_path, files)
    for lang, footer in (("zh", "第 {n} 页 共 {m} 页"), ("en", "Page {n} of {m}")):
        ws = openpyxl.load_workbook(io.BytesIO(files[lang])).active
        starts = [FIRST_ROW] + [b.id + 1 for b in ws.row_breaks.brk]
        with pdfplumber.open(pdfs[lang]) as document:
            check_pages(document.pages, ws, starts, footer, lang)
            title = OFFICE_TITLE if lang == "zh" else "Progress on the livelihood projects of 2021, January–July"
            assert title in document.pages[0].extract_text()


def check_pages(printed_pages: list[Any], ws: Any, starts: list[int], footer: str, lang: str) -> None:
    """Each page numbered, in large enough type, nothing cut, its first row's domain and lead unit on it."""
    assert len(printed_pages) == len(starts) > 10, lang
    for n, (page, start) in enumerate(zip(printed_pages, starts, strict=True), start=1):
        text = page.extract_text()
        assert footer.format(n=n, m=len(starts)) in text, (lang, n)
        assert min(c["size"] for c in page.chars) >= 9, (lang, n)  # as printed, the scale applied
        assert not cut_characters(page), (lang, n)
        if start >= FIRST_ROW + 100:
            continue  # the legend alone
        edges = column_edges(page)
        assert len(edges) == ws.max_column + 1, (lang, n)
        for column in (2, 7):  # the domain and the lead unit, first in their columns under the header
            assert below_header(page, edges, ws, column).startswith(squeezed(ws.cell(start, column).value)), (lang, n)
