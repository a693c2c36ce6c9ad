"""Fixtures: a migrated database per test, the Bot API simulator, and the real bot running on it."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url
from telegram.ext import Application

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.context import Services
from bot.settings import Settings
from bot.simulator import BotApiSimulator, SimChat, SimUser
from db.engine import Database
from db.migrate import upgrade
from tests import pg

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN_ID, SUPERVISOR_ID = 1001, 1002
GROUP_ID = -100777
FIXTURES = Path(__file__).resolve().parent / "fixtures"


BACKENDS = ("sqlite", "postgresql")

# Tests that spend most of their time waiting on other processes or the clock (a bot process killed and
# restarted, a round paced at 30 messages a second, LibreOffice, Chromium): run first, so that with
# `-n auto` they overlap the rest of the suite on the other workers instead of trailing at its end.
LONG_FIRST = ("test_kill.py", "test_replicas.py", "test_kill_dialogues.py", "test_export_print.py",
              "test_startup.py", "test_webapp_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FIRST)))  # stable: the rest keep their order


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.Server]:
    """A throwaway PostgreSQL server for the session, or a skip that says why none can run."""
    try:
        with pg.server() as server:
            yield server
    except pg.Unavailable as reason:
        pg.skip_or_fail(reason)


@dataclass(frozen=True)
class Template:
    """A database migrated once per backend; each test gets a copy (migrating is the slow part)."""

    backend: str
    url: str
    server: pg.Server | None = None

    @contextmanager
    def copy(self, folder: Path) -> Iterator[str]:
        """A fresh copy, removed afterwards; yields its URL."""
        if self.server is None:
            path = folder / "bot.db"
            shutil.copy(make_url(self.url).database or "", path)
            yield f"sqlite:///{path}"
        else:
            with self.server.database(template=make_url(self.url).database) as url:
                yield url


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Template:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
        upgrade(url)
        return Template("sqlite", url)
    server: pg.Server = request.getfixturevalue("postgres")
    name = f"template_{os.getpid()}"
    server.drop_database(name)
    url = server.create_database(name)
    upgrade(url)
    return Template("postgresql", url, server)


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Template) -> Iterator[str]:
    """A migrated database of its own for each test, on each backend (ids [sqlite], [postgresql])."""
    with migrated_template.copy(tmp_path) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday morning before the reminder time, so no catch-up round starts by itself.
    return FakeClock(datetime(2021, 7, 20, 8, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    simulator = BotApiSimulator()
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


def make_settings(sim: BotApiSimulator, db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        bot_token=sim.token, bot_api_base_url=sim.base_url, bot_api_file_url=sim.base_file_url,
        database_url=db_url, admin_ids=[ADMIN_ID], supervisor_ids=[SUPERVISOR_ID], report_day=25,
        reminder_time="09:00", digest_time="09:30", digest_weekday=1,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class World:
    """The running bot and the people around it."""

    app: Application
    sim: BotApiSimulator
    db: Database
    clock: FakeClock
    admin: SimUser
    supervisor: SimUser
    group: SimChat

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    def user(self, user_id: int, name: str) -> SimUser:
        return self.sim.user(user_id, name)

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until the bot has handled every update sent so far, so that all it answers is in the
        chats: the simulator has each update confirmed (the bot asks for the next ones only after
        putting these in its update queue) and the application's update queue is joined (it marks
        each update done after its handlers ran). No fixed sleep: a test asserting that something did
        not happen can ask right away."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.sim.pending_updates:
            if loop.time() > deadline:
                raise AssertionError(f"the bot did not fetch its updates within {timeout:g}s")
            await asyncio.sleep(0.005)
        await asyncio.wait_for(self.app.update_queue.join(), max(deadline - loop.time(), 0.1))

    async def run_job(self, name: str) -> None:
        """Run a scheduled job now, through the job queue's own callback."""
        jobs = self.app.job_queue.get_jobs_by_name(name)
        assert jobs, f"no job named {name}"
        await jobs[0].run(self.app)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to run the world with other settings."""
    return {}


@pytest.fixture
def app_options() -> dict[str, object]:
    """Override in a test module to build the application differently (rate limiter, timeouts)."""
    return {"rate_limit": False}


@pytest.fixture
async def world(sim: BotApiSimulator, db_url: str, database: Database, clock: FakeClock,
                settings_overrides: dict[str, object], app_options: dict[str, object]) -> AsyncIterator[World]:
    settings = make_settings(sim, db_url, **settings_overrides)
    app = build_application(settings, db=database, clock=clock, **app_options)
    admin = sim.user(ADMIN_ID, "王科长")
    supervisor = sim.user(SUPERVISOR_ID, "督查员")
    group = sim.group(GROUP_ID, "督查组")
    async with running(app, timeout=1):
        yield World(app, sim, database, clock, admin, supervisor, group)
