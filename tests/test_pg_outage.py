"""PostgreSQL stopped in the middle of a round to 1,000 contacts, and started again: users meanwhile are
told the database is temporarily unavailable and nothing was saved, the bot keeps running, the round
resumes, and every contact gets the reminder exactly once (0 lost, 0 doubled, by the fake Bot API's
record). PostgreSQL only, on a cluster of its own (the test stops it); skipped or required as the other
PostgreSQL tests are (TEST_POSTGRES), and skipped with TEST_POSTGRES_URL (a server it must not stop).

The issue's outage is 20 s; here it is OUTAGE seconds, which is enough: the drain stops sending with its
first failed write, and every retry and every user's update in between meets the stopped server.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sqlmodel import func, select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.simulator import BotApiSimulator
from db.engine import Database
from db.models import Outbox
from jobs.rounds import run_reminder_round
from tests import pg
from tests.conftest import SUPERVISOR_ID, make_settings
from tests.factories import SHANGHAI, office_with_contacts

CONTACTS = 1000
OUTAGE = 5.0  # seconds the server is down (the issue says 20; see the module's docstring)
UNAVAILABLE = "数据库暂时无法访问，本次操作未保存任何内容"


class Cluster:
    """A throwaway cluster the test may stop and start again (pg_ctl, as the cluster's owner)."""

    def __init__(self, server: pg.Server) -> None:
        self.server = server
        url = server.admin_url
        with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres",
                             autocommit=True) as connection:
            row = connection.execute("SHOW data_directory").fetchone()
        assert row is not None
        self.data = Path(row[0])
        binaries = pg.bin_dir()
        assert binaries is not None
        self.pg_ctl = str(binaries / "pg_ctl")

    def _run(self, *args: str) -> None:
        subprocess.run(pg._as_owner([self.pg_ctl, "-D", str(self.data), *args]), check=True,  # noqa: SLF001
                       capture_output=True, timeout=60)

    def stop(self) -> None:
        self._run("-m", "fast", "-w", "stop")

    def start(self) -> None:
        # postmaster.opts keeps the server's command line: the same port and settings again
        words = shlex.split((self.data / "postmaster.opts").read_text())[1:]
        at = words.index("-D")
        options = shlex.join(words[:at] + words[at + 2:])
        self._run("-o", options, "-l", str(self.data.parent / "server.log"), "-w", "-t", "60", "start")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if os.environ.get("TEST_POSTGRES_URL"):
        pytest.skip("TEST_POSTGRES_URL names a server this test must not stop")
    try:
        with pg.server() as server:
            yield Cluster(server)
    except pg.Unavailable as reason:
        pg.skip_or_fail(reason)


def reminders(sim: BotApiSimulator, person: int) -> int:
    return sum(1 for m in sim.chat(person).bot_messages() if m.text and "督办提醒" in m.text)


async def delivered_at_least(sim: BotApiSimulator, people: list[int], count: int, timeout: float) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (done := sum(1 for p in people if reminders(sim, p))) < count:
        assert loop.time() < deadline, f"only {done} of {count} reminders within {timeout:g} s"
        await asyncio.sleep(0.05)
    return done


async def test_postgresql_stopped_mid_round_loses_and_doubles_nothing(cluster: Cluster) -> None:
    with cluster.server.database() as url:
        now = datetime.now(SHANGHAI).replace(hour=10, minute=0)
        people = office_with_contacts(url, now.date(), CONTACTS)
        async with BotApiSimulator() as sim:
            for person in people:
                sim.user(person, f"联络员{person}")
            sim.rate_limit_per_second = 30
            supervisor, contact = sim.user(SUPERVISOR_ID, "督查员"), sim.user(people[0], f"联络员{people[0]}")
            db = Database(url)
            app = build_application(make_settings(sim, url), db=db, clock=FakeClock(now), rate_limit=True)
            async with running(app, timeout=1):
                services = app.bot_data["services"]
                round_ = asyncio.create_task(run_reminder_round(app.bot, services))
                await delivered_at_least(sim, people, CONTACTS // 4, timeout=60)

                await asyncio.to_thread(cluster.stop)
                stopped = asyncio.get_running_loop().time()
                at_stop = sum(1 for p in people if reminders(sim, p))
                supervisor.send("/status")
                assert UNAVAILABLE in (await supervisor.expect(UNAVAILABLE, timeout=10)).text
                contact.drain()
                contact.send("/report 1")
                assert UNAVAILABLE in (await contact.expect(UNAVAILABLE, timeout=10)).text
                await asyncio.sleep(max(0.0, OUTAGE - (asyncio.get_running_loop().time() - stopped)))
                during = sum(1 for p in people if reminders(sim, p))
                assert during - at_stop <= 40, "sending stops soon after the database went (what was in flight)"
                assert app.running and not round_.done()

                await asyncio.to_thread(cluster.start)
                await asyncio.wait_for(round_, timeout=120)  # the same drain goes on where it was
                supervisor.send("/status")
                assert "总体进展" in (await supervisor.expect("总体进展", timeout=15)).text

            counts = [reminders(sim, p) for p in people]
            assert sum(1 for n in counts if n == 0) == 0, "lost"
            assert sum(n - 1 for n in counts if n > 1) == 0, "doubled"
            assert sim.too_many_requests == 0
            with db.session() as session:
                statuses = dict(session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
            db.dispose()
            assert statuses == {"sent": CONTACTS}
