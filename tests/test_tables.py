"""bot.tables: the Putuo fixture in .xlsx and .csv, other offices' layouts made on the fly, refusals."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections import Counter
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.tables import (
    MAX_BYTES,
    STATUSES,
    ParsedTable,
    TableError,
    parse_amount,
    parse_status,
    split_units,
)
from tests.factories import CSV, XLSX, comparable, make_csv, read

DOMAINS = {
    "住房安居领域": 5,
    "海岛基础保障领域": 7,
    "城乡环境提升领域": 10,
    "交通便民领域": 4,
    "医疗便民领域": 9,
    "教育服务领域": 6,
    "社会保障领域": 18,
    "便民服务领域": 12,
    "“菜篮子”惠民领域": 5,
    "公共安全监管领域": 11,
    "文体惠民领域": 9,
    "环境监测领域": 4,
}
# (ahead, good, average, slow) per domain, as in part 二 of the official notice (seed 000).
DOMAIN_STATUSES = {
    "住房安居领域": (2, 1, 2, 0),
    "海岛基础保障领域": (0, 1, 6, 0),
    "城乡环境提升领域": (1, 6, 3, 0),
    "交通便民领域": (1, 0, 2, 1),
    "医疗便民领域": (5, 1, 3, 0),
    "教育服务领域": (1, 4, 0, 1),
    "社会保障领域": (1, 8, 9, 0),
    "便民服务领域": (3, 7, 2, 0),
    "“菜篮子”惠民领域": (0, 3, 1, 1),
    "公共安全监管领域": (2, 6, 3, 0),
    "文体惠民领域": (0, 3, 4, 2),
    "环境监测领域": (0, 3, 0, 1),
}




def make_xlsx(
    rows: list[list[Any]],
    *,
    merges: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    extra_sheets: tuple[tuple[str, list[list[Any]]], ...] = (),
    first_sheet: list[list[Any]] | None = None,
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet is not None:
        ws.title = "说明"
        for row in first_sheet:
            ws.append(row)
        ws = wb.create_sheet("任务表")
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    for title, sheet_rows in extra_sheets:
        other = wb.create_sheet(title)
        for row in sheet_rows:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()






# --------------------------------------------------------------------------- the Putuo fixture


@pytest.fixture(scope="module", params=["xlsx", "csv"])
def putuo(request: pytest.FixtureRequest) -> ParsedTable:
    path = XLSX if request.param == "xlsx" else CSV
    return read(path.read_bytes(), path.name)


def test_fixture_items_and_domains(putuo: ParsedTable) -> None:
    assert len(putuo.items) == 100
    assert [i.number for i in putuo.items] == list(range(1, 101))
    domains = Counter(i.domain for i in putuo.items)
    assert list(domains) == list(DOMAINS)
    assert dict(domains) == DOMAINS


def test_fixture_statuses_match_the_notice(putuo: ParsedTable) -> None:
    statuses = Counter(i.status for i in putuo.items)
    assert statuses == {"ahead": 16, "good": 43, "average": 35, "slow": 6}
    for domain, expected in DOMAIN_STATUSES.items():
        counts = Counter(i.status for i in putuo.items if i.domain == domain)
        assert tuple(counts[s] for s in STATUSES) == expected, domain


def test_fixture_first_item(putuo: ParsedTable) -> None:
    item = putuo.items[0]
    assert item.number == 1
    assert item.title == "新开工建设保障性住房 1000套，完工600套"
    assert item.domain == "住房安居领域"
    assert item.deadline == date(2021, 12, 31)
    assert item.deadline_text == "2021.12"
    assert item.lead_units == ["区住建局"]
    assert item.responsible_units == ["区城投集团"]
    assert item.investment == 12000
    assert item.fiscal_investment is None
    assert item.status == "average"
    assert item.progress_text is not None and item.progress_text.startswith("1.城北 E-01-02 地块安置房工程")
    assert item.problems is None
    assert putuo.items[2].fiscal_investment == 700


def test_fixture_units(putuo: ParsedTable) -> None:
    by_number = {i.number: i for i in putuo.items}
    assert by_number[5].responsible_units == ["沈家门街道", "东港街道"]
    assert by_number[6].responsible_units == ["各镇、街道、管委会"]
    assert by_number[9].responsible_units == ["区农业农村局", "各镇、街道、管委会"]
    assert by_number[52].responsible_units == ["区人才发展中心", "各镇、街道、管委会"]
    assert by_number[70].responsible_units == ["各有关银行"]
    assert by_number[72].responsible_units == ["区商务局(区菜办)", "区供销社"]
    # duplicates removed, first order kept
    assert by_number[81].responsible_units == ["区消防救援大队", "区公安分局", "各镇、街道、管委会"]
    leads = {tuple(i.lead_units) for i in putuo.items if i.domain == "海岛基础保障领域"}
    assert leads == {("区农业农村局", "区综合行政执法局")}
    assert by_number[60].lead_units == ["区审招办", "区委政法委", "区司法局", "区社会治理综合服务中心", "区供销社", "区金融办"]


def test_fixture_deadlines(putuo: ParsedTable) -> None:
    assert putuo.bad_deadlines == []
    assert all(i.deadline is not None for i in putuo.items)
    assert {i.deadline for i in putuo.items} == {
        date(2021, 5, 31), date(2021, 6, 30), date(2021, 9, 30), date(2021, 11, 30), date(2021, 12, 31),
    }
    by_number = {i.number: i for i in putuo.items}
    assert by_number[17].deadline == date(2021, 9, 30)
    assert (by_number[32].deadline, by_number[32].deadline_text) == (date(2021, 6, 30), "2021.06")


def test_fixture_header_and_columns(putuo: ParsedTable) -> None:
    assert set(putuo.columns) == {
        "number", "domain", "title", "investment", "fiscal_investment", "deadline", "lead_units",
        "responsible_units", "progress_text", "status",
    }
    assert putuo.columns["title"] == "年度目标任务"
    assert putuo.columns["status"] == "形象进度"


def test_fixture_xlsx_layout_specifics() -> None:
    table = read(XLSX.read_bytes(), XLSX.name)
    assert table.header_row == 2
    assert table.title == "1-7月普陀区“办好民生实事关键小事一百件”进展情况表"
    assert table.sheet == "进展情况表"
    assert table.skipped == [(3, "total"), (104, "legend")]
    assert table.items[0].rows == [4] and table.items[-1].rows == [103]


def test_xlsx_and_csv_agree() -> None:
    a = read(XLSX.read_bytes(), XLSX.name)
    b = read(CSV.read_bytes(), CSV.name)
    assert comparable(a) == comparable(b)
    assert b.header_row == 1 and b.items[0].rows == [2] and b.sheet is None


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings(encoding: str) -> None:
    text = CSV.read_bytes().decode("utf-8-sig")
    table = read(text.encode(encoding), "任务表.csv")
    assert comparable(table) == comparable(read(CSV.read_bytes(), CSV.name))


def test_tab_separated_text_even_when_named_xls() -> None:
    rows = list(csv.reader(io.StringIO(CSV.read_bytes().decode("utf-8-sig"))))
    table = read(make_csv(rows, "gbk", delimiter="\t"), "导出.xls")
    assert len(table.items) == 100
    assert table.items[5].responsible_units == ["各镇、街道、管委会"]


# --------------------------------------------------------------------------- other layouts


def test_no_number_column_and_other_header_names() -> None:
    data = make_xlsx([
        ["重点工作", "责任单位", "完成时间"],
        ["完成老旧小区改造", "区住建局、沈家门街道", "2021年11月底"],
        ["建成社区食堂10家", "区民政局", "2021.12"],
    ])
    table = read(data)
    assert [i.number for i in table.items] == [None, None]
    assert table.columns == {"title": "重点工作", "responsible_units": "责任单位", "deadline": "完成时间"}
    first = table.items[0]
    assert first.responsible_units == ["区住建局", "沈家门街道"] and first.lead_units == []
    assert first.deadline == date(2021, 11, 30) and first.deadline_text == "2021年11月底"
    assert table.items[1].deadline == date(2021, 12, 31)
    assert table.header_row == 1 and table.title is None


def test_no_deadline_column() -> None:
    data = make_csv([["编号", "工作内容", "主办单位", "协办单位"], ["1", "建设口袋公园", "区住建局", "东港街道"]])
    table = read(data, "t.csv")
    item = table.items[0]
    assert (item.number, item.deadline, item.deadline_text) == (1, None, None)
    assert (item.lead_units, item.responsible_units) == (["区住建局"], ["东港街道"])
    assert table.bad_deadlines == []


def test_units_written_in_the_task_text() -> None:
    data = make_xlsx([
        ["序号", "目标任务", "完成时限"],
        [1, "新建幼儿园2所（牵头单位：区教育局；责任单位：六横镇、桃花镇）", "2021.12"],
        [2, "完成校舍安全改造。牵头单位：区教育局", "2021.10"],
        [3, "推进垃圾分类（区综合行政执法局牵头，各镇、街道配合）", "2021.12"],
        [4, "普通任务（不含单位）", "2021.12"],
    ])
    items = read(data).items
    assert items[0].title == "新建幼儿园2所"
    assert (items[0].lead_units, items[0].responsible_units) == (["区教育局"], ["六横镇", "桃花镇"])
    assert (items[1].title, items[1].lead_units) == ("完成校舍安全改造", ["区教育局"])
    assert items[2].title == "推进垃圾分类"
    assert (items[2].lead_units, items[2].responsible_units) == (["区综合行政执法局"], ["各镇、街道"])
    assert items[3].title == "普通任务（不含单位）" and items[3].lead_units == []


def test_lead_marker_in_responsible_column() -> None:
    data = make_csv([["任务", "责任单位"], ["建设文化礼堂", "区文广旅体局（牵头）、各镇（街道）"]])
    item = read(data, "t.csv").items[0]
    assert (item.lead_units, item.responsible_units) == (["区文广旅体局"], ["各镇（街道）"])


def test_total_legend_section_and_note_rows() -> None:
    data = make_xlsx([
        ["2021年度区政府重点工作任务表"],
        ["单位：亿元"],
        ["序号", "任务", "牵头单位", "计划投资", "进度评价"],
        ["合计", None, None, 3.5, None],
        ["一、住房安居", None, None, None, None],
        [1, "改造老旧小区", "区住建局", 1.2, "○"],
        [2, "新建保障房", "区住建局", 2.3, "●"],
        ["（二）交通便民", None, None, None, None],
        [3, "新建停车库", "区交通运输局", None, "◎"],
        ["小计", None, None, None, None],
        ["备注：○提前完成 ●推进良好 ◎进度滞后"],
        ["填报人：张三"],
    ], merges=("A1:E1", "A11:E11"))
    table = read(data)
    assert table.title == "2021年度区政府重点工作任务表" and table.header_row == 3
    assert [(i.number, i.domain) for i in table.items] == [(1, "住房安居"), (2, "住房安居"), (3, "交通便民")]
    assert table.skipped == [
        (4, "total"), (5, "section"), (8, "section"), (10, "total"), (11, "legend"), (12, "note"),
    ]
    # the legend's own symbols, and "单位：亿元" above the table
    assert [i.status for i in table.items] == ["ahead", "good", "slow"]
    assert [i.investment for i in table.items] == [12000, 23000, None]


def test_one_item_over_two_rows_with_the_same_number() -> None:
    data = make_csv([
        ["序号", "重点任务", "牵头单位", "责任单位", "完成时限", "进展情况", "形象进度"],
        ["1", "建成东港邻里中心", "区审招办", "区城投集团", "2021.9", "主体完工", "★"],
        ["1", "完成配套道路", "区审招办", "区交投集团", "2021.12", "已招标", "▲"],
        ["2", "新建公厕5座", "区综合行政执法局", "", "2021.12", "", "□"],
    ])
    table = read(data, "t.csv")
    assert len(table.items) == 2
    item = table.items[0]
    assert item.title == "建成东港邻里中心；完成配套道路"
    assert item.responsible_units == ["区城投集团", "区交投集团"]
    assert (item.deadline, item.deadline_text) == (date(2021, 12, 31), "2021.12")
    assert item.progress_text == "主体完工\n已招标"
    assert item.status == "slow"  # the worse of the two rows
    assert item.rows == [2, 3]


def test_merged_number_and_title_cells_make_one_item() -> None:
    data = make_xlsx([
        ["序号", "主要领域", "年度目标任务", "责任单位", "1—7月份完成情况"],
        [1, "一、教育", "建设普陀二中", "区教育局", "主体完工"],
        [None, None, None, "六横镇", "六横段开工"],
        [2, None, "改善办学条件", "区教育局", ""],
    ], merges=("A2:A3", "B2:B4", "C2:C3"))
    items = read(data).items
    assert [(i.number, i.title, i.domain) for i in items] == [(1, "建设普陀二中", "教育"), (2, "改善办学条件", "教育")]
    assert items[0].responsible_units == ["区教育局", "六横镇"]
    assert items[0].progress_text == "主体完工\n六横段开工"
    assert items[0].rows == [2, 3]


def test_csv_carries_domain_down_but_not_units() -> None:
    data = make_csv([
        ["序号", "领域", "任务", "牵头单位", "责任单位"],
        ["1", "1.住房", "任务甲", "区住建局", "东港街道"],
        ["2", "", "任务乙", "", "沈家门街道"],
        ["3", "2.交通", "任务丙", "区交通运输局", ""],
    ])
    items = read(data, "t.csv").items
    assert [i.domain for i in items] == ["住房", "住房", "交通"]
    assert [i.lead_units for i in items] == [["区住建局"], [], ["区交通运输局"]]


def test_numeric_deadlines() -> None:
    rows: list[list[Any]] = [
        ["序号", "任务", "完成时限"],
        [1, "九月任务", 2021.9],
        [2, "十月任务（两位小数格式）", 2021.1],
        [3, "一月任务（常规格式）", 2021.1],
        [4, "日期单元格", datetime(2021, 10, 15)],
        [5, "年份", 2021],
        [6, "长期任务", "长期坚持"],
    ]
    table = read(make_xlsx(rows, formats={"C3": "0.00"}))
    got = [(i.deadline, i.deadline_text) for i in table.items]
    assert got == [
        (date(2021, 9, 30), "2021.9"),
        (date(2021, 10, 31), "2021.10"),
        (date(2021, 1, 31), "2021.1"),
        (date(2021, 10, 15), "2021-10-15"),
        (date(2021, 12, 31), "2021年"),
        (None, "长期坚持"),
    ]
    assert table.bad_deadlines == [(7, "长期坚持")]
    assert len(table.items) == 6  # the unreadable deadline's item is still imported


def test_numeric_month_read_as_october_when_the_column_pads_months() -> None:
    rows: list[list[Any]] = [["序号", "任务", "完成时限"], [1, "甲", "2021.06"], [2, "乙", 2021.1]]
    assert read(make_xlsx(rows)).items[1].deadline == date(2021, 10, 31)
    csv_rows = [["序号", "任务", "完成时限"], ["1", "甲", "2021.09"], ["2", "乙", "2021.1"]]
    assert read(make_csv(csv_rows), "t.csv").items[1].deadline == date(2021, 10, 31)


def test_investment_in_text_and_a_two_row_header() -> None:
    data = make_xlsx([
        ["序号", "项目名称", "年度投资", None, "完成时限"],
        [None, None, "合计", "其中：区财政", None],
        [1, "甲", "1.2亿", "500万元", "2021.12"],
        [2, "乙", 800, "3000元", "2021.12"],
        [3, "丙", "待定", None, "2021.12"],
    ], merges=("A1:A2", "B1:B2", "C1:D1", "E1:E2"))
    table = read(data)
    assert table.header_row == 1
    assert table.columns["investment"] == "年度投资合计" and table.columns["fiscal_investment"] == "其中：区财政"
    assert [(i.investment, i.fiscal_investment) for i in table.items] == [(12000, 500), (800, 0.3), (None, None)]


def test_first_sheet_without_a_header_is_passed_over() -> None:
    data = make_xlsx(
        [["任务", "牵头单位"], ["甲", "区住建局"]],
        first_sheet=[["填表说明：请按要求填写"], ["本表由区府办汇总"]],
    )
    table = read(data)
    assert table.sheet == "任务表" and [i.title for i in table.items] == ["甲"]


def test_rows_without_title_are_reported() -> None:
    data = make_csv([["序号", "任务", "牵头单位"], ["1", "甲", "区住建局"], ["2", "", "区教育局"]])
    table = read(data, "t.csv")
    assert [i.title for i in table.items] == ["甲"] and table.skipped == [(3, "no_title")]


def test_repeated_header_rows_are_skipped() -> None:
    data = make_csv([["序号", "任务", "牵头单位"], ["1", "甲", "区住建局"], ["序号", "任务", "牵头单位"], ["2", "乙", "区教育局"]])
    table = read(data, "t.csv")
    assert [i.number for i in table.items] == [1, 2] and table.skipped == [(3, "header")]


def test_stray_far_away_cell_stays_cheap() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["任务", "牵头单位"])
    ws.append(["甲", "区住建局"])
    ws.cell(row=1_048_576, column=16_384).number_format = "0.00"  # styled but empty
    ws.cell(row=900_000, column=2, value="  ")
    buf = io.BytesIO()
    wb.save(buf)
    assert [i.title for i in read(buf.getvalue()).items] == ["甲"]


# --------------------------------------------------------------------------- units, statuses, amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("沈家门街道 东港街道", ["沈家门街道", "东港街道"]),
        ("区 住建局", ["区住建局"]),
        ("区　住建局、区教育局", ["区住建局", "区教育局"]),
        ("各镇、街道、管委会", ["各镇、街道、管委会"]),
        ("各镇、街道、 管委会", ["各镇、街道、管委会"]),
        ("各镇 街道 管委会", ["各镇、街道、管委会"]),
        ("区气象局各镇、街道、管委会", ["区气象局", "各镇、街道、管委会"]),
        ("各镇（街道）", ["各镇（街道）"]),
        ("各有关银行", ["各有关银行"]),
        ("区级各部门；各乡镇", ["区级各部门", "各乡镇"]),
        ("区农业农村局 区综合行政执法局", ["区农业农村局", "区综合行政执法局"]),
        ("区商务局(区菜办) 区供销社", ["区商务局(区菜办)", "区供销社"]),
        ("区委办（区档案局、区保密局）,区府办", ["区委办（区档案局、区保密局）", "区府办"]),
        ("区住建局\n区教育局;区卫健局", ["区住建局", "区教育局", "区卫健局"]),
        ("区住建局、区住建局、 区教育局", ["区住建局", "区教育局"]),
        ("东港街道 办事处", ["东港街道办事处"]),
        ("区综合行政 执法局", ["区综合行政执法局"]),
        ("舟山国际水产城 区气象局", ["舟山国际水产城", "区气象局"]),
        ("", []),
        (None, []),
        ("无", []),
    ],
)
def test_split_units(text: str | None, expected: list[str]) -> None:
    assert split_units(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("□", "ahead"), ("■", "ahead"), ("口", "ahead"), ("☞", "ahead"), ("提前完成", "ahead"),
        ("已完成", "ahead"), ("完成", "ahead"),
        ("★", "good"), ("☆", "good"), ("✩", "good"), ("推进良好", "good"), ("良好", "good"),
        ("正常推进", "good"), ("基本完成", "good"), ("绿灯", "good"),
        ("—", "average"), ("―", "average"), ("–", "average"), ("-", "average"), ("一", "average"),
        ("━", "average"), ("一般", "average"), ("难以评价", "average"),
        ("▲", "slow"), ("△", "slow"), ("◆", "slow"), ("较为缓慢", "slow"), ("缓慢", "slow"),
        ("滞后", "slow"), ("未完成", "slow"), ("红", "slow"),
        (" ★ ", "good"), ("", None), (None, None), ("80%", None), ("见附件", None),
    ],
)
def test_parse_status(text: str | None, expected: str | None) -> None:
    assert parse_status(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12000, 12000.0), (12.5, 12.5), ("1.2亿", 12000.0), ("1.2亿元", 12000.0), ("500万元", 500.0),
        ("500万", 500.0), ("500", 500.0), ("1,200", 1200.0), ("约300万元", 300.0), ("3000元", 0.3),
        ("1亿2000万", 12000.0), ("", None), (None, None), ("—", None), ("待定", None), ("80%", None),
        (float("nan"), None), (True, None),
    ],
)
def test_parse_amount(value: Any, expected: float | None) -> None:
    assert parse_amount(value) == expected


# --------------------------------------------------------------------------- refusals


def error_code(data: bytes, name: str, **kw: Any) -> str:
    with pytest.raises(TableError) as caught:
        read(data, name, **kw)
    return caught.value.code


def test_refusals() -> None:
    assert error_code(os.urandom(4096), "x.xlsx") == "not_spreadsheet"
    assert error_code(os.urandom(4096), "x.csv") == "not_spreadsheet"
    assert error_code(b"", "x.csv") == "empty"
    assert error_code(b" \r\n", "x.csv") == "empty"
    assert error_code(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "x.xls") == "not_spreadsheet"
    assert error_code(make_csv([["a", "b"], ["1", "2"]]), "x.csv") == "no_header"
    assert error_code(make_csv([["序号", "任务", "牵头单位"]]), "x.csv") == "empty"
    assert error_code(b"x" * (MAX_BYTES + 1), "x.csv") == "too_large"
    assert error_code(make_csv([["任务", "牵头单位"]] + [["甲", "区住建局"]] * 20), "x.csv", max_rows=10) == "too_large"
    assert error_code(b"%PDF-1.4\n...", "x.pdf") == "not_spreadsheet"


def test_a_damaged_xls_is_refused_with_a_hint_to_save_it_again() -> None:
    with pytest.raises(TableError) as caught:
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "任务.xls")
    assert ".xlsx" in caught.value.detail


def test_zip_that_is_not_a_workbook() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert error_code(buf.getvalue(), "x.docx") == "not_spreadsheet"
    assert error_code(buf.getvalue()[:100], "x.xlsx") == "not_spreadsheet"


def test_workbook_without_a_header() -> None:
    assert error_code(make_xlsx([["a", "b"], [1, 2]]), "x.xlsx") == "no_header"
    assert error_code(make_xlsx([]), "x.xlsx") == "empty"


# --------------------------------------------------------------------------- fuzzing

cell_text = st.text(max_size=30) | st.sampled_from(
    ["序号", "任务", "牵头单位", "责任单位", "完成时限", "形象进度", "合计", "一、住房", "备注：□提前", "2021.1",
     "1.2亿", "各镇、街道", "（牵头单位：", "★", "", "1", "2"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell_text, max_size=8), max_size=12), header=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_arbitrary_csv_only_raises_table_error(rows: list[list[str]], header: bool, encoding: str) -> None:
    if header:
        rows = [["序号", "领域", "任务", "牵头单位", "责任单位", "完成时限", "投资", "形象进度"], *rows]
    try:
        data = make_csv(rows, encoding)
    except UnicodeEncodeError:
        return
    try:
        table = read(data, "fuzz.csv")
    except TableError as exc:
        assert exc.code in {"too_large", "not_spreadsheet", "no_header", "empty"}
        return
    for item in table.items:
        assert item.title and item.status in (*STATUSES, None) and item.rows
