"""The aiohttp transport (bot.transport) carries the Bot API calls as PTB's own httpx transport does:
form and multipart bodies, UTF-8 file names, long polls, timeouts, failures and proxies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.simulator import BotApiSimulator
from bot.transport import AiohttpRequest, _tls_context
from tests.conftest import World, make_settings


@pytest.fixture(params=["aiohttp", "httpx"])
async def bot(request: pytest.FixtureRequest, sim: BotApiSimulator) -> AsyncIterator[Bot]:
    transport = AiohttpRequest() if request.param == "aiohttp" else HTTPXRequest()
    async with Bot(sim.token, base_url=sim.base_url, base_file_url=sim.base_file_url, request=transport) as bot:
        yield bot


async def test_calls_carry_text_markup_and_uploads_alike(bot: Bot, sim: BotApiSimulator) -> None:
    user = sim.user(4242, "李四")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("★ 推进良好 & \"好\"", callback_data="s:good")]])
    sent = await bot.send_message(user.id, "完成40% <b>加粗</b>", parse_mode="HTML", reply_markup=markup)
    assert sent.text == "完成40% 加粗"
    assert user.chat.messages[-1].reply_markup["inline_keyboard"][0][0]["text"] == "★ 推进良好 & \"好\""

    document = await bot.send_document(user.id, "表格内容".encode(), filename="进展情况表-2021-07.xlsx",
                                       caption="共 100 项")
    assert document.document.file_name == "进展情况表-2021-07.xlsx"  # UTF-8, not percent-encoded
    assert sim.file_bytes(document.document.file_id) == "表格内容".encode()
    assert user.chat.messages[-1].caption == "共 100 项"

    edited = await bot.edit_message_text("改为 50%", chat_id=user.id, message_id=sent.message_id)
    assert edited.text == "改为 50%"
    assert user.chat.messages[0].edited


async def test_a_long_poll_waits_past_the_read_timeout(sim: BotApiSimulator) -> None:
    # PTB adds getUpdates' own timeout to the read timeout; a 0.2 s read timeout must not cut a 1 s poll.
    async with Bot(sim.token, base_url=sim.base_url, request=AiohttpRequest(),
                   get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=0.2)) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await bot.get_updates(timeout=1) == ()
        assert loop.time() - started >= 0.9


async def serve(handler) -> tuple[asyncio.AbstractServer, int]:  # noqa: ANN001 - a stream callback
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return head.decode("latin-1"), await reader.readexactly(length)


def answer(result: object) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_a_silent_server_times_out_and_a_closed_port_is_a_network_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)
        writer.close()

    server, port = await serve(silent)
    async with server, AiohttpRequest(read_timeout=0.2) as transport:
        with pytest.raises(TimedOut):
            await transport.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    async with AiohttpRequest() as transport:
        with pytest.raises(NetworkError):
            await transport.post(f"http://127.0.0.1:{port}/bot1:x/getMe")  # the server is gone


async def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, body = await read_request(reader)
        seen.append(head.split("\r\n")[0])
        writer.write(answer({"proxied": body.decode()}))
        await writer.drain()
        writer.close()

    server, port = await serve(proxy)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "localhost")
    async with server, AiohttpRequest() as transport:
        result = await transport.post("http://api.example.org/bot1:x/sendMessage")
        assert result == {"proxied": ""}
        assert seen == ["POST http://api.example.org/bot1:x/sendMessage HTTP/1.1"]  # the proxy's absolute form
        with pytest.raises(NetworkError):  # localhost is not proxied: it goes straight to a closed port
            await transport.post("http://localhost:9/bot1:x/getMe")
    assert len(seen) == 1


@pytest.mark.parametrize("client, transport", [("aiohttp", AiohttpRequest), ("httpx", HTTPXRequest)])
def test_the_setting_chooses_the_client(client: str, transport: type, sim: BotApiSimulator, db_url: str) -> None:
    app = build_application(make_settings(sim, db_url, bot_http_client=client), request_timeout=7)
    for request in app.bot._request:  # noqa: SLF001 - (getUpdates', the calls') as PTB keeps them
        assert isinstance(request, transport)
        assert request.read_timeout == 7


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"bot_http_client": "httpx"}


async def test_the_bot_works_on_httpx_too(world: World) -> None:
    assert isinstance(world.app.bot.request, HTTPXRequest)
    world.admin.send("/unit_add 区教育局")
    await world.admin.expect("已新增单位")


def test_tls_trusts_the_system_and_certifi() -> None:
    import certifi

    context = _tls_context()
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname
    # Every authority in certifi's bundle is trusted, whatever the machine has installed.
    assert context.cert_store_stats()["x509_ca"] >= Path(certifi.where()).read_text().count("BEGIN CERTIFICATE")
