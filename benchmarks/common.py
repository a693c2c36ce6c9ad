"""Shared by the benchmarks: workers in fresh interpreters spoken to over a pipe (the fake Bot API,
the bot under test), an office bulk-inserted into a database, and readings of a process's CPU time
and resident memory.

Every worker is started with the "spawn" method, so it carries nothing of the parent's memory (a
forked child would count the parent's pages in its RSS) and its CPU time is its own work only.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPAWN = multiprocessing.get_context("spawn")


# ---------------------------------------------------------------- readings


def machine_line() -> str:
    """CPUs and load averages, to print beside the figures (a loaded machine inflates wall times)."""
    try:
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        one, five, fifteen = (f"{x:.2f}" for x in os.getloadavg())
    return f"machine: {os.cpu_count()} CPUs, load average {one} {five} {fifteen} (1, 5, 15 min), Python {sys.version.split()[0]}"


@dataclass(frozen=True)
class CpuMark:
    """This process's CPU time (user and system, all threads) and the wall clock, at one moment."""

    user: float
    system: float
    wall: float

    @staticmethod
    def now() -> CpuMark:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return CpuMark(usage.ru_utime, usage.ru_stime, time.perf_counter())

    @property
    def cpu(self) -> float:
        return self.user + self.system

    def __sub__(self, earlier: CpuMark) -> CpuMark:
        return CpuMark(self.user - earlier.user, self.system - earlier.system, self.wall - earlier.wall)


def memory_mib() -> tuple[float, float]:
    """(resident now, peak resident) of this process in MiB: VmRSS and VmHWM from /proc/self/status,
    or ru_maxrss for both where /proc is missing."""
    values: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024  # kB
    except OSError:
        pass
    if len(values) < 2:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        return values.get("VmRSS", peak), peak
    return values["VmRSS"], values["VmHWM"]


# ---------------------------------------------------------------- workers


class WorkerError(Exception):
    """An exception raised inside a worker, with its traceback as text."""


class Worker:
    """`target(conn, *args)` in a fresh interpreter. `call(*message)` sends a message and waits for the
    answer; a `WorkerError` answer is raised here. `close()` sends None (the worker's cue to stop)."""

    def __init__(self, target: Callable[..., None], *args: Any, name: str = "worker", daemon: bool = True) -> None:
        self._conn, child = SPAWN.Pipe()
        self.name = name
        # daemon=False for a bot that starts processes of its own (jobs.offload): a daemon may not
        self.process = SPAWN.Process(target=target, args=(child, *args), name=name, daemon=daemon)
        self.process.start()
        child.close()

    def receive(self, timeout: float = 300.0) -> Any:
        if not self._conn.poll(timeout):
            raise TimeoutError(f"{self.name} said nothing for {timeout:g} s")
        answer = self._conn.recv()
        if isinstance(answer, WorkerError):
            raise answer
        return answer

    def call(self, *message: Any, timeout: float = 300.0) -> Any:
        self._conn.send(message)
        return self.receive(timeout)

    def close(self, timeout: float = 30.0) -> None:
        if self.process.is_alive():
            try:
                self._conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self.process.join(timeout)
        if self.process.is_alive():  # only ever our own child, by its own handle
            self.process.terminate()
            self.process.join(5)
        self._conn.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def answer_commands(conn: Connection, handle: Callable[..., Awaitable[Any]]) -> None:
    """Inside a worker: answer each message with `await handle(*message)` until None arrives. The
    pipe is read in a thread, so the event loop keeps running (polling, serving) meanwhile."""
    loop = asyncio.get_running_loop()
    while True:
        message = await loop.run_in_executor(None, conn.recv)
        if message is None:
            return
        try:
            result = await handle(*message)
        except Exception:  # noqa: BLE001 - handed to the parent, which raises it
            result = WorkerError(traceback.format_exc())
        conn.send(result)


def _simulator_main(conn: Connection, handle: Callable[..., Awaitable[Any]], servers: int) -> None:
    from bot.simulator import BotApiSimulator

    async def main() -> None:
        sims = [BotApiSimulator(token=f"{123456 + n}:TEST-TOKEN-{n}") for n in range(servers)]
        for sim in sims:
            await sim.start()
        try:
            conn.send([(sim.token, sim.base_url, sim.base_file_url) for sim in sims])
            await answer_commands(conn, lambda *message: handle(sims, *message))
        finally:
            for sim in sims:
                await sim.stop()

    asyncio.run(main())


@dataclass(frozen=True)
class Endpoint:
    """Where a bot finds one simulated Bot API server."""

    token: str
    base_url: str
    base_file_url: str


class FakeBotApi(Worker):
    """The Bot API simulator in its own process, as Telegram is: its work is not the bot's CPU time,
    and the bot's work cannot delay it. `servers` simulators (one bot token each, so that as many
    bots can poll side by side) listen there; `endpoints` says where. `handle(sims, *message)` (an
    async function at module level, so the spawned interpreter can import it) runs each
    `call(*message)` inside that process: the scripted users live there, next to the servers."""

    def __init__(self, handle: Callable[..., Awaitable[Any]], *, servers: int = 1) -> None:
        super().__init__(_simulator_main, handle, servers, name="fake Bot API")
        self.endpoints = [Endpoint(*where) for where in self.receive(60)]
        self.token, self.base_url, self.base_file_url = (self.endpoints[0].token, self.endpoints[0].base_url,
                                                         self.endpoints[0].base_file_url)


def bot_settings(api: FakeBotApi, database_url: str, **values: Any) -> Any:
    from bot.settings import Settings

    return Settings(_env_file=None, bot_token=api.token, bot_api_base_url=api.base_url,
                    bot_api_file_url=api.base_file_url, database_url=database_url, **values)


# ---------------------------------------------------------------- an office in bulk


@dataclass(frozen=True)
class Office:
    units: int
    contacts: list[tuple[int, int]]  # (Telegram id, unit id), in unit order
    items: int
    reports: int


def fill_office(url: str, *, units: int, items: int, contacts_per_unit: int = 1, reports_per_item: int = 0,
                today: date, first_contact: int = 500_000, cycle: str = "monthly") -> Office:
    """Migrate `url` and bulk-insert an office: `units` units with their contacts (Person + Contact rows),
    `items` items numbered 1… due at the year's end (item n is led by unit (n-1) mod units + 1, which is
    also its first responsible unit, the second being unit (n+6) mod units + 1: with as many items as
    units, the contact of unit n may report on item n), and `reports_per_item` monthly reports per item
    for the months up to `today`'s (about three items in four each month). Much faster than
    tests/factories.py's one row at a time; the same tables and columns as the bot writes."""
    from sqlalchemy import insert

    from db import lists
    from db.engine import Database
    from db.migrate import upgrade
    from db.models import Contact, Item, ItemUnit, Person, ProgressReport, Unit

    upgrade(url)
    db = Database(url)
    created = datetime(today.year, 1, 1, 9, tzinfo=SHANGHAI)
    statuses = ("good", "good", "average", "slow", "ahead", "average")
    contacts: list[tuple[int, int]] = []
    with db.session() as session:
        if units:
            session.execute(insert(Unit), [{"id": u, "name": f"单位{u:05d}", "aliases": [], "created_at": created}
                                           for u in range(1, units + 1)])
            contacts = [(first_contact + (u - 1) * contacts_per_unit + k, u)
                        for u in range(1, units + 1) for k in range(contacts_per_unit)]
        if contacts:
            session.execute(insert(Person), [{"telegram_id": person, "full_name": f"联络员{person}",
                                              "username": None, "language": None, "created_at": created}
                                             for person, _ in contacts])
            session.execute(insert(Contact), [{"telegram_id": person, "unit_id": unit, "reachable": True,
                                               "created_at": created} for person, unit in contacts])
        if items and units:
            list_id = lists.list_for_new_items(session, now=created).id
            session.execute(insert(Item), [{
                "id": i, "list_id": list_id, "number": i, "title": f"完成第{i}项重点任务，新建改造设施{i % 97 + 1}处",
                "domain": f"第{i % 12 + 1}领域", "deadline": date(today.year, 12, 31), "deadline_text": f"{today.year}.12",
                "start_date": date(today.year, 1, 1), "investment": float(i % 500) or None,
                "report_cycle": cycle, "archived": False, "created_at": created, "updated_at": created,
            } for i in range(1, items + 1)])
            links = []
            for i in range(1, items + 1):
                lead = (i - 1) % units + 1
                responsible = [lead, (i + 6) % units + 1] if units > 1 else [lead]
                links.append({"item_id": i, "unit_id": lead, "role": "lead", "position": 0})
                links += [{"item_id": i, "unit_id": u, "role": "responsible", "position": p}
                          for p, u in enumerate(dict.fromkeys(responsible))]
            session.execute(insert(ItemUnit), links)
            reports = []
            for k in range(reports_per_item):
                month = today.month - reports_per_item + k  # the last one is this month's
                if month < 1:
                    continue
                when = datetime(today.year, month, min(20, today.day), 9, tzinfo=SHANGHAI) - timedelta(days=1)
                reports += [{
                    "item_id": i, "unit_id": (i - 1) % units + 1, "reporter_id": first_contact, "period": f"{today.year}-{month:02d}",
                    "created_at": when, "text": f"{month}月：第{i}项完成主体工程，累计完成投资{i % 300}万元，完成{min(100, month * 12)}%",
                    "percent": min(100, month * 12), "status": statuses[(i + month) % len(statuses)],
                    "problems": "资金未到位，建议加快拨付" if i % 5 == 0 else None, "evidence": [], "source": "chat",
                } for i in range(1, items + 1) if (i + k) % 4]  # about three units in four report each month
            if reports:
                session.execute(insert(ProgressReport), reports)
        advance_sequences(session, Unit, Item)
    db.dispose()
    return Office(units=units, contacts=contacts, items=items if units else 0,
                  reports=len(reports) if items and units else 0)


def advance_sequences(session: Any, *models: Any) -> None:
    """PostgreSQL: move the id sequences of `models` past the ids inserted explicitly, so that rows the bot
    creates afterwards (a unit an import names) get new ids (SQLite takes the largest id + 1 by itself)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))
