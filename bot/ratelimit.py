"""The bot's rate limiter: every request to a chat takes a place from the one pacer (jobs.pacing) the
outbox uses, as an urgent one, so the replies to users and a round's reminders share Telegram's limit
and the replies never queue behind the round. Per-group limits (20 a minute) and the retries after a 429
stay PTB's (`AIORateLimiter`, its overall limit off: the pacer is the overall limit).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

from jobs.pacing import Pacer

JSONDict = dict[str, Any]


class SharedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter interface over the shared pacer; `rate_limit_args` is AIORateLimiter's (retries)."""

    def __init__(self, pacer: Pacer, *, max_retries: int = 3) -> None:
        self.pacer = pacer
        self._groups = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)

    async def initialize(self) -> None:
        await self._groups.initialize()

    async def shutdown(self) -> None:
        await self._groups.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if data.get("chat_id") is None:  # answerCallbackQuery, getMe …: not counted by Telegram either
            return await self._groups.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        async with self.pacer.slot(urgent=True):  # the outbox's own sends hold their place already
            return await self._groups.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
