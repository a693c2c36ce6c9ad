"""Time the points ledger (考核台账) on a 10,000-item list: the first write of a year's entries, a recompute
that changes nothing, and the monthly ranking read from it, against the digest text as the baseline.

Run: ``.venv/bin/python benchmarks/bench_ledger.py [--items N] [--reports K] [--repeat R]``

The database is filled as in ``bench_export.py`` (60 units, three per item, twelve monthly reports per
item, 20 December 2021). Every /ranking and dashboard unit page brings the year's ledger up to date first, so
the idempotent recompute is the figure that matters. Nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_export import NOW, fill, measure  # noqa: E402
from benchmarks.common import machine_line  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from jobs.ledger import ranked_units, recompute_ledger  # noqa: E402
from jobs.supervision import digest_text  # noqa: E402


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
        fill(db, args.items, min(12, args.reports))
        services = Services(settings=Settings(_env_file=None, database_url=url), db=db, clock=FakeClock(NOW))
        print(machine_line())
        start = time.perf_counter()
        written = recompute_ledger(services, 2021)
        first = time.perf_counter() - start
        print(f"{args.items} items: first write {first:.2f} s, {written.added:,} entries")
        baseline, _ = measure(db, lambda: digest_text(services, "zh"), args.repeat)
        work = {"recompute, unchanged": lambda: recompute_ledger(services, 2021),
                "/ranking (month)": lambda: ranked_units(services, 2021, 11)}
        print(f"{'work':22} {'seconds':>8} {'queries':>8} {'× digest':>9}")
        print(f"{'digest text (baseline)':22} {baseline:8.3f} {'':>8} {1:9.2f}")
        for label, job in work.items():
            seconds, statements = measure(db, job, args.repeat)
            print(f"{label:22} {seconds:8.3f} {statements:8d} {seconds / baseline:9.2f}")
        db.dispose()


if __name__ == "__main__":
    main()
