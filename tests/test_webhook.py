"""Webhook mode: the simulator posts updates to the bot's one aiohttp server (bot.webhook), which wants the
secret on every request and serves the dashboard on the same port."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram.ext import Application

from bot.app import build_application, running
from bot.cli import main
from bot.clock import FakeClock
from bot.settings import Settings, SettingsError, Webhook, load_settings
from bot.simulator import BotApiSimulator
from bot.webapp import local_address
from bot.webapp.auth import HEADER, sign_init_data
from db import units as units_db
from db.engine import Database
from tests.conftest import ADMIN_ID, make_settings

SECRET = "k7_Qz-0123456789abcdefXYZ"
WEBAPP_URL = "https://bot.example.test/webapp/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def hooked(sim: BotApiSimulator, db_url: str, database: Database,
                 clock: FakeClock) -> AsyncIterator[tuple[Application, Webhook]]:
    port = free_port()
    settings = make_settings(sim, db_url, webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
                             webhook_port=port, webhook_secret=SECRET, webapp_url=WEBAPP_URL)
    hook = settings.require_webhook()
    app = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(app, webhook=hook):
        yield app, hook


def forged_update(text: str) -> dict[str, object]:
    """A well-formed update from the admin, as someone who learned the URL might post it."""
    sender = {"id": ADMIN_ID, "is_bot": False, "first_name": "王科长"}
    command = text.split()[0]
    return {"update_id": 900_001, "message": {
        "message_id": 9001, "date": int(time.time()), "chat": {"id": ADMIN_ID, "type": "private", "first_name": "王科长"},
        "from": sender, "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
    }}


def unit_names(database: Database) -> list[str]:
    with database.session() as session:
        return [u.name for u in units_db.all_units(session)]


async def test_updates_arrive_by_webhook_and_the_bot_answers(
        hooked: tuple[Application, Webhook], sim: BotApiSimulator, database: Database) -> None:
    _, hook = hooked
    assert sim.webhook_url == f"http://127.0.0.1:{hook.port}/telegram/hook"
    assert [c.params.get("secret_token") for c in sim.calls_of("setWebhook")] == [SECRET]
    admin = sim.user(ADMIN_ID, "王科长")
    admin.send("/unit_add 区教育局")
    await admin.expect("已新增单位")
    assert unit_names(database) == ["区教育局"]
    assert sim.calls_of("getUpdates") == []


async def test_the_dashboard_is_served_on_the_webhooks_port(
        hooked: tuple[Application, Webhook], sim: BotApiSimulator, database: Database) -> None:
    app, hook = hooked
    assert local_address(app) == f"http://127.0.0.1:{hook.port}/webapp/"  # no server on WEBAPP_PORT
    assert sim.menu_buttons[None]["web_app"]["url"] == WEBAPP_URL
    admin = sim.user(ADMIN_ID, "王科长")
    admin.send("/unit_add 区教育局")  # an update through the webhook path ...
    await admin.expect("已新增单位")
    signed = {HEADER: sign_init_data(token=sim.token, user_id=ADMIN_ID, first_name="王科长")}
    async with aiohttp.ClientSession() as http:  # ... and the dashboard's pages, on the same port
        async with http.get(local_address(app)) as shell:
            assert shell.status == 200 and "app.js" in await shell.text()
        async with http.get(local_address(app) + "api/units", headers=signed) as units:
            assert units.status == 200
        async with http.get(local_address(app) + "api/items", headers={HEADER: "hash=forged"}) as forged:
            assert forged.status == 401
        # The webhook's path takes no GET, and the dashboard's paths take no update.
        async with http.get(hook.url) as wrong:
            assert wrong.status == 405
        async with http.post(local_address(app) + "api/items", json=forged_update("/unit_add 伪造单位"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as wrong:
            assert wrong.status == 405
        async with http.post(hook.url, data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as bad:
            assert bad.status == 400
    assert unit_names(database) == ["区教育局"]


async def test_without_webapp_url_the_webhook_server_serves_updates_only(
        sim: BotApiSimulator, db_url: str, database: Database, clock: FakeClock) -> None:
    port = free_port()
    settings = make_settings(sim, db_url, webhook_url=f"http://127.0.0.1:{port}/hook", webhook_port=port,
                             webhook_secret=SECRET)
    app = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(app, webhook=settings.require_webhook()):
        assert local_address(app) is None and None not in sim.menu_buttons
        admin = sim.user(ADMIN_ID, "王科长")
        admin.send("/unit_add 区教育局")
        await admin.expect("已新增单位")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/api/items") as page:
            assert page.status == 404


async def test_requests_without_the_secret_are_refused_and_change_nothing(
        hooked: tuple[Application, Webhook], sim: BotApiSimulator, database: Database) -> None:
    _, hook = hooked
    admin = sim.user(ADMIN_ID, "王科长")
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}):
            async with http.post(hook.url, json=forged_update("/unit_add 伪造单位"), headers=headers) as response:
                assert response.status == 403, headers
        await admin.expect_none(within=0.5)
        assert unit_names(database) == []
        # The same body with the secret goes through: the refusals above were the secret's doing.
        async with http.post(hook.url, json=forged_update("/unit_add 真实单位"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
            assert response.status == 200
    await admin.expect("已新增单位")
    assert unit_names(database) == ["真实单位"]


def test_webhook_settings_are_checked() -> None:
    base = {"_env_file": None, "bot_token": "123456:ABCDEFGHIJKLMN"}
    hook = Settings(**base, webhook_url="https://bot.example.gov.cn/telegram/", webhook_secret="a-B_9").require_webhook()
    assert (hook.path, hook.listen, hook.port, hook.secret) == ("telegram", "127.0.0.1", 8443, "a-B_9")
    assert "a-B_9" not in repr(hook)
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is missing"):
        Settings(**base, webhook_url="https://bot.example.gov.cn/hook").require_webhook()
    with pytest.raises(SettingsError, match="WEBHOOK_URL is missing"):
        Settings(**base, webhook_secret="abc").require_webhook()
    for secret in ("has space", "ünïcode", "x" * 257):
        with pytest.raises(SettingsError, match="WEBHOOK_SECRET is invalid: must be 1-256 characters"):
            load_settings(**base, webhook_secret=secret)
    assert load_settings(**base, webhook_secret="x" * 256).webhook_secret is not None
    with pytest.raises(SettingsError, match="WEBHOOK_URL is invalid"):
        load_settings(**base, webhook_url="bot.example.gov.cn/hook")
    with pytest.raises(SettingsError, match="WEBHOOK_PORT is invalid"):
        load_settings(**base, webhook_port=70000)


def test_run_webhook_without_a_secret_stops_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEFGHIJKLMN")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.gov.cn/hook")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["run", "--webhook"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "progress-bot: WEBHOOK_SECRET is missing: webhook mode needs a secret (1-256 of A-Z a-z 0-9 _ -), "
        "e.g. from `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"]
    assert not (tmp_path / "bot.db").exists()  # stopped before touching anything
