"""bot.tables on old Excel (.xls), .ods and Word (.docx): the same items, units and deadlines as the .xlsx;
other offices' layouts (header synonyms, English headers, units in the task text, no deadline column) in
every format; and the table's own period ("1—7月", "半年度", "前三季度") read from its title or headers."""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.tables import ParsedTable, TableError
from tests.factories import CSV, XLSX, comparable, make_csv, read
from tests.factories import TABLE_NOW as NOW

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_formats", FIXTURES / "make_formats.py")
assert _spec and _spec.loader
make_formats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_formats)

Merges = list[tuple[int, int, int, int]]  # 0-based, inclusive


def as_file(fmt: str, rows: list[list[Any]], merges: Merges = (), *, title: bool = False) -> bytes:  # type: ignore[assignment]
    """The rows (and merges) written as an .xlsx, .xls, .ods or .docx; a docx's title row is a paragraph."""
    buf = io.BytesIO()
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in rows:
            ws.append(row)
        for r0, c0, r1, c1 in merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        wb.save(buf)
    elif fmt == "xls":
        make_formats.write_xls(rows, list(merges), buf)
    elif fmt == "ods":
        make_formats.write_ods(rows, list(merges), buf)
    else:
        make_formats.write_docx(rows, list(merges), buf, title=title)
    return buf.getvalue()


OTHER_FORMATS = ["xls", "ods", "docx"]


@pytest.fixture(scope="module")
def putuo_xlsx() -> ParsedTable:
    return read(XLSX.read_bytes(), XLSX.name)


# --------------------------------------------------------------------------- the Putuo fixture in each format


@pytest.mark.parametrize("fmt", OTHER_FORMATS)
def test_each_format_reads_as_the_xlsx(fmt: str, putuo_xlsx: ParsedTable) -> None:
    path = FIXTURES / f"putuo-2021-livelihood-100.{fmt}"
    table = read(path.read_bytes(), path.name)
    assert comparable(table) == comparable(putuo_xlsx)
    assert table.title == putuo_xlsx.title == "1-7月普陀区“办好民生实事关键小事一百件”进展情况表"
    assert table.columns == putuo_xlsx.columns and table.headers == putuo_xlsx.headers
    assert [reason for _, reason in table.skipped] == ["total", "legend"]
    assert table.period_end == date(2021, 7, 31) and table.period_text == "1-7月"


def test_the_word_table_is_numbered_as_word_shows_it() -> None:
    path = FIXTURES / "putuo-2021-livelihood-100.docx"
    table = read(path.read_bytes(), path.name)
    assert table.header_row == 1 and table.items[0].rows == [3] and table.sheet is None


def test_the_table_keeps_its_own_headers_as_written(putuo_xlsx: ParsedTable) -> None:
    assert putuo_xlsx.headers["fiscal_investment"] == "其中：区财政安排(万元)"
    assert putuo_xlsx.headers["investment"] == "年度投资 (万元)"
    assert putuo_xlsx.headers["progress_text"] == "1—7月份完成情况"
    assert putuo_xlsx.headers["status"] == "形象进度"


def _putuo_rows() -> tuple[list[list[Any]], Merges]:
    ws = openpyxl.load_workbook(XLSX).worksheets[0]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    return rows, merges


def test_a_word_table_whose_merged_cells_came_back_empty(putuo_xlsx: ParsedTable) -> None:
    rows, _ = _putuo_rows()
    table = read(as_file("docx", rows, [], title=True), "表.docx")
    assert comparable(table) == comparable(putuo_xlsx)


def test_an_ods_without_its_spans_carries_the_lead_unit_down(putuo_xlsx: ParsedTable) -> None:
    rows, _ = _putuo_rows()
    table = read(as_file("ods", rows, []), "表.ods")
    assert comparable(table) == comparable(putuo_xlsx)


def test_word_document_with_a_layout_table_a_title_and_a_table_continued_on_the_next_page() -> None:
    import docx

    document = docx.Document()
    info = document.add_table(rows=1, cols=2)
    info.rows[0].cells[0].text, info.rows[0].cells[1].text = "普陀区人民政府办公室", "2021年8月2日"
    document.add_paragraph("关于印发2021年上半年重点工作推进情况的通知（正文略去不表，此段文字较长，说明这不是标题，"
                           "而是通知的正文部分，它描述了推进的总体情况和下一步的工作安排）。" * 2)
    document.add_paragraph("2021年上半年重点工作推进情况表")
    header = ["序号", "工作任务", "牵头单位", "配合单位", "时间节点", "半年度完成情况"]
    first = document.add_table(rows=3, cols=6)
    for r, row in enumerate([header, ["1", "建设口袋公园", "区住建局", "东港街道", "2021年10月底", "已开工"],
                             ["2", "新建幼儿园2所", "区教育局", "六横镇", "2021.12", "完成设计"]]):
        for c, text in enumerate(row):
            first.rows[r].cells[c].text = text
    document.add_paragraph("二、交通便民")
    second = document.add_table(rows=2, cols=6)
    for r, row in enumerate([header, ["3", "新增公交线路2条", "区交通运输局", "各镇、街道、管委会", "2021.9", "已开通1条"]]):
        for c, text in enumerate(row):
            second.rows[r].cells[c].text = text
    buf = io.BytesIO()
    document.save(buf)
    table = read(buf.getvalue(), "通知.docx")
    assert table.title == "2021年上半年重点工作推进情况表"
    assert [(i.number, i.title, i.domain) for i in table.items] == [
        (1, "建设口袋公园", None), (2, "新建幼儿园2所", None), (3, "新增公交线路2条", "交通便民")]
    assert table.items[2].responsible_units == ["各镇、街道、管委会"]
    assert table.items[0].deadline == date(2021, 10, 31)
    assert table.items[0].progress_text == "已开工"
    assert table.period_end == date(2021, 6, 30) and table.period_text == "上半年"


def test_old_word_doc_and_a_damaged_xls_are_refused_with_a_hint() -> None:
    with pytest.raises(TableError) as caught:
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "任务.doc")
    assert caught.value.code == "not_spreadsheet" and ".docx" in caught.value.detail


# --------------------------------------------------------------------------- other offices' layouts, every format

SYNONYMS = [
    ["2021年重点工作推进情况表"],
    ["编号", "项目名称", "主办单位", "承办单位", "完成时间", "工作进展", "状态"],
    [1, "完成老旧小区改造12个", "区住建局", "沈家门街道、东港街道", "2021年11月底", "已完成8个", "★"],
    [2, "建成社区食堂10家", "区民政局", "各镇、街道、管委会", "2021.12", "建成6家", "—"],
    [3, "新增停车位500个", "区交通运输局", "区城投集团", "2021年6月底", "完成300个", "▲"],
]
IN_TEXT = [
    ["序号", "任务内容"],
    [1, "新建幼儿园2所（牵头单位：区教育局；责任单位：六横镇、桃花镇）"],
    [2, "推进垃圾分类（区综合行政执法局牵头，各镇、街道配合）"],
]
ENGLISH = [
    ["No.", "Area", "Task", "Lead units", "Responsible units", "Deadline", "Progress", "Status"],
    [1, "Housing", "Renovate 12 old residential compounds", "区住建局", "沈家门街道, 东港街道", "2021-11-30",
     "8 done", "good"],
    [2, None, "Open 10 community canteens", None, "各镇、街道、管委会", "2021.12", "6 open", "slow"],
]
LAYOUTS = {"synonyms": (SYNONYMS, [(0, 0, 0, 6)]), "in_text": (IN_TEXT, []),
           "english": (ENGLISH, [(1, 1, 2, 1), (1, 3, 2, 3)])}


@pytest.mark.parametrize("fmt", OTHER_FORMATS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_other_layouts_read_the_same_in_every_format(layout: str, fmt: str) -> None:
    rows, merges = LAYOUTS[layout]
    expected = read(as_file("xlsx", rows, merges))
    table = read(as_file(fmt, rows, merges, title=layout == "synonyms"), f"t.{fmt}")
    assert comparable(table) == comparable(expected)
    assert table.title == expected.title


def test_header_synonyms() -> None:
    table = read(as_file("xlsx", *LAYOUTS["synonyms"]))
    assert set(table.columns) == {"number", "title", "lead_units", "responsible_units", "deadline",
                                  "progress_text", "status"}
    assert table.items[0].responsible_units == ["沈家门街道", "东港街道"]
    assert table.items[1].responsible_units == ["各镇、街道、管委会"]
    assert [i.deadline for i in table.items] == [date(2021, 11, 30), date(2021, 12, 31), date(2021, 6, 30)]
    assert [i.status for i in table.items] == ["good", "average", "slow"]
    assert table.title == "2021年重点工作推进情况表" and table.period_end is None


def test_units_in_the_task_text_without_a_deadline_column() -> None:
    items = read(as_file("xlsx", IN_TEXT)).items
    assert (items[0].title, items[0].lead_units, items[0].responsible_units) == (
        "新建幼儿园2所", ["区教育局"], ["六横镇", "桃花镇"])
    assert (items[1].lead_units, items[1].responsible_units) == (["区综合行政执法局"], ["各镇、街道"])
    assert all(i.deadline is None for i in items)


def test_english_headers() -> None:
    table = read(as_file("xlsx", *LAYOUTS["english"]))
    assert set(table.columns) == {"number", "domain", "title", "lead_units", "responsible_units", "deadline",
                                  "progress_text", "status"}
    second = table.items[1]
    assert (second.domain, second.lead_units, second.deadline, second.status) == (
        "Housing", ["区住建局"], date(2021, 12, 31), "slow")
    assert table.headers["lead_units"] == "Lead units"


def test_the_english_header_error_names_columns_the_importer_accepts() -> None:
    from bot.texts import t

    message = t("en", "import.error.no_header")
    named = message.split(":", 1)[1].rstrip(".").replace(" and ", ", ").split(", ")
    table = read(make_csv([[n.strip() for n in named], ["1", "Plant 100 trees", "区林业局", "六横镇", "2021.10"]]),
                 "t.csv")
    assert len(table.columns) == len(named)
    assert table.items[0].lead_units == ["区林业局"] and table.items[0].deadline == date(2021, 10, 31)


def test_gbk_csv_of_a_synonym_layout() -> None:
    expected = read(as_file("xlsx", SYNONYMS[1:]))
    table = read(make_csv([[("" if v is None else str(v)) for v in row] for row in SYNONYMS[1:]], "gbk"), "t.csv")
    assert comparable(table) == comparable(expected)


# --------------------------------------------------------------------------- the table's own period


@pytest.mark.parametrize(("title", "progress", "expected", "text"), [
    ("1-7月普陀区进展情况表", "完成情况", date(2021, 7, 31), "1-7月"),
    ("", "1—7月份完成情况", date(2021, 7, 31), "1—7月"),
    ("2021年民生实事", "半年度完成情况", date(2021, 6, 30), "半年度"),
    ("2021年上半年重点工作", "进展情况", date(2021, 6, 30), "上半年"),
    ("2021年前三季度重点工作推进情况", "工作进展", date(2021, 9, 30), "前三季度"),
    ("2020年重点工作", "三季度进展", date(2020, 9, 30), "三季度"),
    ("", "1-7月进展情况", date(2021, 7, 31), "1-7月"),
    ("", "进展情况（1-7月）", date(2021, 7, 31), "1-7月"),
    ("2021年第三季度重点工作", "推进情况", date(2021, 9, 30), "第三季度"),
    ("", "1至9月完成情况", date(2020, 9, 30), "1至9月"),  # September not over on 15 August: last year's
    ("2021年全年重点工作完成情况", "完成情况", date(2021, 12, 31), "全年"),
    ("2022年区政府重点工作半年度推进情况表", "目前进度", date(2022, 6, 30), "半年度"),
    ("重点工作推进情况表", "工作进展", None, None),
])
def test_the_tables_own_period(title: str, progress: str, expected: date | None, text: str | None) -> None:
    rows = ([[title]] if title else []) + [["序号", "任务", "牵头单位", progress], [1, "建设口袋公园", "区住建局", "已开工"]]
    table = read(as_file("xlsx", rows))
    assert (table.period_end, table.period_text) == (expected, text)
    assert table.items[0].progress_text == "已开工"


@pytest.mark.parametrize(("progress", "problems"), [
    ("完成情况", "存在问题"), ("进展情况", "问题及建议"), ("半年度完成情况", "困难和问题"), ("工作进展", "存在的困难和问题"),
    ("推进情况", "存在问题及下步打算"), ("目前进度", "问题与困难"), ("进展情况（1-7月）", "存在问题"),
])
def test_the_progress_and_problems_columns_under_their_other_names(progress: str, problems: str) -> None:
    rows = [["序号", "任务", "牵头单位", progress, problems, "形象进度"], [1, "建设口袋公园", "区住建局", "已开工", "资金未到位", "★"]]
    item = read(as_file("xlsx", rows)).items[0]
    assert (item.progress_text, item.problems, item.status) == ("已开工", "资金未到位", "good")


def test_a_legend_naming_the_whole_year_is_no_period() -> None:
    rows = [["序号", "任务", "完成情况"], [1, "建设口袋公园", "已开工"], ["备注：□为提前完成全年目标，★为推进良好"]]
    assert read(as_file("xlsx", rows)).period_end is None


def test_a_period_not_over_yet_is_last_years_when_the_title_gives_no_year() -> None:
    rows = [["前三季度重点工作推进情况"], ["序号", "任务", "工作进展"], [1, "建设口袋公园", "已开工"]]
    assert read(as_file("xlsx", rows)).period_end == date(NOW.year - 1, 9, 30)


def test_the_csv_fixture_reads_its_period_from_the_progress_header() -> None:
    assert read(CSV.read_bytes(), CSV.name).period_end == date(2021, 7, 31)
