"""A reminder round to 1,000 contacts through a fake Bot API that enforces Telegram's 30 messages a
second (429 with retry_after beyond it). Prints the achieved rate as a share of the limit (goal: at
least 95 %), the 429s provoked, and lost and duplicated messages.

    .venv/bin/python benchmarks/bench_round.py [--contacts 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_application, running  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.simulator import BotApiSimulator  # noqa: E402
from db.engine import Database  # noqa: E402
from jobs.rounds import run_reminder_round  # noqa: E402
from tests.factories import SHANGHAI, office_with_contacts  # noqa: E402

LIMIT = 30


def serve(conn: Connection, people: list[int]) -> None:
    """The fake Bot API in its own process, as Telegram is: the bot's work cannot delay its clock."""

    async def run() -> None:
        async with BotApiSimulator() as sim:
            for person in people:
                sim.user(person, f"联络员{person}")
            sim.rate_limit_per_second = LIMIT
            conn.send((sim.token, sim.base_url, sim.base_file_url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
            sends = sorted(c.at for c in sim.calls if c.method == "sendMessage" and c.status == 200)
            counts = {p: sum(1 for m in sim.chat(p).bot_messages() if m.text and "督办提醒" in m.text)
                      for p in people}
            conn.send((sends, counts, sim.too_many_requests))

    asyncio.run(run())


async def main(contacts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        now = datetime.now(SHANGHAI).replace(hour=10, minute=0)
        people = office_with_contacts(url, now.date(), contacts)
        parent, child = Pipe()
        server = Process(target=serve, args=(child, people), daemon=True)
        server.start()
        token, base_url, file_url = parent.recv()
        settings = Settings(_env_file=None, bot_token=token, bot_api_base_url=base_url, bot_api_file_url=file_url,
                            database_url=url)
        db = Database(url)
        app = build_application(settings, db=db, clock=FakeClock(now), rate_limit=True)
        async with running(app, timeout=1):
            start = time.perf_counter()
            result = await run_reminder_round(app.bot, app.bot_data["services"])
            elapsed = time.perf_counter() - start
        parent.send("done")
        sends, counts, too_many = parent.recv()
        server.join(timeout=10)
        db.dispose()
        counts = Counter(counts)
    delivered = sum(1 for p in people if counts[p] >= 1)
    rate = delivered / elapsed
    print(f"contacts: {contacts}, units reminded: {result.units}")
    print(f"elapsed: {elapsed:.1f} s, achieved rate: {rate:.1f} msg/s = {rate / LIMIT:.1%} of the {LIMIT}/s limit "
          f"(goal ≥ 95%)")
    phase = (sends[-1] - sends[0]) if len(sends) > 1 else elapsed
    send_rate = (len(sends) - 1) / phase if phase else 0.0
    print(f"sending phase: {len(sends)} messages in {phase:.1f} s = {send_rate:.1f} msg/s = "
          f"{send_rate / LIMIT:.1%} of the limit; the rest of the round (planning, writing the outbox) took "
          f"{elapsed - phase:.1f} s")
    print(f"429s provoked: {too_many}, lost: {contacts - delivered}, "
          f"duplicated: {sum(n - 1 for n in counts.values() if n > 1)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1000)
    asyncio.run(main(parser.parse_args().contacts))
