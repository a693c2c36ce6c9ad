"""The outbox's pace: never more than the limit in a window as the server counts it, whatever the delays."""

from __future__ import annotations

import asyncio
import random

from jobs.pacing import Pacer

RATE, PER = 10, 0.2  # ten sends in any 0.2 s: the rule of 30 a second, five times faster


async def send_all(pacer: Pacer, delays: list[float]) -> list[tuple[float, float]]:
    """Each send holds its slot for its delay; returns (start, answer) times."""
    loop = asyncio.get_running_loop()
    times: list[tuple[float, float]] = []

    async def one(delay: float) -> None:
        async with pacer.slot():
            start = loop.time()
            await asyncio.sleep(delay)
        times.append((start, loop.time()))

    await asyncio.gather(*(one(d) for d in delays))
    return sorted(times)


def busiest_window(times: list[tuple[float, float]]) -> int:
    """The most sends a server could count in one window: a send is received somewhere between its
    start and its answer, so at worst at its start for the later ones and at its answer for earlier ones."""
    return max(sum(1 for s, e in times if s <= start and e > start - PER) for start, _ in times)


async def test_uneven_delays_never_put_more_than_the_limit_in_a_window() -> None:
    rng = random.Random(7)
    delays = [rng.choice([0.001, 0.005, 0.03, 0.08]) for _ in range(60)]
    times = await send_all(Pacer(RATE, per=PER), delays)
    assert busiest_window(times) <= RATE


async def test_a_failed_send_frees_its_place() -> None:
    pacer = Pacer(1, per=PER)

    async def fails() -> None:
        async with pacer.slot():
            raise ConnectionError

    try:
        await fails()
    except ConnectionError:
        pass
    await asyncio.wait_for(send_all(pacer, [0.0]), timeout=PER * 3)


async def test_replies_go_before_the_outbox_and_the_two_together_keep_to_the_limit() -> None:
    """An outbox of 40 sends queued at once and replies arriving meanwhile: each reply starts within one
    spacing of asking (it never waits behind the queued rows), and no window holds more than the limit."""
    pacer = Pacer(RATE, per=PER)
    loop = asyncio.get_running_loop()
    times: list[tuple[float, float]] = []
    waits: list[float] = []

    async def send(delay: float, *, urgent: bool) -> None:
        asked = loop.time()
        async with pacer.slot(urgent=urgent):
            start = loop.time()
            await asyncio.sleep(delay)
        times.append((start, loop.time()))
        if urgent:
            waits.append(start - asked)

    async def replies() -> None:
        for _ in range(8):
            await asyncio.sleep(PER / 3)
            await send(0.002, urgent=True)

    await asyncio.gather(*(send(0.002, urgent=False) for _ in range(40)), replies())
    assert busiest_window(sorted(times)) <= RATE
    assert max(waits) < PER / RATE * 2, waits
    # together they used the limit: 48 sends over the time they took, against RATE per PER
    span = max(e for _, e in times) - min(s for s, _ in times)
    assert 48 / span >= 0.8 * RATE / PER


async def test_a_request_inside_a_held_place_takes_no_other() -> None:
    pacer = Pacer(1, per=PER)
    async with pacer.slot():
        async with pacer.slot(urgent=True):  # the outbox's send passing through the bot's rate limiter
            pass
