"""The `progress-bot` command: run the bot, the offline demo, migrations, date parsing."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from time import monotonic

from bot.settings import SettingsError, load_settings


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate the database, then run the bot with long polling until stopped."""
    from bot.app import build_application
    from db.migrate import upgrade

    settings = load_settings()
    token = settings.require_token()
    configure_logging()
    upgrade(settings.database_url)
    app = build_application(settings, token=token)
    app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database is up to date: {settings.database_url}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from bot.demo import run_demo

    return asyncio.run(run_demo())


@contextmanager
def progress(label: str) -> Iterator[None]:
    """Say on stderr what long work is under way and how long it took."""
    start = monotonic()
    print(f"{label} …", end="", file=sys.stderr, flush=True)
    yield
    print(f" {monotonic() - start:.1f} s", file=sys.stderr)


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
        with progress(f"reading {path.name}"):
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
    with progress(f"writing {len(table.items)} items"), db.session() as session:
        result = apply_import(session, table=table, now=now)
    print(plain(import_done(lang, result)))
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
    sub.add_parser("run", help="run the bot (long polling); settings from the environment and .env").set_defaults(
        func=cmd_run)
    sub.add_parser("demo", help="run the whole loop offline against a local Bot API simulator").set_defaults(
        func=cmd_demo)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    imp = sub.add_parser("import", help="import the office's task table (.xlsx or .csv), after a preview")
    imp.add_argument("file")
    imp.add_argument("--yes", action="store_true", help="import without asking")
    imp.set_defaults(func=cmd_import)
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
