"""50 report dialogues driven through the simulator while the bot process is killed with SIGKILL at
random moments and restarted: every report a contact was told was saved is in the database, and no
report is stored twice, although PTB's persistence restores each dialogue as it stood up to 5 s
before the kill (a restored dialogue submitted again answers "already saved")."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.simulator import BotApiSimulator, SimUser
from db.engine import Database
from tests.factories import SHANGHAI, office_with_contacts, start_bot_process

CONTACTS = 50
KILLS = 4
SAVED, ALREADY = "已保存报送记录", "已经保存过"




def start_bot(sim: BotApiSimulator, url: str, log: Path) -> subprocess.Popen:
    """The real bot process; no reminder round or digest falls due meanwhile."""
    return start_bot_process(sim, url, log, REMINDER_TIME="23:59")


class Driver:
    """One contact reporting on their item: each move answers the bot's latest message, as a person would."""

    def __init__(self, user: SimUser, number: int) -> None:
        self.user, self.number = user, number
        self.told_saved = False
        self.already = 0
        self.restarts = 0

    async def run(self, sim: BotApiSimulator, up: asyncio.Event, stop: asyncio.Event) -> None:
        rng = random.Random(self.number)
        self.user.chat.drain()
        self.user.send(f"/report {self.number}")
        await self.answered()
        while not stop.is_set() and not self.told_saved:
            await up.wait()
            await asyncio.sleep(rng.uniform(0.1, 0.4))  # reading and thinking
            messages = self.user.chat.bot_messages()
            last = messages[-1] if messages else None
            content = last.content if last else ""
            if SAVED in content or ALREADY in content:
                self.told_saved = True
                self.already += ALREADY in content
                break
            self.user.chat.drain()
            moved = self.move(last)
            if moved:  # a press: an alert says the step has gone (expired after a restart)
                try:
                    answer = await sim.wait_callback_answer(moved, timeout=4.0)
                except AssertionError:  # not answered: the bot went down meanwhile
                    continue
                alert = answer.get("text") or ""
                if ALREADY in alert:
                    self.told_saved, self.already = True, self.already + 1
                    break
                if not answer.get("show_alert"):
                    await self.answered()
                    continue
            if moved != "":
                self.restarts += moved is None
                self.user.send(f"/report {self.number}")
            await self.answered()

    async def answered(self) -> None:
        """Wait for the bot's next message or edit (a while at most: it may have gone down)."""
        try:
            await self.user.chat.expect(timeout=4.0)
            await asyncio.sleep(0.05)  # a dropped draft's notice comes just before the question
        except AssertionError:
            pass

    def move(self, last) -> str | None:  # type: ignore[no-untyped-def]
        """Press the next button of the latest message (its query id), send the text asked for (""), or
        None when the dialogue has to start again."""
        if last is None:
            return None
        labels = [label for row in last.buttons for label in row]
        for wanted in ("📤 提交", "无", "★ 推进良好", "50%"):
            if wanted in labels:
                return self.user.press(last, wanted)
        if "请用一条消息写明本期完成情况" in last.content and not last.edited:
            self.user.send(f"事项{self.number}本期推进了一部分工作")
            return ""
        return None


def reports_per_item(url: str) -> Counter:
    db = Database(url)
    try:
        with db.session() as session:
            rows = session.execute(text("SELECT i.number, count(*) FROM progressreport p JOIN item i ON i.id = p.item_id"
                                        " GROUP BY i.number")).all()
    finally:
        db.dispose()
    return Counter({number: count for number, count in rows})


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
async def test_kills_during_report_dialogues_lose_and_double_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    people = office_with_contacts(url, datetime.now(SHANGHAI).date(), CONTACTS)
    log = tmp_path / "bot.log"
    rng = random.Random(11)
    async with BotApiSimulator() as sim:
        drivers = [Driver(sim.user(person, f"联络员{i}"), i + 1) for i, person in enumerate(people)]
        up, stop = asyncio.Event(), asyncio.Event()
        bot = start_bot(sim, url, log)
        up.set()
        tasks = [asyncio.create_task(d.run(sim, up, stop)) for d in drivers]
        try:
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(1.5, 4.5))
                os.kill(bot.pid, signal.SIGKILL)
                up.clear()
                bot.wait(timeout=10)
                bot = start_bot(sim, url, log)
                up.set()
            await asyncio.wait(tasks, timeout=40)
            unfinished = [sim._tail(d.user.id) for d in drivers if not d.told_saved][:3]
        finally:
            stop.set()
            up.set()
            for task in tasks:
                task.cancel()
            bot.send_signal(signal.SIGINT)
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()
    stored = reports_per_item(url)
    told = [d for d in drivers if d.told_saved]
    lost = [d.number for d in told if stored[d.number] == 0]
    doubled = sum(n - 1 for n in stored.values() if n > 1)
    print(f"kill dialogues: {KILLS} kills, {len(told)}/{CONTACTS} told saved, "
          f"{sum(d.already for d in drivers)} answered 'already saved', {sum(d.restarts for d in drivers)} restarts, "
          f"lost {len(lost)}, doubled {doubled}")
    assert len(told) == CONTACTS, "\n\n".join(unfinished) + log.read_text()[-3000:]
    assert lost == []
    assert doubled == 0
