"""Resident memory of the bot process holding 10,000 items, against the same process on an empty
database. Goal: under 150 MB.

    .venv/bin/python benchmarks/bench_memory.py [--items 10000] [--units 1000] [--contacts-per-unit 2]
                                                [--reports-per-item 3]

Each variant is a fresh bot process ("spawn", so it carries nothing of this one's memory) that does
what `progress-bot run` does, in order, reading its own VmRSS (resident now) and VmHWM (peak
resident) from /proc/self/status after each step:

  interpreter   Python started, nothing of the bot imported yet
  imports       the bot's modules imported (bot.app, the handlers, jobs, db, PTB, SQLAlchemy…)
  start-up      the database migrated (a no-op, as on every start), build_application, and the
                bot running: initialize, post_init (menus, jobs, outbox recovery), polling the
                fake Bot API (which runs in a process of its own, not counted)
  planning      a reminder round's planning, `db.reports.item_facts` + `jobs.policy.plan_reminders`,
                measured while its result is still held, then again after it is let go
  digest        `jobs.supervision.digest_text` built (and let go)

The full database holds `--items` items (one lead and two responsible units each), `--units` units
with `--contacts-per-unit` contacts each, and `--reports-per-item` monthly reports for most items
(about three in four units report each month). The baseline is the same process on a migrated,
empty database. The figure against the goal is the full variant's peak (VmHWM): the most the
process held at any moment. Nothing asserts on the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    SHANGHAI,
    FakeBotApi,
    Worker,
    answer_commands,
    fill_office,
    machine_line,
    memory_mib,
)

GOAL_MB = 150
# The monthly report is due (the 25th is a Sunday: it falls on Friday the 23rd); before the reminder
# time, so no catch-up round starts by itself.
NOW = datetime(2021, 7, 23, 8, 30, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Stage:
    name: str
    rss: float  # MiB
    peak: float  # MiB
    seconds: float | None = None
    note: str = ""


async def unexpected(*message: Any) -> None:
    """Neither the fake Bot API (it only answers the bot; nobody writes to it) nor the bot process
    (it has said all it had to) takes commands."""
    raise ValueError(f"unexpected command {message!r}")


def bot_main(conn: Connection, token: str, base_url: str, file_url: str, db_url: str) -> None:
    stages: list[Stage] = []

    def mark(name: str, seconds: float | None = None, note: str = "") -> None:
        gc.collect()
        stages.append(Stage(name, *memory_mib(), seconds, note))

    mark("interpreter")
    from bot.app import build_application, running
    from bot.clock import FakeClock
    from bot.settings import Settings
    from db import reports
    from db.engine import Database
    from db.migrate import upgrade
    from jobs.policy import plan_reminders
    from jobs.rounds import work_calendar
    from jobs.schedule import DIGEST_JOB, REMINDER_JOB
    from jobs.supervision import digest_text, policy_of

    mark("imports")

    async def main() -> None:
        start = time.perf_counter()
        upgrade(db_url)  # as `progress-bot run` does before building the bot
        settings = Settings(_env_file=None, bot_token=token, bot_api_base_url=base_url, bot_api_file_url=file_url,
                            database_url=db_url)
        app = build_application(settings, db=Database(db_url), clock=FakeClock(NOW))
        async with running(app, timeout=1):
            for name in (REMINDER_JOB, DIGEST_JOB):  # they follow the real clock; not during the run
                for job in app.job_queue.get_jobs_by_name(name):
                    job.enabled = False
            services = app.bot_data["services"]
            mark("start-up", time.perf_counter() - start)

            start = time.perf_counter()
            today = services.clock.now().date()
            with services.db.session() as session:
                facts = reports.item_facts(session, today=today)
            plan = plan_reminders(facts, today, policy_of(services), work_calendar(services))
            mark("planning (held)", time.perf_counter() - start,
                 f"{len(facts):,} items, {len(plan.due):,} reminders due, {len(plan.escalations):,} escalations")
            del facts, plan
            mark("planning (let go)")

            start = time.perf_counter()
            text = digest_text(services, settings.language)
            mark("digest", time.perf_counter() - start, f"{len(text):,} characters")
            del text
            conn.send(stages)
            await answer_commands(conn, unexpected)  # until told to stop

    asyncio.run(main())


def run_variant(api: FakeBotApi, db_url: str) -> list[Stage]:
    with Worker(bot_main, api.token, api.base_url, api.base_file_url, db_url, name="bot") as bot:
        return bot.receive(300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--contacts-per-unit", type=int, default=2)
    parser.add_argument("--reports-per-item", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder, FakeBotApi(unexpected) as api:
        empty_url = f"sqlite:///{Path(folder) / 'empty.db'}"
        full_url = f"sqlite:///{Path(folder) / 'full.db'}"
        fill_office(empty_url, units=0, items=0, today=NOW.date())
        filling = time.perf_counter()
        office = fill_office(full_url, units=args.units, items=args.items, contacts_per_unit=args.contacts_per_unit,
                             reports_per_item=args.reports_per_item, today=NOW.date())
        size = Path(full_url.removeprefix("sqlite:///")).stat().st_size / 2**20
        print(f"full database: {office.items:,} items, {office.units:,} units, {len(office.contacts):,} contacts, "
              f"{office.reports:,} reports ({size:.1f} MiB SQLite file, filled in {time.perf_counter() - filling:.1f} s)")
        empty = run_variant(api, empty_url)
        full = run_variant(api, full_url)

    print()
    print(f"{'stage':19} {'empty RSS':>10} {'full RSS':>9} {'Δ':>7}   {'empty peak':>10} {'full peak':>9}   "
          f"{'full s':>6}  (MiB)")
    for before, after in zip(empty, full, strict=True):
        seconds = f"{after.seconds:6.2f}" if after.seconds is not None else " " * 6
        print(f"{after.name:19} {before.rss:10.1f} {after.rss:9.1f} {after.rss - before.rss:+7.1f}   "
              f"{before.peak:10.1f} {after.peak:9.1f}   {seconds}  {after.note}")
    peak_mib, base_mib = max(s.peak for s in full), max(s.peak for s in empty)
    peak, base = peak_mib * 2**20 / 1e6, base_mib * 2**20 / 1e6  # the goal is in MB
    print()
    print(f"peak resident memory holding {office.items:,} items: {peak_mib:.1f} MiB = {peak:.1f} MB, against "
          f"{base_mib:.1f} MiB = {base:.1f} MB on the empty database (×{peak / base:.2f}, +{peak - base:.1f} MB); "
          f"goal under {GOAL_MB} MB: {'met' if peak < GOAL_MB else 'NOT met'} ({peak / GOAL_MB:.0%} of it)")
    blocked = sum(s.seconds or 0.0 for s in full if s.name != "start-up")
    print(f"planning and digest ran on the bot's event loop for {blocked:.1f} s in all, during which it handled no "
          f"update and ran no job (a 'missed' warning from the job queue above is that)")
    print(f"benchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
