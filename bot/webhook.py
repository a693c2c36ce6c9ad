"""Webhook mode: one aiohttp server receives Telegram's updates and serves the dashboard, on one port.

PTB's `run_webhook` runs a tornado server of its own, so the dashboard would need a second port behind the
proxy. This follows PTB's custom-webserver pattern (examples/customwebhookbot) instead: the webhook path
takes Telegram's POSTs, checks the secret Telegram sends back (`X-Telegram-Bot-Api-Secret-Token`), and puts
each update into `application.update_queue`; the dashboard's paths (WEBAPP_URL's) are served beside it.
The Application runs without its Updater fetching anything; `setWebhook` is called once the server listens.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application

from bot.settings import Webhook

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE = 1024 * 1024  # bytes; an update is a few KB, this refuses a flood without refusing Telegram


def receiver(ptb: Application, secret: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of the webhook path: 403 without the secret, 400 for a body that is not an update,
    200 once the update is queued (Telegram then sends the next one)."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_UPDATE:
            return web.Response(status=413, text="too large")
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_UPDATE:
                return web.Response(status=413, text="too large")
        try:
            data = json.loads(body)
            update = Update.de_json(data, ptb.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("the webhook received a body that is not an update; nothing was processed")
            return web.Response(status=400, text="not an update")
        await ptb.update_queue.put(update)
        return web.Response(status=200)

    return receive


def webhook_server(ptb: Application, hook: Webhook) -> web.Application:
    """The dashboard's application (when WEBAPP_URL is set; otherwise an empty one) with the webhook's path."""
    from bot.webapp import build_webapp

    services = ptb.bot_data["services"]
    server = build_webapp(ptb) if services.settings.webapp_url else web.Application()
    server.router.add_post("/" + hook.path, receiver(ptb, hook.secret))
    return server


async def set_webhook(ptb: Application, hook: Webhook, allowed_updates: list[str]) -> None:
    """setWebhook, retried with backoff while the Bot API cannot be reached (as `bootstrap_retries=-1`)."""
    delay = 1.0
    while True:
        try:
            await ptb.bot.set_webhook(url=hook.url, secret_token=hook.secret, allowed_updates=allowed_updates)
            return
        except NetworkError as error:  # TimedOut included; a refusal (BadRequest, InvalidToken) is raised
            log.warning("could not set the webhook (%s); retrying in %.0f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


@asynccontextmanager
async def serving(ptb: Application, hook: Webhook, allowed_updates: list[str]) -> AsyncIterator[web.AppRunner]:
    """The webhook's server listening on WEBHOOK_LISTEN:WEBHOOK_PORT, the dashboard in it, the webhook set.

    On leaving, the server stops and the webhook is left set: Telegram keeps updates until the bot is back."""
    from bot.webapp import share_server

    runner = web.AppRunner(webhook_server(ptb, hook), access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, hook.listen, hook.port).start()
        share_server(ptb, runner)
        await set_webhook(ptb, hook, allowed_updates)
        yield runner
    finally:
        await runner.cleanup()


async def run_until_stopped(ptb: Application, hook: Webhook) -> None:
    """`progress-bot run --webhook`: the bot and its one server until SIGINT or SIGTERM."""
    from bot.app import running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(ptb, webhook=hook):
        await stop.wait()
    log.info("stopped")
