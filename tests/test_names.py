"""Names normalised once where they come in: db.names on its own, the unit functions, and the admin commands."""

from __future__ import annotations

import pytest

from db import items, names, units
from db.engine import Database
from tests.conftest import World

ZWSP, RLO, PDF, LRM, BOM = "\u200b", "\u202e", "\u202c", "\u200e", "\ufeff"


# ---------------------------------------------------------------- db.names, pure


def test_nfkc_makes_full_width_letters_digits_and_brackets_plain() -> None:
    assert names.one_line("ＡＢＣ１２３（试点）") == "ABC123（试点）"  # full-width punctuation is Chinese writing
    assert names.unit_key("ＡＢＣ１２３（试点）") == "ABC123(试点)"  # names compare fully folded
    assert names.unit_key("区住建局（城建）") == names.unit_key("区住建局(城建)")


def test_zero_width_and_bidirectional_controls_are_removed() -> None:
    assert names.unit_key(f"区住建局{ZWSP}") == "区住建局"
    assert names.unit_key(f"{RLO}局建住区{PDF}") == "局建住区"
    assert names.one_line(f"{BOM}标题{LRM}一\u2066二\u2069") == "标题一二"
    assert names.one_line("a\x00b\x7fc") == "abc"


def test_spaces_collapse_on_one_line_and_lines_stay_in_a_text() -> None:
    assert names.one_line("  完成\u3000城区  5座\n公厕 ") == "完成 城区 5座 公厕"
    assert names.unit_key("区 住建局") == "区住建局"
    assert names.multi_line("第一行  有空格\r\n\n\n\n第二行\u200b ") == "第一行 有空格\n\n第二行"


def test_empty_and_over_long_are_refused_with_the_bound() -> None:
    with pytest.raises(names.BadText) as empty:
        names.title(ZWSP)
    assert empty.value.reason == "empty"
    with pytest.raises(names.BadText) as long:
        names.domain("领" * 6000)
    assert (long.value.reason, long.value.limit) == ("too_long", names.LIMITS[names.DOMAIN])
    assert names.domain(f" {ZWSP} ") is None
    assert names.unit_name("单" * names.LIMITS[names.UNIT]) == "单" * names.LIMITS[names.UNIT]
    with pytest.raises(names.BadText):
        names.unit_name("单" * (names.LIMITS[names.UNIT] + 1))
    with pytest.raises(names.BadText):
        names.report_text(f"{ZWSP}\n{ZWSP}")
    assert not names.has_content(f"{ZWSP}{RLO}") and names.has_content("无")


# ---------------------------------------------------------------- the unit functions


def test_a_name_or_alias_of_another_unit_is_refused_naming_it(database: Database) -> None:
    with database.session() as session:
        units.add_unit(session, name="区住建局", aliases=["住建局"])
    for name, aliases in ((f"区住建局{ZWSP}", []), ("住建局", []), ("区建设局", ["住 建局"]),
                          ("区建设局", ["区住建局"])):
        with pytest.raises(names.NameTaken) as taken, database.session() as session:
            units.add_unit(session, name=name, aliases=aliases)
        assert taken.value.unit == "区住建局"
    with database.session() as session:
        assert [u.name for u in units.all_units(session)] == ["区住建局"]
        assert units.find_unit(session, name=f"住建局{ZWSP}").name == "区住建局"
        other = units.add_unit(session, name="区教育局", aliases=["教育局", "区教育局", "教育局"])
        assert other.aliases == ["教育局"]
        with pytest.raises(names.NameTaken):
            units.rename_unit(session, unit_id=other.id, aliases=["住建局"])
        assert units.rename_unit(session, unit_id=other.id, name="区教育体育局").name == "区教育体育局"


# ---------------------------------------------------------------- through the chat


async def test_unit_add_is_all_or_nothing_and_clear(world: World) -> None:
    admin = world.admin
    admin.send("/unit_add 先加单位\n" + "长" * 120 + "\n后加单位")
    assert "最多 100 字" in (await admin.expect("过长")).text
    admin.send("/unit_add ,,,;;;")
    assert "没有读到单位名称" in (await admin.expect()).text
    admin.send(f"/unit_add 区住建局 住建局\n区住建局{ZWSP}")
    await admin.expect("已新增单位")  # the second line is the same unit: already there
    admin.send("/unit_add 区交通局\n区建设局 住建局")
    assert "单位「区住建局」" in (await admin.expect("已是单位")).text
    admin.send(f"/unit_add {RLO}区教育局")
    await admin.expect("已新增单位")
    with world.db.session() as session:
        assert [u.name for u in units.all_units(session)] == ["区住建局", "区教育局"]


async def test_titles_and_domains_are_normalised_and_bounded(world: World) -> None:
    admin = world.admin
    admin.send("/unit_add 区教育局")
    await admin.expect("已新增单位")
    admin.send(f"/add {ZWSP} | 2021.12 | 区教育局 | 区教育局")
    await admin.expect("标题不能为空")
    admin.send("/add 改善办学条件 | 2021.12 | 区教育局 | 区教育局 | " + "领" * 6000)
    assert "最多 100 字" in (await admin.expect("过长")).text
    admin.send(f"/add 改善{ZWSP}办学条件 | 2021.12 | 区教育局 | 区教育局 | 教育{RLO}领域")
    admin.press(await admin.expect("请确认"), "✅ 确认")
    await admin.expect("已保存事项 #1")
    admin.send("/edit 1 领域 " + "领" * 6000)
    assert "最多 100 字" in (await admin.expect("过长")).text
    admin.send(f"/edit 1 标题 {ZWSP}")  # normalised at the edge: no new value at all
    await admin.expect("用法")
    admin.send("/add")
    await admin.expect("第 1 步")
    admin.send(ZWSP)
    await admin.expect("标题不能为空")
    admin.send("/cancel")
    await admin.expect("已取消")
    with world.db.session() as session:
        item = items.item_by_number(session, number=1)
        assert (item.title, item.domain) == ("改善办学条件", "教育领域")
        assert items.counts(session).items == 1
