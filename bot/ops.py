"""Operations: `doctor` checks, database backups, one process per SQLite file, secrets kept out of logs.

The CLI (`progress-bot doctor`, `backup`, `run`) calls these; each returns what it found and
prints nothing itself, so the tests read the same results an operator sees.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError

from bot.settings import ADMINS_MISSING, Settings
from bot.transport import bot_requests
from db.engine import normalize_url

try:  # POSIX; elsewhere the instance lock is not available and is skipped
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

PROXY_HINT = ("where Telegram is blocked the bot needs a proxy: set HTTPS_PROXY=http://host:port in .env or the "
              "environment (a SOCKS proxy: BOT_HTTP_CLIENT=httpx and pip install 'httpx[socks]'); "
              "otherwise check the network and BOT_API_BASE_URL")
PROXY_DOWN_HINT = ("check that the proxy in HTTPS_PROXY / HTTP_PROXY runs and reaches Telegram (a SOCKS proxy: "
                   "BOT_HTTP_CLIENT=httpx and pip install 'httpx[socks]'), and NO_PROXY")


class OperationError(Exception):
    """Something the operator must fix before the command can go on. The message is one line saying
    what is wrong and what to do; the CLI prints it and exits with status 2."""


def first_line(error: BaseException) -> str:
    """The first line of an error's own text (a driver's, not SQLAlchemy's wrapping), or its type."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


# ---------------------------------------------------------------- secrets out of the logs


# A secret this short (a database password "p") would be found inside ordinary words ("port", "accepts"):
# it is replaced only where it stands alone, between characters that cannot be part of it.
_SHORT = 8


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret replaced; a bot token keeps its public bot id, for debugging."""
    for secret in secrets:
        if secret and secret in text:
            bot_id, colon, _ = secret.partition(":")
            mask = f"{bot_id}:<redacted>" if colon and bot_id.isdigit() else "<redacted>"
            if len(secret) >= _SHORT:
                text = text.replace(secret, mask)
            else:
                text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", lambda _m, m=mask: m, text)
    return text


class RedactSecrets(logging.Filter):
    """Replaces the bot token (and other secrets) in every record a handler writes, tracebacks included.

    httpx logs each request URL, and a Bot API URL carries the token; so can an exception's text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def add(self, *secrets: str | None) -> None:
        """Mask these too (a secret learnt once the settings are read)."""
        self.secrets += [s for s in secrets if s and s not in self.secrets]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class NetworkErrorsInOneLine(logging.Filter):
    """While the Bot API cannot be reached (the network or the proxy is down, PTB retrying), each
    record says so in one line instead of a traceback per retry; put on handlers above DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError):
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {error}", None
            record.exc_info, record.exc_text = None, None
        return True


def redact_logs(secrets: Iterable[str], logger: logging.Logger | None = None) -> RedactSecrets:
    """Put the filter on every handler of `logger` (the root logger by default), where every
    propagated record passes; a filter on a logger would miss its children's records."""
    redactor = RedactSecrets(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redactor)
    return redactor


# ---------------------------------------------------------------- one bot process per SQLite database


class AlreadyRunning(OperationError):
    """Another bot process holds the database; the message says which and what to do."""


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve()


def sqlite_folder_exists(database_url: str) -> Path | None:
    """The SQLite file, after checking its folder exists (SQLite creates the file, not the folder);
    None for other databases."""
    path = _sqlite_path(database_url)
    if path is not None and not path.parent.is_dir():
        raise OperationError(f"the folder {path.parent} of the SQLite database does not exist: create it, or set "
                             "DATABASE_URL to a file in an existing folder")
    return path


def open_database(database_url: str) -> None:
    """Bring the database up to date (Alembic), or OperationError in one line saying why it cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.migrate import current_revision, head_revision, known_revision, upgrade

    if sqlite_folder_exists(database_url) is None and make_url(normalize_url(database_url)).get_backend_name() == "sqlite":
        raise OperationError(f"{database_url} is a database in memory, gone when the command ends: give DATABASE_URL a "
                             "file, e.g. sqlite:///progress_bot.db")
    try:
        current = current_revision(database_url)
        if current is not None and not known_revision(current):
            raise OperationError(f"{shown_url(database_url)} is at migration {current}, unknown to this version "
                                 f"(head {head_revision()}): a newer progress-bot migrated it; install that version")
        upgrade(database_url)
    except SQLAlchemyError as error:
        raise OperationError(database_unusable(database_url, error)) from None


def database_unusable(database_url: str, error: BaseException) -> str:
    fix = ("check that DATABASE_URL names the bot's SQLite file, one this user may read and write"
           if _sqlite_path(database_url) else "check DATABASE_URL, and that the server runs and accepts this user")
    return f"cannot use the database {shown_url(database_url)}: {first_line(error)}; {fix}"


class InstanceLock:
    """An exclusive lock on `<database>.lock`, held while the bot runs; the OS drops it when the
    process ends, however it ends, so a crash never leaves a stale lock behind."""

    def __init__(self, path: Path | None = None, fd: int | None = None) -> None:
        self.path, self._fd = path, fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def acquire_instance_lock(settings: Settings) -> InstanceLock:
    """Refuse a second bot on the same SQLite file (both would send every reminder).

    PostgreSQL needs no such lock: replicas share it and claim work with row locks."""
    path = sqlite_folder_exists(settings.database_url)
    if path is None or fcntl is None:
        return InstanceLock()
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OperationError(f"cannot write {lock_path}: {exc.strerror}; the bot needs to write in its "
                             "database's folder") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise AlreadyRunning(
            f"another progress-bot{who} is already running on {path}: stop it first. "
            "A SQLite database serves one bot process; to run several, use PostgreSQL "
            "(DATABASE_URL=postgresql+psycopg://...)."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return InstanceLock(lock_path, fd)


# ---------------------------------------------------------------- doctor


class Mark(StrEnum):
    OK = "✓"
    WARN = "⚠"
    FAIL = "✗"
    SKIP = "–"


@dataclass(frozen=True)
class Check:
    name: str
    mark: Mark
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{self.mark} {self.name}: {self.detail}"
        return f"{line}\n    → {self.fix}" if self.fix else line


def shown_url(database_url: str) -> str:
    """The database URL without its password."""
    return make_url(database_url).render_as_string(hide_password=True)


async def doctor(settings: Settings, *, today: date | None = None) -> list[Check]:
    """Check the token, the admins, the database, the digest chat and the calendar; never raises."""
    today = today or datetime.now(settings.tz).date()
    secrets = [settings.bot_token.get_secret_value().strip()] if settings.bot_token else []
    database, stored_chat = _check_database(settings)
    chat_id = stored_chat if stored_chat is not None else settings.digest_chat_id
    from_database = stored_chat is not None
    if settings.bot_token is None:
        token = Check("token", Mark.FAIL, "BOT_TOKEN is not set",
                      "create a bot with @BotFather and put its token in .env as BOT_TOKEN")
        checks = [token, database, await _check_digest_chat(None, chat_id, from_database=from_database)]
    else:
        async with _probe_bot(settings, secrets[0]) as bot:
            token = await _check_token(bot, settings)
            working = bot if token.mark is Mark.OK else None
            checks = [token, database, await _check_digest_chat(working, chat_id, from_database=from_database)]
    checks += [_check_admins(settings), *_check_calendar(today)]
    return [Check(c.name, c.mark, redact(c.detail, secrets), redact(c.fix, secrets)) for c in checks]


async def check_bot_api(settings: Settings, token: str) -> str:
    """The bot's username, once getMe has answered; OperationError in one line (the proxy hint when the
    Bot API cannot be reached, the token masked) otherwise."""
    async with _probe_bot(settings, token) as bot:
        check = await _check_token(bot, settings)
    if check.mark is Mark.FAIL:
        hint = "; then run `progress-bot doctor`" if check.fix in (PROXY_HINT, PROXY_DOWN_HINT) else ""
        raise OperationError(redact(f"{check.detail}: {check.fix}{hint}", [token]))
    return bot.username


@asynccontextmanager
async def _probe_bot(settings: Settings, token: str) -> AsyncIterator[Bot]:
    """A Bot on the bot's own HTTP client (proxy and all), whose connections are closed on leaving
    even when getMe failed (Bot.shutdown closes nothing then: no "Unclosed client session")."""
    requests = bot_requests(settings.bot_http_client, timeout=10)
    try:
        yield Bot(token, base_url=settings.bot_api_base_url, base_file_url=settings.bot_api_file_url,
                  request=requests[0], get_updates_request=requests[1])
    finally:
        for request in requests:
            await request.shutdown()


def api_host(settings: Settings) -> str:
    return urlsplit(settings.bot_api_base_url).netloc.rpartition("@")[2]


async def _check_token(bot: Bot, settings: Settings) -> Check:
    server = settings.bot_api_base_url
    try:
        await bot.initialize()  # getMe
    except InvalidToken:
        return Check("token", Mark.FAIL, f"{server} refused BOT_TOKEN",
                     "copy the token again from @BotFather (/mybots → API Token); it changes when revoked")
    except NetworkError as error:
        proxied = _proxied(settings)
        return Check("token", Mark.FAIL, f"the Bot API at {api_host(settings)} cannot be reached"
                     f"{' through the proxy' if proxied else ''} ({error})", PROXY_DOWN_HINT if proxied else PROXY_HINT)
    except TelegramError as error:
        return Check("token", Mark.FAIL, f"getMe failed: {error}", "check BOT_TOKEN and BOT_API_BASE_URL")
    return Check("token", Mark.OK, f"the bot is @{bot.username} ({bot.first_name}) on {server}")


def _proxied(settings: Settings) -> bool:
    scheme = urlsplit(settings.bot_api_base_url).scheme
    return any(os.environ.get(name) for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "ALL_PROXY"))


def _check_admins(settings: Settings) -> Check:
    if not settings.admin_ids:
        detail, _, fix = ADMINS_MISSING.partition("; ")
        return Check("admins", Mark.FAIL, f"{detail}; `progress-bot run` refuses to start", fix)
    ids = ", ".join(map(str, settings.admin_ids))
    return Check("admins", Mark.OK, f"{len(settings.admin_ids)} admin(s) by numeric id: {ids}")


def _check_database(settings: Settings) -> tuple[Check, int | None]:
    """The database check, and the digest chat stored by /setgroup when the database can tell."""
    from db.migrate import current_revision, head_revision, known_revision

    url = settings.database_url
    sqlite_file = _sqlite_path(url)
    head = head_revision()
    if sqlite_file is not None and not sqlite_file.parent.is_dir():
        return Check("database", Mark.FAIL, f"the folder {sqlite_file.parent} does not exist",
                     "create it, or set DATABASE_URL to a file in an existing folder"), None
    if sqlite_file is not None and not sqlite_file.exists():
        return Check("database", Mark.WARN, f"{sqlite_file} does not exist yet",
                     "`progress-bot migrate` creates it (so does the first `progress-bot run`)"), None
    try:
        current = current_revision(url)
    except Exception as error:  # any driver error: the operator needs its text, not a traceback
        return Check("database", Mark.FAIL, f"cannot connect to {shown_url(url)}: {first_line(error)}",
                     "check DATABASE_URL, that the server runs and accepts this user"), None
    if current is None:
        return Check("database", Mark.WARN, f"{shown_url(url)} is empty (no migrations applied)",
                     "`progress-bot migrate` creates the tables (so does the first `progress-bot run`)"), None
    if current != head and not known_revision(current):
        return Check("database", Mark.FAIL, f"at migration {current}, unknown to this version (head {head})",
                     "the database was migrated by a newer progress-bot: install that version"), None
    if current != head:
        return Check("database", Mark.WARN, f"at migration {current}, behind {head}",
                     "`progress-bot migrate` upgrades it (so does the next `progress-bot run`)"), None
    return Check("database", Mark.OK, f"{shown_url(url)} at migration {head} (up to date)"), _stored_digest_chat(url)


def _stored_digest_chat(url: str) -> int | None:
    from db import bot_state
    from db.engine import Database
    from jobs.rounds import DIGEST_CHAT_KEY

    db = Database(url)
    try:
        with db.session() as session:
            stored = bot_state.get_setting(session, key=DIGEST_CHAT_KEY)
    finally:
        db.dispose()
    return int(stored) if stored else None


async def _check_digest_chat(bot: Bot | None, chat_id: int | None, *, from_database: bool) -> Check:
    if chat_id is None:
        return Check("digest chat", Mark.WARN, "none set: the weekly digest goes nowhere",
                     "add the bot to the supervisors' group and send /setgroup there, or set DIGEST_CHAT_ID")
    source = "set by /setgroup" if from_database else "DIGEST_CHAT_ID"
    if bot is None:
        return Check("digest chat", Mark.SKIP, f"{chat_id} ({source}) not checked: the token does not work")
    try:
        chat = await bot.get_chat(chat_id)
    except (BadRequest, Forbidden) as error:
        return Check("digest chat", Mark.FAIL, f"the bot cannot reach chat {chat_id} ({source}): {error}",
                     "add the bot to the supervisors' group, then send /setgroup there")
    except TelegramError as error:
        return Check("digest chat", Mark.FAIL, f"getChat {chat_id} failed: {error}", "try again later")
    return Check("digest chat", Mark.OK, f"{chat.title or chat.full_name} ({chat.type}, {chat_id}, {source})")


def _check_calendar(today: date) -> list[Check]:
    """chinese_calendar knows each year's holidays and adjusted workdays only from the release after
    the State Council publishes them (usually in November); without them reminders fall on holidays."""
    import chinese_calendar

    try:
        from importlib.metadata import version

        release = f"chinese_calendar {version('chinese_calendar')}"
    except Exception:
        release = "chinese_calendar"
    checks = []
    for year, when in ((today.year, "this year"), (today.year + 1, "next year")):
        try:
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            checks.append(Check(f"calendar {year}", Mark.WARN,
                                f"{release} does not know {when}'s holidays: Monday–Friday is assumed",
                                "`pip install -U chinese-calendar` once the holidays are published; until then "
                                "admins can mark days with /holiday"))
        else:
            checks.append(Check(f"calendar {year}", Mark.OK, f"{release} knows {when}'s holidays"))
    return checks


# ---------------------------------------------------------------- backup


class BackupError(OperationError):
    """The backup could not be written; the message says why and what to do."""


def default_backup_path(settings: Settings, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path = _sqlite_path(settings.database_url)
    if path is not None:
        return path.with_name(f"{path.stem}-backup-{stamp}{path.suffix or '.db'}")
    name = make_url(normalize_url(settings.database_url)).database or "progress_bot"
    return Path(f"{name}-{stamp}.dump")


def backup_sqlite(database_url: str, target: Path) -> Path:
    """A consistent copy of a live SQLite database through SQLite's online backup API.

    The copy is one read transaction: in WAL mode the running bot keeps writing meanwhile, and
    the copy is the database as it was when the backup began. Written beside the target, then
    renamed, so a crash never leaves half a backup under the target's name."""
    source = _sqlite_path(database_url)
    if source is None:
        raise BackupError(f"{shown_url(database_url)} is not a SQLite file")
    if not source.exists():
        raise BackupError(f"{source} does not exist: nothing to back up")
    _check_target(target)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                # One self-contained file (no -wal beside it); the bot turns WAL on again when it opens it.
                dst.execute("PRAGMA journal_mode=DELETE")
                verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot copy {source} to {target}: {first_line(error)}") from None
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its check ({verdict}); the database itself may be damaged")
    os.replace(partial, target)
    return target


def _check_target(target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} already exists: choose another file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it, or choose another file")


def pg_dump_binary() -> str | None:
    found = shutil.which("pg_dump")
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), key=lambda p: p.parent.parent.name)
    return str(versions[-1]) if versions else None


def pg_dump_command(database_url: str, target: Path, binary: str = "pg_dump") -> tuple[list[str], dict[str, str]]:
    """pg_dump's arguments and environment for this URL; the password goes in PGPASSWORD, never argv."""
    url: URL = make_url(normalize_url(database_url))
    args = [binary, "--format=custom", "--no-owner", f"--file={target}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append(url.database or "postgres")
    env = {"PGPASSWORD": str(url.password)} if url.password else {}
    return args, env


def pg_dump_guidance(database_url: str, target: Path) -> str:
    args, env = pg_dump_command(database_url, target)
    password = "PGPASSWORD=... " if env else ""
    dump = " ".join(args)
    restore_args = [a for a in args[1:] if a.startswith(("--host", "--port", "--username"))]
    restore = " ".join(["pg_restore", "--clean", "--if-exists", "--no-owner", *restore_args,
                        f"--dbname={args[-1]}", str(target)])
    return (f"back up a PostgreSQL database with pg_dump (from the postgresql-client package):\n"
            f"    {password}{dump}\n"
            f"and restore it with:\n"
            f"    {password}{restore}")


def backup_postgres(database_url: str, target: Path) -> Path:
    """Run pg_dump (custom format); BackupError with the guidance when it is missing or fails."""
    binary = pg_dump_binary()
    if binary is None:
        raise BackupError("pg_dump is not installed here; " + pg_dump_guidance(database_url, target))
    _check_target(target)
    args, env = pg_dump_command(database_url, target, binary)
    done = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        reason = done.stderr.strip().splitlines()[0] if done.stderr.strip() else f"exit {done.returncode}"
        raise BackupError(f"pg_dump failed: {reason}\n" + pg_dump_guidance(database_url, target))
    return target


def backup(settings: Settings, target: Path | None = None, *, now: datetime | None = None) -> Path:
    """Back up the configured database; returns the file written."""
    target = target or default_backup_path(settings, now or datetime.now(settings.tz))
    if _sqlite_path(settings.database_url) is not None:
        return backup_sqlite(settings.database_url, target)
    if make_url(normalize_url(settings.database_url)).get_backend_name() == "postgresql":
        return backup_postgres(settings.database_url, target)
    raise BackupError(f"cannot back up {shown_url(settings.database_url)}: only SQLite files and PostgreSQL")


def describe_size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.0f} KiB" if size < 1 << 20 else f"{size / (1 << 20):.1f} MiB"

