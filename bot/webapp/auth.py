"""Who is asking: the Mini App's signed `initData`, checked as Telegram documents it, and one-time
action tokens for the few requests that change the record.

initData is a query string signed by Telegram with the bot's token: the data-check-string is every field
but `hash`, sorted by name, as `key=value` lines; secret = HMAC-SHA256(key="WebAppData", msg=token) and
hash = hex(HMAC-SHA256(key=secret, msg=data-check-string)). It travels in a request header (never a
cookie), so another site cannot make a browser send it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

HEADER = "X-Telegram-Init-Data"
MAX_INIT_DATA = 4096
ACTION_TTL = 15 * 60  # seconds an action token stays good


class InitDataError(Exception):
    """The initData is missing, forged, malformed or too old; `reason` is a text key's suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user of a verified initData (only what the dashboard uses)."""

    id: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    language_code: str | None = None
    photo_url: str | None = None
    auth_date: int = 0
    hash: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def _text(value: object, limit: int = 256) -> str:
    return value[:limit] if isinstance(value, str) else ""


def verify_init_data(init_data: str | None, *, token: str, now: float, max_age: int) -> WebAppUser:
    """The user of a genuine, fresh initData; InitDataError otherwise."""
    if not init_data:
        raise InitDataError("missing")
    if len(init_data) > MAX_INIT_DATA:
        raise InitDataError("forged")
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise InitDataError("forged")
    expected = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["hash"].lower()):
        raise InitDataError("forged")
    try:
        auth_date = int(fields.get("auth_date", ""))
        user = json.loads(fields.get("user", ""))
    except ValueError:
        raise InitDataError("forged") from None
    if not isinstance(user, dict) or not isinstance(user.get("id"), int) or isinstance(user.get("id"), bool):
        raise InitDataError("forged")
    if now - auth_date > max_age or auth_date - now > 300:
        raise InitDataError("expired")
    photo = _text(user.get("photo_url"), 512)
    return WebAppUser(id=user["id"], first_name=_text(user.get("first_name")), last_name=_text(user.get("last_name")),
                      username=_text(user.get("username"), 64) or None,
                      language_code=_text(user.get("language_code"), 16) or None,
                      # Only an https picture is ever shown; anything else is dropped.
                      photo_url=photo if photo.startswith("https://") else None,
                      auth_date=auth_date, hash=fields["hash"].lower())


def sign_init_data(*, token: str, user_id: int, first_name: str, auth_date: int | None = None,
                   language_code: str = "zh-hans", username: str | None = None) -> str:
    """An initData as Telegram would sign it for this user: for tests and the local demo."""
    user: dict[str, object] = {"id": user_id, "first_name": first_name, "language_code": language_code}
    if username:
        user["username"] = username
    fields = {"auth_date": str(int(time.time()) if auth_date is None else auth_date),
              "query_id": "AAH" + secrets.token_urlsafe(12),
              "user": json.dumps(user, ensure_ascii=False, separators=(",", ":"))}
    fields["hash"] = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


class ActionTokens:
    """Short-lived, one-time tokens that a page hands to the form of an action: signed for one user, one
    action and one target, and spent on use, so a captured request cannot be played again."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._spent: dict[str, float] = {}

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *, user_id: int, action: str, target: int, now: float) -> str:
        body = f"{user_id}.{action}.{target}.{int(now) + ACTION_TTL}.{secrets.token_hex(8)}"
        return f"{body}.{self._sign(body)}"

    def spend(self, token: str, *, user_id: int, action: str, target: int, now: float) -> bool:
        """Whether the token is genuine, this user's, for this action and target, fresh and unused; a
        good token is used up."""
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 5 or not hmac.compare_digest(self._sign(body), signature):
            return False
        if parts[:3] != [str(user_id), action, str(target)] or not parts[3].isdigit() or int(parts[3]) < now:
            return False
        self._spent = {n: until for n, until in self._spent.items() if until >= now}
        if parts[4] in self._spent:
            return False
        self._spent[parts[4]] = int(parts[3])
        return True
