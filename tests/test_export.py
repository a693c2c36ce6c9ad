"""The progress table export: the office's layout, the round trip through the reader, formula-safe
cells, months, a fixed query count, the office's own title and columns, the items' year, the pages
laid out for print (printed for real in test_export_print.py), /export and `progress-bot export`,
the progress bar."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import event
from sqlmodel import select

from bot.cli import ProgressBar, main
from bot.export import (
    FIRST_ROW,
    TABLE_WIDTH,
    ExportRow,
    _with_months,
    items_year,
    parse_period,
    progress_rows,
    table_title,
    write_progress_table,
)
from bot.tables import ParsedTable, read_table
from db import bot_state, items, lists, milestones, units
from db import reports as reports_db
from db.engine import Database
from db.export_queries import office_table
from db.imports import apply_import
from db.models import Item, ProgressReport, Status
from tests.conftest import SHANGHAI, World
from tests.factories import OFFICE_TITLE, confirm_done, export, import_office_table, keep_office_heading
from tests.factories import XLSX as XLSX_FIXTURE

NOW = datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2021, 7, 31)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FIELDS = ("number", "title", "domain", "deadline", "lead_units", "responsible_units", "status")


def add_item(db: Database, number: int, *, domain: str = "住房安居领域") -> int:
    with db.session() as session:
        unit = units.find_unit(session, name="区住建局") or units.add_unit(session, name="区住建局")
        item = items.add_item(session, number=number, title=f"事项{number}", deadline=date(2021, 12, 31),
                                deadline_text="2021.12", lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                                start_date=date(2021, 1, 1), domain=domain, now=NOW)
        return item.id


def add_report(db: Database, item_id: int, text: str, *, when: datetime = NOW, problems: str | None = None,
               status: str = "good") -> None:
    with db.session() as session:
        report = reports_db.add_report(session, item_id=item_id, unit_id=None, reporter_id=None, period="2021-07",
                                    now=when, text=text, percent=None, status=status, problems=problems)
        if status == "ahead":
            confirm_done(session, report, when)


def same_items(a: ParsedTable, b: ParsedTable) -> None:
    assert [tuple(getattr(i, f) for f in FIELDS) for i in a.items] == [
        tuple(getattr(i, f) for f in FIELDS) for i in b.items]


def test_export_round_trips_the_office_table(database: Database) -> None:
    table = import_office_table(database)
    back = read_table(export(database), "export.xlsx", now=NOW)
    assert len(back.items) == 100 and len({i.domain for i in back.items}) == 12
    same_items(table, back)
    assert back.title == "1-7月普陀区“办好民生实事关键小事一百件”进展情况表"  # the office's own, kept
    assert back.skipped == [(3, "total"), (104, "legend")] and not back.bad_deadlines
    assert back.items[0].progress_text == table.items[0].progress_text


def test_layout_mirrors_the_office_table(database: Database) -> None:
    import_office_table(database)
    ws = openpyxl.load_workbook(io.BytesIO(export(database))).active
    header = [c.value for c in ws[2]]
    # The office's own columns, as its table wrote them (no 存在问题: no report here has problems).
    assert header == ["序号", "主要领域", "年度目标任务", "年度投资 (万元)", "其中：区财政安排(万元)", "完成时限",
                      "牵头单位", "责任单位", "1—7月份完成情况", "形象进度"]
    assert ws["B3"].value == "合计(100个)" and ws["D3"].value == 67843 and ws["E3"].value == 21204
    assert ws["B4"].value == "一、住房安居领域" and ws["F4"].value == "2021.12" and ws["J4"].value == "—"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:J1", "B4:B8", "G4:G8", "A104:J104"} <= merged
    domains = [ws[r.split(":")[0]].value for r in merged if r.startswith("B")]
    assert len(set(domains)) == 12 and None not in domains  # a domain over a page break is merged on each
    assert ws["A104"].value.startswith("形象进度说明：□为提前完成全年目标")
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, ws.max_column + 1)]
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
    with database.session() as session:
        milestones.add_milestones(session, item_id=1, now=NOW, milestones=[("完成设计", date(2021, 6, 30), None)])
    assert statements() == few <= 8  # the list, its items, units, latest reports, colours, settings, instructions,
    # milestones


def test_an_items_milestones_follow_its_progress_as_they_stood_at_the_months_end(database: Database) -> None:
    first, _second = add_item(database, 1), add_item(database, 2)
    add_report(database, first, "完成选址")
    with database.session() as session:
        done, late, _due = milestones.add_milestones(session, item_id=first, now=NOW, milestones=[
            ("完成设计", date(2021, 6, 30), "6月底前"), ("完成招标", date(2021, 7, 15), "7月中旬"),
            ("开工建设", date(2021, 9, 30), "9月底前")])
        milestones.tick_milestones(session, item_id=first, milestone_ids=[done.id], now=NOW)
        milestones.tick_milestones(session, item_id=first, milestone_ids=[late.id],
                                   now=datetime(2021, 8, 3, 9, 0, tzinfo=SHANGHAI))  # after July: open in July's
    july = sheet(export(database, "2021-07", date(2021, 8, 10)))
    assert july["H4"].value == ("完成选址\n节点：1/3 已完成\n1. 完成设计 — ✓ 2021年7月20日（周二）完成\n"
                                "2. 完成招标 — 已逾期（2021年7月15日 周四）\n3. 开工建设 — 待完成（2021年9月30日 周四）")
    assert july["H5"].value is None  # the item without milestones shows none
    august = sheet(export(database, "2021-08", date(2021, 8, 10), lang="en"))
    assert august["H4"].value.startswith("完成选址\nMilestones: 2 of 3 done\n1. 完成设计 — ✓ done ")
    assert "\n2. 完成招标 — ✓ done " in august["H4"].value and "\n3. 开工建设 — due " in august["H4"].value


# ---------------------------------------------------------------- the office's title and columns, the year

def sheet(data: bytes) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_the_office_title_and_columns_are_kept(database: Database) -> None:
    import_office_table(database)
    keep_office_heading(database)
    ws = sheet(export(database, "2021-08", date(2021, 8, 31)))
    assert ws["A1"].value == "1-8月普陀区“办好民生实事关键小事一百件”进展情况表"  # the export's months
    assert [c.value for c in ws[2]] == [
        "序号", "主要领域", "年度目标任务", "年度投资\n(万元)", "其中：区财政\n安排(万元)", "完成时限", "牵头单位",
        "责任单位", "1—8月份完成情况", "形象\n进度"]  # no 存在问题: the office has none, nor has any report
    assert ws["E3"].value == 21204 and ws["E6"].value == 700
    back = read_table(export(database), "back.xlsx", now=NOW)
    assert back.title == OFFICE_TITLE and len(back.items) == 100
    assert back.items[2].fiscal_investment == 700

    add_report(database, add_item(database, 101), "进展", problems="资金未到位")  # what the office's columns lack
    ws = sheet(export(database))
    assert [c.value for c in ws[2]][-3:] == ["1—7月份完成情况", "存在问题", "形象\n进度"]
    assert ws["J104"].value == "资金未到位"
    english = openpyxl.load_workbook(io.BytesIO(export(database, lang="en"))).active
    # The office's words are Chinese: in English, the list's kind and year.
    assert english["A1"].value == "Progress on the livelihood projects of 2021, January–July"
    assert english["E2"].value.startswith("Of which") and english.max_column == 11


def test_the_office_order_is_kept_and_a_bad_setting_ignored(database: Database) -> None:
    add_report(database, add_item(database, 1), "进展")
    keep_office_heading(database, "2020年重点工作推进表", {"title": "工作任务", "number": "编号", "progress_text": "进展"})
    ws = sheet(export(database))
    assert ws["A1"].value == "2021年重点工作推进表"  # the year made the export's; no month range to change
    assert [c.value for c in ws[2]] == ["工作任务", "编号", "主要领域", "完成时限", "牵头单位", "责任单位", "进展",
                                        "形象\n进度"]  # no investment: neither the office nor the item has one
    keep_office_heading(database, "", "not json")
    assert sheet(export(database))["A1"].value == "2021年1—7月份重点工作进展情况表"


def test_the_title_has_the_items_year_not_todays(database: Database) -> None:
    add_report(database, add_item(database, 1), "进展")
    ws = sheet(export(database, None, date(2026, 12, 7)))  # this month, five years on
    assert ws["A1"].value == "2021年1—12月份重点工作进展情况表" and ws["H2"].value == "1—12月份完成情况"
    with database.session() as session:
        rows = progress_rows(session, today=date(2026, 12, 7), period="2026-12", lang="zh")
    assert table_title("zh", "2026-12", rows) == "2021年1—12月份重点工作进展情况表"
    assert table_title("zh", "2026-12") == "2026年1—12月份重点工作进展情况表"  # without rows: the period's year


@pytest.mark.parametrize(("text", "year", "month", "expected"), [
    ("1-7月普陀区进展情况表", 2021, 8, "1-8月普陀区进展情况表"),
    ("1—7月份完成情况", 2021, 1, "1月份完成情况"),
    ("2021年1—7月份重点工作", 2022, 3, "2022年1—3月份重点工作"),
    ("一至七月进展", 2021, 9, "一至九月进展"),
    ("1 - 7 月进展", 2021, 12, "1 - 12 月进展"),
    ("半年度完成情况", 2021, 8, "半年度完成情况"),
])
def test_the_offices_months_become_the_exports(text: str, year: int, month: int, expected: str) -> None:
    assert _with_months(text, year, month) == expected


def test_items_year() -> None:
    assert items_year([date(2021, 12, 31), date(2022, 6, 30), date(2021, 9, 30)]) == 2021
    assert items_year([date(2022, 6, 30), date(2021, 9, 30)]) == 2021  # a tie: the earlier
    assert items_year([None], [date(2020, 1, 1)]) == 2020 and items_year([], []) is None


# ---------------------------------------------------------------- pages


def block_rows(domains: list[str], lead: str = "区住建局") -> list[ExportRow]:
    return [ExportRow(number=n, domain=d, title=f"事项{n}" * 3, investment=None, deadline=date(2021, 12, 31),
                      lead=[lead], responsible=["单位甲"], progress="推进中，" * 20, problems="", status=Status.GOOD)
            for n, d in enumerate(domains, start=1)]


def page_starts(ws: Worksheet) -> list[int]:
    """The item rows that begin a printed page."""
    return [FIRST_ROW] + [b.id + 1 for b in ws.row_breaks.brk]


def test_pages_break_between_rows_and_repeat_the_labels(database: Database) -> None:
    import_office_table(database)
    ws = sheet(export(database))
    starts = page_starts(ws)
    assert len(starts) > 10 and all(b.man for b in ws.row_breaks.brk)
    for r in starts:  # every page of items begins with its domain and its lead unit written out
        if not isinstance(ws[f"A{r}"].value, int):  # the legend alone on the last page
            continue
        assert ws[f"B{r}"].value and ws[f"G{r}"].value, r
    breaks = [r - 1 for r in starts[1:]]
    for merged in ws.merged_cells.ranges:  # and no merged block goes over a break
        assert not any(merged.min_row <= b < merged.max_row for b in breaks), merged
    assert ws.page_setup.scale == 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and ws.print_title_rows == "$2:$2"
    assert all(ws.row_dimensions[r].height % 0.75 == 0 for r in range(1, 105))  # whole pixels
    english = sheet(export(database, lang="en"))
    assert english.oddFooter.center.text == "Page &P of &N"


def test_a_label_longer_than_its_rows_on_a_page_gets_the_room(database: Database) -> None:
    rows = block_rows(["住房安居领域"] * 60, lead="区审招办、区委政法委、区司法局、区社会治理综合服务中心、区供销社、区金融办")
    ws = sheet(write_progress_table(rows, lang="zh", period="2021-07"))
    starts = page_starts(ws)
    assert len(starts) > 2
    ends = [s - 1 for s in starts[1:]] + [FIRST_ROW + len(rows) - 1]
    for start, end in zip(starts, ends, strict=True):  # the lead, ~10 lines, merged on each page
        assert ws[f"F{start}"].value.startswith("区审招办") and all(ws[f"F{r}"].value is None
                                                                for r in range(start + 1, end + 1))
        assert sum(ws.row_dimensions[r].height for r in range(start, end + 1)) >= 10 * 14.5
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, 11)]
    assert ws.page_setup.scale == 100 and sum(widths) == pytest.approx(TABLE_WIDTH, abs=0.5)


def test_row_heights_follow_the_wrapped_text() -> None:
    short, long, lines = block_rows(["甲"] * 3)
    rows = [replace(short, progress="短"), replace(long, progress="长" * 400), replace(lines, progress="一\n二\n三\n四")]
    ws = sheet(write_progress_table(rows, lang="zh", period="2021-07"))
    heights = [ws.row_dimensions[r].height for r in (4, 5, 6)]
    assert heights[0] < 30 and heights[2] >= 4 * 14.5 and heights[1] > 10 * 14.5


# ---------------------------------------------------------------- /export and progress-bot export


async def test_export_command_sends_the_table(world: World) -> None:
    import_office_table(world.db)
    world.supervisor.send("/export 7月")
    message = await world.supervisor.expect("进展情况表-2021-07.xlsx", timeout=15)
    assert "1-7月普陀区“办好民生实事关键小事一百件”进展情况表，共 100 项" in message.caption  # the file's title
    back = read_table(world.sim.file_bytes(message.document["file_id"]), "t.xlsx", now=NOW)
    assert len(back.items) == 100

    world.admin.send("/export")  # this month
    assert (await world.admin.expect("进展情况表-2021-07.xlsx", timeout=15)).document
    with world.db.session() as session:  # a second list: /export names it, or exports the chat's current one
        other = lists.create_list(session, name="2021年重点工作", year=2021, code="重点", kind="重点工作", now=NOW)
        items.add_item(session, title="建设口袋公园", deadline=None, deadline_text=None, lead_unit_ids=[],
                         responsible_unit_ids=[], start_date=date(2021, 1, 1), now=NOW, list_id=other.id)
        session.commit()
    world.supervisor.send("/export 重点 7月")
    assert "2021年1—7月份重点工作进展情况表，共 1 项" in (await world.supervisor.expect(".xlsx", timeout=15)).caption
    world.supervisor.send("/export 民生")
    assert "共 100 项" in (await world.supervisor.expect(".xlsx", timeout=15)).caption
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


def test_a_july_table_imported_in_august_is_julys(database: Database) -> None:
    august = datetime(2021, 8, 2, 10, 0, tzinfo=SHANGHAI)
    table = read_table(XLSX_FIXTURE.read_bytes(), "putuo.xlsx", now=august)
    assert table.period_end == date(2021, 7, 31)
    with database.session() as session:
        apply_import(session, table=table, now=august)
        session.commit()
    july = sheet(export(database, "2021-07", date(2021, 8, 2)))
    assert july["I4"].value == table.items[0].progress_text and july["J6"].value == "□"
    with database.session() as session:  # filed under July, written when it was
        reports = session.exec(select(ProgressReport)).all()
    assert {r.period for r in reports} == {"2021-07"} and len(reports) == 100
    assert all(r.created_at.astimezone(SHANGHAI).date() == date(2021, 8, 2) for r in reports)
    assert not sheet(export(database, "2021-06", date(2021, 8, 2)))["I4"].value  # June's table is still empty


def test_the_title_comes_from_the_list_and_the_period(database: Database) -> None:
    with database.session() as session:
        livelihood = lists.create_list(session, name="2021年普陀区民生实事", year=2021, code="民生", kind="民生实事",
                                       now=NOW)
        unit = units.add_unit(session, name="区住建局")
        items.add_item(session, title="建设口袋公园", deadline=date(2022, 6, 30), deadline_text="2022.6",
                         lead_unit_ids=[unit.id], responsible_unit_ids=[], start_date=date(2021, 1, 1), now=NOW,
                         list_id=livelihood.id)
        session.commit()
    # The list's year, not the deadline's nor today's.
    assert sheet(export(database, "2021-07", date(2026, 12, 7)))["A1"].value == "2021年1—7月份普陀区民生实事进展情况表"
    english = sheet(export(database, "2026-12", date(2026, 12, 7), lang="en"))["A1"].value
    assert english == "Progress on the livelihood projects of 2021, January–December"


def test_a_title_kept_before_lists_belongs_to_the_first_list(database: Database) -> None:
    first = add_item(database, 1)  # the first list, as the migration made it
    with database.session() as session:
        bot_state.set_setting(session, key="table.title", value="2021年普陀区民生实事进展情况表")  # a bare key: before lists
        other = lists.create_list(session, name="2022年重点工作", year=2022, code="重点22", kind="重点工作", now=NOW)
        first_list = session.get(Item, first).list_id
        session.commit()
    with database.session() as session:
        assert office_table(session, list_id=first_list).title == "2021年普陀区民生实事进展情况表"
        assert office_table(session, list_id=other.id, first=False).title is None
        assert progress_rows(session, today=TODAY, period="2021-07", lang="zh", list_id=other.id).heading.title is None
