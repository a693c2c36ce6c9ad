"""Settings: defaults, parsing, and one clear line for a bad value (never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from datetime import time

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en_US:en")  # the locale variable must not be taken for ours
    settings = Settings(_env_file=None)
    assert settings.language == "zh"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.reminder_lead_days == [7, 3, 1]
    assert settings.database_url == "sqlite:///progress_bot.db"
    assert settings.bot_api_base_url == "https://api.telegram.org/bot"


def test_lists_and_times_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "123, 456")
    monkeypatch.setenv("REMINDER_LEAD_DAYS", "1,14,3")
    monkeypatch.setenv("DIGEST_TIME", "17:45")
    monkeypatch.setenv("BOT_LANGUAGE", "en")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == [123, 456]
    assert settings.reminder_lead_days == [14, 3, 1]
    assert settings.digest_time == time(17, 45)
    assert settings.language == "en"


@pytest.mark.parametrize(("name", "value"), [
    ("ADMIN_IDS", "abc"), ("REMINDER_TIME", "9am"), ("TIMEZONE", "Mars/Base"), ("BOT_LANGUAGE", "fr"),
    ("BOT_TOKEN", "not-a-token"), ("REPORT_DAY", "32"), ("DIGEST_WEEKDAY", "8"), ("DIGEST_CHAT_ID", "group"),
])
def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings(_env_file=None)


def test_missing_token_stops_run_with_one_line(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(_root())}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_malformed_setting_stops_run_with_one_line(tmp_path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123456:ABCDEFGHIJKLMNOP\nADMIN_IDS=boss\n")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(_root())}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "progress-bot: setting ADMIN_IDS is invalid: " \
        "expected whole numbers separated by commas, e.g. 123,456"


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("send_rate, overall", [(30, 30), (10, 30), (100, 100)])
def test_the_overall_rate_limit_follows_a_send_rate_above_telegrams_30(send_rate: float, overall: float) -> None:
    from bot.app import build_application
    from db.engine import Database

    settings = Settings(_env_file=None, bot_token="123456:ABCDEFGHIJKLMN", database_url="sqlite://",
                        send_rate_per_second=send_rate)
    app = build_application(settings, db=Database("sqlite://"))
    # one pace for the outbox and the replies (bot.ratelimit, jobs.pacing)
    assert app.bot.rate_limiter.pacer.capacity == overall
    assert app.bot.rate_limiter.pacer.spacing == pytest.approx(1 / send_rate)


def test_a_key_of_env_that_is_no_setting_is_named_with_what_it_meant(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    env = tmp_path / ".env"
    env.write_text("BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ\nREPORTDAY=3\nREPORT_DAY=20\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="bot.settings"):
        settings = load_settings(_env_file=env)
    assert settings.report_day == 20
    assert "REPORTDAY is not a setting and is ignored (did you mean REPORT_DAY?)" in caplog.text
    assert "REPORT_DAY is not" not in caplog.text and "ABCDEFGHIJKLMN" not in caplog.text
