"""Settings read once from the environment and `.env` (pydantic-settings).

Every field is documented in `.env.example` and the README. `load_settings` turns a
validation error into one line naming the setting, so start-up never shows a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from jobs.rules import WarningThresholds

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{10,}$")
# What Telegram accepts as setWebhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token).
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

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
    # The monthly ranking: share of the score given by on-time reporting; the rest by the items' colours.
    ranking_on_time_weight: int = Field(default=60, ge=0, le=100)
    # Webhook mode (`run --webhook`): Telegram posts to WEBHOOK_URL, a reverse proxy forwards to
    # WEBHOOK_LISTEN:WEBHOOK_PORT, and the URL's path is the path the bot serves.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # The HTTP client of the Bot API calls: aiohttp (lighter, bot/transport.py) or PTB's own httpx
    # (for a SOCKS proxy, with httpx[socks] installed).
    bot_http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    # ---- webapp: the supervisors' dashboard (Telegram Mini App, bot/webapp). WEBAPP_URL is its public
    # HTTPS address (the menu button and the WebAppInfo buttons open it); the reverse proxy forwards it to
    # WEBAPP_LISTEN:WEBAPP_PORT. An initData older than WEBAPP_AUTH_MAX_AGE seconds is refused.
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = Field(default=8444, ge=0, le=65535)
    webapp_auth_max_age: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

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

    @field_validator("webhook_url", "webhook_secret", mode="before")
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
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {name} is invalid: {message}") from None
