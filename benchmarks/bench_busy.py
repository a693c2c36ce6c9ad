"""Reply latency of a steady stream of /status and report steps while the bot is busy, against the same
stream on the idle bot, in the same run. Goal: 95th percentile under 300 ms and none over 1 s in each
case, and the round and the replies together using at least 95 % of Telegram's 30 messages a second.

    .venv/bin/python benchmarks/bench_busy.py [--units 1000] [--items 10000] [--reports 7]
        [--rows 20000] [--digest-seconds 15] [--idle-seconds 20] [--contacts 4] [--think 0.5]

The loads, one after the other, the stream running through all of them:
  idle    nothing but the stream, `--idle-seconds`;
  round   a 1,000-unit reminder round (an admin's /remind, one reminder per unit's contact) draining at
          the fake Bot API's enforced 30 messages a second, until the last reminder has arrived;
  digest  the 10,000-item digest built as the digest job builds it (its text, then its chart, each in
          the helper process of jobs.offload), again and again for `--digest-seconds` (not posted: a
          group takes 20 messages a minute, which would measure Telegram's group limit instead);
  import  a `--rows`-row task table (.xlsx, as bench_import.py writes it) sent by an admin with /import:
          downloaded, read and planned for the preview, then confirmed and written, until 导入完成.

The stream: a supervisor asks `/status 流` (a list of 160 items, an office's real size; the other list
holds the 10,000) once a second, and `--contacts` contacts go through report dialogues on that list's
items (/report → the text → a status button → the problems → 提交), waiting `--think` seconds after each
answer. A step's latency is from the update being queued at the fake Bot API to the answer its user
waits for arriving there. Everything runs as `progress-bot run` builds it (build_application with its
rate limiter, persistence, the production logging into a file) on a migrated SQLite database; the fake
Bot API (own process, with the scripted users) enforces 30 messages a second with 429s beyond.

Nothing asserts on speed: the figures and the ratios to the idle stream are printed. The machine may be
shared; the load average is printed at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402
from benchmarks.common import SHANGHAI, Endpoint  # noqa: E402

# A Tuesday morning after the quiet hours and before the reminder time: no catch-up round at start.
NOW = datetime(2021, 7, 20, 8, 30, tzinfo=SHANGHAI)
ADMIN, SUPERVISOR = 1001, 1002
LIMIT = 30  # messages a second, enforced by the fake Bot API
GOAL_P95, GOAL_MAX, GOAL_USE = 0.300, 1.0, 0.95
STREAM_LIST, STREAM_CODE, STREAM_ITEMS = "流程测试清单", "流", 160
# What the bot's pace counts against the limit: every message sent and every edit (the fake Bot API
# counts the sends only; edits are counted here as the bot's pacer counts them, to be safe).
COUNTED = ("send", "edit", "forward", "copy", "delete")
PHASES = ("idle", "round", "digest", "import")


# ---------------------------------------------------------------- the scripted users (in the fake Bot API's process)


@dataclass
class Sample:
    phase: str
    kind: str  # status | report
    sent: float
    latency: float


@dataclass
class Stream:
    phase: str = "warm-up"
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def step(self, kind: str, user: Any, action: Any, answer: str) -> Any:
        phase, sent = self.phase, time.time()
        action()
        message = await user.expect(answer, timeout=60)
        self.samples.append(Sample(phase, kind, sent, time.time() - sent))
        return message


async def supervisor_loop(stream: Stream, sim: Any) -> None:
    user = sim.user(SUPERVISOR, "督查员")
    loop = asyncio.get_running_loop()
    tick = loop.time()
    while not stream.stop.is_set():
        await stream.step("status", user, lambda: user.send(f"/status {STREAM_CODE}"), "总体进展")
        tick += 1.0
        await asyncio.sleep(max(0.0, tick - loop.time()))


async def contact_loop(stream: Stream, sim: Any, person: int, numbers: list[int], think: float) -> None:
    user = sim.user(person, f"联络员{person}")
    n = 0
    while not stream.stop.is_set():
        number = numbers[n % len(numbers)]
        n += 1
        try:
            await stream.step("report", user, partial(user.send, f"/report {STREAM_CODE}{number}"), "请用一条消息")
            await asyncio.sleep(think)
            question = await stream.step("report", user, partial(user.send, "完成新桥小区公厕改造，完成40%"), "推进状态")
            await asyncio.sleep(think)
            await stream.step("report", user, partial(user.press, question, "★ 推进良好"), "存在问题")
            await asyncio.sleep(think)
            evidence = await stream.step("report", user, partial(user.send, "部分资金未到位"), "佐证材料")
            await asyncio.sleep(think)
            await stream.step("report", user, partial(user.press, evidence, "📤 提交"), "已保存报送记录")
            await asyncio.sleep(think)
        except AssertionError as exc:
            stream.failures.append(f"contact {person}: {str(exc)[:300]}")
            user.drain()
            await asyncio.sleep(1)


STATE: dict[str, Any] = {}


def counted_sends(sim: Any, start: float, end: float) -> tuple[int, int]:
    """(every counted send, the reminders among them) that reached the server in [start, end]."""
    sends = [c for c in sim.calls if c.method.startswith(COUNTED) and c.status == 200 and start <= c.at <= end]
    return len(sends), sum(1 for c in sends if "督办提醒" in str(c.params.get("text", "")))


async def simulator_command(sims: list[Any], command: str, *args: Any) -> Any:
    sim = sims[0]
    stream: Stream = STATE.setdefault("stream", Stream())
    if command == "setup":
        people, stream_people, think = args
        sim.rate_limit_per_second = LIMIT
        for person in people:
            sim.user(person, f"联络员{person}")
        sim.user(ADMIN, "王科长")
        stream.tasks.append(asyncio.create_task(supervisor_loop(stream, sim)))
        for person, numbers in stream_people:
            stream.tasks.append(asyncio.create_task(contact_loop(stream, sim, person, numbers, think)))
        return None
    if command == "phase":
        stream.phase = args[0]
        return time.time()
    if command == "round":
        units = args[0]
        admin = sim.user(ADMIN, "王科长")
        start = time.time()
        admin.send("/remind")
        first = last = None
        while True:  # until every unit's reminder arrived
            reminders = [c.at for c in sim.calls if c.method == "sendMessage" and c.status == 200
                         and c.at >= start and "督办提醒" in str(c.params.get("text", ""))]
            if reminders:
                first, last = reminders[0], reminders[-1]
            if len(reminders) >= units:
                break
            if time.time() - start > 600:
                raise TimeoutError(f"only {len(reminders)} of {units} reminders in 10 minutes")
            await asyncio.sleep(0.2)
        await admin.expect("提醒", timeout=60)
        sends, in_round = counted_sends(sim, first, last)
        return {"start": start, "first": first, "last": last, "sends": sends, "reminders": in_round,
                "too_many": sim.too_many_requests}
    if command == "import":
        name, data = args
        admin = sim.user(ADMIN, "王科长")
        start = time.time()
        admin.send_document(name, data, caption="/import")
        preview = await admin.expect("导入预览", timeout=600)
        previewed = time.time()
        admin.press(preview, "✅ 确认")
        done = await admin.expect("导入完成", timeout=600)
        return {"start": start, "previewed": previewed, "done": time.time(), "text": done.text[:200]}
    if command == "stop":
        stream.stop.set()
        await asyncio.gather(*stream.tasks, return_exceptions=True)
        return stream.samples, stream.failures, sim.too_many_requests
    raise ValueError(f"unknown command {command!r}")


# ---------------------------------------------------------------- the bot (a fresh process)


def bot_main(conn: Connection, api: Endpoint, db_url: str, log_path: str) -> None:
    from bot.app import build_application, running
    from bot.cli import configure_logging
    from bot.clock import FakeClock
    from bot.settings import Settings
    from db.engine import Database
    from jobs.offload import off_loop
    from jobs.schedule import DIGEST_JOB, RECEIPTS_JOB, REMINDER_JOB
    from jobs.supervision import chart_png, digest_text

    logging.basicConfig(filename=log_path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_logging(secrets=[api.token])
    settings = Settings(_env_file=None, bot_token=api.token, bot_api_base_url=api.base_url,
                        bot_api_file_url=api.base_file_url, database_url=db_url, admin_ids=[ADMIN],
                        supervisor_ids=[SUPERVISOR],
                        # fill_office's second responsible units never report: no escalations (督办) to
                        # the lead units and supervisors, so that the round is one reminder per unit
                        escalate_after_misses=24)

    async def main() -> None:
        app = build_application(settings, db=Database(db_url), clock=FakeClock(NOW))
        async with running(app, timeout=1):
            for name in (REMINDER_JOB, DIGEST_JOB, RECEIPTS_JOB):  # they follow the real clock
                for job in app.job_queue.get_jobs_by_name(name):
                    job.enabled = False
            services = app.bot_data["services"]
            conn.send("ready")

            async def handle(command: str, *args: Any) -> Any:
                if command == "digest":  # build it as the digest job does, for `seconds`
                    end, built, sizes = time.time() + args[0], 0, []
                    while time.time() < end:
                        text = await off_loop(services, digest_text, settings.language)
                        png = await off_loop(services, chart_png, NOW.date())
                        built += 1
                        sizes.append((len(text), len(png)))
                    return built, sizes[-1]
                raise ValueError(f"unknown command {command!r}")

            await common.answer_commands(conn, handle)

    asyncio.run(main())


# ---------------------------------------------------------------- the office


def stream_list(url: str, *, units: int, items: int) -> None:
    """A second list, `STREAM_CODE`, of `items` items led by units 1…`units` in turn (the stream's)."""
    from sqlalchemy import insert

    from db import lists
    from db.engine import Database
    from db.models import Item, ItemUnit

    db = Database(url)
    created = datetime(NOW.year, 1, 1, 9, tzinfo=SHANGHAI)
    with db.session() as session:
        task_list = lists.create_list(session, name=STREAM_LIST, year=NOW.year, code=STREAM_CODE, now=created)
        first_id = 10_000_000
        session.execute(insert(Item), [{
            "id": first_id + n, "list_id": task_list.id, "number": n, "title": f"流程测试任务{n}",
            "domain": f"第{n % 6 + 1}领域", "deadline": datetime(NOW.year, 12, 31).date(), "deadline_text": f"{NOW.year}.12",
            "start_date": datetime(NOW.year, 1, 1).date(), "report_cycle": "monthly", "archived": False,
            "created_at": created, "updated_at": created} for n in range(1, items + 1)])
        session.execute(insert(ItemUnit), [
            {"item_id": first_id + n, "unit_id": (n - 1) % units + 1, "role": role, "position": 0}
            for n in range(1, items + 1) for role in ("lead", "responsible")])
        common.advance_sequences(session, Item)
    db.dispose()


# ---------------------------------------------------------------- figures


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(samples: list[Sample]) -> tuple[int, float, float, float]:
    latencies = [s.latency for s in samples]
    return len(latencies), quantile(latencies, 0.5), quantile(latencies, 0.95), max(latencies)


def report(samples: list[Sample]) -> None:
    by_phase: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_phase[sample.phase].append(sample)
    idle = figures(by_phase["idle"]) if by_phase["idle"] else None
    print(f"\n{'stream during':14} {'kind':7} {'steps':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
          f"{'p95 vs idle':>12}   goal p95 < {GOAL_P95 * 1000:.0f} ms, max < {GOAL_MAX * 1000:.0f} ms")
    for phase in PHASES:
        for kind in ("all", "status", "report"):
            chosen = [s for s in by_phase[phase] if kind in ("all", s.kind)]
            if not chosen:
                continue
            count, median, p95, top = figures(chosen)
            ratio = f"{p95 / idle[2]:.2f}×" if idle and kind == "all" else ""
            verdict = ("met" if p95 < GOAL_P95 and top < GOAL_MAX else "NOT met") if kind == "all" else ""
            print(f"{phase:14} {kind:7} {count:6} {median * 1000:10.0f} {p95 * 1000:8.0f} {top * 1000:8.0f} "
                  f"{ratio:>12}   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000, help="units, one contact each (the round's size)")
    parser.add_argument("--items", type=int, default=10000, help="items of the big list (the digest's size)")
    parser.add_argument("--reports", type=int, default=7, help="monthly reports per item of the big list")
    parser.add_argument("--rows", type=int, default=20000, help="rows of the imported table")
    parser.add_argument("--digest-seconds", type=float, default=15.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--contacts", type=int, default=4, help="contacts reporting in the stream")
    parser.add_argument("--think", type=float, default=0.5, help="seconds a contact waits after each answer")
    parser.add_argument("--log", help="keep the bot's log (INFO) in this file")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the database: a SQLite file, or a throwaway PostgreSQL cluster (tests/pg.py)")
    args = parser.parse_args()
    print(common.machine_line())
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "sqlite":
            run(args, folder, f"sqlite:///{Path(folder) / 'bench.db'}")
            return
        from tests import pg

        with pg.server() as server:
            run(args, folder, server.create_database("bench_busy"))


def run(args: argparse.Namespace, folder: str, db_url: str) -> None:
    from benchmarks.bench_import import write_xlsx

    started = time.perf_counter()
    office = common.fill_office(db_url, units=args.units, items=args.items, reports_per_item=args.reports, today=NOW.date())
    stream_list(db_url, units=args.contacts, items=STREAM_ITEMS)
    table = Path(folder) / f"任务表{args.rows}.xlsx"
    write_xlsx(table, args.rows)
    data = table.read_bytes()
    print(f"office: {office.units} units with a contact each, {office.items} items with {office.reports} reports "
          f"(+ the stream's list of {STREAM_ITEMS} items) on {args.backend}; table of {args.rows} rows, {len(data) / 1e6:.1f} MB; "
          f"stream: /status once a second + {args.contacts} contacts reporting, {args.think:g} s thinking; "
          f"prepared in {time.perf_counter() - started:.0f} s", flush=True)
    stream_people = [(person, list(range(unit, STREAM_ITEMS + 1, args.contacts)))
                     for person, unit in office.contacts[:args.contacts]]
    with common.FakeBotApi(simulator_command) as api:
        log_path = args.log or str(Path(folder) / "bot.log")
        bot = common.Worker(bot_main, api.endpoints[0], db_url, log_path, name="bot", daemon=False)
        try:
            bot.receive(300)
            api.call("setup", [p for p, _ in office.contacts], stream_people, args.think)
            time.sleep(5)  # warm-up: the first dialogues, the first queries
            api.call("phase", "idle")
            time.sleep(args.idle_seconds)
            api.call("phase", "round")
            round_ = api.call("round", office.units, timeout=900)
            api.call("phase", "digest")
            built, (text_len, png_len) = bot.call("digest", args.digest_seconds, timeout=900)
            api.call("phase", "import")
            imported = api.call("import", table.name, data, timeout=1800)
            api.call("phase", "after")
            time.sleep(2)
            samples, failures, too_many = api.call("stop", timeout=120)
        finally:
            bot.close()
    report(samples)
    phase = round_["last"] - round_["first"]
    use = (round_["sends"] - 1) / phase / LIMIT if phase else 0.0
    print(f"\nround: {round_['reminders']} reminders from the first to the last in {phase:.1f} s; "
          f"every counted send in that time (reminders + replies): {round_['sends']} = {use:.1%} of the {LIMIT}/s "
          f"limit (goal ≥ {GOAL_USE:.0%}); the whole /remind, planning included: "
          f"{round_['last'] - round_['start']:.1f} s")
    print(f"digest: built {built} times in {args.digest_seconds:g} s (text {text_len:,} characters, chart "
          f"{png_len:,} bytes)")
    print(f"import: preview {imported['previewed'] - imported['start']:.1f} s, confirmed and written "
          f"{imported['done'] - imported['previewed']:.1f} s ({imported['text'].splitlines()[0]})")
    print(f"429s: {too_many}; stream failures: {len(failures)}" + (f", e.g. {failures[0]}" if failures else ""))
    print(f"benchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
