"""Time the digest text, the chart and the progress-table export on 10,000 items × 12 reports.

Run: ``.venv/bin/python benchmarks/bench_export.py [--items N] [--reports K] [--repeat R]``

A migrated SQLite database is filled with bulk inserts (60 units, one lead and two responsible
units per item, twelve monthly reports per item), then each piece of work is timed (best of R)
with the SQL statements it issued counted through a ``before_cursor_execute`` event. The goal
is under a second each with a query count that does not grow with the items; the figures are
printed with their ratio to that goal, and nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FakeClock  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.export import export_progress_table  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db import lists  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Item, ItemUnit, ProgressReport, Unit  # noqa: E402
from jobs.supervision import chart_png, digest_text  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2021, 12, 20, 9, 0, tzinfo=TZ)
GOAL_SECONDS = 1.0
UNITS = 60
DOMAINS = 12
STATUSES = ("ahead", "good", "good", "average", "average", "slow")


def fill(db: Database, items: int, reports: int) -> None:
    """Bulk-insert units, items, their unit links and `reports` monthly reports per item."""
    created = datetime(2021, 1, 1, 9, tzinfo=TZ)
    with db.session() as session:
        session.execute(insert(Unit), [{"id": u, "name": f"单位{u:03d}", "aliases": [], "created_at": created}
                                       for u in range(1, UNITS + 1)])
        list_id = lists.list_for_new_items(session, now=created).id
        session.execute(insert(Item), [{
            "id": i, "list_id": list_id, "number": i, "title": f"完成第{i}项重点任务，新建设施{i % 97}处", "domain": f"第{(i - 1) * DOMAINS // items + 1}领域",
            "deadline": date(2021, i % 12 + 1, 28), "deadline_text": None, "start_date": date(2021, 1, 1),
            "investment": float(i % 500) or None, "report_cycle": "monthly", "archived": False,
            "created_at": created, "updated_at": created,
        } for i in range(1, items + 1)])
        session.execute(insert(ItemUnit), [
            {"item_id": i, "unit_id": u, "role": role, "position": p}
            for i in range(1, items + 1)
            for p, (role, u) in enumerate((("lead", i % UNITS + 1), ("responsible", (i + 7) % UNITS + 1),
                                          ("responsible", (i + 13) % UNITS + 1)))
        ])
        batch: list[dict[str, Any]] = []
        for month in range(1, reports + 1):
            when = datetime(2021, month, 10, 9, tzinfo=TZ)
            batch += [{
                "item_id": i, "unit_id": (i + 7) % UNITS + 1, "reporter_id": None, "period": f"2021-{month:02d}",
                "created_at": when, "text": f"{month}月完成情况：第{i}项推进中，完成投资{i % 300}万元。",
                "percent": min(100, month * 8), "status": STATUSES[(i + month) % len(STATUSES)],
                "problems": "资金未到位" if i % 5 == 0 else None, "evidence": [], "source": "chat",
            } for i in range(1, items + 1)]
        session.execute(insert(ProgressReport), batch)


def measure(db: Database, work: Callable[[], object], repeat: int) -> tuple[float, int]:
    """Best wall time of `work` over `repeat` runs, and the SQL statements one run issues."""
    count = 0

    def counter(*_: object) -> None:
        nonlocal count
        count += 1

    best = float("inf")
    for _ in range(repeat):
        count = 0
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            start = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - start)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
    return best, count


def chart(services: Services) -> bytes:
    return chart_png(services, services.clock.now().date())  # as the digest draws it


def export(services: Services, period: str | None) -> bytes:
    with services.db.session() as session:
        return export_progress_table(session, today=services.clock.now().date(), lang="zh", period=period,
                                     margin=services.settings.slow_margin, tz=TZ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=12, help="monthly reports per item (1-12)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        start = time.perf_counter()
        fill(db, args.items, min(12, args.reports))
        print(f"filled {args.items} items × {min(12, args.reports)} reports in {time.perf_counter() - start:.1f} s")
        settings = Settings(_env_file=None, database_url=url)
        services = Services(settings=settings, db=db, clock=FakeClock(NOW))
        work: dict[str, Callable[[], object]] = {
            "digest text": lambda: digest_text(services, "zh"),
            "chart": lambda: chart(services),
            "export (this month)": lambda: export(services, None),
            "export (2021-07)": lambda: export(services, "2021-07"),
        }
        print(f"load average {os.getloadavg()[0]:.2f} (the figures vary with it)")
        print(f"{'work':20} {'seconds':>8} {'queries':>8} {'× goal':>7}   output")
        for label, job in work.items():
            seconds, statements = measure(db, job, args.repeat)
            output = job()
            size = f"{len(output):,} chars" if isinstance(output, str) else f"{len(output) // 1024:,} KiB"
            print(f"{label:20} {seconds:8.3f} {statements:8d} {seconds / GOAL_SECONDS:7.2f}   {size}")
        db.dispose()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"goal: under {GOAL_SECONDS:.0f} s each, and a query count that stays the same for any number of items")


if __name__ == "__main__":
    main()
