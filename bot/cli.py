"""The `progress-bot` command: run the bot, the offline demo, migrations, date parsing."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, time

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
