"""Assemble the Application: services in bot_data, one registry of handlers, the scheduled jobs."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from time import monotonic

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import NetworkError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.context import BotContext, Services
from bot.persistence import DatabasePersistence
from bot.ratelimit import SharedRateLimiter
from bot.settings import Settings, Webhook
from bot.transport import bot_requests
from bot.updates import PerUserUpdates
from bot.webapp import served_by_webhook, start_webapp, stop_webapp
from db.engine import Database
from handlers.registry import register_handlers, set_command_menus
from jobs.pacing import Pacer
from jobs.rounds import digest_chat_id
from jobs.schedule import schedule_jobs

log = logging.getLogger(__name__)

# The updates the bot asks for (polling and webhook alike): what its handlers answer.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    rate_limit: bool = True,
    request_timeout: float | None = None,
) -> Application:
    """The bot, ready for `run_polling` or `async with app: await app.start()`.

    The database must already be migrated (`db.migrate.upgrade`)."""
    services = Services(
        settings=settings,
        db=db or Database(settings.database_url),
        clock=clock or SystemClock(settings.tz),
    )
    builder = (
        ApplicationBuilder()
        .token(token or settings.require_token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .persistence(DatabasePersistence(services.db, live_bot_data={"services": services}))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # Users side by side, each user's updates in order (bot.updates): a long /import preview or
        # /remind holds only its own user's updates, not everyone's.
        .concurrent_updates(PerUserUpdates())
    )
    if rate_limit:
        # Telegram's 30 a second overall, or more when SEND_RATE_PER_SECOND says the bot may send more
        # (paid broadcasts); one pace for the outbox and the replies, the replies first (jobs.pacing).
        overall = max(30.0, settings.send_rate_per_second)
        services.pacer = Pacer(overall, outbox_rate=settings.send_rate_per_second)
        builder = builder.rate_limiter(SharedRateLimiter(services.pacer, max_retries=3))
    request, get_updates_request = bot_requests(settings.bot_http_client, request_timeout)
    builder = builder.request(request).get_updates_request(get_updates_request)
    app = builder.build()
    app.bot_data["services"] = services
    app.add_error_handler(PollingOutage())  # before the registry's error handler, which it may stop
    register_handlers(app, services)
    return app


class PollingOutage:
    """getUpdates failing while the Bot API cannot be reached (the network or the proxy down). PTB
    retries with backoff (up to 30 s) and hands each failure to the error handlers; this logs one
    warning line a minute instead, and stops the general handler's traceback and admin alert per
    retry (which could not be sent anyway)."""

    def __init__(self) -> None:
        self._logged = -math.inf

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update is None and isinstance(context.error, NetworkError):
            if monotonic() - self._logged >= 60:
                self._logged = monotonic()
                log.warning("cannot reach the Bot API (%s: %s); retrying until it answers",
                            type(context.error).__name__, context.error)
            raise ApplicationHandlerStop


async def _post_init(app: Application) -> None:
    services: Services = app.bot_data["services"]
    services.bot_username = app.bot.username
    chat_id = digest_chat_id(services)
    if chat_id is not None:
        services.digest_chat_filter.add_chat_ids(chat_id)
    await set_command_menus(app, services)
    schedule_jobs(app)
    await start_webapp(app)  # the dashboard (Mini App), when WEBAPP_URL is set
    log.info("bot @%s ready", app.bot.username)


async def _post_shutdown(app: Application) -> None:
    await stop_webapp(app)
    app.bot_data["services"].db.dispose()


# How long a worker thread (an import's write, a ranking) may hold the interpreter before the event loop's
# thread gets it back: Python's default, 5 ms, is paid at every await that touches the database, so a /status
# waited ~400 ms (p95) behind a 20,000-row import; at 0.5 ms, 229 ms, and the import took no longer
# (bench_busy, PostgreSQL, README).
GIL_SWITCH_SECONDS = 0.0005


@asynccontextmanager
async def running(app: Application, *, poll_interval: float = 0.0, timeout: int = 10,
                  webhook: Webhook | None = None) -> AsyncIterator[Application]:
    """Run the bot inside an existing event loop, in the order `run_polling` / `run_webhook` use
    (initialize, post_init, polling or the webhook server, start), and stop it cleanly; for `run`,
    tests and the demo. In webhook mode one aiohttp server takes the updates and serves the dashboard
    (bot.webhook)."""
    from bot.webhook import serving

    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    if webhook is not None:
        served_by_webhook(app)
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        async with AsyncExitStack() as server:
            if webhook is None:
                await app.updater.start_polling(poll_interval=poll_interval, timeout=timeout,
                                                allowed_updates=ALLOWED_UPDATES)
                server.push_async_callback(app.updater.stop)
            else:
                await server.enter_async_context(serving(app, webhook, ALLOWED_UPDATES))
            await app.start()
            try:
                yield app
            finally:
                await server.aclose()  # no more updates come in; those queued are handled by stop()
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
