"""Work too heavy for a worker thread: the digest's text and chart of a large office, in a process of its own.

A worker thread keeps the event loop free, but not the interpreter: Python runs one thread at a time
(the GIL), so while a thread spends a second of pure Python on the 10,000-item digest, the replies to
users and their own worker threads (a /status) get about half the CPU and answer two to four times
slower (benchmarks/bench_busy.py). A process runs beside the bot on another core instead.

`off_loop(services, fn, *args)` runs `fn(services, *args)` (a module-level function, picklable by name)
in one long-lived helper process when the office has at least PROCESS_FROM_ITEMS items, and in a worker
thread otherwise (small offices, and the tests: a process costs a second or two to start). The helper
opens the same database (its own engine) and sees the caller's settings and the caller's "now" (a fixed
clock), so what it builds is what the thread would have built. A helper that dies is replaced at the
next call; that call runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.clock import FakeClock
from bot.context import Services
from bot.settings import Settings
from db.engine import Database
from db.models import Item

log = logging.getLogger(__name__)

T = TypeVar("T")
PROCESS_FROM_ITEMS = 2000
_pool: list[ProcessPoolExecutor] = []  # at most one helper process per bot process
_databases: dict[str, Database] = {}  # in the helper: one engine per database


def item_count(services: Services) -> int:
    with services.db.session() as session:
        return int(session.exec(select(func.count()).select_from(Item)).one())


def in_memory(url: str) -> bool:
    """A SQLite database in memory, which another process cannot open."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _in_helper(fn: Callable[..., T], settings: Settings, url: str, now: datetime, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> T:
    db = _databases.get(url) or _databases.setdefault(url, Database(url))
    return fn(Services(settings=settings, db=db, clock=FakeClock(now)), *args, **kwargs)


def _helper() -> ProcessPoolExecutor:
    if not _pool:
        _pool.append(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
    return _pool[0]


async def off_loop(services: Services, fn: Callable[..., T], *args: Any, threshold: int | None = None,
                   **kwargs: Any) -> T:
    """`fn(services, *args, **kwargs)` off the event loop: in the helper process for a large office
    (`threshold` items, PROCESS_FROM_ITEMS by default), else in a worker thread."""
    large = await asyncio.to_thread(item_count, services) >= (PROCESS_FROM_ITEMS if threshold is None else threshold)
    if large and not in_memory(services.db.url):
        call = partial(_in_helper, fn, services.settings, services.db.url, services.clock.now(), args, kwargs)
        try:
            future = asyncio.get_running_loop().run_in_executor(_helper(), call)
        except (AssertionError, OSError, RuntimeError) as error:  # no child process can start here (a daemon)
            log.warning("no helper process (%s); the %s runs in a worker thread", error, getattr(fn, "__name__", fn))
        else:
            try:
                return await future
            except BrokenProcessPool:
                log.warning("the helper process died; this %s runs in a worker thread", getattr(fn, "__name__", fn))
                _pool.clear()
    return await asyncio.to_thread(fn, services, *args, **kwargs)
