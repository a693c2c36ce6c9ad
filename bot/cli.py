"""The `progress-bot` command: run the bot, the offline demo, migrations, import and export, date parsing."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import threading
from collections.abc import Sequence
from datetime import date, datetime, time
from time import monotonic
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from sqlalchemy.engine import make_url

from bot.ops import NetworkErrorsInOneLine, RedactSecrets, redact
from bot.settings import Settings, SettingsError, invalid_setting, load_settings
from db.engine import normalize_url

if TYPE_CHECKING:
    from jobs.workdays import WorkCalendar

log = logging.getLogger("progress_bot")


# Masks the bot token (and the other secrets, once the settings are read) in every log record and in
# the one line a failure prints; set up by configure_logging.
REDACTOR = RedactSecrets([])


def configure_logging(level: int = logging.INFO, *, secrets: Sequence[str] = ()) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    REDACTOR.add(*secrets)
    for handler in logging.getLogger().handlers:
        if level > logging.DEBUG and not any(isinstance(f, NetworkErrorsInOneLine) for f in handler.filters):
            handler.addFilter(NetworkErrorsInOneLine())  # first: the line it writes is then masked too
        if REDACTOR not in handler.filters:
            # Should any record still carry a secret (an exception's text, a debug level), it is masked.
            handler.addFilter(REDACTOR)


def load(**overrides: object) -> Settings:
    """The settings, their secrets added to those the logs and failures mask."""
    settings = load_settings(**overrides)
    password = make_url(normalize_url(settings.database_url)).password
    REDACTOR.add(settings.bot_token.get_secret_value().strip() if settings.bot_token else None,
                 settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
                 str(password) if password else None)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate the database, check the Bot API answers, then run the bot with long polling (or a
    webhook server) until stopped."""
    import asyncio

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.ops import OperationError, acquire_instance_lock, api_host, check_bot_api, open_database

    settings = load()
    token = settings.require_token()
    hook = settings.require_webhook() if args.webhook else None
    settings.require_admins()
    settings.export_proxies()
    with acquire_instance_lock(settings):
        open_database(settings.database_url)
        # Once, with a client of its own: a Bot API that cannot be reached (Telegram blocked, no proxy)
        # is one line. After that PTB retries start-up and polling with backoff (bootstrap_retries=-1;
        # bot.app.PollingOutage logs it).
        username = asyncio.run(check_bot_api(settings, token))
        log.info("the Bot API at %s answers: the bot is @%s", api_host(settings), username)
        log_stray_errors()
        app = build_application(settings, token=token)
        if hook is None:
            app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
        else:
            # One aiohttp server (bot.webhook) for the updates and the dashboard: it calls setWebhook,
            # refuses requests without the secret (403) and deletes nothing on stop, so Telegram keeps
            # updates queued until the bot is back.
            from bot.webhook import run_until_stopped

            try:
                asyncio.run(run_until_stopped(app, hook))
            except OSError as exc:  # the server's bind (asyncio's message names the address again: the errno's)
                reason = os.strerror(exc.errno) if exc.errno else exc.strerror
                raise OperationError(f"cannot listen on {hook.listen}:{hook.port} for the webhook: {reason}; "
                                     "set WEBHOOK_LISTEN and WEBHOOK_PORT to a free local address, e.g. "
                                     "127.0.0.1:8443") from None
    return 0


def log_stray_errors() -> None:
    """What would go to stderr past the logging (warnings, a thread's uncaught error, an error while
    collecting garbage) goes through it instead, so the filters mask secrets there too."""
    logging.captureWarnings(True)

    def thread_error(hook: threading.ExceptHookArgs) -> None:
        if hook.exc_type is not SystemExit:
            name = hook.thread.name if hook.thread else "?"
            log.error("uncaught error in thread %s", name, exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback))

    def unraisable(hook: sys.UnraisableHookArgs) -> None:
        log.debug("ignored %s in %r", hook.exc_type.__name__, hook.object,
                  exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback) if hook.exc_value else None)

    threading.excepthook = thread_error
    sys.unraisablehook = unraisable


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.ops import open_database, shown_url

    settings = load()
    open_database(settings.database_url)
    print(f"database is up to date: {shown_url(settings.database_url)}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the token, the database, the digest chat and the calendar; say what to fix."""
    import asyncio

    from bot.ops import Mark, doctor

    settings = load()
    settings.export_proxies()
    checks = asyncio.run(doctor(settings))
    for check in checks:
        print(check)
    failed = sum(c.mark is Mark.FAIL for c in checks)
    warned = sum(c.mark is Mark.WARN for c in checks)
    print(f"{failed} problem(s) to fix, {warned} warning(s)" if failed else
          f"ready to run, {warned} warning(s)" if warned else "ready to run")
    return 1 if failed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database (SQLite online backup, or pg_dump for PostgreSQL)."""
    from pathlib import Path

    from bot.ops import backup, describe_size

    written = backup(load(), Path(args.file) if args.file else None)
    print(f"backup written: {written} ({describe_size(written)})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from bot.demo import run_demo

    return asyncio.run(run_demo())


SPINNER = "|/-\\"


class ProgressBar:
    """Long work shown on stderr: a bar driven by a count, or a ticking clock while there is none.

    On a terminal the line redraws itself, at most ten times a second. Elsewhere (CI, a log file)
    nothing is drawn while the work runs, and one closing line says what was done and how long it took.
    """

    def __init__(self, label: str, total: int | None = None, *, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        self.start = self._drawn = monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> ProgressBar:
        self.start = monotonic()
        if self.live:
            self._ticker = threading.Thread(target=self._tick, name="progress-bar", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        count = f" {self.done}/{self.total}" if self.total else ""
        # Work that failed leaves no line of its own: the failure's one line says it all.
        line = "" if exc_type else f"{self.label}:{count} {monotonic() - self.start:.1f} s\n"
        with self._lock:
            self.stream.write(("\r\x1b[K" if self.live else "") + line)
            self.stream.flush()

    def update(self, done: int, total: int | None = None) -> None:
        """Count `done` of `total` (or of the total given before)."""
        self.done = done
        self.total = total if total is not None else self.total
        if self.live and monotonic() - self._drawn >= 0.1:
            self._draw()

    def render(self, columns: int) -> str:
        """The line as it stands: label, bar, percent, count and seconds, within `columns`."""
        elapsed = monotonic() - self.start
        if not self.total:
            return f"{self.label} {SPINNER[int(elapsed * 8) % len(SPINNER)]} {elapsed:.1f} s"
        share = min(1.0, self.done / self.total)
        tail = f" {share:4.0%} {self.done}/{self.total} {elapsed:.1f} s"
        width = max(10, min(40, columns - len(self.label) - len(tail) - 4))
        filled = int(width * share)
        return f"{self.label} [{'#' * filled}{'-' * (width - filled)}]{tail}"

    def _draw(self) -> None:
        with self._lock:
            self._drawn = monotonic()
            columns = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r\x1b[K" + self.render(columns)[: columns - 1])
            self.stream.flush()

    def _tick(self) -> None:
        """Keep the clock moving while the work itself reports nothing (openpyxl reading a file)."""
        while not self._stop.wait(0.2):
            self._draw()


def cmd_import(args: argparse.Namespace) -> int:
    """Preview an import of the office's task table, then write it on confirmation."""
    from pathlib import Path

    from bot.ops import OperationError, open_database
    from bot.preview import import_done, import_preview
    from bot.tables import TableError, read_table
    from bot.texts import t
    from db.engine import Database
    from db.imports import ListGone, apply_import, plan_import

    settings = load()
    lang = settings.language
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"progress-bot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    now = datetime.now(settings.tz)
    try:
        with ProgressBar(f"reading {path.name}"):
            table = read_table(data, path.name, now=now, calendar=stored_calendar(settings.database_url)[0])
    except TableError as error:
        raise OperationError(plain(t(lang, f"import.error.{error.code}"))) from None
    open_database(settings.database_url)
    db = Database(settings.database_url)
    with db.session() as session:
        table.target = _import_target(session, args, lang)
        plan = plan_import(session, table=table)
    print(plain(import_preview(lang, path.name, table, plan)))
    if not plan.writes and not plan.new_units:
        return 0
    if not args.yes and confirm("[y/N] ") not in {"y", "yes", "是", "确认"}:
        print(plain(t(lang, "cancelled")))
        return 1
    try:
        with ProgressBar("writing items", len(table.items)) as bar, db.session() as session:
            result = apply_import(session, table=table, now=now, on_item=bar.update,
                                  report_cycle=settings.report_cycle)
    except ListGone:
        raise OperationError(plain(t(lang, "import.list_gone"))) from None
    print(plain(import_done(lang, result)))
    return 0


def _import_target(session: Any, args: argparse.Namespace, lang: str) -> Any:
    """The list `--list CODE` or `--new-list NAME --year Y` names; None: the one the table's title proposes
    (for an export: the main list)."""
    from bot.ops import OperationError
    from bot.texts import t
    from db import names
    from db.imports import existing_list, new_list

    if args.list is not None:
        found = existing_list(session, code=args.list)
        if found is None:
            raise OperationError(plain(t(lang, "import.cli_no_list", code=args.list)))
        return found
    if args.new_list is not None:
        if args.year is None:
            raise OperationError(plain(t(lang, "import.cli_year")))
        try:
            return new_list(args.new_list, args.year)
        except names.BadText as error:
            raise OperationError(plain(t(lang, "add.too_long", max=error.limit) if error.reason == "too_long"
                                       else t(lang, "names.empty"))) from None
    return None


def confirm(prompt: str) -> str:
    """The answer typed (or piped) on stdin; OperationError when nobody can answer (no terminal, /dev/null)."""
    from bot.ops import OperationError

    try:
        return input(prompt).strip().lower()
    except (EOFError, RuntimeError, OSError):
        raise OperationError("no answer to the confirmation (stdin is not a terminal): nothing was written; "
                             "pass --yes to import without asking") from None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the progress table (进展情况表) of a month as .xlsx."""
    from pathlib import Path

    from bot.export import parse_period, progress_rows, write_progress_table
    from bot.ops import OperationError, open_database
    from bot.texts import t
    from db.engine import Database

    settings = load()
    lang = settings.language
    today = datetime.now(settings.tz).date()
    period = parse_period(args.period or "", today)
    if period is None:
        raise OperationError(plain(t(lang, "export.bad_period", text=args.period)))
    path = Path(args.output or t(lang, "export.filename", period=period))
    if not path.parent.is_dir():
        raise OperationError(f"the folder {path.parent} does not exist: create it, or choose another file with -o")
    open_database(settings.database_url)
    db = Database(settings.database_url)
    with ProgressBar("reading items"), db.session() as session:
        target = _import_target(session, argparse.Namespace(list=args.list, new_list=None), lang)
        rows = progress_rows(session, today=today, period=period, lang=lang, margin=settings.slow_margin,
                             tz=settings.tz, list_id=target.list_id if target is not None else None)
    with ProgressBar("writing rows", len(rows)) as bar:
        data = write_progress_table(rows, lang=lang, period=period, on_row=bar.update)
    try:
        path.write_bytes(data)
    except OSError as exc:
        print(f"progress-bot: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(plain(t(lang, "export.saved", count=len(rows), path=path)))
    return 0


def plain(html_text: str) -> str:
    """A message's HTML as terminal text."""
    import html
    import re

    return html.unescape(re.sub(r"</?\w+[^>]*>", "", html_text))


def cmd_parse_date(args: argparse.Namespace) -> int:
    """Show how a deadline is understood (the same parser as /add and /edit)."""
    from bot.dates import format_date, parse_deadline

    settings = load()
    today = args.today or datetime.now(settings.tz).date()
    now = datetime.combine(today, time(9, 0), settings.tz)
    text = " ".join(args.text)
    calendar, source = stored_calendar(settings.database_url)
    parsed = parse_deadline(text, now, calendar)
    if parsed is None:
        print(f"{text!r}: not understood (no date guessed)")
        return 1
    print(f"{text!r} → {parsed.isoformat()} ({format_date(parsed, settings.language)})")
    print(f"working days: {source}")
    return 0


def stored_calendar(database_url: str) -> tuple[WorkCalendar, str]:
    """The office's working days, the bot's own: the /holiday overrides stored in the configured database
    over the official calendar; the official calendar alone when there is no database yet (or not the
    bot's). Only reads: never creates or migrates a database. With where it came from, in words."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from bot.ops import OperationError, _sqlite_path, database_unusable, shown_url
    from db import calendar as calendar_db
    from db.engine import Database
    from db.models import CalendarOverride
    from jobs.workdays import WorkCalendar

    path = _sqlite_path(database_url)
    if path is not None and not path.is_file():
        return WorkCalendar(), f"the official calendar (no database at {path})"
    db = Database(database_url)
    try:
        if not inspect(db.engine).has_table(CalendarOverride.__tablename__):
            return WorkCalendar(), f"the official calendar ({shown_url(database_url)} has no bot tables)"
        with db.session() as session:
            overrides = calendar_db.calendar_overrides(session)
    except SQLAlchemyError as error:
        raise OperationError(database_unusable(database_url, error)) from None
    finally:
        db.dispose()
    return WorkCalendar(overrides), f"the office's calendar, {len(overrides)} /holiday override(s) from {shown_url(database_url)}"


def iso_date(text: str) -> date:
    """An argument that must be a calendar date (for argparse, which turns the error into one line)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give YYYY-MM-DD, e.g. 2021-07-20") from None


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors are one line naming the mistake and where the help is (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="progress-bot", description="Supervision bot for an office's key tasks.",
                  epilog="Exit status: 0 done, 1 a problem found (doctor), a cancelled import or a date not "
                         "understood, 2 something to fix (the line printed says what), 3 already running.")
    root.add_argument("--debug", action="store_true", help="log at DEBUG and show where an unexpected error arose")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (long polling); settings from the environment and .env")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates through a webhook server (WEBHOOK_URL, WEBHOOK_SECRET, ...)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("demo", help="run the whole loop offline against a local Bot API simulator").set_defaults(
        func=cmd_demo)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("doctor", help="check the token, admins, database, digest chat and calendar").set_defaults(
        func=cmd_doctor)
    bak = sub.add_parser("backup", help="write a consistent copy of the database, even while the bot runs")
    bak.add_argument("file", nargs="?", help="where to write it (default: beside the database, dated)")
    bak.set_defaults(func=cmd_backup)
    imp = sub.add_parser("import", help="import the office's task table (.xlsx, .xls, .ods, .docx or .csv), after a preview")
    imp.add_argument("file")
    imp.add_argument("-y", "--yes", action="store_true", help="import without asking (needed without a terminal)")
    into = imp.add_mutually_exclusive_group()
    into.add_argument("--list", metavar="CODE", help="into this existing list (its code, e.g. 民生, or its name)")
    into.add_argument("--new-list", metavar="NAME", help="into a new list of this name (with --year)")
    imp.add_argument("--year", type=int, choices=range(2000, 2100), metavar="YEAR",
                     help="the new list's year (考核年度)")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="write the progress table (进展情况表) of a month as .xlsx")
    exp.add_argument("--period", help="the month: 2021-07, 7月 (default: this month)")
    exp.add_argument("-o", "--output", help="where to write it (default: 进展情况表-YYYY-MM.xlsx here)")
    exp.add_argument("--list", metavar="CODE", help="the list (its code, e.g. 民生, or its name; default: the main one)")
    exp.set_defaults(func=cmd_export)
    parse = sub.add_parser("parse-date", help="show how a deadline text is understood")
    parse.add_argument("text", nargs="+")
    parse.add_argument("--today", type=iso_date, help="pretend today is this date (YYYY-MM-DD)")
    parse.set_defaults(func=cmd_parse_date)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run a command. Whatever goes wrong ends in one line on stderr saying what and what to do, the
    secrets masked, and an exit status (2: something to fix), never a traceback (unless --debug)."""
    args = parser().parse_args(argv)
    configure_logging(logging.DEBUG if args.debug else logging.INFO, secrets=[os.environ.get("BOT_TOKEN", "").strip()])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the guard every command's failure ends in
        if args.debug:
            log.error("%s failed", args.command, exc_info=exc)
        status, line = failure(exc, args.command)
        print(f"progress-bot: {redact(line, REDACTOR.secrets)}", file=sys.stderr)
        return status


def failure(exc: Exception, command: str) -> tuple[int, str]:
    """The exit status and the one line for a command's failure."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError
    from telegram.error import TelegramError

    from bot.ops import AlreadyRunning, OperationError, first_line

    if isinstance(exc, AlreadyRunning):
        return 3, str(exc)
    if isinstance(exc, SettingsError | OperationError):
        return 2, str(exc)
    if isinstance(exc, ValidationError):  # settings built elsewhere than load_settings (the demo's)
        return 2, invalid_setting(exc)
    if isinstance(exc, SQLAlchemyError):
        return 2, f"database error: {first_line(exc)}; check DATABASE_URL, and that the server runs"
    if isinstance(exc, TelegramError):
        return 2, f"the Bot API failed: {type(exc).__name__}: {exc}; run `progress-bot doctor`"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return 2, f"{command}: {where}{exc.strerror or first_line(exc)} ({type(exc).__name__})"
    return 2, (f"unexpected {type(exc).__name__}: {first_line(exc)}; `progress-bot --debug {command} …` shows "
               "where (please report it)")


if __name__ == "__main__":
    sys.exit(main())
