"""`progress-bot demo`: the whole loop, offline, in under a minute.

The real bot runs against the local Bot API simulator (the one the end-to-end tests use).
Scripted people play their parts: an admin sets the office up, two unit contacts bind and
report, the clock jumps to a reminder time and a digest time, and every chat is printed.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.settings import Settings
from bot.simulator import BotApiSimulator
from db.engine import Database
from db.migrate import upgrade
from jobs.schedule import DIGEST_JOB, REMINDER_JOB

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN, SUPERVISOR, HOUSING, TRANSPORT, CITY = 1001, 1002, 2001, 2002, 2003
GROUP = -1001234

# Four tasks of the Putuo 2021 livelihood table (tests/fixtures), as an admin would type them.
ITEMS = [
    "实现普陀区居民小区物业管理全覆盖 | 2021.12 | 区住建局 | 沈家门街道、东港街道 | 住房安居领域",
    "加强海岛居民公共租赁住房保障，完成实物配租 10 户 | 2021.12 | 区住建局 | 区住建局 | 住房安居领域",
    "建成北安路立体停车库主体工程 | 2021.12 | 区交通运输局 | 区城投集团 | 交通便民领域",
    "更新农村客运班车 5 辆，建设农村港湾式停靠站 2 个 | 2021.8 | 区交通运输局 | 区交通运输局 | 交通便民领域",
]


class Printer:
    """Prints what happened in every chat since the last scene."""

    def __init__(self, sim: BotApiSimulator) -> None:
        self.sim = sim
        self.shown = 0

    def scene(self, title: str) -> None:
        lines = self.sim.transcript().splitlines()
        print("\n".join(lines[self.shown:]))
        self.shown = len(lines)
        print(f"\n══════ {title} ══════")


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
    clock = FakeClock(datetime(2021, 7, 20, 8, 30, tzinfo=SHANGHAI))
    db = Database(url)
    app = build_application(settings, db=db, clock=clock, rate_limit=False)
    admin, supervisor = sim.user(ADMIN, "王科长"), sim.user(SUPERVISOR, "督查室 陈主任")
    housing, transport = sim.user(HOUSING, "住建局 李四"), sim.user(TRANSPORT, "交通局 张三")
    city = sim.user(CITY, "城投集团 赵六")
    group = sim.group(GROUP, "普陀区民生实事督查组")
    show = Printer(sim)
    print("progress-bot demo: the real bot against a local Bot API simulator; no token, no network.")
    show.scene("2021年7月20日 08:30 — 管理员设置")

    async with running(app, timeout=1):
        admin.send("/setgroup", chat=group)
        await group.expect()
        admin.send("/unit_add 区住建局 住建局\n区交通运输局 交通局\n沈家门街道\n东港街道\n区城投集团")
        await admin.expect()
        for line in ITEMS:
            admin.send(f"/add {line}")
            admin.press(await admin.expect("请确认"), "✅ 确认")
            await admin.expect("已保存")
        codes = {}
        for unit in ("区住建局", "区交通运输局", "区城投集团"):
            admin.send(f"/invite {unit}")
            codes[unit] = re.search(r"start=([\w-]+)", (await admin.expect("邀请链接")).text)[1]
        show.scene("联络员点开邀请链接")

        housing.send(f"/start {codes['区住建局']}")
        await housing.expect("绑定成功")
        await housing.expect("的事项")
        transport.send(f"/start {codes['区交通运输局']}")
        await transport.expect("绑定成功")
        await transport.expect("的事项")
        city.send(f"/start {codes['区城投集团']}")
        await city.expect("绑定成功")
        await city.expect("的事项")
        show.scene("7月23日（周五）09:00 — 每日提醒（25日报送日逢周日，提前到周五）")

        clock.set(datetime(2021, 7, 23, 9, 0, tzinfo=SHANGHAI))
        await job(app, REMINDER_JOB)
        reminder = await housing.expect("督办提醒")
        transport_reminder = await transport.expect("督办提醒")
        city_reminder = await city.expect("督办提醒")
        show.scene("联络员上报进展：点按钮，或直接回复提醒")

        housing.press(reminder, "上报 #2")
        await housing.expect("请用一条消息")
        housing.send("完成 2020 年度海岛居民保障房分配工作，已配租 8 户，完成80%")
        housing.press(await housing.expect("推进状态"), "★ 推进良好")
        await housing.expect("存在问题")
        housing.send("剩余房源需维修，预计 9 月底前完成")
        await housing.expect("佐证材料")
        housing.send_photo(caption="配租现场")
        housing.press(await housing.expect("已收到"), "📤 提交")
        await housing.expect("已保存")

        transport.send("5 辆农村客运班车已更新投运，2 个港湾式停靠站建成，完成100%", reply_to=transport_reminder)
        transport.press(await transport.expect("推进状态"), "□ 已完成")
        transport.press(await transport.expect("存在问题"), "无")
        transport.press(await transport.expect("佐证材料"), "📤 提交")
        await transport.expect("已保存")

        city.press(city_reminder, "上报 #3")
        await city.expect("请用一条消息")
        city.send("桩基施工受台风“烟花”影响停工两周，目前完成基坑支护")
        city.press(await city.expect("完成进度"), "20%")
        city.press(await city.expect("推进状态"), "▲ 较为缓慢")
        await city.expect("存在问题")
        city.send("台风影响工期，建议调整节点计划")
        city.press(await city.expect("佐证材料"), "📤 提交")
        await city.expect("已保存")
        show.scene("7月26日（周一）09:30 — 每周通报")

        clock.set(datetime(2021, 7, 26, 9, 30, tzinfo=SHANGHAI))
        await job(app, DIGEST_JOB)
        await group.expect("通报")
        supervisor.send("/missing")
        await supervisor.expect()
        admin.send("/item 3")
        await admin.expect()
        show.scene("演示结束 / end of demo")
    print("Run it for real: put BOT_TOKEN and ADMIN_IDS in .env, then `progress-bot run` (see README).")


async def job(app, name: str) -> None:  # type: ignore[no-untyped-def]
    await app.job_queue.get_jobs_by_name(name)[0].run(app)
