"""A bot process killed with SIGKILL in the middle of a round to 1,000 contacts, then restarted:
no reminder is lost, and only the few in flight at the kill may arrive twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bot.simulator import BotApiSimulator
from jobs.sender import SEND_CONCURRENCY
from tests.factories import SHANGHAI, office_with_contacts, start_bot_process

CONTACTS = 1000


def start_bot(sim: BotApiSimulator, url: str, log: Path) -> subprocess.Popen:
    return start_bot_process(sim, url, log, REMINDER_TIME="00:00", QUIET_START="00:00", QUIET_END="00:00")


def received(sim: BotApiSimulator, people: list[int]) -> Counter:
    counts: Counter = Counter()
    for person in people:
        counts[person] = sum(1 for m in sim.chat(person).bot_messages() if m.text and "督办提醒" in m.text)
    return counts


async def wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
async def test_kill_mid_round_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    people = office_with_contacts(url, datetime.now(SHANGHAI).date(), CONTACTS)
    log = Path(os.environ.get("KILL_TEST_LOG", tmp_path / "bot.log"))
    async with BotApiSimulator() as sim:
        for person in people:
            sim.user(person, f"联络员{person}")
        sim.response_delay = 0.004  # slow enough that the kill lands mid-round
        bot = start_bot(sim, url, log)
        try:
            await wait_for(lambda: sum(received(sim, people[:: 10]).values()) >= 30, timeout=60)
            os.kill(bot.pid, signal.SIGKILL)
            bot.wait(timeout=10)
        finally:
            if bot.poll() is None:
                bot.kill()
        before = received(sim, people)
        assert 0 < sum(before.values()) < CONTACTS, "the kill should land in the middle of the round"

        again = start_bot(sim, url, log)
        try:
            await wait_for(lambda: all(received(sim, people).values()), timeout=90)
            await asyncio.sleep(1)  # anything sent twice would show up now
        finally:
            again.send_signal(signal.SIGINT)
            try:
                again.wait(timeout=15)
            except subprocess.TimeoutExpired:
                again.kill()
        after = received(sim, people)
    lost = [p for p in people if after[p] == 0]
    duplicated = sum(n - 1 for n in after.values() if n > 1)
    print(f"kill test: {sum(before.values())} sent before the kill, lost {len(lost)}, duplicated {duplicated}")
    assert lost == []
    assert duplicated <= SEND_CONCURRENCY, log.read_text()[-3000:]
