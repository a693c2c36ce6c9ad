"""Two bot processes in webhook mode share one PostgreSQL: a round to 1,000 contacts reaches every
contact once, within Telegram's 30 messages a second. Both run the scheduler, both write the round and
both try to drain the outbox; the sender's lease lets one send at a time."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from bot.simulator import BotApiSimulator
from tests import pg
from tests.factories import SHANGHAI, office_with_contacts

CONTACTS = 1000
ROOT = Path(__file__).resolve().parents[1]
SECRET = "replica-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_replica(sim: BotApiSimulator, url: str, public_port: int, port: int, log: Path) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(log.parent),
        "BOT_TOKEN": sim.token, "BOT_API_BASE_URL": sim.base_url, "BOT_API_FILE_URL": sim.base_file_url,
        "DATABASE_URL": url, "ADMIN_IDS": "1001", "REMINDER_TIME": "00:00", "DIGEST_TIME": "23:59",
        "QUIET_START": "00:00", "QUIET_END": "00:00",
        # Both replicas stand behind one public address (a load balancer); Telegram posts to it.
        "WEBHOOK_URL": f"http://127.0.0.1:{public_port}/hook", "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
    }
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--webhook"], cwd=log.parent, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def received(sim: BotApiSimulator, people: list[int]) -> Counter:
    return Counter({p: sum(1 for m in sim.chat(p).bot_messages() if m.text and "督办提醒" in m.text)
                    for p in people})


async def test_two_replicas_send_each_reminder_once(postgres: pg.Server, tmp_path: Path) -> None:
    with postgres.database() as url:
        people = office_with_contacts(url, datetime.now(SHANGHAI).date(), CONTACTS)
        async with BotApiSimulator() as sim:
            for person in people:
                sim.user(person, f"联络员{person}")
            sim.rate_limit_per_second = 30  # Telegram's limit, for the two replicas together
            port_a, port_b = free_port(), free_port()
            replicas = [start_replica(sim, url, port_a, port_a, tmp_path / "a.log"),
                        start_replica(sim, url, port_a, port_b, tmp_path / "b.log")]
            try:
                deadline = asyncio.get_running_loop().time() + 120
                while not all(received(sim, people).values()):
                    assert all(r.poll() is None for r in replicas), (tmp_path / "a.log").read_text()[-2000:]
                    assert asyncio.get_running_loop().time() < deadline, "the round did not finish"
                    await asyncio.sleep(0.2)
                await asyncio.sleep(2)  # a second send of anything would show up now
                counts = received(sim, people)
                senders = Counter(c.params.get("chat_id") for c in sim.calls
                                  if c.method == "sendMessage" and c.status == 200)
            finally:
                for replica in replicas:
                    replica.send_signal(signal.SIGINT)
                for replica in replicas:
                    try:
                        replica.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        replica.kill()
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(f"replicas: {len(people)} contacts, lost {sum(1 for n in counts.values() if n == 0)}, "
          f"duplicated {duplicated}, sends {sum(senders.values())}, 429s {sim.too_many_requests}")
    assert set(counts.values()) == {1}
    assert sim.too_many_requests == 0  # one sender at a time (the lease): one pace, not two
