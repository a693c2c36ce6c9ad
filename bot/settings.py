"""Settings read once from the environment and `.env` (pydantic-settings).

Every field is documented in `.env.example` and the README. `load_settings` turns a
validation error into one line naming the setting, so start-up never shows a traceback.
"""

from __future__ import annotations

import codecs
import difflib
import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from jobs.rules import WarningThresholds

log = logging.getLogger(__name__)

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{10,}$")
# What Telegram accepts as setWebhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token).
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h", "socks4", "socks4a")
_DATABASE_URL_HINT = "e.g. sqlite:///progress_bot.db or postgresql://user:password@host/db"
ADMINS_MISSING = ("ADMIN_IDS is empty: nobody could set the bot up (units, items, invites); put your numeric "
                  "Telegram id there (message @userinfobot to learn it), e.g. ADMIN_IDS=123456789")

IdList = Annotated[list[int], NoDecode]
IntList = Annotated[list[int], NoDecode]


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def _split_ints(value: Any) -> Any:
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,\s;，；]+", value.strip()) if p]
        return [int(p) for p in parts]
    if isinstance(value, int):
        return [value]
    return value


def _parse_time(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})[:：](\d{2})\s*", value)
        if not match:
            raise ValueError("expected HH:MM, e.g. 09:00")
        return time(int(match[1]), int(match[2]))
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_api_base_url: str = TELEGRAM_BASE_URL
    bot_api_file_url: str = TELEGRAM_FILE_URL
    database_url: str = "sqlite:///progress_bot.db"
    admin_ids: IdList = Field(default_factory=list)
    supervisor_ids: IdList = Field(default_factory=list)
    digest_chat_id: int | None = None
    timezone: str = "Asia/Shanghai"
    reminder_time: time = time(9, 0)
    reminder_lead_days: IntList = Field(default_factory=lambda: [7, 3, 1])
    report_day: int = Field(default=25, ge=1, le=31)
    digest_weekday: int = Field(default=1, ge=1, le=7)
    digest_time: time = time(9, 30)
    # One digest post takes at most this many messages; beyond, the complete text follows as a file.
    digest_max_messages: int = Field(default=4, ge=1, le=50)
    # BOT_LANGUAGE, not LANGUAGE: the latter is a locale variable many shells already set.
    bot_language: Literal["zh", "en"] = "zh"
    slow_margin: int = Field(default=20, ge=0, le=100)
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 365)
    report_cycle: Literal["monthly", "quarterly", "weekly", "none"] = "monthly"
    weekly_report_day: int = Field(default=5, ge=1, le=7)
    report_reminder_days: IntList = Field(default_factory=lambda: [3, 0])
    missed_followup_workdays: IntList = Field(default_factory=lambda: [1, 3])
    escalate_after_misses: int = Field(default=3, ge=1, le=24)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # Outbox fan-out pace; Telegram allows about 30 messages a second overall.
    send_rate_per_second: float = Field(default=30, ge=1, le=1000)
    outbox_grace_hours: float = Field(default=12, gt=0, le=24 * 14)
    conversation_timeout_minutes: float = Field(default=30, gt=0, le=24 * 60)
    # A contact may correct a report for this long after sending it.
    report_edit_hours: float = Field(default=24, ge=0, le=24 * 31)
    # A reminder nobody acknowledged (收到) is sent again after this long, then to the unit's backup contacts.
    ack_timeout_hours: float = Field(default=4, gt=0, le=24 * 7)
    # Three-colour warnings (三色预警): points a reported percent trails time progress by, and reports
    # missed in a row, that make an item yellow or red.
    warning_yellow_gap: int = Field(default=10, ge=0, le=100)
    warning_red_gap: int = Field(default=30, ge=0, le=100)
    # At most 5: the rules see the last five periods' reports.
    warning_yellow_missed: int = Field(default=1, ge=1, le=5)
    warning_red_missed: int = Field(default=3, ge=1, le=5)
    # Webhook mode (`run --webhook`): Telegram posts to WEBHOOK_URL, a reverse proxy forwards to
    # WEBHOOK_LISTEN:WEBHOOK_PORT, and the URL's path is the path the bot serves.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # The HTTP client of the Bot API calls: aiohttp (lighter, bot/transport.py) or PTB's own httpx
    # (for a SOCKS proxy, with httpx[socks] installed).
    bot_http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    # Where Telegram is blocked the Bot API is reached through a proxy. Read here so that a `.env` may
    # name them too; `export_proxies` hands them to both HTTP clients, which read the environment.
    https_proxy: str | None = None
    http_proxy: str | None = None
    no_proxy: str | None = None
    # ---- webapp: the supervisors' dashboard (Telegram Mini App, bot/webapp). WEBAPP_URL is its public
    # HTTPS address (the menu button and the WebAppInfo buttons open it); the reverse proxy forwards it to
    # WEBAPP_LISTEN:WEBAPP_PORT. An initData older than WEBAPP_AUTH_MAX_AGE seconds is refused.
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = Field(default=8444, ge=0, le=65535)
    webapp_auth_max_age: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # Groups refuse web_app buttons: the digest there links to the Mini App registered with @BotFather's
    # /newapp under this short name (t.me/<bot>/<name>), or, when empty, to the bot's main Mini App.
    webapp_short_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{3,30}$")
    # ---- ledger: the points ledger (考核台账, jobs.points). Points per event before the role's factor, the
    # base score, and the factors of an item's lead units and of its other responsible units (README: sources).
    points_base: float = Field(default=100, ge=0, le=1000)
    points_on_time: float = Field(default=1, ge=-100, le=100)
    points_late: float = Field(default=-1, ge=-100, le=100)
    points_missing: float = Field(default=-2, ge=-100, le=100)
    points_sent_back: float = Field(default=-2, ge=-100, le=100)
    points_done_on_time: float = Field(default=1, ge=-100, le=100)
    points_done_late: float = Field(default=-5, ge=-100, le=100)
    points_answered: float = Field(default=1, ge=-100, le=100)
    points_answered_late: float = Field(default=-1, ge=-100, le=100)
    points_lead_factor: float = Field(default=1.0, ge=0, le=10)
    points_co_factor: float = Field(default=0.5, ge=0, le=10)

    @field_validator("admin_ids", "supervisor_ids", "reminder_lead_days", "report_reminder_days",
                     "missed_followup_workdays", mode="before")
    @classmethod
    def _ints(cls, value: Any) -> Any:
        try:
            return _split_ints(value)
        except ValueError as exc:
            raise ValueError("expected whole numbers separated by commas, e.g. 123,456") from exc

    @field_validator("reminder_lead_days", "report_reminder_days", "missed_followup_workdays")
    @classmethod
    def _lead_days(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 366 for d in value):
            raise ValueError("lead days must be between 0 and 366")
        return sorted(set(value), reverse=True)

    @field_validator("reminder_time", "digest_time", "quiet_start", "quiet_end", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _parse_time(value)

    @field_validator("warning_red_gap", "warning_red_missed")
    @classmethod
    def _red_beyond_yellow(cls, value: int, info: ValidationInfo) -> int:
        yellow = info.data.get(str(info.field_name).replace("red", "yellow"))
        if yellow is not None and value < yellow:
            raise ValueError(f"must not be below {str(info.field_name).replace('red', 'yellow').upper()} ({yellow})")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Shanghai") from exc
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("digest_chat_id", mode="before")
    @classmethod
    def _empty_chat(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("bot_api_base_url", "bot_api_file_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname or " " in value.strip():
            raise ValueError("expected an http(s) URL ending before the token, e.g. https://api.telegram.org/bot")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        from db.engine import normalize_url

        value = value.strip()
        try:
            url = make_url(normalize_url(value))
            url.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise ValueError(f"not a database URL the bot can use; {_DATABASE_URL_HINT}") from exc
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"{url.get_backend_name()} is not supported; {_DATABASE_URL_HINT}")
        return value

    @field_validator("https_proxy", "http_proxy", "no_proxy", mode="before")
    @classmethod
    def _empty_proxy(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("https_proxy", "http_proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value.strip())
            if parts.scheme not in _PROXY_SCHEMES or not parts.hostname:
                raise ValueError("expected a proxy URL such as http://127.0.0.1:7890 (or socks5://… with "
                                 "BOT_HTTP_CLIENT=httpx)")
            value = value.strip()
        return value

    @model_validator(mode="after")
    def _socks_needs_httpx(self) -> Settings:
        for name in ("https_proxy", "http_proxy"):
            proxy = getattr(self, name)
            if proxy is None or not urlsplit(proxy).scheme.startswith("socks"):
                continue
            if self.bot_http_client != "httpx":
                raise ValueError(f"{name.upper()} is a SOCKS proxy, which aiohttp cannot use: "
                                 "set BOT_HTTP_CLIENT=httpx (and pip install 'httpx[socks]')")
            if importlib.util.find_spec("socksio") is None:
                raise ValueError(f"{name.upper()} is a SOCKS proxy: pip install 'httpx[socks]' for httpx to use it")
        return self

    @field_validator("webhook_url", "webhook_secret", "webapp_short_name", mode="before")
    @classmethod
    def _empty_webhook(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value.strip())
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ValueError("expected the public URL Telegram posts to, e.g. https://bot.example.gov.cn/telegram")
            value = value.strip()
        return value

    @field_validator("webapp_url", mode="before")
    @classmethod
    def _webapp_url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        parts = urlsplit(str(value).strip())
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("expected the dashboard's public HTTPS address (Telegram opens only HTTPS), "
                             "e.g. https://bot.example.gov.cn/webapp/")
        return str(value).strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def language(self) -> str:
        return self.bot_language

    @property
    def warning_thresholds(self) -> WarningThresholds:
        return WarningThresholds(yellow_gap=self.warning_yellow_gap, red_gap=self.warning_red_gap,
                                 yellow_missed=self.warning_yellow_missed, red_missed=self.warning_red_missed)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_webhook(self) -> Webhook:
        """The webhook server's settings, or SettingsError naming what is missing."""
        if self.webhook_url is None:
            raise SettingsError("WEBHOOK_URL is missing: webhook mode needs the public URL Telegram posts to, "
                                "e.g. https://bot.example.gov.cn/telegram")
        if self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET is missing: webhook mode needs a secret (1-256 of A-Z a-z 0-9 _ -), "
                                "e.g. from `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        return Webhook(url=self.webhook_url, listen=self.webhook_listen, port=self.webhook_port,
                       path=urlsplit(self.webhook_url).path.strip("/"), secret=self.webhook_secret.get_secret_value())

    def require_admins(self) -> list[int]:
        """The admins' ids, or SettingsError: without one nobody can add units, items or invites."""
        if not self.admin_ids:
            raise SettingsError(ADMINS_MISSING)
        return self.admin_ids

    def export_proxies(self) -> None:
        """Put HTTPS_PROXY, HTTP_PROXY and NO_PROXY from `.env` into the environment, where aiohttp and
        httpx look for them; a variable already set in the environment wins, as for every setting."""
        for name in ("https_proxy", "http_proxy", "no_proxy"):
            value = getattr(self, name)
            if value and not (os.environ.get(name.upper()) or os.environ.get(name)):
                os.environ[name.upper()] = value

    def require_token(self) -> str:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN is missing: create a bot with @BotFather and put its token in .env")
        return self.bot_token.get_secret_value().strip()


@dataclass(frozen=True)
class Webhook:
    """Where the webhook server listens, the URL Telegram is given, and the secret it must send back."""

    url: str
    listen: str
    port: int
    path: str
    secret: str

    def __repr__(self) -> str:
        return f"Webhook(url={self.url!r}, listen={self.listen!r}, port={self.port}, path={self.path!r})"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, or raise SettingsError with one line naming the bad setting."""
    env_file = overrides.get("_env_file", Settings.model_config.get("env_file"))
    if "_env_file_encoding" not in overrides and isinstance(env_file, str | Path):
        overrides["_env_file_encoding"] = env_file_encoding(Path(env_file))
    if isinstance(env_file, str | Path):
        warn_unknown_keys(Path(env_file), overrides.get("_env_file_encoding") or "utf-8")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(invalid_setting(exc)) from None


def warn_unknown_keys(path: Path, encoding: str) -> None:
    """A key of `.env` that is no setting (a typo: REPORTDAY, DIGEST_DAY) would be ignored without a word:
    say so once, with the setting it probably meant."""
    if not path.is_file():
        return
    known = {name.upper() for name in Settings.model_fields}
    try:
        keys = [k for k in dotenv_values(path, encoding=encoding) if k]
    except (OSError, UnicodeDecodeError):
        return  # env_file_encoding has said what is wrong with the file
    for key in keys:
        if key.upper() not in known:
            close = difflib.get_close_matches(key.upper(), sorted(known), n=1, cutoff=0.6)
            log.warning("%s: %s is not a setting and is ignored%s", path, key,
                        f" (did you mean {close[0]}?)" if close else " (see .env.example)")


def invalid_setting(error: ValidationError) -> str:
    """One line naming the first bad setting and what is expected (never the value: it may be a secret)."""
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if not first["loc"]:  # a rule across settings names them itself
        return message
    return f"setting {str(first['loc'][0]).upper()} is invalid: {message}"


def env_file_encoding(path: Path) -> str:
    """How to read `.env`: UTF-8 (with or without the byte-order mark Windows' Notepad writes), UTF-16,
    or else GBK (GB18030), what Chinese Windows saves as "ANSI"; SettingsError when it is none of them."""
    try:
        data = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}; make it a readable file (or remove it)") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            log.warning("%s is not UTF-8: read as GBK; save it as UTF-8 to be sure", path)
        return encoding
    raise SettingsError(f"{path} is neither UTF-8 nor GBK: save it as UTF-8 (in Notepad: Save as → Encoding UTF-8)")
