"""Operations: doctor, backup, one bot per SQLite file, and no token in the logs."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot import ops
from bot.cli import main
from bot.ops import AlreadyRunning, BackupError, Mark, acquire_instance_lock, doctor
from bot.settings import Settings
from bot.simulator import BotApiSimulator
from db import bot_state, units
from db.engine import Database
from db.migrate import current_revision, head_revision, upgrade
from db.models import Unit
from jobs.rounds import DIGEST_CHAT_KEY
from tests import pg
from tests.conftest import GROUP_ID, World, make_settings

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-TOKEN"  # the simulator's
COVERED = date(2025, 6, 2)  # chinese_calendar knows 2025 and 2026


def marks(checks: list[ops.Check]) -> dict[str, Mark]:
    return {c.name: c.mark for c in checks}


# ---------------------------------------------------------------- doctor


async def test_doctor_passes_a_working_setup(sim: BotApiSimulator, db_url: str) -> None:
    sim.group(GROUP_ID, "督查组")
    checks = await doctor(make_settings(sim, db_url, digest_chat_id=GROUP_ID), today=COVERED)
    assert marks(checks) == {"token": Mark.OK, "database": Mark.OK, "digest chat": Mark.OK, "admins": Mark.OK,
                             "calendar 2025": Mark.OK, "calendar 2026": Mark.OK}
    text = "\n".join(map(str, checks))
    assert "✓ token: the bot is @progress_test_bot" in text and "督查组" in text
    assert f"at migration {head_revision()}" in text and TOKEN not in text


async def test_doctor_names_each_problem_and_its_fix(sim: BotApiSimulator, db_url: str) -> None:
    wrong = "123456:WRONG-TOKEN-abcdef"
    checks = await doctor(make_settings(sim, db_url, bot_token=wrong, digest_chat_id=GROUP_ID),
                          today=date(2099, 1, 1))
    assert marks(checks) == {"token": Mark.FAIL, "database": Mark.OK, "digest chat": Mark.SKIP, "admins": Mark.OK,
                             "calendar 2099": Mark.WARN, "calendar 2100": Mark.WARN}
    token = checks[0]
    assert "refused BOT_TOKEN" in token.detail and "@BotFather" in token.fix
    assert all(wrong not in str(c) for c in checks)
    assert "/holiday" in checks[-1].fix

    checks = await doctor(make_settings(sim, db_url, digest_chat_id=-100999), today=COVERED)
    chat = checks[2]
    assert chat.mark is Mark.FAIL and "-100999" in chat.detail and "/setgroup" in chat.fix


async def test_doctor_reads_the_chat_set_by_setgroup(sim: BotApiSimulator, db_url: str) -> None:
    sim.group(GROUP_ID, "督查组")
    db = Database(db_url)
    with db.session() as session:
        bot_state.set_setting(session, key=DIGEST_CHAT_KEY, value=str(GROUP_ID))
    db.dispose()
    checks = await doctor(make_settings(sim, db_url), today=COVERED)
    assert checks[2].mark is Mark.OK and "set by /setgroup" in checks[2].detail


async def test_doctor_on_databases_that_are_not_ready(sim: BotApiSimulator, tmp_path: Path) -> None:
    missing = await doctor(make_settings(sim, f"sqlite:///{tmp_path / 'none.db'}"), today=COVERED)
    assert missing[1].mark is Mark.WARN and "does not exist yet" in missing[1].detail
    assert not (tmp_path / "none.db").exists()  # looking did not create it

    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, "0001")
    behind = await doctor(make_settings(sim, old), today=COVERED)
    assert behind[1].mark is Mark.WARN and "behind" in behind[1].detail and "progress-bot migrate" in behind[1].fix

    unreachable = f"postgresql+psycopg://bot:hunter2@127.0.0.1:{_closed_port()}/progress"
    down = await doctor(make_settings(sim, unreachable), today=COVERED)
    assert down[1].mark is Mark.FAIL and "cannot connect" in down[1].detail
    assert "hunter2" not in str(down[1]) and "***" in down[1].detail


def test_doctor_command_exits_1_on_a_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("ADMIN_IDS", "1001")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✗ token: BOT_TOKEN is not set" in out and "1 problem(s) to fix," in out


async def test_doctor_names_a_missing_admin_and_an_unreachable_bot_api(sim: BotApiSimulator, db_url: str) -> None:
    settings = make_settings(sim, db_url, admin_ids=[], bot_api_base_url=f"http://127.0.0.1:{_closed_port()}/bot")
    checks = {c.name: c for c in await doctor(settings, today=COVERED)}
    assert checks["admins"].mark is Mark.FAIL and "ADMIN_IDS is empty" in checks["admins"].detail
    assert "@userinfobot" in checks["admins"].fix
    token = checks["token"]
    assert token.mark is Mark.FAIL and "the Bot API at 127.0.0.1:" in token.detail and "cannot be reached" in token.detail
    assert "HTTPS_PROXY=http://host:port" in token.fix


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- backup


async def test_backup_copies_the_live_database(world: World, tmp_path: Path) -> None:
    world.admin.send("/unit_add 区住建局\n区教育局")
    await world.admin.expect("已新增单位")
    settings = world.services.settings
    # The bot keeps writing while the copy is made.
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            with world.db.session() as session:
                session.add(Unit(name=f"写入中{n}"))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = ops.backup(settings, tmp_path / "copy.bak")
    finally:
        stop.set()
        writer.join()
    assert target.stat().st_size > 0
    if world.db.engine.dialect.name == "sqlite":
        assert not target.with_name("copy.bak.partial").exists()
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        restored_url = f"sqlite:///{target}"
    else:
        assert target.read_bytes()[:5] == b"PGDMP"
        restored_url = _pg_restore(settings.database_url, target)
    assert current_revision(restored_url) == head_revision()
    restored = Database(restored_url)
    with restored.session() as session:
        names = [u.name for u in units.all_units(session)]
    restored.dispose()
    assert names[:2] == ["区住建局", "区教育局"]
    with pytest.raises(BackupError, match="already exists"):
        ops.backup(settings, target)


def _pg_restore(url: str, dump: Path) -> str:
    server = pg.Server(make_url(url).set(database="postgres"))
    name = f"restored_{os.getpid()}"
    restored = server.create_database(name)
    args, env = ops.pg_dump_command(restored, dump, ops.pg_dump_binary() or "pg_dump")
    restore = [args[0].replace("pg_dump", "pg_restore"), "--no-owner", *[a for a in args[1:] if a.startswith(
        ("--host", "--port", "--username"))], f"--dbname={name}", str(dump)]
    subprocess.run(restore, env={**os.environ, **env}, check=True, capture_output=True)
    return restored


def test_backup_of_postgresql_without_pg_dump_gives_the_commands(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(ops, "pg_dump_binary", lambda: None)
    settings = make_settings_plain(database_url="postgresql://bot:hunter2@db.internal:5433/progress")
    with pytest.raises(BackupError) as refused:
        ops.backup(settings, tmp_path / "p.dump")
    message = str(refused.value)
    assert "pg_dump is not installed" in message
    assert "PGPASSWORD=... pg_dump --format=custom --no-owner" in message
    assert "--host=db.internal --port=5433 --username=bot progress" in message
    assert "pg_restore --clean" in message and "hunter2" not in message


def test_backup_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["backup"]) == 0
    written = capsys.readouterr().out
    assert written.startswith(f"backup written: {tmp_path / 'bot-backup-'}")
    assert main(["backup", str(tmp_path / "bot.db")]) == 2
    assert "already exists" in capsys.readouterr().err


def make_settings_plain(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


# ---------------------------------------------------------------- one bot per SQLite file


def test_a_second_bot_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    settings = make_settings_plain(database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    with acquire_instance_lock(settings) as first:
        assert first.held and first.path == tmp_path / "bot.db.lock"
        with pytest.raises(AlreadyRunning, match=rf"pid {os.getpid()}\) is already running on .*bot.db"):
            acquire_instance_lock(settings)
    with acquire_instance_lock(settings) as again:  # released on exit
        assert again.held
    other = make_settings_plain(database_url=f"sqlite:///{tmp_path / 'other.db'}")
    with acquire_instance_lock(settings), acquire_instance_lock(other):
        pass
    for shared in ("postgresql+psycopg://bot@db/progress", "sqlite://"):
        assert not acquire_instance_lock(make_settings_plain(database_url=shared)).held


def test_run_refuses_to_start_beside_a_running_bot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": "123456:ABCDEFGHIJKLMN",
           "ADMIN_IDS": "1001", "DATABASE_URL": url, "BOT_API_BASE_URL": f"http://127.0.0.1:{_closed_port()}/bot"}
    with acquire_instance_lock(make_settings_plain(database_url=url)):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, capture_output=True,
                                text=True, env=env, timeout=60)
    assert result.returncode == 3, result.stderr
    assert f"is already running on {tmp_path / 'bot.db'}: stop it first" in result.stderr
    assert "PostgreSQL" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- no token in the logs


def test_the_token_is_redacted_from_every_record() -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    logger = logging.getLogger("test.redaction")
    logger.propagate = False
    handler = Collect()
    logger.addHandler(handler)
    child = logging.getLogger("test.redaction.httpx")
    try:
        ops.redact_logs([TOKEN, "hook-secret"], logger)
        child.warning("HTTP Request: %s %s", "POST", f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage with hook-secret")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "TEST-TOKEN" not in text and "hook-secret" not in text
    assert "https://api.telegram.org/bot123456:<redacted>/getMe" in text
    assert "RuntimeError: failed https://api.telegram.org/bot123456:<redacted>/sendMessage with <redacted>" in text


async def test_the_running_bot_logs_no_token(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(ops.RedactSecrets([world.sim.token]))  # as configure_logging does on its handlers
    # The HTTP clients then log every request URL, token and all.
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="bot.transport")
    world.admin.send("/unit_add 区教育局")
    await world.admin.expect("已新增单位")
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)
    assert world.sim.token not in caplog.text
    assert f"bot{world.sim.token.split(':')[0]}:<redacted>/sendMessage" in caplog.text


def test_the_command_line_logging_redacts_the_token() -> None:
    script = ("import logging; from bot.cli import configure_logging; configure_logging(secrets=['123456:ABCDEFGHIJKLMN']); "
              "logging.getLogger('httpx').warning('HTTP Request: POST https://api.telegram.org/bot123456:ABCDEFGHIJKLMN/getMe')")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "bot123456:<redacted>/getMe" in result.stderr and "ABCDEFGHIJKLMN" not in result.stderr


def test_a_short_secret_is_masked_where_it_stands_alone_not_inside_words() -> None:
    line = "cannot use postgresql://u:p@127.0.0.1:1/x: port 1 failed; check that the server accepts this user (p)"
    assert ops.redact(line, ["p"]) == ("cannot use postgresql://u:<redacted>@127.0.0.1:1/x: port 1 failed; check that "
                                       "the server accepts this user (<redacted>)")
    assert ops.redact("pw=hunter2x; hunter2xy", ["hunter2x"]) == "pw=<redacted>; <redacted>y"  # long: anywhere
