"""Start-up and the command line: every failure is one line with what to do, exit status 2, never a
traceback, never the token; a Bot API that cannot be reached says a proxy may be needed; once the bot
has started, losing the Bot API is waited out."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from telegram.error import NetworkError

from bot import ops
from bot.cli import main
from bot.settings import Settings, SettingsError, env_file_encoding, load_settings
from bot.simulator import BotApiSimulator
from db import units
from db.engine import Database
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "putuo-2021-livelihood-100.xlsx"
TOKEN = "123456:SECRET-startup-token"
SECRET = TOKEN.split(":")[1]
ADMIN = 1001


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "BOT_TOKEN": TOKEN, "ADMIN_IDS": str(ADMIN), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "BOT_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot"}
    env.update(values)
    return {k: v for k, v in env.items() if v is not None}


def run_cli(tmp_path: Path, env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_one_line(result: subprocess.CompletedProcess, expected: str, *, status: int = 2) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert "Traceback" not in output and SECRET not in output and "Unclosed" not in output, output
    lines = result.stderr.strip().splitlines()
    # A .env read as GBK adds its one warning line; the failure itself is one line.
    assert len([line for line in lines if "is not UTF-8" not in line]) == 1, output
    assert lines[-1].startswith("progress-bot: ") and expected in lines[-1], output


# ---------------------------------------------------------------- `run` from outside


GBK_ENV = f"# 督查督办助手的设置（记事本另存为 ANSI）\nBOT_TOKEN={TOKEN}\nADMIN_IDS={ADMIN}\n".encode("gbk")


@pytest.mark.parametrize(("values", "env_file", "expected"), [
    ({"BOT_API_BASE_URL": "not a url"}, None, "setting BOT_API_BASE_URL is invalid: expected an http(s) URL"),
    ({"BOT_API_FILE_URL": "ftp://files"}, None, "setting BOT_API_FILE_URL is invalid"),
    ({"DATABASE_URL": "nonsense"}, None, "setting DATABASE_URL is invalid: not a database URL"),
    ({"DATABASE_URL": "postgresql+nodriver://u:p@localhost/x"}, None, "setting DATABASE_URL is invalid"),
    ({"DATABASE_URL": "sqlite:////nonexistent-folder/sub/bot.db"}, None,
     "the folder /nonexistent-folder/sub of the SQLite database does not exist: create it"),
    ({"DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:{port}/progress"}, None,
     "cannot use the database postgresql://bot:***@127.0.0.1"),
    ({"ADMIN_IDS": ""}, None, "ADMIN_IDS is empty: nobody could set the bot up"),
    ({"HTTPS_PROXY": "socks5://127.0.0.1:1080"}, None, "HTTPS_PROXY is a SOCKS proxy, which aiohttp cannot use"),
    # The GBK file is read: its token and admins count, and start-up goes as far as the Bot API.
    ({"BOT_TOKEN": None, "ADMIN_IDS": None}, GBK_ENV, "the Bot API at 127.0.0.1"),
    ({"BOT_TOKEN": None, "ADMIN_IDS": None}, b"\xef\xbb\xbf" + GBK_ENV.decode("gbk").encode(), "the Bot API at"),
    ({"BOT_TOKEN": None}, b"BOT_TOKEN=\x80\xff\xfe\n", "is neither UTF-8 nor GBK: save it as UTF-8"),
    ({"BOT_TOKEN": "123456:short"}, None, "setting BOT_TOKEN is invalid"),
])
def test_run_fails_in_one_line_without_the_token(tmp_path: Path, values: dict, env_file: bytes | None,
                                                 expected: str) -> None:
    values = {k: v.format(port=closed_port()) if v else v for k, v in values.items()}
    if env_file is not None:
        (tmp_path / ".env").write_bytes(env_file)
    result = run_cli(tmp_path, bot_env(tmp_path, **values), "run")
    assert_one_line(result, expected)
    assert "hunter2" not in result.stderr


def test_a_closed_port_gets_the_proxy_hint(tmp_path: Path) -> None:
    result = run_cli(tmp_path, bot_env(tmp_path), "run")
    assert_one_line(result, "cannot be reached")
    line = result.stderr.strip()
    assert "where Telegram is blocked the bot needs a proxy: set HTTPS_PROXY=http://host:port" in line
    assert "BOT_HTTP_CLIENT=httpx" in line and line.endswith("then run `progress-bot doctor`")


def test_a_silent_server_gets_the_proxy_hint(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = run_cli(tmp_path, bot_env(tmp_path, BOT_API_BASE_URL=f"http://127.0.0.1:{port}/bot"), "run")
    assert_one_line(result, f"the Bot API at 127.0.0.1:{port} cannot be reached (Timed out")
    assert "HTTPS_PROXY" in result.stderr


async def test_once_started_the_bot_waits_out_a_lost_bot_api(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    async with BotApiSimulator(TOKEN) as sim:
        admin = sim.user(ADMIN, "管理员")
        port = sim.port
        env = bot_env(tmp_path, BOT_API_BASE_URL=sim.base_url, BOT_API_FILE_URL=sim.base_file_url)
        bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            admin.send("/unit_add 区教育局")
            await admin.expect("已新增单位", timeout=30)
            await sim.stop()  # the network (or the proxy) goes away
            await asyncio.sleep(6)
            assert bot.poll() is None, log.read_text()
            await sim.start(port)
            admin.send("/unit_add 区民政局")
            await admin.expect("已新增单位", timeout=60)
        finally:
            bot.send_signal(signal.SIGINT)
            try:
                status = await asyncio.to_thread(bot.wait, 20)  # the simulator answers meanwhile
            except subprocess.TimeoutExpired:
                bot.kill()
                raise
    text = log.read_text()
    assert status == 0, text
    assert "Traceback" not in text and SECRET not in text and "Unclosed" not in text, text
    assert "cannot reach the Bot API" in text


# ---------------------------------------------------------------- each command's bad arguments


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """main() in this process, in a folder of its own, with a working set-up unless a test says otherwise."""
    monkeypatch.chdir(tmp_path)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "BOT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("BOT_API_BASE_URL", f"http://127.0.0.1:{closed_port()}/bot")
    upgrade(f"sqlite:///{tmp_path / 'bot.db'}")

    def call(*argv: str) -> int:
        try:
            return main(list(argv))
        except SystemExit as exit_:  # argparse's usage errors
            return int(exit_.code or 0)

    return call


@pytest.mark.parametrize(("argv", "setting", "expected"), [
    ((), None, "the following arguments are required: COMMAND"),
    (("launch",), None, "invalid choice: 'launch'"),
    (("run", "--polling"), None, "unrecognized arguments: --polling"),
    (("run",), ("ADMIN_IDS", " "), "ADMIN_IDS is empty"),
    (("run", "--webhook"), ("WEBHOOK_URL", "https://bot.example.gov.cn/hook"), "WEBHOOK_SECRET is missing"),
    (("demo", "--fast"), None, "unrecognized arguments: --fast"),
    (("demo",), ("BOT_LANGUAGE", "fr"), "setting BOT_LANGUAGE is invalid: Input should be 'zh' or 'en'"),
    (("migrate",), ("DATABASE_URL", "sqlite:////nonexistent-folder/bot.db"), "does not exist: create it"),
    (("migrate",), ("DATABASE_URL", "mysql://u@h/db"), "mysql is not supported"),
    (("export",), ("DATABASE_URL", "sqlite://"), "sqlite:// is a database in memory, gone when the command ends"),
    (("doctor",), ("DATABASE_URL", "nonsense"), "setting DATABASE_URL is invalid"),
    (("doctor", "now"), None, "unrecognized arguments: now"),
    (("backup", "/nonexistent-folder/dir/b.db"), None, "the folder /nonexistent-folder/dir does not exist"),
    (("backup", "a", "b"), None, "unrecognized arguments: b"),
    (("import",), None, "the following arguments are required: file"),
    (("import", "missing.xlsx"), None, "cannot read missing.xlsx: No such file or directory"),
    (("import", "."), None, "cannot read .: Is a directory"),
    (("import", "x.xlsx", "--force"), None, "unrecognized arguments: --force"),
    (("export", "--period", "明年"), None, "无法识别期间"),
    (("export", "-o", "/nonexistent-folder/t.xlsx"), None, "the folder /nonexistent-folder does not exist"),
    (("export", "--period"), None, "argument --period: expected one argument"),
    (("parse-date", "月底", "--today", "2021-02-30"), None, "'2021-02-30' is not a date: give YYYY-MM-DD"),
    (("parse-date", "月底", "--today", "tomorrow"), None, "is not a date"),
    (("parse-date",), None, "the following arguments are required: text"),
    (("run",), ("TIMEZONE", "Asia/Beijing"), "setting TIMEZONE is invalid"),
])
def test_each_command_refuses_bad_input_in_one_line(cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                     capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                                     setting: tuple[str, str] | None, expected: str) -> None:
    if setting is not None:
        monkeypatch.setenv(*setting)
    assert cli(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert err.startswith("progress-bot") and SECRET not in err


def test_import_without_a_terminal_writes_nothing_and_names_yes(cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                                capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115 - pytest closes it with the patch
    assert cli("import", str(FIXTURE)) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1:] == ["progress-bot: no answer to the confirmation (stdin is not a terminal): nothing "
                                "was written; pass --yes to import without asking"]
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    with db.session() as session:
        assert units.all_units(session) == []
    db.dispose()
    assert cli("import", str(FIXTURE), "--yes") == 0


def test_an_unexpected_error_is_one_line_with_the_token_masked(cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    def broken(text: str, now: object, calendar: object = None) -> None:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed\nsecond line")

    monkeypatch.setattr("bot.dates.parse_deadline", broken)
    assert cli("parse-date", "月底") == 2
    err = capsys.readouterr().err.strip()
    assert err == ("progress-bot: unexpected RuntimeError: POST https://api.telegram.org/bot123456:<redacted>/getMe "
                   "failed; `progress-bot --debug parse-date …` shows where (please report it)")


def test_backup_refusals_exit_2(cli, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bot.db").unlink()
    assert cli("backup") == 2
    assert "does not exist: nothing to back up" in capsys.readouterr().err
    upgrade(f"sqlite:///{tmp_path / 'bot.db'}")
    assert cli("backup", str(tmp_path)) == 2
    assert "already exists" in capsys.readouterr().err


# ---------------------------------------------------------------- settings and logs


def test_env_file_encodings(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    for data, encoding in ((b"A=1\n", "utf-8-sig"), ("# 设置\nA=1\n".encode("utf-8-sig"), "utf-8-sig"),
                           ("# 设置\nA=1\n".encode("gbk"), "gb18030"), ("A=1\n".encode("utf-16"), "utf-16")):
        env.write_bytes(data)
        assert env_file_encoding(env) == encoding
    assert env_file_encoding(tmp_path / "none") == "utf-8-sig"
    env.write_bytes("DATABASE_URL=sqlite:///进展.db\n".encode("gbk"))
    assert load_settings(_env_file=env).database_url == "sqlite:///进展.db"
    env.write_bytes(b"\x80\xff")
    with pytest.raises(SettingsError, match="save it as UTF-8"):
        load_settings(_env_file=env)


def test_proxies_from_env_reach_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None, https_proxy="http://127.0.0.1:7890", no_proxy="localhost")
    settings.export_proxies()
    assert os.environ["HTTPS_PROXY"] == "http://127.0.0.1:7890" and os.environ["NO_PROXY"] == "localhost"
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")  # the environment wins, as for every setting
    Settings(_env_file=None, https_proxy="http://127.0.0.1:7890").export_proxies()
    assert os.environ["HTTPS_PROXY"] == "http://10.0.0.1:3128"
    with pytest.raises(SettingsError, match="HTTPS_PROXY is invalid: expected a proxy URL"):
        load_settings(_env_file=None, https_proxy="127.0.0.1:7890")


def test_network_errors_are_logged_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(ops.NetworkErrorsInOneLine())  # as configure_logging does above DEBUG
    caplog.handler.addFilter(ops.RedactSecrets([TOKEN]))
    logger = logging.getLogger("test.startup.network")
    try:
        raise NetworkError(f"aiohttp.ClientConnectorError: bot{TOKEN}/getUpdates")
    except NetworkError:
        logger.exception("error while handling an update")
    first = caplog.text
    try:
        raise ValueError("a bug")
    except ValueError:
        logger.exception("error while handling an update")
    assert first.strip().endswith("error while handling an update: NetworkError: aiohttp.ClientConnectorError: "
                                  "bot123456:<redacted>/getUpdates")
    assert "Traceback" not in first and len(first.strip().splitlines()) == 1
    assert "Traceback" in caplog.text.removeprefix(first)  # a real bug keeps its traceback


async def test_a_webhook_port_in_use_is_one_line(tmp_path: Path) -> None:
    async with BotApiSimulator(TOKEN) as sim:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            env = bot_env(tmp_path, BOT_API_BASE_URL=sim.base_url, BOT_API_FILE_URL=sim.base_file_url,
                          WEBHOOK_URL="https://bot.example.gov.cn/hook", WEBHOOK_SECRET="s3cret",
                          WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
            bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", "--webhook",
                                                       cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(bot.communicate(), 60)  # the simulator answers meanwhile
    output = (out + err).decode()
    assert bot.returncode == 2, output
    assert "Traceback" not in output and SECRET not in output and "s3cret" not in output and "Unclosed" not in output
    assert err.decode().strip().splitlines()[-1] == (
        f"progress-bot: cannot listen on 127.0.0.1:{port} for the webhook: Address already in use; set "
        "WEBHOOK_LISTEN and WEBHOOK_PORT to a free local address, e.g. 127.0.0.1:8443")
