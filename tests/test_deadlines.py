"""A deadline written without a year is this year's; one already past is echoed with a warning before it is saved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from db import calendar, items
from db.engine import Database
from db.migrate import upgrade
from db.models import ExtensionRequest
from jobs.workdays import WorkCalendar
from tests.conftest import World
from tests.factories import add_units, ask_extension, make_csv, read
from tests.office import office

HOUSING = 2001


async def test_a_past_deadline_is_saved_only_after_a_warning(world: World) -> None:
    await add_units(world, "区教育局")
    admin = world.admin
    admin.send("/add 改善六横中学办学条件 | 6月底 | 区教育局 | 区教育局")
    preview = await admin.expect("请确认")
    assert "截止 2021年6月30日（周三）\n⚠️ 该时限已过（今天是 2021年7月20日 周二）" in preview.text
    assert "2022.6.30" in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已保存")
    admin.send("/edit 1 时限 二季度末")
    preview = await admin.expect("请确认修改")
    assert "2021年6月30日" in preview.text and "该时限已过" in preview.text
    admin.press(preview, "✖ 取消")
    await admin.expect("已取消")
    admin.send("/edit 1 时限 2022.6.30")
    preview = await admin.expect("请确认修改")
    assert "2022年6月30日" in preview.text and "该时限已过" not in preview.text
    admin.press(preview, "✅ 确认")
    await admin.expect("已修改 #1")
    with world.db.session() as session:
        assert items.item_by_number(session, number=1).deadline == date(2022, 6, 30)


async def test_a_deadline_to_come_has_no_warning(world: World) -> None:
    await add_units(world, "区教育局")
    world.admin.send("/add 改善六横中学办学条件 | 三季度末 | 区教育局 | 区教育局")
    preview = await world.admin.expect("请确认")
    assert "截止 2021年9月30日（周四）" in preview.text and "⚠️" not in preview.text


# ---------------------------------------------------------------- one calendar: the office's /holiday overrides
# "3个工作日内" on Tuesday 20 July 2021 is Friday 23 July on the official calendar.


async def test_a_holiday_override_moves_what_add_understands(world: World) -> None:
    await add_units(world, "区教育局")
    admin = world.admin

    async def one_line_add() -> str:
        admin.send("/add 改善六横中学办学条件 | 3个工作日内 | 区教育局 | 区教育局")
        preview = await admin.expect("请确认")
        admin.press(preview, "✖ 取消")
        await admin.expect("已取消")
        return preview.text

    assert "截止 2021年7月23日（周五）" in await one_line_add()
    admin.send("/holiday 2021-07-22 休 临时停电")
    await admin.expect("设为休息日")
    assert "截止 2021年7月26日（周一）" in await one_line_add()
    admin.send("/holiday 2021-07-24 班 调休")
    await admin.expect("设为工作日")
    assert "截止 2021年7月24日（周六）" in await one_line_add()

    # the guided dialogue's deadline step reads on the same calendar
    admin.send("/add")
    await admin.expect("第 1 步")
    admin.send("改善六横中学办学条件")
    await admin.expect("第 2 步")
    admin.send("3个工作日内")
    assert "截止 2021年7月24日（周六）" in (await admin.expect("截止")).text
    admin.send("/cancel")
    await admin.expect("已取消")

    # and /edit's (2 working days: the 21st and, the 22nd being off, the 23rd)
    admin.send("/add 改善六横中学办学条件 | 2021.12 | 区教育局 | 区教育局")
    admin.press(await admin.expect("请确认"), "✅ 确认")
    await admin.expect("已保存")
    admin.send("/edit 1 时限 2个工作日内")
    assert "2021年7月23日（周五）" in (await admin.expect("请确认修改")).text


async def test_a_holiday_override_moves_what_the_extension_dialogue_understands(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 7, 21)),
                  ("改造老旧小区10个", "区住建局", date(2021, 7, 21))])
    housing = world.user(HOUSING, "李四")
    housing.send("/item 1")
    echo = await ask_extension(housing, await housing.expect("#1 完成城区5座公厕提升改造"), "3个工作日内", "材料未到")
    assert "2021年7月23日（周五）" in echo.text

    world.admin.send("/holiday 2021-07-23 休")
    await world.admin.expect("设为休息日")
    housing.send("/item 2")
    echo = await ask_extension(housing, await housing.expect("#2 改造老旧小区10个"), "3个工作日内", "材料未到")
    assert "2021年7月26日（周一）" in echo.text
    with world.db.session() as session:
        asked = session.exec(select(ExtensionRequest).order_by(ExtensionRequest.id)).all()  # type: ignore[arg-type]
    assert [a.requested_deadline for a in asked] == [date(2021, 7, 23), date(2021, 7, 26)]


def parse_date_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str) -> list[str]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_LANGUAGE", raising=False)
    assert main(["parse-date", "3个工作日内", "--today", "2021-07-20"]) == 0
    return capsys.readouterr().out.splitlines()


def test_parse_date_reads_the_overrides_of_the_configured_database(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert parse_date_cli(monkeypatch, capsys, url) == [
        "'3个工作日内' → 2021-07-23 (2021年7月23日（周五）)",
        f"working days: the official calendar (no database at {tmp_path / 'bot.db'})"]
    assert not (tmp_path / "bot.db").exists()  # only read: nothing created

    upgrade(url)
    db = Database(url)
    with db.session() as session:
        calendar.set_calendar_override(session, day=date(2021, 7, 22), workday=False, note=None, created_by=1)
    db.dispose()
    out = parse_date_cli(monkeypatch, capsys, url)
    assert out[0] == "'3个工作日内' → 2021-07-26 (2021年7月26日（周一）)"
    assert out[1].startswith("working days: the office's calendar, 1 /holiday override(s) from sqlite:///")


def test_the_import_reads_working_days_on_the_calendar_it_is_given() -> None:
    # TABLE_NOW is Sunday 15 August 2021: "3个工作日内" is Wednesday the 18th on the official calendar.
    data = make_csv([["序号", "工作任务", "牵头单位", "完成时限", "节点安排"],
                     ["1", "建设口袋公园", "区住建局", "3个工作日内", "1.方案 2个工作日内"]])
    official, = read(data, "t.csv").items
    closed, = read(data, "t.csv", calendar=WorkCalendar({date(2021, 8, 17): False})).items
    assert (official.deadline, closed.deadline) == (date(2021, 8, 18), date(2021, 8, 19))
    assert [deadline for _, deadline, _ in official.milestones] == [date(2021, 8, 17)]
    assert [deadline for _, deadline, _ in closed.milestones] == [date(2021, 8, 18)]


async def test_snooze_reads_working_days_on_the_office_calendar(world: World) -> None:
    office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)]},
           items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31))])
    housing = world.user(HOUSING, "李四")
    housing.send("/snooze 1 过几天再说")
    assert "无法识别时间「过几天再说」" in (await housing.expect()).text
    world.admin.send("/holiday 2021-07-21 休")
    await world.admin.expect("设为休息日")
    housing.send("/snooze 1 2个工作日内")  # the 22nd and the 23rd, the 21st being off
    assert "在 2021年7月23日（周五） 前不再提醒" in (await housing.expect("好的")).text
