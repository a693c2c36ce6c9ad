"""Indicators of a plan table (基期值, 目标值, unit, 约束性/预期性): reading, storing, percent complete."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from bot.export import export_progress_table
from bot.tables import read_table
from db import items, reports
from db.engine import Database
from db.imports import apply_import, plan_import
from jobs.rules import indicator_percent
from tests.conftest import SHANGHAI

NOW = datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI)

# Rows of the 14th five-year plan for civil affairs (shared/seeds/004_…txt, 主要指标 table), as written.
PLAN_14 = """序号\t主要指标\t2020年实际值\t2025年目标值\t指标属性
“精准助民”的救助体系\t\t\t\t
1\t城乡居民最低生活保障标准（元/年）\t9720\t14000\t约束性
2\t救助家庭探访关爱率（%）\t——\t100\t约束性
“幸福惠民”的养老体系\t\t\t\t
3\t每万老年人口拥有持证养老护理员数（人）\t8\t25\t预期性
5\t护理型床位占养老机构床位比例（%）\t54\t60\t约束性
“和谐安民”的治理体系\t\t\t\t
14\t建成居民会客厅（个）\t0\t8\t约束性"""

# The 13th plan's review table: bare years, and a "其中" sub-indicator without a number.
PLAN_13 = """序号\t指标\t2015年\t2020年目标值\t2020年完成情况
1\t每千名老年人拥有社会养老床位数 (张)\t40\t50\t50
\t其中: 护理型床位占机构床位比率(%)\t42\t51\t54.17
2\t民办(民营)养老机构床位数占有率(%)\t—\t—\t46.25
3\t低保标准城乡一体化程度(%)\t100\t100\t100"""


def xlsx(tsv: str, title: str | None = "“十四五”民政事业发展主要指标") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for line in tsv.splitlines():
        ws.append([int(c) if c.isdigit() else (c or None) for c in line.split("\t")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("baseline", "target", "current", "percent"), [
    (9720, 14000, 11860, 50),  # 低保标准 rising from its baseline
    (None, 100, 60, 60),  # no baseline ("——"): from 0
    (6.1, 5.5, 5.8, 50),  # a falling target (离婚率, 能耗): the fall counts
    (6.1, 5.5, 5.0, 100),  # beyond the target
    (6.1, 5.5, 6.5, 0),  # the wrong way
    (9720, 14000, 15000, 100),
    (54, 60, 50, 0),
    (100, 100, 100, 100),  # keep at 100
    (100, 100, 98, 0),
    (0, 8, 7.99, 99),  # rounded down: not done until it is done
])
def test_indicator_percent(baseline: float | None, target: float, current: float, percent: int) -> None:
    assert indicator_percent(baseline, target, current) == percent


def test_indicator_percent_survives_odd_numbers() -> None:
    assert indicator_percent(0, 10, float("nan")) == 0
    assert indicator_percent(0, 10, float("inf")) == 100


def test_the_plan_table_reads_as_indicator_items() -> None:
    table = read_table(xlsx(PLAN_14), "plan.xlsx", now=NOW)
    assert table.columns == {"number": "序号", "title": "主要指标", "baseline_value": "2020年实际值",
                             "target_value": "2025年目标值", "binding": "指标属性"}
    got = [(i.number, i.domain, i.indicator_unit, i.baseline_value, i.target_value, i.binding) for i in table.items]
    assert got == [
        (1, "“精准助民”的救助体系", "元/年", 9720, 14000, True),
        (2, "“精准助民”的救助体系", "%", None, 100, True),
        (3, "“幸福惠民”的养老体系", "人", 8, 25, False),
        (5, "“幸福惠民”的养老体系", "%", 54, 60, True),
        (14, "“和谐安民”的治理体系", "个", 0, 8, True),
    ]
    assert table.items[0].title == "城乡居民最低生活保障标准（元/年）"


def test_bare_years_and_sub_indicators() -> None:
    table = read_table(xlsx(PLAN_13, title=None), "plan13.xlsx", now=NOW)
    assert table.columns["baseline_value"] == "2015年" and table.columns["target_value"] == "2020年目标值"
    got = [(i.number, i.indicator_unit, i.baseline_value, i.target_value, i.progress_text) for i in table.items]
    assert got == [
        (1, "张", 40, 50, "50"),
        (None, "%", 42, 51, "54.17"),  # "其中" is an indicator of its own, numbered on import
        (2, "%", None, None, "46.25"),
        (3, "%", 100, 100, "100"),
    ]


def test_a_unit_column_and_two_bare_years() -> None:
    tsv = "序号\t指标\t单位\t2020年\t2025年\t属性\n1\t单位GDP能耗下降\t%\t0.52\t0.45\t约束性\n2\t森林覆盖率\t%\t≥50\t52%\t预期性"
    table = read_table(xlsx(tsv), "t.xlsx", now=NOW)
    got = [(i.indicator_unit, i.baseline_value, i.target_value, i.binding) for i in table.items]
    assert got == [("%", 0.52, 0.45, True), ("%", 50, 52, False)]


def test_a_bare_unit_column_in_a_task_table_is_not_an_indicator_unit() -> None:
    tsv = "序号\t重点任务\t单位\t完成时限\n1\t建成学校一所\t区教育局\t2021.12"
    item = read_table(xlsx(tsv, title=None), "t.xlsx", now=NOW).items[0]
    assert (item.title, item.indicator_unit, item.target_value) == ("建成学校一所", None, None)


def test_indicators_are_stored_and_reimporting_changes_nothing(database: Database) -> None:
    table = read_table(xlsx(PLAN_14), "plan.xlsx", now=NOW)
    with database.session() as session:
        apply_import(session, table=table, now=NOW)
    with database.session() as session:
        item = items.item_by_number(session, number=1)
        assert (item.indicator_unit, item.baseline_value, item.target_value, item.binding) == ("元/年", 9720, 14000, True)
        assert items.item_by_number(session, number=2).baseline_value is None
        plan = plan_import(session, table=table)
    assert len(plan.unchanged) == 5 and not plan.updated

    changed = read_table(xlsx(PLAN_14.replace("\t14000\t", "\t15000\t")), "plan.xlsx", now=NOW)
    with database.session() as session:
        assert [i.number for i in plan_import(session, table=changed).updated] == [1]


def test_the_export_shows_the_current_value_and_percent(database: Database) -> None:
    with database.session() as session:
        apply_import(session, table=read_table(xlsx(PLAN_14), "plan.xlsx", now=NOW), now=NOW)
        item = items.item_by_number(session, number=1)
        report = reports.add_report(session, item_id=item.id, unit_id=None, reporter_id=None, period="2021-07",
                                    now=NOW, text="标准已调整", percent=None, status="good", problems=None)
        report.current_value = 11860
    with database.session() as session:
        data = export_progress_table(session, today=NOW.date(), lang="zh", period="2021-07")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    # The plan's own columns are kept: the progress is in the column headed as the table headed it.
    progress = next(c.column for c in ws[2] if c.value and ("完成情况" in c.value or "进展" in c.value))
    assert ws.cell(4, progress).value == "标准已调整\n当前值 11860元/年（基期 9720元/年，目标 14000元/年），完成 50%"


def test_the_import_preview_shows_the_indicators_it_read(database: Database) -> None:
    from bot.preview import import_preview

    table = read_table(xlsx(PLAN_14), "plan.xlsx", now=NOW)
    with database.session() as session:
        preview = import_preview("zh", "plan.xlsx", table, plan_import(session, table=table))
    assert "数值指标 5 项（约束性 4 项，预期性 1 项）" in preview
    assert "城乡居民最低生活保障标准（元/年）：9720 → 14000元/年" in preview
    assert "救助家庭探访关爱率（%）：— → 100%" in preview
    assert " 等 2 个" in preview
