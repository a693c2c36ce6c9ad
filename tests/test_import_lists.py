"""Importing beside what is stored: a row is the task with its number only when its title is that task's
(small edits aside); another task gets an item of its own, so no report, extension or send-back ever
passes from one task to another; the preview shows each change old → new and each different task."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from bot.callbacks import ImportInto
from bot.cli import main
from bot.preview import changes_workbook, import_done, import_preview
from bot.tables import read_table
from db import extensions, items, lists
from db.engine import Database
from db.imports import ListGone, apply_import, existing_list, plan_import, same_task, title_list, typed_list
from db.models import Item, ListState, ProgressReport
from db.table_types import ListTarget
from tests.conftest import SHANGHAI, World
from tests.factories import HISTORY_TITLE, OFFICE_157, XLSX, import_office_table, item_with_history, make_csv

JULY = datetime(2021, 7, 10, 9, 0, tzinfo=SHANGHAI)
AUGUST = datetime(2021, 8, 2, 10, 0, tzinfo=SHANGHAI)
OFFICE_DAY = datetime(2022, 7, 8, 10, 0, tzinfo=SHANGHAI)


def putuo(now: datetime = AUGUST):  # type: ignore[no-untyped-def]
    return read_table(XLSX.read_bytes(), "putuo.xlsx", now=now)


def office(now: datetime = OFFICE_DAY):  # type: ignore[no-untyped-def]
    return read_table(OFFICE_157.read_bytes(), OFFICE_157.name, now=now)


def imported(db: Database, table, now: datetime):  # type: ignore[no-untyped-def]
    with db.session() as session:
        result = apply_import(session, table=table, now=now)
        session.commit()
    return result


def reports_by_title(db: Database) -> dict[str, list[str]]:
    """Each item's title -> the texts of its reports, oldest first."""
    with db.session() as session:
        titles = {i.id: i.title for i in session.exec(select(Item)).all()}
        out: dict[str, list[str]] = {}
        for r in session.exec(select(ProgressReport).order_by(ProgressReport.id)).all():
            out.setdefault(titles[r.item_id], []).append(r.text)
    return out


@pytest.mark.parametrize(("old", "new", "same"), [
    ("完成老旧小区改造12个", "完成老旧小区改造12个。", True),  # punctuation
    ("新开工建设保障性住房 1000套，完工600套", "新开工建设保障性住房1000套、完工600套", True),
    ("完成老旧小区改造12个", "完成老旧小区改造15个", True),  # a figure changed
    ("加强海岛居民公共租赁住房保障，完成实物配租 10 户", "加强海岛居民公共租赁住房保障，完成实物配租 12 户以上", True),
    ("完成老旧小区改造12个", "新开工建设保障性住房 1000套，完工600套", False),
    ("事项1", "事项2", False),  # short titles: one character is another task
    ("建设口袋公园5个", "优化高新园区基层应急管理体系", False),
])
def test_same_task(old: str, new: str, same: bool) -> None:
    assert same_task(old, new) is same and same_task(new, old) is same


def list_of(db: Database, item_id: int) -> ListTarget:
    with db.session() as session:
        task_list = lists.get_list(session, list_id=session.get(Item, item_id).list_id)
        return ListTarget(task_list.id, task_list.name, task_list.year, task_list.kind, task_list.code)


@pytest.mark.parametrize(("title", "name", "year", "kind"), [
    ("2021年普陀区民生实事项目进展情况表", "2021年民生实事", 2021, "民生实事"),
    ("2022年区政府重点工作半年度推进情况表", "2022年重点工作", 2022, "重点工作"),
    ("1-7月普陀区“办好民生实事关键小事一百件”进展情况表", "2020年民生实事", 2020, "民生实事"),  # the period's year
    ("2023 年重点项目推进表", "2023年重点项目", 2023, "重点项目"),
    (None, "2020年重点工作", 2020, "重点工作"),
])
def test_the_list_a_title_names(title: str | None, name: str, year: int, kind: str) -> None:
    assert title_list(title, date(2020, 7, 31), date(2021, 8, 2)) == ListTarget(None, name, year, kind)


def test_the_offices_table_never_takes_over_a_task_with_history(database: Database) -> None:
    item_id = item_with_history(database, JULY)
    table = office()
    assert (table.period_end.isoformat(), len(table.items)) == ("2022-06-30", 157)
    table.target = list_of(database, item_id)  # picked by the admin: the list holding #1
    with database.session() as session:
        plan = plan_import(session, table=table)
    assert [(d.number, d.existing, d.new_number) for d in plan.different] == [(1, HISTORY_TITLE, 158)]
    assert len(plan.new) == 157 and not plan.updated and not plan.changes
    zh = import_preview("zh", OFFICE_157.name, table, plan)
    assert "1 行与现有同号事项不是同一任务" in zh and f"≠ 现有 #1「{HISTORY_TITLE}」→ 新编号 #158" in zh
    assert "表中进展和状态记入 2022年6月（表中写的是「半年度」）" in zh
    en = import_preview("en", OFFICE_157.name, table, plan)
    assert "1 row is not the task stored under the same number" in en and "→ new #158" in en

    result = imported(database, table, OFFICE_DAY)
    assert (result.created, result.updated, result.separate, result.reports) == (157, 0, 1, 157)
    assert "其中 1 项与同号事项不是同一任务，已另编号" in import_done("zh", result)
    with database.session() as session:
        item = session.get(Item, item_id)
        assert (item.number, item.title, item.deadline_text) == (1, HISTORY_TITLE, "2021.12")  # its extension
        reports = session.exec(select(ProgressReport).where(ProgressReport.item_id == item_id)).all()
        assert [(r.text, r.returned_at is not None) for r in reports] == [
            ("完成 5 个小区改造", True), ("完成 5 个小区改造，照片附后", False)]
        assert [e.status for e in extensions.extensions_of_item(session, item_id=item_id)] == ["approved"]
        moved = items.item_by_number(session, number=158)
        assert moved.title == table.items[0].title
        half_year = session.exec(select(ProgressReport).where(ProgressReport.item_id == moved.id)).one()
        assert (half_year.period, half_year.text) == ("2022-06", table.items[0].progress_text)

    again = office()  # the same table again finds its own items
    again.target = table.target
    again = imported(database, again, OFFICE_DAY)
    assert (again.created, again.updated, again.reports, again.separate) == (0, 0, 0, 0)


def test_putuo_then_the_other_office_go_into_two_lists(database: Database) -> None:
    first = putuo()
    with database.session() as session:
        assert plan_import(session, table=first).target == ListTarget(None, "2021年民生实事", 2021, "民生实事")
    assert (imported(database, first, AUGUST).list_name, first.period_end) == ("2021年民生实事", date(2021, 7, 31))
    second = office()
    with database.session() as session:
        plan = plan_import(session, table=second)
    assert plan.target == ListTarget(None, "2022年重点工作", 2022, "重点工作") and len(plan.new) == 157
    assert [t.name for t in plan.lists] == ["2021年民生实事"] and not plan.different
    zh = import_preview("zh", OFFICE_157.name, second, plan)
    assert "导入到新清单「2022年重点工作」（2022年度）" in zh
    result = imported(database, second, OFFICE_DAY)
    assert (result.list_name, result.list_code, result.created) == ("2022年重点工作", "重点", 157)
    by_title = reports_by_title(database)
    for row in [*first.items, *second.items]:
        if row.status:
            assert by_title[row.title] == [row.progress_text or ""], row.title
    with database.session() as session:
        both = {t.code: t for t in lists.lists(session)}
        assert {code: (t.name, t.year) for code, t in both.items()} == {
            "民生": ("2021年民生实事", 2021), "重点": ("2022年重点工作", 2022)}
        for code, table in (("民生", first), ("重点", second)):
            one = items.item_by_number(session, number=1, list_id=both[code].id)
            assert one.title == table.items[0].title
        assert len(session.exec(select(Item)).all()) == 257

    again = putuo()  # Putuo's table again: its own list proposed, nothing to write
    with database.session() as session:
        plan = plan_import(session, table=again)
    assert plan.target.code == "民生" and not plan.writes and not plan.different


def test_an_item_added_by_hand_and_the_table_in_a_new_list(database: Database) -> None:
    item_id = item_with_history(database, OFFICE_DAY)  # 2022年重点工作, #1, with its history
    table = office()
    with database.session() as session:
        proposed = plan_import(session, table=table)
    assert proposed.target == list_of(database, item_id) and [d.number for d in proposed.different] == [1]
    table.target = ListTarget(None, "2022年区政府重点工作", 2022, "重点工作")  # the admin: a new list
    imported(database, table, OFFICE_DAY)
    with database.session() as session:
        item = session.get(Item, item_id)
        assert (item.number, item.title) == (1, HISTORY_TITLE)
        assert len(session.exec(select(ProgressReport).where(ProgressReport.item_id == item_id)).all()) == 2
        new = lists.list_by_code(session, code="重点2")
        assert (new.name, new.year) == ("2022年区政府重点工作", 2022)
        first = items.item_by_number(session, number=1, list_id=new.id)
        assert first.title == table.items[0].title
        assert [r.text for r in session.exec(select(ProgressReport).where(ProgressReport.item_id == first.id))] == [
            table.items[0].progress_text]


def test_small_edits_update_and_the_preview_lists_them_old_to_new(database: Database) -> None:
    rows = [["序号", "任务", "完成时限", "牵头单位", "责任单位", "领域"],
            *[[str(n), f"完成老旧小区改造{n}个，惠及居民{n}00户", "2021.12", "区住建局", "区城投集团", "住房安居"]
              for n in range(1, 13)]]
    imported(database, read_table(make_csv(rows), "a.csv", now=AUGUST), AUGUST)
    rows[1][1] = "完成老旧小区改造1个、惠及居民100户。"  # punctuation only
    rows[2][2] = "2021.10"
    rows[3][3], rows[3][4] = "区建设局", "区城投集团、六横镇"
    rows[4][5] = "城市建设"
    rows[5][1] = "新建口袋公园5个"  # another task under number 5
    for n in range(6, 13):
        rows[n][2] = "2021.11"
    table = read_table(make_csv(rows), "b.csv", now=AUGUST)
    with database.session() as session:
        plan = plan_import(session, table=table)
    shown = [(c.number, c.field, c.old, c.new) for c in plan.changes]
    assert shown[:5] == [
        (1, "title", "完成老旧小区改造1个，惠及居民100户", "完成老旧小区改造1个、惠及居民100户。"),
        (2, "deadline", "2021.12", "2021.10"),
        (3, "lead_units", "区住建局", "区建设局"), (3, "responsible_units", "区城投集团", "区城投集团、六横镇"),
        (4, "domain", "住房安居", "城市建设")]
    assert len(plan.changes) == 12 and [d.number for d in plan.different] == [5]
    zh = import_preview("zh", "b.csv", table, plan)
    assert "将修改 11 项的 12 处：" in zh and "#2 时限：2021.12 → 2021.10" in zh and "#3 牵头：区住建局 → 区建设局" in zh
    assert "……另有 4 处，见随附的 .xlsx" in zh and "#8 时限" in zh and "#9 时限" not in zh
    book = openpyxl.load_workbook(io.BytesIO(changes_workbook("zh", plan) or b""))
    assert book.sheetnames == ["修改", "不同任务"] and book["修改"].max_row == 13
    assert [c.value for c in book["不同任务"][2]] == [5, "完成老旧小区改造5个，惠及居民500户", "新建口袋公园5个", 13]
    assert "#2 deadline: 2021.12 → 2021.10" in import_preview("en", "b.csv", table, plan)

    table.merge_different = True  # the admin says #5 was only renamed
    with database.session() as session:
        merged = plan_import(session, table=table)
    assert not merged.different and (5, "title", "完成老旧小区改造5个，惠及居民500户", "新建口袋公园5个") in [
        (c.number, c.field, c.old, c.new) for c in merged.changes]
    assert "已选择：标题不同的同号事项按同一任务更新" in import_preview("zh", "b.csv", table, merged)
    result = imported(database, table, AUGUST)
    assert (result.created, result.updated, result.separate) == (0, 12, 0)
    with database.session() as session:
        assert items.item_by_number(session, number=5).title == "新建口袋公园5个"


def test_a_table_naming_no_period_says_which_it_assumed(database: Database) -> None:
    rows = [["序号", "任务", "工作进展", "形象进度"], ["1", "建设口袋公园", "已开工", "★"]]
    table = read_table(make_csv(rows), "n.csv", now=AUGUST)
    with database.session() as session:
        zh = import_preview("zh", "n.csv", table, plan_import(session, table=table))
    assert "表中未写明进展所属期间，进展和状态按导入日期记入 2021年8月" in zh
    imported(database, table, AUGUST)
    with database.session() as session:
        assert session.exec(select(ProgressReport)).one().period == "2021-08"


def test_a_quarterly_item_gets_its_quarter(database: Database) -> None:
    rows = [["2021年前三季度重点工作推进情况"], ["序号", "任务", "推进情况", "评价"], ["1", "建设口袋公园", "已完工", "完成"]]
    table = read_table(make_csv(rows), "q.csv", now=datetime(2021, 10, 8, tzinfo=SHANGHAI))
    with database.session() as session:
        apply_import(session, table=table, now=AUGUST, report_cycle="quarterly")
        session.commit()
        assert session.exec(select(ProgressReport)).one().period == "2021-Q3"


# --------------------------------------------------------------------------- the preview's list buttons, over HTTP


async def test_the_preview_picks_the_list_and_the_import_keeps_both_tables(world: World) -> None:
    first = import_office_table(world.db)  # Putuo's 100, in 2021年民生实事
    admin = world.admin
    admin.send_document(OFFICE_157.name, OFFICE_157.read_bytes(), caption="/import")
    preview = await admin.expect("导入预览", timeout=15)
    assert "导入到新清单「2022年重点工作」（2022年度）" in preview.text and "不是同一任务" not in preview.text
    token = world.app.user_data[admin.id]["import"]["token"]

    admin.press(preview, "📋 导入到 2021年民生实事")  # into Putuo's list: 100 rows are other tasks
    into_putuo = await admin.expect("导入到现有清单「2021年民生实事」")
    assert "⚠️ 100 行与现有同号事项不是同一任务" in into_putuo.text and "→ 新编号 #158" in into_putuo.text
    changes = await admin.expect("全部修改与不同任务")  # the 92 not listed, in the .xlsx
    book = openpyxl.load_workbook(io.BytesIO(world.sim.file_bytes(changes.document["file_id"])))
    assert book["不同任务"].max_row == 101
    admin.press(into_putuo, "⇄ 按同一任务合并（100 项）")
    merged = await admin.expect("已选择：标题不同的同号事项按同一任务更新")
    assert "将修改 100 项" in merged.text and "不是同一任务" not in merged.text
    await admin.expect("全部修改与不同任务")
    admin.press(merged, "↩ 改回：不同任务另编号导入")
    into_putuo = await admin.expect("⚠️ 100 行与现有同号事项不是同一任务")
    await admin.expect("全部修改与不同任务")
    admin.press_data(into_putuo, ImportInto(token, 999).encode())  # no such list: nothing changes
    await admin.expect_none()
    assert "已关闭或已不存在" in world.sim.calls_of("answerCallbackQuery")[-1].params["text"]

    admin.press(into_putuo, "✏️ 新清单名称/年度")
    await admin.expect("请用一条消息写出新清单的名称和年度")
    admin.send("区政府重点工作")  # no year
    await admin.expect("未能识别")
    admin.send("2022年区政府重点工作 2022")
    await admin.expect("已选择：2022年区政府重点工作")
    named = await admin.expect("导入到新清单「2022年区政府重点工作」（2022年度）")
    admin.press(named, "✅ 确认")
    done = await admin.expect("导入完成", timeout=20)
    assert "新增 157 项" in done.text and "清单：2022年区政府重点工作（代号 重点）" in done.text

    admin.press_data(into_putuo, ImportInto(token, 0).encode())  # after the import: too late
    await admin.expect_none()
    assert "失效" in world.sim.calls_of("answerCallbackQuery")[-1].params["text"]
    by_title = reports_by_title(world.db)
    for row in [*first.items, *office().items]:
        if row.status:
            assert by_title[row.title] == [row.progress_text or ""], row.title
    with world.db.session() as session:
        assert sorted((t.code, t.name) for t in lists.lists(session)) == [
            ("民生", "2021年民生实事"), ("重点", "2022年区政府重点工作")]


def test_cli_import_into_a_list_or_a_new_one(db_url: str, database: Database, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import_office_table(database)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["import", str(OFFICE_157), "--yes", "--list", "没有"]) == 2
    assert "没有代号或名称为“没有”的进行中清单" in capsys.readouterr().err
    assert main(["import", str(OFFICE_157), "--yes", "--new-list", "2022年区政府重点工作"]) == 2
    assert "--new-list 需要同时写 --year" in capsys.readouterr().err
    assert main(["import", str(OFFICE_157), "--yes", "--new-list", "2022年" + "长" * 60, "--year", "2022"]) == 2
    assert "内容过长（最多 60 字）" in capsys.readouterr().err  # bounded here as in the chat
    assert main(["import", str(OFFICE_157), "--yes", "--new-list", "2022年区政府重点工作", "--year", "2022"]) == 0
    out = capsys.readouterr().out
    assert "导入到新清单「2022年区政府重点工作」（2022年度）" in out and "清单：2022年区政府重点工作（代号 重点）" in out
    assert main(["import", str(XLSX), "--yes", "--list", "民生"]) == 0  # Putuo's again, into its own: nothing to do
    assert "导入到现有清单「2021年民生实事」（2021年度，代号 民生）" in capsys.readouterr().out
    with database.session() as session:
        assert [len(session.exec(select(Item).where(Item.list_id == t.id)).all()) for t in lists.lists(session)] == [
            157, 100]
    assert main(["export", "--period", "2022-06", "--list", "重点", "-o", str(tmp_path / "k.xlsx")]) == 0
    back = read_table((tmp_path / "k.xlsx").read_bytes(), "k.xlsx", now=OFFICE_DAY)
    assert back.title == "2022年区政府重点工作半年度推进情况表" and len(back.items) == 157
    assert back.items[0].progress_text == office().items[0].progress_text  # the half-year report


def test_a_list_closed_after_the_preview_takes_nothing(database: Database) -> None:
    imported(database, putuo(), AUGUST)
    table = putuo()
    with database.session() as session:
        table.target = plan_import(session, table=table).target
        task_list = lists.get_list(session, list_id=table.target.list_id)
        task_list.state = ListState.CLOSED.value
        session.commit()
    with database.session() as session, pytest.raises(ListGone):
        apply_import(session, table=table, now=AUGUST)
    with database.session() as session:
        assert len(session.exec(select(ProgressReport)).all()) == 100 and len(lists.lists(session)) == 1
        assert existing_list(session, code="民生") is None  # nor can it be picked again


async def test_the_import_command_names_the_list(world: World) -> None:
    import_office_table(world.db)
    admin = world.admin
    admin.send_document(OFFICE_157.name, OFFICE_157.read_bytes(), caption="/import 民生")
    assert "导入到现有清单「2021年民生实事」" in (await admin.expect("导入预览", timeout=15)).text
    await admin.expect("全部修改与不同任务")
    admin.send("/import 2022年区府重点工作 2022")  # the option first, the file after
    await admin.expect("请发送任务表文件")
    admin.send_document(OFFICE_157.name, OFFICE_157.read_bytes())
    assert "导入到新清单「2022年区府重点工作」（2022年度）" in (await admin.expect("导入预览", timeout=15)).text
    admin.send_document(OFFICE_157.name, OFFICE_157.read_bytes(), caption="/import 区府工作")
    assert "没有进行中的清单叫“区府工作”" in (await admin.expect(timeout=15)).text


def test_renumbered_rows_keep_their_tasks_history(database: Database) -> None:
    rows = [["序号", "任务", "牵头单位", "工作进展", "形象进度"], ["1", "建设口袋公园5个", "区住建局", "已开工", "★"],
            ["2", "完成老旧小区改造12个", "区住建局", "完成8个", "★"]]
    imported(database, read_table(make_csv(rows), "a.csv", now=AUGUST), AUGUST)
    rows[1][0], rows[2][0] = "2", "1"  # the office numbered them the other way round
    rows[1][3], rows[2][3] = "已完工", "完成12个"
    result = imported(database, read_table(make_csv(rows), "b.csv", now=AUGUST), AUGUST)
    assert (result.created, result.separate, result.reports) == (0, 0, 2)
    assert reports_by_title(database) == {"建设口袋公园5个": ["已开工", "已完工"], "完成老旧小区改造12个": ["完成8个", "完成12个"]}


def test_a_typed_list_name_is_normalised_and_bounded_as_every_name() -> None:
    typed = typed_list("2022年重点\u200b工作  2022")
    assert typed is not None and (typed.name, typed.year) == ("2022年重点工作", 2022)
    assert typed_list("2022年" + "长" * 56) is None and typed_list("重点工作") is None  # 61 characters; no year
