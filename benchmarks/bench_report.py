"""A progress report end to end (update in, database write, reply out) against the fake Bot API, as a
ratio to a bare python-telegram-bot echo bot on the same server. Goal: at most 1.5× the echo bot's
CPU cost per update.

    .venv/bin/python benchmarks/bench_report.py [--reports 100] [--blocks 4] [--warmup 5] [--rate 16]
        [--think 0.25] [--concurrency 1] [--no-rate-limit] [--echo-client httpx|aiohttp]
        [--bot-client aiohttp|httpx] [--profile FILE]

What is counted
  One report is the whole dialogue of a contact bound to a unit, as in tests/test_whole_loop.py:
  `/report n` → the progress text (with "完成40%") → tap a status → type the problems → tap 提交;
  that is 5 updates (3 messages, 2 button presses), answered with 3 messages, 2 callback answers and
  2 edits (a button pressed on the dialogue's latest message turns that message into the next step,
  the choice kept on record), and one report row written: 1.4 Bot API calls an update.
  The echo bot gets exactly as many updates, all text messages, each answered with one sendMessage
  of the same text, under the same load.
  Cost per update = CPU time (user + system, all threads) of the bot's process while its users go
  through their dialogues, divided by the updates they sent. Latency = from an update sent to the
  answer its user waits for (median and 95th percentile).

The load
  By default the users offer a fixed load, the same to both bots: a new contact starts a dialogue
  every 5/`--rate` seconds and waits `--think` seconds after each answer before the next step, so
  `--rate` updates arrive each second whatever the bot. How updates arrive changes what each costs
  (a bot idle between updates wakes up for each one; one kept busy does not), so only the same load
  compares like with like. 16 updates/s keeps the report bot's replies and edits (1.0 an update)
  under the 30 a second its rate limiter allows, so the limiter never holds a reply back.
  `--rate 0` drives the bots as fast as they answer instead (`--concurrency` users back to back).
  The limiter then holds the report bot to 30 messages a second, and the two bots no longer see the
  same load, so use it with `--no-rate-limit` to compare the bots' cost when kept busy.

How
  The fake Bot API (bot.simulator) runs in a process of its own with two servers, one token each,
  and the scripted users run inside that process, next to them: none of their work is the bots' CPU.
  Each bot runs in a fresh process ("spawn") polling its own server: the report bot exactly as
  `progress-bot run` builds it (build_application with its AIORateLimiter, DatabasePersistence, the
  production logging set-up, here writing to a file) on a migrated SQLite database holding the
  office; the echo bot as bare as PTB allows. The report bot talks HTTP through its default client,
  aiohttp (bot.transport), the echo bot through PTB's default, httpx: the goal compares the bot with
  a bare PTB bot. `--echo-client aiohttp` gives the echo bot the same client, which isolates the
  dialogue's own cost; `--bot-client httpx` runs the report bot as it ran before bot.transport.
  Both stay up for the whole run. After a warm-up of `--warmup` reports each, the measured reports
  are split into `--blocks` blocks and the bots take turns, block by block (echo first in odd blocks,
  report bot first in even ones), so that whatever else the machine does weighs on both alike; the figures are the totals over all blocks, and the
  spread of the per-block ratios is printed. While one bot is driven the other sits idle (it costs
  well under 1 % of a CPU). The daily reminder and digest jobs are paused (they follow the real clock
  and must not fire mid-run); the outbox job and the persistence writes keep running, as in
  production. Nothing asserts on speed: the script prints the figures and their ratio to the goal.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    SHANGHAI,
    CpuMark,
    Endpoint,
    FakeBotApi,
    Worker,
    answer_commands,
    fill_office,
    machine_line,
)

GOAL = 1.5
UPDATES_PER_REPORT = 5
TELEGRAM_RATE = 30  # messages a second, AIORateLimiter's overall limit (sends and edits count)
KINDS = ("echo", "bot")  # the simulator's server 0 serves the echo bot, server 1 the report bot
LABELS = {"echo": "echo bot", "bot": "report bot"}
# A Tuesday morning, after the quiet hours and before the reminder time: no catch-up round at start.
NOW = datetime(2021, 7, 20, 8, 30, tzinfo=SHANGHAI)
PROGRESS = "完成新桥小区、美味鲜2座公厕改造，完成40%"
PROBLEMS = "部分资金未到位，建议加快拨付"
ECHO_FIRST_USER = 900_000


# ---------------------------------------------------------------- the scripted users (in the simulator's process)


@dataclass
class Drive:
    """What one batch of scripted users did, seen from the server."""

    updates: int = 0
    wall: float = 0.0  # from the first update sent to the last answer
    latencies: list[float] = field(default_factory=list)  # per update: sent → the answer waited for
    calls: Counter[str] = field(default_factory=Counter)  # Bot API calls made, getUpdates apart
    polls: int = 0  # getUpdates calls
    failures: list[str] = field(default_factory=list)

    def __iadd__(self, other: Drive) -> Drive:
        self.updates += other.updates
        self.wall += other.wall
        self.latencies += other.latencies
        self.calls += other.calls
        self.polls += other.polls
        self.failures += other.failures
        return self


class Steps:
    """One user's dialogue: each step waits `think` seconds after the previous answer (a user reads,
    then taps or types), does its action, and waits for the answer containing a text."""

    def __init__(self, user: Any, think: float, latencies: list[float]) -> None:
        self.user, self.think, self.latencies = user, think, latencies
        self.first = True

    async def __call__(self, action: Callable[[], object], answer: str) -> Any:
        if not self.first and self.think:
            await asyncio.sleep(self.think)
        self.first = False
        loop = asyncio.get_running_loop()
        sent = loop.time()
        action()
        message = await self.user.expect(answer, timeout=30)
        self.latencies.append(loop.time() - sent)
        return message


async def report_dialogue(user: Any, number: int, step: Steps) -> None:
    await step(lambda: user.send(f"/report {number}"), "请用一条消息")
    status_question = await step(lambda: user.send(PROGRESS), "推进状态")  # the percent is read from the text
    await step(lambda: user.press(status_question, "★ 推进良好"), "存在问题")
    evidence = await step(lambda: user.send(PROBLEMS), "佐证材料")
    await step(lambda: user.press(evidence, "📤 提交"), "已保存报送记录")


async def echo_dialogue(user: Any, _number: int, step: Steps) -> None:
    for k in range(UPDATES_PER_REPORT):
        text = f"{PROGRESS}（第{k + 1}条）"
        await step(lambda text=text: user.send(text), text)


async def drive(sim: Any, kind: str, people: list[tuple[int, int]], rate: float, think: float,
                concurrency: int) -> Drive:
    """Each (user, item number) goes through one dialogue. With a `rate`, a new user starts every
    UPDATES_PER_REPORT / rate seconds and thinks `think` seconds between steps, so updates arrive at
    `rate` a second whatever the bot; with rate 0, `concurrency` users go through their dialogues
    back to back, as fast as the bot answers."""
    dialogue = echo_dialogue if kind == "echo" else report_dialogue
    loop = asyncio.get_running_loop()
    result = Drive(updates=len(people) * UPDATES_PER_REPORT)
    calls_before = len(sim.calls)
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(index: int, user_id: int, number: int) -> None:
        user = sim.user(user_id, f"{'用户' if kind == 'echo' else '联络员'}{user_id}")
        if rate:
            await asyncio.sleep(max(0.0, start + index * UPDATES_PER_REPORT / rate - loop.time()))
            steps = Steps(user, think, result.latencies)
        else:
            await slots.acquire()
            steps = Steps(user, 0.0, result.latencies)
        try:
            await dialogue(user, number, steps)
        except AssertionError as exc:
            result.failures.append(f"user {user_id}: {exc}")  # with the simulator's transcript tail
        finally:
            if not rate:
                slots.release()

    start = loop.time()
    await asyncio.gather(*(one(i, user_id, number) for i, (user_id, number) in enumerate(people)))
    result.wall = loop.time() - start
    result.calls = Counter(call.method for call in sim.calls[calls_before:])
    result.polls = result.calls.pop("getUpdates", 0)
    return result


async def simulator_command(sims: list[Any], command: str, kind: str, *args: Any) -> Any:
    if command == "drive":
        return await drive(sims[KINDS.index(kind)], kind, *args)
    raise ValueError(f"unknown command {command!r}")


# ---------------------------------------------------------------- the bots (each in a fresh process)


@dataclass(frozen=True)
class BotSpec:
    kind: str  # echo | bot
    api: Endpoint
    db_url: str
    log_path: str
    rate_limit: bool = True
    echo_client: str = "httpx"  # the echo bot's HTTP client: PTB's default, or the report bot's own
    bot_client: str = "aiohttp"  # the report bot's (BOT_HTTP_CLIENT)


def build_bot(spec: BotSpec) -> Any:
    api = spec.api
    if spec.kind == "echo":
        from telegram import Update
        from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await context.bot.send_message(update.effective_chat.id, update.effective_message.text)

        builder = ApplicationBuilder().token(api.token).base_url(api.base_url).base_file_url(api.base_file_url)
        if spec.echo_client == "aiohttp":
            from bot.transport import bot_requests

            request, poll_request = bot_requests("aiohttp")
            builder = builder.request(request).get_updates_request(poll_request)
        app = builder.build()
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        return app

    from bot.app import build_application
    from bot.cli import configure_logging
    from bot.clock import FakeClock
    from bot.settings import Settings
    from db.engine import Database

    # As `progress-bot run` does, but into a file: INFO and up, httpx quiet, secrets masked.
    logging.basicConfig(filename=spec.log_path, level=logging.INFO)
    configure_logging(secrets=[api.token])
    settings = Settings(_env_file=None, bot_token=api.token, bot_api_base_url=api.base_url,
                        bot_api_file_url=api.base_file_url, database_url=spec.db_url, bot_http_client=spec.bot_client)
    return build_application(settings, db=Database(spec.db_url), clock=FakeClock(NOW), rate_limit=spec.rate_limit)


def bot_main(conn: Connection, spec: BotSpec) -> None:
    """A bot process: start polling, say "ready", then answer "mark" with its CPU reading, and
    "profile" with "on" or a file name (start profiling, or stop and write the profile there)."""
    from bot.app import running
    from jobs.schedule import DIGEST_JOB, REMINDER_JOB

    async def main() -> None:
        app = build_bot(spec)
        async with running(app, timeout=1):
            for name in (REMINDER_JOB, DIGEST_JOB):  # they follow the real clock; not during the run
                for job in (app.job_queue.get_jobs_by_name(name) if spec.kind == "bot" else ()):
                    job.enabled = False
            conn.send("ready")
            profiler = None

            async def handle(command: str, *args: Any) -> Any:
                nonlocal profiler
                if command == "mark":
                    return CpuMark.now()
                if command == "profile" and args[0] == "on":
                    import cProfile

                    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting in epoll costs nothing
                    profiler.enable()
                    return None
                if command == "profile" and profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(args[0])
                    return None
                raise ValueError(f"unknown command {command!r}")

            await answer_commands(conn, handle)

    asyncio.run(main())


# ---------------------------------------------------------------- the run


@dataclass
class Tally:
    """One bot's measured blocks, added up."""

    cpu: CpuMark = CpuMark(0.0, 0.0, 0.0)
    drive: Drive = field(default_factory=Drive)
    per_block_ms: list[float] = field(default_factory=list)  # CPU ms per update in each block

    def add(self, cpu: CpuMark, drive: Drive) -> None:
        self.cpu = CpuMark(self.cpu.user + cpu.user, self.cpu.system + cpu.system, self.cpu.wall + cpu.wall)
        self.drive += drive
        self.per_block_ms.append(cpu.cpu / drive.updates * 1000)

    @property
    def cpu_ms(self) -> float:
        return self.cpu.cpu / self.drive.updates * 1000

    def latency_ms(self, share: float) -> float:
        ordered = sorted(self.drive.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def per_update(self, count: float) -> float:
        return count / self.drive.updates

    @property
    def api_calls(self) -> int:
        return sum(self.drive.calls.values())

    @property
    def limited_calls(self) -> int:
        return sum(n for method, n in self.drive.calls.items() if method != "answerCallbackQuery")


def count_reports(db_url: str) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from db.engine import Database
    from db.models import ProgressReport

    db = Database(db_url)
    with db.session() as session:
        count = session.exec(select(func.count()).select_from(ProgressReport)).one()
    db.dispose()
    return count


def chunks(people: list[tuple[int, int]], blocks: int) -> list[list[tuple[int, int]]]:
    size = -(-len(people) // blocks)
    return [people[i:i + size] for i in range(0, len(people), size)]


def run(args: argparse.Namespace, db_url: str, log_path: str, people: dict[str, list[tuple[int, int]]]
        ) -> dict[str, Tally]:
    load = (args.rate, args.think, args.concurrency)
    tallies = {kind: Tally() for kind in KINDS}
    with FakeBotApi(simulator_command, servers=len(KINDS)) as api:
        bots = {kind: Worker(bot_main, BotSpec(kind, api.endpoints[n], db_url, log_path, not args.no_rate_limit,
                                               args.echo_client, args.bot_client),
                             name=LABELS[kind]) for n, kind in enumerate(KINDS)}
        try:
            for kind, bot in bots.items():
                bot.receive(120)  # ready
                warm = api.call("drive", kind, people[kind][:args.warmup], *load)
                if warm.failures:
                    raise SystemExit(f"{LABELS[kind]} warm-up failed: {warm.failures[0]}")
            if args.profile:
                bots["bot"].call("profile", "on")
            blocks = {kind: chunks(people[kind][args.warmup:], args.blocks) for kind in KINDS}
            for n in range(len(blocks["bot"])):
                for kind in (KINDS if n % 2 == 0 else KINDS[::-1]):
                    before = bots[kind].call("mark")
                    driven = api.call("drive", kind, blocks[kind][n], *load)
                    time.sleep(0.1)  # the last handler's few statements after its reply
                    after = bots[kind].call("mark")
                    if driven.failures:
                        raise SystemExit(f"{LABELS[kind]}: {len(driven.failures)} dialogues failed, "
                                         f"e.g. {driven.failures[0]}")
                    tallies[kind].add(after - before, driven)
                    print(f"  block {n + 1}, {LABELS[kind]:10}: {driven.updates} updates in {driven.wall:4.1f} s, "
                          f"CPU {(after - before).cpu:5.2f} s = {tallies[kind].per_block_ms[-1]:5.2f} ms/update",
                          flush=True)
            if args.profile:
                bots["bot"].call("profile", args.profile)
        finally:
            for bot in bots.values():
                bot.close()
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100, help="measured reports per bot (5 updates each)")
    parser.add_argument("--blocks", type=int, default=4, help="blocks the bots take turns in")
    parser.add_argument("--warmup", type=int, default=5, help="reports before the measured ones, same load")
    parser.add_argument("--rate", type=float, default=16.0,
                        help="updates offered a second (0: as fast as the bot answers, see --concurrency)")
    parser.add_argument("--think", type=float, default=0.25, help="seconds a user waits after an answer")
    parser.add_argument("--concurrency", type=int, default=1, help="with --rate 0: users at a time")
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="build the report bot without AIORateLimiter (not how it runs in production)")
    parser.add_argument("--echo-client", choices=("httpx", "aiohttp"), default="httpx",
                        help="the echo bot's HTTP client: httpx (bare PTB, the goal's baseline) or aiohttp, the "
                             "report bot's (bot.transport), to see the dialogue's own cost on equal transport")
    parser.add_argument("--bot-client", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="the report bot's HTTP client (BOT_HTTP_CLIENT; aiohttp is the default)")
    parser.add_argument("--profile", metavar="FILE", help="profile the report bot's measured blocks with cProfile "
                        "(which slows it: the figures are then not comparable) and print its top functions")
    args = parser.parse_args()
    started = time.perf_counter()
    per_bot = args.warmup + args.reports
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        log_path = str(Path(folder) / "bot.log")
        office = fill_office(db_url, units=per_bot, items=per_bot, today=NOW.date())
        # The contact of unit n reports on item n (its unit leads it and is responsible); each reports once.
        people = {"bot": office.contacts, "echo": [(ECHO_FIRST_USER + i, 0) for i in range(per_bot)]}
        offered = (f"{args.rate:g} updates/s offered, users think {args.think:g} s between steps" if args.rate
                   else f"as fast as the bots answer, {args.concurrency} user(s) at a time")
        print(f"office: {office.units} units with one contact each, {office.items} items; {args.reports} measured "
              f"reports per bot (+{args.warmup} warm-up), {UPDATES_PER_REPORT} updates each, in {args.blocks} blocks "
              f"taken in turns; {offered}; report bot {'WITHOUT' if args.no_rate_limit else 'with'} its rate limiter; "
              f"echo bot on {args.echo_client}, report bot on {args.bot_client}")
        tallies = run(args, db_url, log_path, people)
        stored = count_reports(db_url)
        log_lines = len(Path(log_path).read_text(errors="replace").splitlines()) if Path(log_path).exists() else 0

    echo, bot = tallies["echo"], tallies["bot"]
    ratio = bot.cpu_ms / echo.cpu_ms
    block_ratios = [b / e for e, b in zip(echo.per_block_ms, bot.per_block_ms, strict=True)]
    print()
    print(f"{'per update, all blocks':34} {'echo bot':>9} {'report bot':>11} {'ratio':>7}")
    print(f"{'CPU ms, bot process':34} {echo.cpu_ms:9.2f} {bot.cpu_ms:11.2f} {ratio:6.2f}×   "
          f"goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'}")
    print(f"{'  of which system time':34} {echo.cpu.system / echo.drive.updates * 1000:9.2f} "
          f"{bot.cpu.system / bot.drive.updates * 1000:11.2f}")
    for share, name in ((0.5, "median"), (0.95, "95th percentile")):
        print(f"{'latency ms, ' + name:34} {echo.latency_ms(share):9.1f} {bot.latency_ms(share):11.1f} "
              f"{bot.latency_ms(share) / echo.latency_ms(share):6.2f}×")
    print(f"{'Bot API calls (without getUpdates)':34} {echo.per_update(echo.api_calls):9.2f} "
          f"{bot.per_update(bot.api_calls):11.2f} {bot.per_update(bot.api_calls) / echo.per_update(echo.api_calls):6.2f}×")
    print(f"{'getUpdates calls':34} {echo.per_update(echo.drive.polls):9.2f} {bot.per_update(bot.drive.polls):11.2f}")
    echo_per_call, bot_per_call = echo.cpu_ms / echo.per_update(echo.api_calls), bot.cpu_ms / bot.per_update(bot.api_calls)
    print(f"{'CPU ms per Bot API call':34} {echo_per_call:9.2f} {bot_per_call:11.2f} {bot_per_call / echo_per_call:6.2f}×")
    print(f"CPU ratio block by block: {', '.join(f'{r:.2f}×' for r in block_ratios)} "
          f"(median {statistics.median(block_ratios):.2f}×)")
    print(f"per completed report ({UPDATES_PER_REPORT} updates, 1 row written): report bot CPU "
          f"{bot.cpu_ms * UPDATES_PER_REPORT:.1f} ms; echo bot for as many updates {echo.cpu_ms * UPDATES_PER_REPORT:.1f} ms")
    if not args.no_rate_limit:
        pace = bot.limited_calls / bot.drive.wall
        print(f"report bot's messages and edits: {pace:.1f}/s against its limiter's {TELEGRAM_RATE}/s"
              + (": the limiter set the pace, the bots did not see the same load" if pace > 0.9 * TELEGRAM_RATE else ""))
    print("report bot's Bot API calls: " + ", ".join(f"{m} {n}" for m, n in sorted(bot.drive.calls.items())))
    print(f"reports stored: {stored} (expected {per_bot}); report bot log lines at INFO: {log_lines}; "
          f"benchmark took {time.perf_counter() - started:.0f} s")
    if args.profile:
        import pstats

        print(f"\nprofile of the report bot's measured blocks (cProfile, wall clock; written to {args.profile}):")
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
