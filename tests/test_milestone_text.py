"""Milestones written as text: the numbered lines of one cell, each with its deadline read from its front or end."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.milestone_text import MilestoneText, last_deadline, read_cell, read_line, row_milestones, split_lines

NOW = datetime(2021, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PLAN = [("完成设计", "6月底前", date(2021, 6, 30)), ("开工", "9月底前", date(2021, 9, 30)),
        ("完工", "12月底前", date(2021, 12, 31))]


@pytest.mark.parametrize("cell", [
    "1. 6月底前完成设计；2. 9月底前开工；3. 12月底前完工",
    "1、6月底前完成设计\n2、9月底前开工\n3、12月底前完工",
    "①6月底前完成设计②9月底前开工③12月底前完工",
    "（1）6月底前完成设计；（2）9月底前开工；（3）12月底前完工。",
    "(1) 6月底前完成设计 (2) 9月底前开工 (3) 12月底前完工",
    "6月底前完成设计；9月底前开工；12月底前完工",
    "6月底前完成设计\n9月底前开工\n12月底前完工",
])
def test_the_ways_an_office_numbers_its_milestones(cell: str) -> None:
    assert read_cell(cell, NOW) == [MilestoneText(*m) for m in PLAN]


def test_a_deadline_at_the_end_or_in_brackets() -> None:
    assert read_line("完成主体施工（9月底前）", NOW) == MilestoneText("完成主体施工", "9月底前", date(2021, 9, 30))
    assert read_line("完成设计，2021年6月30日", NOW) == MilestoneText("完成设计", "2021年6月30日", date(2021, 6, 30))
    assert read_line("2021年6月30日前完成设计", NOW).deadline == date(2021, 6, 30)
    assert read_line("三季度末完成验收", NOW) == MilestoneText("完成验收", "三季度末", date(2021, 9, 30))


def test_a_decimal_is_no_number_of_a_line_and_a_line_without_a_date_is_kept() -> None:
    assert split_lines("年内完成3.5公里管网") == ["年内完成3.5公里管网"]
    cell = read_cell("1、完成拆迁 2、2021年10月15日前开工", NOW)
    assert cell == [MilestoneText("完成拆迁", None, None), MilestoneText("开工", "2021年10月15日前", date(2021, 10, 15))]


@pytest.mark.parametrize("cell", ["", "   ", "按计划推进", "持续推进，确保完成"])
def test_a_cell_without_any_deadline_is_no_plan(cell: str) -> None:
    assert read_cell(cell, NOW) == []


def test_a_rows_milestones_from_its_own_column_or_numbered_lines_in_its_deadline() -> None:
    assert row_milestones("1. 6月底前完成设计；2. 9月底前开工", "2021年12月底", NOW) == [
        ("完成设计", date(2021, 6, 30), "6月底前"), ("开工", date(2021, 9, 30), "9月底前")]
    in_deadline = row_milestones(None, "①6月底前完成设计②年底前完工", NOW)
    assert in_deadline == [("完成设计", date(2021, 6, 30), "6月底前"), ("完工", date(2021, 12, 31), "年底前")]
    assert last_deadline(in_deadline) == (date(2021, 12, 31), "年底前")
    assert row_milestones(None, "2021年10月底", NOW) == []  # one date is the item's deadline, no milestone
