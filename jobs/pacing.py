"""The pace of everything the bot sends: as close to Telegram's 30 messages a second as can be sent
without a 429, with the interactive replies first.

Telegram counts the messages it receives in each second; the bot only knows when a request left and
when its answer came back, and the server received it somewhere in between. Spacing sends by the
bot's own clock is therefore never quite safe: a request delayed on the way (a busy event loop, a
garbage collection, the network) arrives bunched with the next ones. The rule here is safe whatever
the delays: a send may start only a full second after the answer to the send `rate` places before it
came back. Between the two the server received that earlier one, so it never sees more than `rate`
sends in a second, and the cost is one round trip per second instead of a guessed margin.

One pacer counts the outbox (a round, a digest) and the replies to users alike, because Telegram counts
them together. A reply is urgent: it never queues behind the outbox's rows, it takes the next place that
frees (the outbox yields while one waits), and while replies are coming the outbox leaves one place of
the second free for the next, so a reply rarely waits at all. Without replies the outbox has the whole
limit; with them the two together still fill it.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

# Set while a task holds a place: a request made inside it (the outbox's send through the bot's rate
# limiter) is already counted.
_HOLDING: ContextVar[bool] = ContextVar("holding_a_place", default=False)


class Pacer:
    """At most `rate` sends in any second (`per` seconds) as the server counts them; urgent ones (replies)
    first, the outbox's evenly spaced at `outbox_rate` (a gentler SEND_RATE_PER_SECOND, when lower)."""

    SLACK = 0.002  # for the server's timer resolution

    def __init__(self, rate: float, per: float = 1.0, *, outbox_rate: float | None = None) -> None:
        outbox_rate = min(rate, outbox_rate or rate)
        self.capacity = max(1, math.floor(rate))
        self.window = per + self.SLACK
        self.spacing = per / outbox_rate
        self._next = -math.inf  # earliest start by spacing
        self._answered: deque[float] = deque()  # when the answers of the last second came back
        self._in_flight = 0
        self._urgent_waiting = 0
        self._last_urgent = -math.inf
        self._lock = asyncio.Lock()  # the outbox's sends queue here, one at a time
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold a place for one request: waits until it may start, and counts it until a second after
        its answer (or its failure) came back. Inside a place already held, takes none."""
        if _HOLDING.get():
            yield
            return
        await (self._acquire_urgent() if urgent else self._acquire())
        token = _HOLDING.set(True)
        try:
            yield
        finally:
            _HOLDING.reset(token)
            self._in_flight -= 1
            self._answered.append(asyncio.get_running_loop().time())
            self._freed.set()

    def _used(self, now: float) -> int:
        while self._answered and now - self._answered[0] >= self.window:
            self._answered.popleft()
        return self._in_flight + len(self._answered)

    def _aged_out(self) -> float:
        """When the oldest counted answer stops counting (infinity when none: one in flight frees first)."""
        return self._answered[0] + self.window if self._answered else math.inf

    async def _wait_freed(self, until: float, now: float) -> None:
        # clear and wait with no suspension in between, so no release is missed
        self._freed.clear()
        try:
            async with asyncio.timeout(None if until == math.inf else until - now):
                await self._freed.wait()
        except TimeoutError:
            pass

    async def _acquire_urgent(self) -> None:
        loop = asyncio.get_running_loop()
        self._urgent_waiting += 1
        try:
            while True:
                now = loop.time()
                if self._used(now) < self.capacity:
                    break
                await self._wait_freed(self._aged_out(), now)
        finally:
            self._urgent_waiting -= 1
        self._in_flight += 1
        self._last_urgent = now

    async def _acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                replying = now - self._last_urgent < self.window
                room = self.capacity - self._urgent_waiting - (1 if replying and self.capacity > 1 else 0)
                ready = self._next
                if self._used(now) >= room:
                    # Full: wait for the oldest answer to age out, or for one in flight to come back.
                    ready = max(ready, self._aged_out())
                if now >= ready:
                    break
                await self._wait_freed(ready, now)
            # A timer fires a little late: keep to the grid so the lateness does not add up.
            self._next = (ready if now - ready < self.spacing else now) + self.spacing
            self._in_flight += 1
