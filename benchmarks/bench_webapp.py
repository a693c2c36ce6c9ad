"""Time the dashboard's item table on a 10,000-item list: server time per page and page weight.

Run: ``.venv/bin/python benchmarks/bench_webapp.py [--items N] [--reports K] [--repeat R]``

The database is filled as in ``bench_export.py`` (60 units, three per item, twelve monthly reports per
item), and one item in ten gets three milestones (节点). The dashboard's aiohttp server runs in this process on a free port, and each request is signed with
a supervisor's (or a contact's) initData, as Telegram would. Reported per page: the server's own time (its
``Server-Timing`` header, best of R), the page's size, and both against the goals (under 300 ms and
200 KB a page). The table is built once per change of the record (the chat's own `/items` work:
item_facts and the colours, for every item), off the event loop; that build is timed on its own, as the
baseline the pages are compared with, and so is the first page after a change (served from the table
before it, marked stale, while the new one is built). Nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_export import NOW, fill  # noqa: E402
from benchmarks.common import machine_line  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.webapp import serve  # noqa: E402
from bot.webapp.auth import HEADER, sign_init_data  # noqa: E402
from bot.webapp.server import TABLES  # noqa: E402
from bot.webapp.table import build_table  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Contact, Item, Milestone  # noqa: E402

GOAL_MS, GOAL_KB = 300.0, 200.0
TOKEN = "123456:benchmark-token-not-a-real-one"
SUPERVISOR, CONTACT = 1002, 5001

PAGES = {
    "page 1, no filter": "api/items",
    "page 100 (last)": "api/items?page=100",
    "red items": "api/items?colour=red",
    "one unit's, slow": "api/items?unit=8&status=slow",
    "search (title words)": "api/items?q=设施42",
    "sorted by percent ↓": "api/items?sort=percent&dir=desc",
    "overdue, unreported": "api/items?overdue=1&unreported=1",
    "item card (12 reports)": "api/item?n=4242",
    "item card by id, milestones": "api/item?id=4240",
    "milestones due": "api/items?milestones=1",
    "one list (list=code)": "api/items?list=%E9%87%8D%E7%82%B9",
    "home (the lists)": "api/home",
    "export form (list picker)": "api/export",
}
MILESTONE_EVERY = 10  # one item in ten carries three milestones (done, overdue, due in a month)


async def timed(http: aiohttp.ClientSession, url: str, user: int) -> tuple[float, int, int]:
    """Server milliseconds, bytes and status of one request."""
    init = sign_init_data(token=TOKEN, user_id=user, first_name="bench")
    async with http.get(url, headers={HEADER: init}) as response:
        body = await response.read()
        server = float(response.headers["Server-Timing"].split("dur=")[1])
        return server, len(body), response.status


def line(label: str, ms: float, size: int | None, note: str = "") -> None:
    kb = "" if size is None else f"{size / 1024:7.1f} {size / 1024 / GOAL_KB:7.2f}"
    print(f"{label:26} {ms:9.1f} {ms / GOAL_MS:7.2f} {kb:>15}   {note}".rstrip())


async def run(url: str, repeat: int) -> None:
    settings = Settings(_env_file=None, database_url=url, bot_token=TOKEN, supervisor_ids=[SUPERVISOR],
                        webapp_url="https://dash.example.test/webapp/")
    db = Database(url)
    with db.session() as session:
        session.add(Contact(telegram_id=CONTACT, unit_id=8))
        today = NOW.date()
        session.add_all(Milestone(item_id=item_id, position=position, title=f"节点{position}", deadline=deadline,
                                  done_at=NOW if position == 1 else None)
                        for item_id in range(MILESTONE_EVERY, len(session.exec(select(Item.id)).all()) + 1,
                                             MILESTONE_EVERY)
                        for position, deadline in ((1, today - timedelta(days=40)), (2, today - timedelta(days=3)),
                                                   (3, today + timedelta(days=30))))
    app = build_application(settings, db=db, clock=FakeClock(NOW), rate_limit=False)
    services = app.bot_data["services"]
    runner = await serve(app)
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}/webapp/"
    tables = runner.app[TABLES]
    print(f"{'page':26} {'server ms':>9} {'× goal':>7} {'KB':>7} {'× goal':>7}")
    builds = []
    for _ in range(repeat):
        start = time.perf_counter()
        await asyncio.to_thread(build_table, services, NOW.date())
        builds.append((time.perf_counter() - start) * 1000)
    line("baseline: table build", min(builds), None, "(the chat's /items work, once per change of the record)")
    async with aiohttp.ClientSession() as http:
        await tables.table()
        cold = []
        for _ in range(repeat):
            tables.forget()
            cold.append(await timed(http, base + "api/items", SUPERVISOR))
            await tables.table()  # the rebuild that page started
        line("page 1 after a change", min(c[0] for c in cold), cold[0][1], "(waits 0.2 s for the rebuild, then is served stale)")
        for label, path in [*PAGES.items(), ("a contact's page 1", "api/items")]:
            user = CONTACT if label.startswith("a contact") else SUPERVISOR
            results = [await timed(http, base + path, user) for _ in range(repeat)]
            assert all(r[2] == 200 for r in results), (label, results[0])
            line(label, min(r[0] for r in results), results[0][1])
    await runner.cleanup()
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=12, help="monthly reports per item (1-12)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        start = time.perf_counter()
        fill(Database(url), args.items, min(12, args.reports))
        print(f"filled {args.items} items × {min(12, args.reports)} reports in {time.perf_counter() - start:.1f} s")
        asyncio.run(run(url, args.repeat))
    print(machine_line())
    print(f"goal: under {GOAL_MS:.0f} ms of server time and {GOAL_KB:.0f} KB a page")


if __name__ == "__main__":
    main()
