"""The progress table export: the office's layout, the round trip through the reader, formula-safe
cells, months, a fixed query count, LibreOffice, /export and `progress-bot export`, the progress bar."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import event

from bot.cli import ProgressBar, main
from bot.export import (
    TABLE_WIDTH,
    ExportRow,
    export_progress_table,
    parse_period,
    write_progress_table,
)
from bot.tables import ParsedTable, read_table
from db import queries
from db.engine import Database
from db.imports import apply_import
from db.models import Status
from tests.conftest import FIXTURES, SHANGHAI, World

NOW = datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2021, 7, 31)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FIELDS = ("number", "title", "domain", "deadline", "lead_units", "responsible_units", "status")


def import_office_table(db: Database) -> ParsedTable:
    table = read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "putuo.xlsx", now=NOW)
    with db.session() as session:
        apply_import(session, table=table, now=NOW)
    return table


def add_item(db: Database, number: int, *, domain: str = "住房安居领域") -> int:
    with db.session() as session:
        unit = queries.find_unit(session, name="区住建局") or queries.add_unit(session, name="区住建局")
        item = queries.add_item(session, number=number, title=f"事项{number}", deadline=date(2021, 12, 31),
                                deadline_text="2021.12", lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                                start_date=date(2021, 1, 1), domain=domain, now=NOW)
        return item.id


def add_report(db: Database, item_id: int, text: str, *, when: datetime = NOW, problems: str | None = None,
               status: str = "good") -> None:
    with db.session() as session:
        queries.add_report(session, item_id=item_id, unit_id=None, reporter_id=None, period="2021-07", now=when,
                           text=text, percent=None, status=status, problems=problems)


def export(db: Database, period: str | None = "2021-07", today: date = TODAY) -> bytes:
    with db.session() as session:
        return export_progress_table(session, today=today, lang="zh", period=period)


def same_items(a: ParsedTable, b: ParsedTable) -> None:
    assert [tuple(getattr(i, f) for f in FIELDS) for i in a.items] == [
        tuple(getattr(i, f) for f in FIELDS) for i in b.items]


def test_export_round_trips_the_office_table(database: Database) -> None:
    table = import_office_table(database)
    back = read_table(export(database), "export.xlsx", now=NOW)
    assert len(back.items) == 100 and len({i.domain for i in back.items}) == 12
    same_items(table, back)
    assert back.title == "2021年1—7月份重点工作进展情况表"
    assert back.skipped == [(3, "total"), (104, "legend")] and not back.bad_deadlines
    assert back.items[0].progress_text == table.items[0].progress_text


def test_layout_mirrors_the_office_table(database: Database) -> None:
    import_office_table(database)
    ws = openpyxl.load_workbook(io.BytesIO(export(database))).active
    header = [c.value for c in ws[2]]
    assert header == ["序号", "主要领域", "年度目标任务", "年度投资\n(万元)", "其中：\n财政安排\n(万元)", "完成时限",
                      "牵头单位", "责任单位", "1—7月份完成情况", "存在问题", "形象\n进度"]
    assert ws["B3"].value == "合计(100个)" and ws["D3"].value == 67843 and ws["E3"].value == 21204
    assert ws["B4"].value == "一、住房安居领域" and ws["F4"].value == "2021.12" and ws["K4"].value == "—"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:K1", "B4:B8", "G4:G8", "A104:K104"} <= merged
    domains = [ws[r.split(":")[0]].value for r in merged if r.startswith("B")]
    assert len(set(domains)) == 12 and None not in domains  # a domain over a page break is merged on each
    assert ws["A104"].value.startswith("形象进度说明：□为提前完成全年目标")
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, 12)]
    assert sum(widths) == pytest.approx(TABLE_WIDTH, abs=0.5) and widths[8] == max(widths)  # the progress
    assert ws.page_setup.scale == 100 and ws["I4"].alignment.wrap_text and ws["A2"].font.b


def test_report_texts_never_become_formulas(database: Database) -> None:
    texts = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3*4", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"]
    for number, text in enumerate(texts, start=1):
        add_report(database, add_item(database, number), text, problems=text)
    data = export(database)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = "".join(zf.read(name).decode() for name in zf.namelist() if name.endswith(".xml"))
    assert "<f>" not in xml and "<f " not in xml and "HYPERLINK" in xml
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    for row, text in enumerate(texts, start=4):
        for column in ("H", "I"):
            assert ws[f"{column}{row}"].value == text and ws[f"{column}{row}"].data_type == "s"


@pytest.mark.parametrize("text", ["  前后有空格  ", "a & b < c > d", "第一行\n第二行", "#N/A", "=1+1", "",
                                  "控制\x01字符", "长" * 40_000])
@pytest.mark.parametrize(("investment", "deadline"), [
    (None, None), (1234.5678901, date(2021, 12, 31)), (0.1 + 0.2, date(2021, 7, 15)), (1e-7, date(2021, 2, 28))])
def test_every_row_is_written_as_openpyxl_writes_the_first(text: str, investment: float | None,
                                                            deadline: date | None) -> None:
    # openpyxl writes the first item's row; the others are put in as its XML. Both must read back alike.
    rows = [ExportRow(number=n, domain=None, title=text, investment=investment, deadline=deadline, lead=[f"单位{n}"],
                      responsible=["单位甲", "单位乙"], progress=text, problems=text, status=Status.SLOW)
            for n in (1, 2)]
    data = write_progress_table(rows, lang="zh", period="2021-07")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = ElementTree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    cells = {c.attrib.pop("r"): ElementTree.tostring(c) for c in sheet.iter(f"{{{MAIN}}}c")}
    for column in "BCDEGHIJ":  # the same XML but for the address (the number and the lead unit differ)
        assert cells[f"{column}5"] == cells[f"{column}4"], column
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    for column in "BCDEGHIJ":
        first, second = ws[f"{column}4"], ws[f"{column}5"]
        assert (second.value, second.data_type) == (first.value, first.data_type), column
        assert second.style_id == first.style_id, column
    assert ws.row_dimensions[5].height == ws.row_dimensions[4].height
    assert ws["A5"].value == 2 and ws["F5"].value == "单位2" and ws["A5"].style_id == ws["A4"].style_id
    assert ws["H5"].font.name == "宋体" and ws["H5"].alignment.wrap_text and ws["H5"].border.left.style == "thin"
    assert ws["A6"].value.startswith("形象进度说明")


def test_a_month_shows_the_latest_report_written_before_its_end(database: Database) -> None:
    item = add_item(database, 1)
    add_report(database, item, "六月进展", when=datetime(2021, 6, 10, 9, tzinfo=SHANGHAI))
    add_report(database, item, "七月底进展", when=datetime(2021, 7, 31, 23, 30, tzinfo=SHANGHAI), status="slow")
    add_report(database, item, "八月进展", when=datetime(2021, 8, 5, 9, tzinfo=SHANGHAI), status="ahead")
    rows = {p: openpyxl.load_workbook(io.BytesIO(export(database, p, date(2021, 8, 20)))).active
            for p in ("2021-06", "2021-07", None)}
    assert (rows["2021-06"]["H4"].value, rows["2021-06"]["J4"].value) == ("六月进展", "★")
    assert (rows["2021-07"]["H4"].value, rows["2021-07"]["J4"].value) == ("七月底进展", "▲")
    assert (rows[None]["H4"].value, rows[None]["J4"].value) == ("八月进展", "□")
    assert rows["2021-06"]["H2"].value == "1—6月份完成情况"
    assert rows["2021-06"]["A1"].value == "2021年1—6月份重点工作进展情况表"
    early = openpyxl.load_workbook(io.BytesIO(export(database, "2021-05", date(2021, 8, 20)))).active
    assert early["H4"].value is None and early["J4"].value == "—"  # nothing reported yet: 一般


@pytest.mark.parametrize(("text", "period"), [
    ("", "2021-07"), ("2021-07", "2021-07"), ("2021.7", "2021-07"), ("2021/07", "2021-07"),
    ("2021年7月", "2021-07"), ("7月", "2021-07"), ("7月份", "2021-07"), ("1—7月", "2021-07"), ("七月", "2021-07"),
    ("12月", "2020-12"), ("2020年十二月", "2020-12"), ("3", "2021-03"),
    ("13月", None), ("2021-00", None), ("上个月", None), ("2021", None), ("2021-07-01", None),
])
def test_parse_period(text: str, period: str | None) -> None:
    assert parse_period(text, date(2021, 7, 20)) == period


def test_export_runs_a_fixed_number_of_queries(database: Database) -> None:
    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(database.engine, "before_cursor_execute", listener)
        try:
            export(database)
        finally:
            event.remove(database.engine, "before_cursor_execute", listener)
        return len(seen)

    for number in range(1, 4):
        add_report(database, add_item(database, number), "进展")
    few = statements()
    for number in range(4, 40):
        add_report(database, add_item(database, number, domain=f"领域{number % 5}"), "进展")
    assert statements() == few <= 6


def test_exported_file_opens_in_libreoffice(database: Database, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    import_office_table(database)
    source = tmp_path / "进展情况表-2021-07.xlsx"
    source.write_bytes(export(database))
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    pdf = source.with_suffix(".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


# ---------------------------------------------------------------- /export and progress-bot export


async def test_export_command_sends_the_table(world: World) -> None:
    import_office_table(world.db)
    world.supervisor.send("/export 7月")
    message = await world.supervisor.expect("进展情况表-2021-07.xlsx", timeout=15)
    assert "2021年1—7月份重点工作进展情况表，共 100 项" in message.caption
    back = read_table(world.sim.file_bytes(message.document["file_id"]), "t.xlsx", now=NOW)
    assert len(back.items) == 100

    world.admin.send("/export")  # this month
    assert (await world.admin.expect("进展情况表-2021-07.xlsx", timeout=15)).document
    world.admin.send("/export 十三月")
    assert "无法识别期间「十三月」" in (await world.admin.expect()).text
    stranger = world.user(4001, "路人")
    stranger.send("/export")
    assert "仅限督查人员" in (await stranger.expect()).text


async def test_export_with_no_items_says_so(world: World) -> None:
    world.admin.send("/export")
    assert "还没有任何事项" in (await world.admin.expect()).text


def test_cli_export_writes_the_file(db_url: str, database: Database, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import_office_table(database)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "out.xlsx"
    assert main(["export", "--period", "2021-07", "-o", str(out)]) == 0
    assert len(read_table(out.read_bytes(), "out.xlsx", now=NOW).items) == 100
    captured = capsys.readouterr()
    assert "已导出 100 项" in captured.out
    assert "\r" not in captured.err and "writing rows: 100/100" in captured.err  # no bar outside a terminal
    assert main(["export", "--period", "明年"]) == 2


# ---------------------------------------------------------------- the progress bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        with ProgressBar("writing rows", 400, stream=stream) as bar:
            for done in range(0, 401, 50):
                bar._drawn = 0  # draw every update, not ten times a second
                bar.update(done)
    assert "\r" in terminal.getvalue() and "[" in terminal.getvalue() and "100%" in terminal.getvalue()
    assert log.getvalue().startswith("writing rows: 400/400 ") and log.getvalue().count("\n") == 1


def test_progress_bar_renders_within_the_width() -> None:
    bar = ProgressBar("reading 任务表.xlsx", 1000, stream=io.StringIO())
    bar.update(250)
    line = bar.render(60)
    assert "[#####-" in line and " 25% 250/1000" in line and len(line) <= 60
    assert ProgressBar("reading", stream=io.StringIO()).render(60).startswith("reading | 0.0 s")
