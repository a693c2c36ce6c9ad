"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests and the offline demo.

The real python-telegram-bot ``Application`` talks to it over HTTP exactly as it talks to
api.telegram.org::

    async with BotApiSimulator() as sim:
        app = (ApplicationBuilder().token(sim.token)
               .base_url(sim.base_url).base_file_url(sim.base_file_url).build())
        ...                                   # add handlers, start polling
        li = sim.user(1001, "李四")
        li.send("/start")
        reply = await li.expect("欢迎")        # the bot's answer, plain text
        li.press(reply, "上报进展 #3")          # queues a callback_query
        print(sim.transcript())

The server follows https://core.telegram.org/bots/api: ``/bot<token>/<method>`` (method names are
case-insensitive), parameters as query string, urlencoded form (complex values JSON-encoded),
multipart form (uploads) or JSON body, answers ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}`` with Telegram's own error texts.  It is
deliberately strict where Telegram is strict (HTML entity parsing, text length,
callback_data size, "message is not modified", privacy mode in groups, ...) so that tests catch
what would break in production.

Test-side objects: :class:`SimUser` (a person who writes to the bot), :class:`SimChat` (a private
chat or a group, with everything said in it) and :class:`SimMessage`.  Everything runs in the
current asyncio event loop.  ``python -m bot.simulator --port 8081`` runs it standalone.

Modules: protocol (limits, errors), formatting (HTML, detected entities), media, state (the test-side
objects), methods (the Bot API methods), server (HTTP, updates, users' actions), __main__ (standalone).
"""

from bot.simulator.formatting import detect_entities, parse_html, utf16_len
from bot.simulator.media import make_png
from bot.simulator.protocol import ApiError
from bot.simulator.server import BotApiSimulator
from bot.simulator.state import ApiCall, SimChat, SimFile, SimMessage, SimUser

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiSimulator",
    "SimChat",
    "SimFile",
    "SimMessage",
    "SimUser",
    "detect_entities",
    "make_png",
    "parse_html",
    "utf16_len",
]
