"""The pace of the outbox: as close to Telegram's 30 messages a second as can be sent without a 429.

Telegram counts the messages it receives in each second; the bot only knows when a request left and
when its answer came back, and the server received it somewhere in between. Spacing sends by the
bot's own clock is therefore never quite safe: a request delayed on the way (a busy event loop, a
garbage collection, the network) arrives bunched with the next ones. The rule here is safe whatever
the delays: a send may start only a full second after the answer to the send `rate` places before it
came back. Between the two the server received that earlier one, so it never sees more than `rate`
sends in a second, and the cost is one round trip per second instead of a guessed margin.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Pacer:
    """At most `rate` sends in any second (`per` seconds) as the server counts them, evenly spaced."""

    SLACK = 0.002  # for the server's timer resolution

    def __init__(self, rate: float, per: float = 1.0) -> None:
        self.capacity = max(1, math.floor(rate))
        self.window = per + self.SLACK
        self.spacing = per / rate
        self._next = -math.inf  # earliest start by spacing
        self._answered: deque[float] = deque()  # when the answers of the last second came back
        self._in_flight = 0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a place for one request: waits until it may start, and counts it until a second after
        its answer (or its failure) came back."""
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(asyncio.get_running_loop().time())
            self._freed.set()

    async def _acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._answered and now - self._answered[0] >= self.window:
                    self._answered.popleft()
                ready = self._next
                if self._in_flight + len(self._answered) >= self.capacity:
                    # Full: wait for the oldest answer to age out, or for one in flight to come back.
                    ready = max(ready, self._answered[0] + self.window if self._answered else math.inf)
                if now >= ready:
                    break
                self._freed.clear()
                try:
                    await asyncio.wait_for(self._freed.wait(), None if ready == math.inf else ready - now)
                except TimeoutError:
                    pass
            # A timer fires a little late: keep to the grid so the lateness does not add up.
            self._next = (ready if now - ready < self.spacing else now) + self.spacing
            self._in_flight += 1
