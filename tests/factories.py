"""Small factories for tests and benchmarks: an office with units, contacts and items, fast."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.export import export_progress_table
from bot.tables import read_table
from db import bot_state, calendar, extensions, reports, units
from db import items as items_db
from db.engine import Database
from db.imports import apply_import
from db.migrate import upgrade
from db.models import Contact, Person
from db.table_types import ParsedTable

SHANGHAI = ZoneInfo("Asia/Shanghai")


def office_with_contacts(url: str, today: date, count: int, *, first_contact: int = 500_000) -> list[int]:
    """`count` units, each with one contact and one item due tomorrow; today is made a working day.
    Returns the contacts' Telegram ids."""
    upgrade(url)
    db = Database(url)
    now = datetime.now(SHANGHAI)
    people = []
    with db.session() as session:
        # Whatever the official calendar says about the day this runs on, it is a working day here.
        calendar.set_calendar_override(session, day=today, workday=True, note="test", created_by=0)
        for i in range(count):
            unit = units.add_unit(session, name=f"单位{i:05d}")
            items_db.add_item(session, title=f"事项{i}", deadline=today + timedelta(days=1), deadline_text="明天",
                             lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                             start_date=date(today.year, 1, 1), number=i + 1, now=now, report_cycle="none")
            person = first_contact + i
            session.add(Person(telegram_id=person, full_name=f"联络员{i}"))
            session.add(Contact(telegram_id=person, unit_id=unit.id))
            people.append(person)
    db.dispose()
    return people


async def invited_contact(world, user_id: int, unit_name: str = "区住建局") -> int:  # type: ignore[no-untyped-def]
    """In a running world: a unit with one item (#1), and a contact bound to it through an invite;
    returns the contact's id."""
    now = world.clock.now()
    with world.db.session() as session:
        unit = units.add_unit(session, name=unit_name)
        items_db.add_item(session, title="事项", deadline=date(2021, 12, 31), deadline_text="2021.12",
                         lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id], start_date=date(2021, 1, 1),
                         now=now)
    world.admin.send(f"/invite {unit_name}")
    code = re.search(r"start=([\w-]+)", (await world.admin.expect("邀请链接")).text)[1]
    contact = world.user(user_id, "联络员")
    contact.send(f"/start {code}")
    await contact.expect("的事项")
    return user_id


async def bound_contact(world, unit: str = "区住建局", items: int = 2):  # type: ignore[no-untyped-def]
    """In a running world: a unit with `items` items and a contact bound to it (/unit_add, /invite);
    returns the contact."""
    admin = world.admin
    admin.send(f"/unit_add {unit}")
    await admin.expect("已新增单位")
    now = world.clock.now()
    with world.db.session() as session:
        unit_id = units.find_unit(session, name=unit).id
        for n in range(items):
            items_db.add_item(session, title=f"事项{n + 1}", deadline=date(2021, 12, 31), deadline_text="2021.12",
                             lead_unit_ids=[unit_id], responsible_unit_ids=[unit_id], start_date=date(2021, 1, 1),
                             domain="测试领域", now=now)
    admin.send(f"/invite {unit}")
    code = re.search(r"start=([\w-]+)", (await admin.expect("邀请链接")).text)[1]
    contact = world.user(5000 + len(world.sim.calls), "联络员")
    contact.send(f"/start {code}")
    await contact.expect("绑定成功")
    await contact.expect("的事项")
    return contact


async def report(contact, text: str, start=None, *,  # type: ignore[no-untyped-def]
                 item: str = "1", status: str = "★ 推进良好") -> Any:
    """Report on `item` (a number or 民生12) through the dialogue (from a button when given, else
    /report item), with `status`; returns its first question."""
    if start is None:
        contact.send(f"/report {item}")
    else:
        contact.press(start, f"上报 #{item}")
    question = await contact.expect("请用一条消息")
    contact.send(text)
    contact.press(await contact.expect("推进状态"), status)
    contact.press(await contact.expect("存在问题"), "无")
    contact.press(await contact.expect("佐证材料"), "📤 提交")
    await contact.expect("已保存报送记录")
    return question


async def ask_extension(user, message_with_button, deadline: str, reason: str):  # type: ignore[no-untyped-def]
    """Tap 申请延期, type the deadline and the reason, confirm; returns the echo of the deadline."""
    user.press(message_with_button, "⏳ 申请延期")
    await user.expect("请输入新的完成时限")
    user.send(deadline)
    echo = await user.expect("理解为")
    user.send(reason)
    user.press(await user.expect("请确认延期申请"), "✅ 确认")
    await user.expect("已提交")
    return echo


# ---------------------------------------------------------------- the office's table, as test files read it

TABLE_FIXTURES = Path(__file__).resolve().parent / "fixtures"
XLSX = TABLE_FIXTURES / "putuo-2021-livelihood-100.xlsx"
CSV = TABLE_FIXTURES / "putuo-2021-livelihood-100.csv"
TABLE_NOW = datetime(2021, 8, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def read(data: bytes, name: str = "t.xlsx", **kw: Any) -> ParsedTable:
    """A table read as the importer reads it, on the day the tests of tables are set."""
    return read_table(data, name, now=TABLE_NOW, **kw)


def make_csv(rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode(encoding)


def comparable(table: ParsedTable) -> list[dict[str, Any]]:
    """A parsed table's items without the source rows they came from, to compare two formats."""
    out = []
    for item in table.items:
        d = asdict(item)
        d.pop("rows")
        out.append(d)
    return out


async def add_units(world: Any, *names: str) -> None:
    """Units added by the admin through /unit_add."""
    world.admin.send("/unit_add " + "\n".join(names))
    await world.admin.expect("已新增单位")


# ---------------------------------------------------------------- the office's table, imported and exported

EXPORT_NOW = datetime(2021, 7, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EXPORT_TODAY = date(2021, 7, 31)


def import_office_table(db: Database) -> ParsedTable:
    table = read_table((TABLE_FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "putuo.xlsx", now=EXPORT_NOW)
    with db.session() as session:
        apply_import(session, table=table, now=EXPORT_NOW)
    return table


def export(db: Database, period: str | None = "2021-07", today: date = EXPORT_TODAY, lang: str = "zh") -> bytes:
    with db.session() as session:
        return export_progress_table(session, today=today, lang=lang, period=period)


OFFICE_HEADERS = {  # as the importer keeps them: bot.tables' field names -> the office's words
    "number": "序号", "domain": "主要领域", "title": "年度目标任务", "investment": "年度投资\n(万元)",
    "fiscal_investment": "其中：区财政\n安排(万元)", "deadline": "完成时限", "lead_units": "牵头单位",
    "responsible_units": "责任单位", "progress_text": "1—7月份完成情况", "status": "形象\n进度",
}
OFFICE_TITLE = "1-7月普陀区“办好民生实事关键小事一百件”进展情况表"


def keep_office_heading(db: Database, title: str = OFFICE_TITLE, headers: object = OFFICE_HEADERS) -> None:
    """The title and headers as the importer keeps them for the main list (bare keys: before lists)."""
    from db import lists
    from db.export_queries import layout_key

    with db.session() as session:
        main = lists.main_list(session)
        key = (lambda k: layout_key(k, main.id or 0)) if main is not None else (lambda k: k)  # noqa: E731
        bot_state.set_setting(session, key=key("table.title"), value=title)
        bot_state.set_setting(session, key=key("table.headers"), value=json.dumps(headers, ensure_ascii=False))
        session.commit()


# ---------------------------------------------------------------- the real bot process, for the kill tests

ROOT = Path(__file__).resolve().parents[1]


def start_bot_process(sim: Any, url: str, log: Path, **settings: str) -> subprocess.Popen[bytes]:
    """The real bot process (as `progress-bot run`) against the simulator and database `url`, its output
    appended to `log`; `settings` are further environment settings (REMINDER_TIME="00:00" …)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(log.parent),
        "BOT_TOKEN": sim.token, "BOT_API_BASE_URL": sim.base_url, "BOT_API_FILE_URL": sim.base_file_url,
        "DATABASE_URL": url, "ADMIN_IDS": "1001", "DIGEST_TIME": "23:59", **settings,
    }
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=log.parent, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


# ---------------------------------------------------------------- listimport: tables imported beside what is stored

OFFICE_157 = TABLE_FIXTURES / "office-2022-keytasks-157.xlsx"  # another office's table (make_office_157.py)
HISTORY_TITLE = "完成老旧小区改造12个"


def item_with_history(db: Database, now: datetime, *, number: int = 1, title: str = HISTORY_TITLE) -> int:
    """Item #`number` of a unit, with the history an import must never move: a report sent back (退办), a
    second report, and an approved extension. Returns the item's id."""

    with db.session() as session:
        unit = units.find_unit(session, name="区住建局") or units.add_unit(session, name="区住建局")
        item = items_db.add_item(session, number=number, title=title, deadline=date(2021, 10, 31),
                                deadline_text="2021.10", lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                                start_date=date(now.year, 1, 1), domain="住房安居领域", now=now)
        first = reports.add_report(session, item_id=item.id, unit_id=unit.id, reporter_id=3001, period="2021-06",
                                   now=now, text="完成 5 个小区改造", percent=40, status="good", problems=None)
        reports.return_report(session, report_id=first.id, by=9001, reason="请补充照片", now=now)
        reports.add_report(session, item_id=item.id, unit_id=unit.id, reporter_id=3001, period="2021-06", now=now,
                           text="完成 5 个小区改造，照片附后", percent=40, status="good", problems=None)
        request = extensions.request_extension(session, item=item, unit_id=unit.id, by=3001,
                                                deadline=date(2021, 12, 31), text="2021.12", reason="雨季停工", now=now)
        extensions.decide_extension(session, request=request, approve=True, by=9001, comment=None, now=now)
        session.commit()
        return item.id
def confirm_done(session: Any, report: Any, when: datetime, by: int = 1002) -> None:
    """A 已完成 report written straight to the record, confirmed (办结) the day it came, as an office would."""
    from db import closing
    from db.models import Item

    request = closing.request_closing(session, item=session.get(Item, report.item_id), report=report, now=when)
    if request is not None:
        closing.decide_closing(session, request=request, confirm=True, by=by, reason=None, now=when,
                               today=when.astimezone(ZoneInfo("Asia/Shanghai")).date())
