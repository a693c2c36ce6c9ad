"""`progress-bot demo`: the whole loop, offline, in under a minute.

The real bot runs against the local Bot API simulator (the one the end-to-end tests use).
Scripted people play their parts: an admin sets the office up, two unit contacts bind and
report, the clock jumps to a reminder time and a digest time, and every chat is printed.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import bot.webapp
from bot.app import build_application, running
from bot.clock import FakeClock
from bot.settings import Settings
from bot.simulator import BotApiSimulator
from bot.texts import MARKS, t
from db.engine import Database
from db.migrate import upgrade
from jobs.schedule import DIGEST_JOB, REMINDER_JOB

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN, SUPERVISOR, HOUSING, TRANSPORT, CITY = 1001, 1002, 2001, 2002, 2003
GROUP = -1001234

# Four tasks of the Putuo 2021 livelihood table (tests/fixtures), imported as the office's own table (its title
# row names the list 2021年民生实事: 民生1–4); and one of the district's key tasks, typed into 2021年重点工作
# (重点1), numbered from 1 in its own list as an office keeps its 126 重点工作 beside its 12 民生实事.
ITEMS = [
    "加强海岛居民公共租赁住房保障，完成实物配租 10 户 | 2021.12 | 区住建局 | 区住建局 | 住房安居领域",
    "实现普陀区居民小区物业管理全覆盖 | 2021.12 | 区住建局 | 沈家门街道、东港街道 | 住房安居领域",
    "建成北安路立体停车库主体工程 | 2021.12 | 区交通运输局 | 区城投集团 | 交通便民领域",
    "更新农村客运班车 5 辆，建设农村港湾式停靠站 2 个 | 2021.8 | 区交通运输局 | 区交通运输局 | 交通便民领域",
]
KEY_ITEM = "完成城区老旧小区改造 12 个 | 2021.12 | 区住建局 | 区住建局 | 城市更新领域"
LIVELIHOOD, KEY = "2021年民生实事", "2021年重点工作"


class Printer:
    """Prints what happened in every chat since the last scene, in the demo's language."""

    def __init__(self, sim: BotApiSimulator, lang: str) -> None:
        self.sim = sim
        self.lang = lang
        self.shown = 0

    def scene(self, key: str) -> None:
        lines = self.sim.transcript().splitlines()
        print("\n".join(transcript_line(self.lang, line) for line in lines[self.shown:]))
        self.shown = len(lines)
        print(f"\n══════ {t(self.lang, key)} ══════")


# The simulator writes its transcript's own words (chat kinds, presses, edits) in Chinese.
_TRANSCRIPT_EN = [
    (re.compile(r"^\[私聊 "), "[private "),
    (re.compile(r"^\[群 "), "[group "),
    (re.compile(r" ⟵ 按下「(.*)」$"), r" ⟵ taps “\1”"),
    (re.compile(r"✏️（已编辑）"), "✏️ (edited) "),
    (re.compile(r"📷 照片"), "📷 photo"),
    (re.compile(r"↩️「([^」]*)」"), r"↩️ “\1”"),
]


def transcript_line(lang: str, line: str) -> str:
    if lang == "zh":
        return line
    for pattern, replacement in _TRANSCRIPT_EN:
        line = pattern.sub(replacement, line)
    return line


_PLACEHOLDER = re.compile(r"#?\{[^{}]*\}|<[^>]*>")  # "#{number}" stands as "民生12" with several lists


def probe(lang: str, key: str) -> str:
    """The longest fixed stretch of a text: what the scripted people look for in the bot's messages."""
    return max((chunk.strip() for chunk in _PLACEHOLDER.split(t(lang, key))), key=len)


def status_label(lang: str, status: str) -> str:
    """The report dialogue's button for a status: "★ 推进良好"."""
    return f"{MARKS[status]} {t(lang, f'status.{status}')}"


async def run_demo() -> int:
    with tempfile.TemporaryDirectory(prefix="progress-bot-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        upgrade(url)
        async with BotApiSimulator(username="putuo_duban_bot") as sim:
            await play(sim, url)
    return 0


async def play(sim: BotApiSimulator, url: str) -> None:
    settings = Settings(
        _env_file=None, bot_token=sim.token, bot_api_base_url=sim.base_url, bot_api_file_url=sim.base_file_url,
        database_url=url, admin_ids=[ADMIN], supervisor_ids=[SUPERVISOR], report_day=25,
    )
    lang = settings.language
    clock = FakeClock(datetime(2021, 7, 20, 8, 30, tzinfo=SHANGHAI))
    db = Database(url)
    app = build_application(settings, db=db, clock=clock, rate_limit=False)
    admin, supervisor = sim.user(ADMIN, "王科长"), sim.user(SUPERVISOR, "督查室 陈主任")
    housing, transport = sim.user(HOUSING, "住建局 李四"), sim.user(TRANSPORT, "交通局 张三")
    city = sim.user(CITY, "城投集团 赵六")
    group = sim.group(GROUP, "普陀区民生实事督查组")
    show = Printer(sim, lang)
    print(t(lang, "demo.intro"))
    show.scene("demo.scene.setup")

    async with running(app, timeout=1):
        admin.send("/setgroup", chat=group)
        await group.expect()
        admin.send("/unit_add 区住建局 住建局\n区交通运输局 交通局\n沈家门街道\n东港街道\n区城投集团")
        await admin.expect()
        admin.send_document("民生实事.csv", livelihood_table(), caption="/import")
        admin.press(await admin.expect(probe(lang, "import.preview_title")), t(lang, "confirm.yes"))
        await admin.expect(probe(lang, "import.done"))
        show.scene("demo.scene.lists")

        admin.send(f"/list new {KEY} 重点")
        await admin.expect(probe(lang, "list.created"))
        admin.send("/list")
        admin.press(await admin.expect(probe(lang, "list.hint")), KEY)
        await admin.expect(probe(lang, "list.picked"))
        await add_item(admin, lang, KEY_ITEM)  # into the admin's current list: 重点1
        admin.send("/list")
        await admin.expect(probe(lang, "list.hint"))
        codes = {}
        for unit in ("区住建局", "区交通运输局", "区城投集团"):
            admin.send(f"/invite {unit}")
            codes[unit] = re.search(r"start=([\w-]+)", (await admin.expect("start=")).text)[1]
        show.scene("demo.scene.bind")

        for person, unit in ((housing, "区住建局"), (transport, "区交通运输局"), (city, "区城投集团")):
            person.send(f"/start {codes[unit]}")
            await person.expect(probe(lang, "invite.bound"))
            await person.expect(probe(lang, "mine.title"))
        show.scene("demo.scene.remind")

        clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))
        await job(app, REMINDER_JOB)
        reminder = await housing.expect(probe(lang, "remind.title"))
        transport_reminder = await transport.expect(probe(lang, "remind.title"))
        city_reminder = await city.expect(probe(lang, "remind.title"))
        show.scene("demo.scene.report")

        housing.press(reminder, t(lang, "remind.button", number="民生1"))
        await housing.expect(probe(lang, "report.ask_text"))
        housing.send("完成 2020 年度海岛居民保障房分配工作，已配租 8 户，完成80%")
        housing.press(await housing.expect(probe(lang, "report.ask_status")), status_label(lang, "good"))
        await housing.expect(probe(lang, "report.ask_problems"))
        housing.send("剩余房源需维修，预计 9 月底前完成")
        await housing.expect(probe(lang, "report.ask_evidence"))
        housing.send_photo(caption="配租现场")
        housing.press(await housing.expect(probe(lang, "report.evidence_received")), t(lang, "report.submit"))
        await housing.expect(probe(lang, "report.saved"))
        housing.press(reminder, t(lang, "remind.button", number="重点1"))  # the other list's #1, same unit
        await housing.expect(probe(lang, "report.ask_text"))
        housing.send("已完成 5 个小区改造主体施工，完成40%")
        housing.press(await housing.expect(probe(lang, "report.ask_status")), status_label(lang, "good"))
        housing.press(await housing.expect(probe(lang, "report.ask_problems")), t(lang, "report.no_problems"))
        housing.press(await housing.expect(probe(lang, "report.ask_evidence")), t(lang, "report.submit"))
        await housing.expect(probe(lang, "report.saved"))

        transport.send("5 辆农村客运班车已更新投运，2 个港湾式停靠站建成，完成100%", reply_to=transport_reminder)
        transport.press(await transport.expect(probe(lang, "report.ask_status")), status_label(lang, "ahead"))
        transport.press(await transport.expect(probe(lang, "report.ask_problems")), t(lang, "report.no_problems"))
        transport.press(await transport.expect(probe(lang, "report.ask_evidence")), t(lang, "report.submit"))
        await transport.expect(probe(lang, "report.saved"))
        # 已完成 asks for 办结: it counts as done once the supervisor confirms it.
        supervisor.press(await supervisor.expect(probe(lang, "close.request")), t(lang, "close.confirm"))
        await supervisor.expect(probe(lang, "close.confirmed"))
        await transport.expect(t(lang, "close.status.closed"))

        city.press(city_reminder, t(lang, "remind.button", number="民生3"))
        await city.expect(probe(lang, "report.ask_text"))
        city.send("桩基施工受台风“烟花”影响停工两周，目前完成基坑支护")
        city.press(await city.expect(probe(lang, "report.ask_percent")), "20%")
        city.press(await city.expect(probe(lang, "report.ask_status")), status_label(lang, "slow"))
        await city.expect(probe(lang, "report.ask_problems"))
        city.send("台风影响工期，建议调整节点计划")
        city.press(await city.expect(probe(lang, "report.ask_evidence")), t(lang, "report.submit"))
        await city.expect(probe(lang, "report.saved"))
        show.scene("demo.scene.digest")

        clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
        await job(app, DIGEST_JOB)
        await group.expect(probe(lang, "digest.title"))
        supervisor.send("/missing")
        await supervisor.expect()
        admin.send("/item 民生3")  # the admin works in 重点: the code names the other list
        await admin.expect("北安路立体停车库")
        show.scene("demo.scene.instruct")

        admin.send("/instruct 民生3 区长 张三 | 7月26日 | 台风影响工期，请区城投集团会同区交通运输局研究赶工措施 | 8月底前")
        admin.press(await admin.expect(probe(lang, "ins.preview")), t(lang, "confirm.yes"))
        await admin.expect(probe(lang, "ins.saved"))
        for person in (transport, city):
            await sim.wait_callback_answer(person.press(await person.expect(probe(lang, "ins.notice")),
                                                        t(lang, "ins.ack_button")))
        admin.send("/instructions")
        await admin.expect(probe(lang, "ins.list_title"))

        show.scene("demo.scene.month")

        clock.set(datetime(2021, 8, 2, 9, 30, tzinfo=SHANGHAI))  # the first notice of August: ranking and 环比
        await job(app, DIGEST_JOB)
        await group.expect(probe(lang, "digest.part9"))
        supervisor.send("/ranking 区城投集团")
        await supervisor.expect()
        show.scene("demo.scene.year_end")

        clock.set(datetime(2022, 1, 4, 9, 0, tzinfo=SHANGHAI))
        admin.send("/list close 民生")
        admin.press(await admin.expect(probe(lang, "list.close_confirm")), t(lang, "confirm.yes"))
        await admin.expect(probe(lang, "list.closed_done"))
        admin.send("/carry 民生")  # the unfinished items, all ticked; 民生4 was closed (办结) in July
        admin.press(await admin.expect(probe(lang, "carry.preview")), t(lang, "confirm.yes"))
        await admin.expect(probe(lang, "carry.done"))
        admin.send("/item 民生22#3")
        await admin.expect(probe(lang, "carry.from"))
        supervisor.send("/ranking 民生 7月")  # a month of the closed list's year (考核年度), not of the clock's
        await supervisor.expect(probe(lang, "ranking.title"))
        show.scene("demo.scene.end")
        await show_dashboard(app, lang)
    print(t(lang, "demo.outro"))


def livelihood_table() -> bytes:
    """The four livelihood tasks as the office's table: its title row, its headers, a row each (CSV)."""
    rows = [["2021年普陀区民生实事项目进展情况表"], ["序号", "主要领域", "年度目标任务", "完成时限", "牵头单位", "责任单位"]]
    for number, line in enumerate(ITEMS, start=1):
        title, deadline, lead, responsible, domain = (part.strip() for part in line.split("|"))
        rows.append([str(number), domain, title, deadline, lead, responsible])
    return "\n".join(",".join(row) for row in rows).encode("utf-8")


async def add_item(admin, lang: str, line: str) -> None:  # type: ignore[no-untyped-def]
    admin.send(f"/add {line}")
    admin.press(await admin.expect(probe(lang, "add.preview")), t(lang, "confirm.yes"))
    await admin.expect(probe(lang, "add.saved"))


async def job(app, name: str) -> None:  # type: ignore[no-untyped-def]
    await app.job_queue.get_jobs_by_name(name)[0].run(app)


async def show_dashboard(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Print the dashboard's local address, signed as the supervisor; with a person at the terminal, keep
    it (and the bot behind it) up until they press Enter."""
    runner, address = await bot.webapp.serve_demo(app, user_id=SUPERVISOR, first_name="陈主任",
                                                  language_code="en" if lang == "en" else "zh-hans")
    try:
        print(t(lang, "demo.dashboard", url=address))
        if sys.stdin is not None and sys.stdin.isatty():
            print(t(lang, "demo.dashboard_wait"), flush=True)
            pressed = asyncio.Event()
            loop = asyncio.get_running_loop()
            loop.add_reader(sys.stdin.fileno(), pressed.set)
            try:
                await pressed.wait()
            finally:
                loop.remove_reader(sys.stdin.fileno())
    finally:
        await runner.cleanup()
