"""The supervisors' dashboard: a Telegram Mini App served by the bot's own process (see `server`).

`start_webapp(app)` / `stop_webapp(app)` run it beside the bot (from `post_init` / `post_shutdown`) when
WEBAPP_URL is set, and point the bot's menu button at it; `serve` runs it on any port (the demo, tests);
`demo_url` signs a test identity for a local server, so the dashboard can be looked at with no Telegram.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import Services
from bot.keyboards import dashboard_link
from bot.texts import t
from bot.webapp.auth import sign_init_data
from bot.webapp.server import TABLES, build_webapp, prefix_of

log = logging.getLogger(__name__)

_RUNNERS: dict[int, web.AppRunner] = {}  # one server per running Application
_IN_WEBHOOK: set[int] = set()  # Applications whose webhook server serves the dashboard (bot.webhook)


async def serve(app: Application, *, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
    """Start the dashboard for `app` on host:port (0: a free port, read from `runner.addresses`)."""
    runner = web.AppRunner(build_webapp(app), access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    runner.app[TABLES].warm()
    return runner


def webapp_button(services: Services, lang: str, view: str = "home", **params: object) -> WebAppInfo | None:
    """The WebAppInfo opening one view of the dashboard (None when WEBAPP_URL is unset)."""
    base = services.settings.webapp_url
    if not base:
        return None
    query = "&".join(f"{k}={quote(str(v))}" for k, v in {"v": view, **params}.items())
    return WebAppInfo(url=f"{base}?{query}")


def with_dashboard(markup: InlineKeyboardMarkup | None, services: Services, chat: Chat | None, lang: str,
                   view: str = "home", **params: object) -> InlineKeyboardMarkup | None:
    """`markup` with a last row opening the dashboard at `view` when WEBAPP_URL is set: a web_app button in
    a private chat, the Mini App's direct link elsewhere (Telegram accepts web_app buttons in private chats
    only); otherwise `markup` as it was."""
    info = webapp_button(services, lang, view, **params)
    if info is None or chat is None:
        return markup
    if chat.type == ChatType.PRIVATE:
        button = InlineKeyboardButton(t(lang, "wa.open_button"), web_app=info)
    else:
        link = dashboard_link(services.settings, services.bot_username, start_param(view, **params))
        if link is None:
            return markup
        button = InlineKeyboardButton(t(lang, "wa.open_button"), url=link)
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    return InlineKeyboardMarkup([*rows, [button]])


def start_param(view: str, **params: object) -> str:
    """The `startapp` of a direct link opening `view` (A-Z a-z 0-9 _ - only): "item-123" (the item's database
    id, which no other list's item shares), "unit-3" (a unit's id), "items"."""
    number = params.get("id")
    return f"{view}-{number}" if isinstance(number, int) and not isinstance(number, bool) else view


def served_by_webhook(app: Application) -> None:
    """In webhook mode the webhook's server serves the dashboard too: `start_webapp` starts no server of its
    own then, and `share_server` hands it the webhook's (called before `post_init`)."""
    _IN_WEBHOOK.add(id(app))


def share_server(app: Application, runner: web.AppRunner) -> None:
    """The webhook's server, which serves the dashboard when WEBAPP_URL is set (bot.webhook)."""
    _RUNNERS[id(app)] = runner
    if TABLES in runner.app:
        runner.app[TABLES].warm()
        log.info("dashboard on the webhook's server, %s:%s", *runner.addresses[0][:2])


async def start_webapp(app: Application) -> None:
    """Serve the dashboard beside the bot (in polling mode; the webhook's server serves it in webhook
    mode) and set the menu button to it, when WEBAPP_URL is set."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    if not settings.webapp_url:
        return
    if id(app) not in _IN_WEBHOOK:
        runner = await serve(app, host=settings.webapp_listen, port=settings.webapp_port)
        _RUNNERS[id(app)] = runner
        log.info("dashboard on %s:%s", *runner.addresses[0][:2])
    try:
        await app.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(
            text=t(settings.language, "wa.menu_button"), web_app=WebAppInfo(url=settings.webapp_url)))
    except TelegramError as error:
        log.warning("could not set the dashboard's menu button: %s", error)


async def stop_webapp(app: Application) -> None:
    runner = _RUNNERS.pop(id(app), None)
    if id(app) in _IN_WEBHOOK:
        _IN_WEBHOOK.discard(id(app))  # bot.webhook stops its own server
    elif runner is not None:
        await runner.cleanup()


def local_address(app: Application) -> str | None:
    """http://host:port/prefix/ of the dashboard `start_webapp` (or the webhook's server) runs for `app`."""
    runner = _RUNNERS.get(id(app))
    if runner is None or TABLES not in runner.app:
        return None
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}{prefix_of(app.bot_data['services'])}"


def demo_url(base: str, *, token: str, user_id: int, first_name: str = "演示用户", view: str = "home",
             language_code: str = "zh-hans", auth_date: int | None = None) -> str:
    """The dashboard at `base` (e.g. `local_address(app)`) opened as Telegram would for this user: the
    initData signed with `token` in the fragment, where Telegram puts it."""
    init_data = sign_init_data(token=token, user_id=user_id, first_name=first_name, language_code=language_code,
                               auth_date=auth_date)
    return f"{base}?v={quote(view)}#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"


async def serve_demo(app: Application, *, user_id: int, first_name: str = "演示用户", view: str = "home",
                     language_code: str = "zh-hans") -> tuple[web.AppRunner, str]:
    """The dashboard of `app` on a free local port, and the address that opens it as `user_id` (signed with
    the bot's token, as Telegram would): what `progress-bot demo` prints. Stop it with `runner.cleanup()`."""
    runner = await serve(app)
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}{prefix_of(app.bot_data['services'])}"
    return runner, demo_url(base, token=app.bot.token, user_id=user_id, first_name=first_name, view=view,
                            language_code=language_code)


__all__ = ["build_webapp", "demo_url", "local_address", "serve", "serve_demo", "served_by_webhook", "share_server",
           "start_webapp", "stop_webapp", "webapp_button", "with_dashboard"]
