"""The `progress-bot` command: run the bot, the offline demo, migrations, import and export, date parsing."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import threading
from collections.abc import Sequence
from datetime import date, datetime, time
from time import monotonic
from typing import TextIO

from bot.settings import SettingsError, load_settings


def configure_logging(level: int = logging.INFO, *, secrets: Sequence[str] = ()) -> None:
    from bot.ops import redact_logs

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # And should any record still carry a secret (an exception's text, a debug level), it is masked.
    redact_logs(secrets)




def cmd_run(args: argparse.Namespace) -> int:
    """Migrate the database, then run the bot with long polling (or a webhook server) until stopped."""
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.ops import AlreadyRunning, acquire_instance_lock
    from db.migrate import upgrade

    settings = load_settings()
    token = settings.require_token()
    hook = settings.require_webhook() if args.webhook else None
    configure_logging(secrets=[token, hook.secret if hook else ""])
    try:
        lock = acquire_instance_lock(settings)
    except AlreadyRunning as exc:
        print(f"progress-bot: {exc}", file=sys.stderr)
        return 3
    with lock:
        upgrade(settings.database_url)
        app = build_application(settings, token=token)
        if hook is None:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
        else:
            # PTB's own server (tornado): it calls setWebhook, refuses requests without the secret (403)
            # and deletes nothing on stop, so Telegram keeps updates queued until the bot is back.
            app.run_webhook(listen=hook.listen, port=hook.port, url_path=hook.path, webhook_url=hook.url,
                            secret_token=hook.secret, allowed_updates=ALLOWED_UPDATES)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database is up to date: {settings.database_url}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the token, the database, the digest chat and the calendar; say what to fix."""
    import asyncio

    from bot.ops import Mark, doctor

    checks = asyncio.run(doctor(load_settings()))
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

    from bot.ops import BackupError, backup, describe_size

    settings = load_settings()
    try:
        written = backup(settings, Path(args.file) if args.file else None)
    except BackupError as exc:
        print(f"progress-bot: {exc}", file=sys.stderr)
        return 1
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
        line = f"{self.label}:{count} {monotonic() - self.start:.1f} s{' (stopped)' if exc_type else ''}"
        with self._lock:
            self.stream.write(("\r\x1b[K" if self.live else "") + line + "\n")
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

    from bot.preview import import_done, import_preview
    from bot.tables import TableError, read_table
    from bot.texts import t
    from db.engine import Database
    from db.imports import apply_import, plan_import
    from db.migrate import upgrade

    settings = load_settings()
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
            table = read_table(data, path.name, now=now)
    except TableError as error:
        print(plain(t(lang, f"import.error.{error.code}")), file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.session() as session:
        plan = plan_import(session, table=table)
    print(plain(import_preview(lang, path.name, table, plan)))
    if not plan.writes and not plan.new_units:
        return 0
    if not args.yes and input("[y/N] ").strip().lower() not in {"y", "yes", "是", "确认"}:
        print(plain(t(lang, "cancelled")))
        return 1
    with ProgressBar("writing items", len(table.items)) as bar, db.session() as session:
        result = apply_import(session, table=table, now=now, on_item=bar.update, report_cycle=settings.report_cycle)
    print(plain(import_done(lang, result)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the progress table (进展情况表) of a month as .xlsx."""
    from pathlib import Path

    from bot.export import parse_period, progress_rows, write_progress_table
    from bot.texts import t
    from db.engine import Database
    from db.migrate import upgrade

    settings = load_settings()
    lang = settings.language
    today = datetime.now(settings.tz).date()
    period = parse_period(args.period or "", today)
    if period is None:
        print(plain(t(lang, "export.bad_period", text=args.period)), file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with ProgressBar("reading items"), db.session() as session:
        rows = progress_rows(session, today=today, period=period, lang=lang, margin=settings.slow_margin,
                             tz=settings.tz)
    with ProgressBar("writing rows", len(rows)) as bar:
        data = write_progress_table(rows, lang=lang, period=period, on_row=bar.update)
    path = Path(args.output or t(lang, "export.filename", period=period))
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

    settings = load_settings()
    today = date.fromisoformat(args.today) if args.today else datetime.now(settings.tz).date()
    now = datetime.combine(today, time(9, 0), settings.tz)
    text = " ".join(args.text)
    parsed = parse_deadline(text, now)
    if parsed is None:
        print(f"{text!r}: not understood (no date guessed)")
        return 1
    print(f"{text!r} → {parsed.isoformat()} ({format_date(parsed, settings.language)})")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="progress-bot", description="Supervision bot for an office's key tasks.")
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling); settings from the environment and .env")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates through a webhook server (WEBHOOK_URL, WEBHOOK_SECRET, ...)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("demo", help="run the whole loop offline against a local Bot API simulator").set_defaults(
        func=cmd_demo)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("doctor", help="check the token, database, digest chat and calendar").set_defaults(
        func=cmd_doctor)
    bak = sub.add_parser("backup", help="write a consistent copy of the database, even while the bot runs")
    bak.add_argument("file", nargs="?", help="where to write it (default: beside the database, dated)")
    bak.set_defaults(func=cmd_backup)
    imp = sub.add_parser("import", help="import the office's task table (.xlsx or .csv), after a preview")
    imp.add_argument("file")
    imp.add_argument("--yes", action="store_true", help="import without asking")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="write the progress table (进展情况表) of a month as .xlsx")
    exp.add_argument("--period", help="the month: 2021-07, 7月 (default: this month)")
    exp.add_argument("-o", "--output", help="where to write it (default: 进展情况表-YYYY-MM.xlsx here)")
    exp.set_defaults(func=cmd_export)
    parse = sub.add_parser("parse-date", help="show how a deadline text is understood")
    parse.add_argument("text", nargs="+")
    parse.add_argument("--today", help="pretend today is this date (YYYY-MM-DD)")
    parse.set_defaults(func=cmd_parse_date)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"progress-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
