"""The import's period and layout kept, and its units: near-duplicates flagged in the preview (pure functions),
treated as one unit with the other name kept as an alias (db.imports), and the merge button over HTTP."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlmodel import select

from bot.preview import UnitPair, import_preview, near_duplicate, near_duplicate_units, unit_pairs
from bot.simulator import SimMessage
from bot.tables import read_table
from db import bot_state, items, lists, reports
from db import units as units_db
from db.engine import Database
from db.export_queries import HEADERS_KEY, TITLE_KEY, layout_key
from db.imports import apply_import, plan_import
from db.models import ProgressReport
from handlers.import_units import MergeUnits, merge_names
from tests.conftest import FIXTURES, SHANGHAI, World
from tests.factories import OFFICE_TITLE, make_csv

AUGUST_2 = datetime(2021, 8, 2, 10, 0, tzinfo=SHANGHAI)
ROWS = [
    ["序号", "任务", "牵头单位", "责任单位", "1—7月份完成情况", "形象进度"],
    ["1", "任务甲", "区人力社保局", "区城投集团", "进展甲", "★"],
    ["2", "任务乙", "区人社局", "区域投集团", "进展乙", "▲"],
    ["3", "任务丙", "区商务局", "区商务局(区菜办)、各镇、街道、管委会", "进展丙", "□"],
]


def table(rows: list[list[str]] = ROWS):  # type: ignore[no-untyped-def]
    return read_table(make_csv(rows), "units.csv", now=AUGUST_2)


# --------------------------------------------------------------------------- near-duplicates (pure)


@pytest.mark.parametrize(("a", "b", "reason"), [
    ("区人力社保局", "区人社局", "short"),
    ("区住建局", "区住房和城乡建设局", "short"),
    ("区城投集团", "区域投集团", "typo"),
    ("区商务局", "区商务局(区菜办)", "alias"),
    ("区商务局（区菜办）", "区商务局", "alias"),
    ("区城投集团", "区交投集团", None),  # two groups: 城 and 交 do not look alike
    ("区人社局", "区人防局", None),
    ("沈家门街道", "东港街道", None),
    ("各镇、街道、管委会", "各镇、街道", None),
    ("区教育局", "区教育局", None),
])
def test_near_duplicate(a: str, b: str, reason: str | None) -> None:
    assert near_duplicate(a, b) == reason
    assert near_duplicate(b, a) == reason


def test_near_duplicate_units_against_the_table_and_existing_units() -> None:
    pairs = near_duplicate_units(["区人社局", "区域投集团"], ["区人社局", "区域投集团", "区城投集团"], ["区人力社保局"])
    assert pairs == [UnitPair("区人社局", "区人力社保局", "short", True),
                     UnitPair("区域投集团", "区城投集团", "typo", False)]


def test_the_name_kept() -> None:
    assert UnitPair("区人社局", "区人力社保局", "short", True).choices({"区人社局": 9}) == [("区人社局", "区人力社保局")]
    assert UnitPair("区人社局", "区人力社保局", "short", False).choices({"区人社局": 1, "区人力社保局": 1}) == [
        ("区人社局", "区人力社保局")]
    assert UnitPair("区城投集团", "区域投集团", "typo", False).choices({"区城投集团": 3, "区域投集团": 1}) == [
        ("区域投集团", "区城投集团")]
    both = UnitPair("区城投集团", "区域投集团", "typo", False).choices({"区城投集团": 1, "区域投集团": 1})
    assert set(both) == {("区域投集团", "区城投集团"), ("区城投集团", "区域投集团")}


def test_merge_names_follows_earlier_merges() -> None:
    merges = {"区人社局": "区人力社保局"}
    merge_names(merges, "区人力社保局", "区人力资源和社会保障局")
    assert merges == {"区人社局": "区人力资源和社会保障局", "区人力社保局": "区人力资源和社会保障局"}


def test_the_putuo_table_flags_its_own_near_duplicates(database: Database) -> None:
    putuo = read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "putuo.xlsx", now=AUGUST_2)
    with database.session() as session:
        plan = plan_import(session, table=putuo)
    found = {(p.name, p.other, p.reason) for p in unit_pairs(putuo, plan)}
    assert found == {("区人力社保局", "区人社局", "short"), ("区城投集团", "区域投集团", "typo"),
                     ("区商务局", "区商务局(区菜办)", "alias")}


# --------------------------------------------------------------------------- the preview


def test_the_preview_shows_units_in_brackets_the_near_duplicates_and_the_period(database: Database) -> None:
    parsed = table()
    with database.session() as session:
        plan = plan_import(session, table=parsed)
    zh = import_preview("zh", "units.csv", parsed, plan)
    assert "「各镇、街道、管委会」" in zh
    assert "可能重复的单位 3 组" in zh
    assert "「区人力社保局」 与 「区人社局」（疑为简称）" in zh
    assert "「区城投集团」 与 「区域投集团」（相差一字）" in zh
    assert "表中进展和状态记入 2021年7月（表中写的是「1—7月」）" in zh
    en = import_preview("en", "units.csv", parsed, plan)
    assert "3 possible duplicate units" in en and "filed under July 2021 (the table says “1—7月”)" in en

    parsed.unit_merges.update({"区人社局": "区人力社保局", "区域投集团": "区城投集团"})
    with database.session() as session:
        plan = plan_import(session, table=parsed)
    zh = import_preview("zh", "units.csv", parsed, plan)
    assert "可能重复的单位 1 组" in zh and "按同一单位处理：「区人社局」 → 「区人力社保局」" in zh
    assert "「区人社局」" not in zh.split("将新建单位")[1].split("\n")[0]


def test_a_table_without_a_period_says_so(database: Database) -> None:
    parsed = table([["序号", "任务", "牵头单位", "工作进展", "形象进度"], ["1", "任务甲", "区教育局", "开工", "★"]])
    with database.session() as session:
        preview = import_preview("zh", "t.csv", parsed, plan_import(session, table=parsed))
    assert "表中未写明进展所属期间" in preview


# --------------------------------------------------------------------------- storing


def test_a_july_table_imported_in_august_files_its_progress_under_july(database: Database) -> None:
    putuo = read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "putuo.xlsx", now=AUGUST_2)
    with database.session() as session:
        result = apply_import(session, table=putuo, now=AUGUST_2)
    assert result.reports == 100
    with database.session() as session:
        periods = {r.period for r in session.exec(select(ProgressReport)).all()}
        assert periods == {"2021-07"}
        own = lists.list_by_code(session, code=result.list_code).id  # kept for its list
        assert bot_state.get_setting(session, key=layout_key(TITLE_KEY, own)) == OFFICE_TITLE
        headers = json.loads(bot_state.get_setting(session, key=layout_key(HEADERS_KEY, own)) or "{}")
    assert headers["fiscal_investment"] == "其中：区财政安排(万元)" and headers["title"] == "年度目标任务"


def test_without_a_period_progress_is_filed_under_the_import_month(database: Database) -> None:
    parsed = table([["序号", "任务", "牵头单位", "工作进展", "形象进度"], ["1", "任务甲", "区教育局", "开工", "★"]])
    with database.session() as session:
        apply_import(session, table=parsed, now=AUGUST_2)
    with database.session() as session:
        assert [r.period for r in session.exec(select(ProgressReport)).all()] == ["2021-08"]


def test_merged_names_become_one_unit_with_aliases(database: Database) -> None:
    with database.session() as session:
        units_db.add_unit(session, name="区人力社保局")
    parsed = table()
    parsed.unit_merges.update({"区人社局": "区人力社保局", "区域投集团": "区城投集团", "区商务局(区菜办)": "区商务局"})
    with database.session() as session:
        plan = plan_import(session, table=parsed)
        assert plan.new_units == ["区城投集团", "区商务局", "各镇、街道、管委会"]
        result = apply_import(session, table=parsed, now=AUGUST_2)
    assert result.units_created == 3
    with database.session() as session:
        units = {u.name: u.aliases for u in units_db.all_units(session)}
        assert units == {"区人力社保局": ["区人社局"], "区城投集团": ["区域投集团"], "区商务局": ["区商务局(区菜办)"],
                         "各镇、街道、管委会": []}
        third = items.item_by_number(session, number=3)
        facts = {f.number: f for f in reports.item_facts(session, today=AUGUST_2.date())}
    assert third is not None and len(facts[3].lead_unit_ids) == 1 and len(facts[3].responsible_unit_ids) == 2
    # the same table again, without the merges: every name is found, by its name or its alias
    with database.session() as session:
        assert plan_import(session, table=table()).new_units == []


# --------------------------------------------------------------------------- the button, over HTTP


async def test_the_merge_button_edits_the_pending_import_and_the_import_keeps_the_alias(world: World) -> None:
    admin = world.admin
    world.clock.set(AUGUST_2)
    admin.send_document("units.csv", make_csv(ROWS), caption="/import")
    preview = await admin.expect("导入预览", timeout=15)
    assert "可能重复的单位 3 组" in preview.text
    draft = world.app.user_data[admin.id]["import"]

    def press(message: SimMessage, checksum: int, token: str = draft["token"]) -> None:
        admin.press_data(message, MergeUnits(token, 0, 0, checksum).encode())

    press(preview, 12345)  # a forged or stale pair: nothing changes
    await admin.expect_none()
    assert "已过期" in world.sim.calls_of("answerCallbackQuery")[-1].params["text"]
    assert draft["table"].unit_merges == {}
    press(preview, SHORT.checksum, "0" * 16)  # another draft's button
    await admin.expect_none()
    assert "失效" in world.sim.calls_of("answerCallbackQuery")[-1].params["text"]
    press(preview, SHORT.checksum)
    edited = await admin.expect("可能重复的单位 2 组")
    assert "按同一单位处理：「区人社局」 → 「区人力社保局」" in edited.text
    assert any("区城投集团" in b["text"] for b in edited.inline_buttons())
    admin.press(edited, "✅ 确认")
    await admin.expect("导入完成")
    with world.db.session() as session:
        unit = units_db.find_unit(session, name="区人社局")
        assert unit is not None and unit.name == "区人力社保局" and unit.aliases == ["区人社局"]
    press(edited, UnitPair("区城投集团", "区域投集团", "typo", False).checksum)  # after the import: too late
    await admin.expect_none()
    assert "失效" in world.sim.calls_of("answerCallbackQuery")[-1].params["text"]
    with world.db.session() as session:
        assert len(units_db.all_units(session)) == 6  # 区人社局 was merged; the rest stay apart


SHORT = UnitPair("区人力社保局", "区人社局", "short", False)
