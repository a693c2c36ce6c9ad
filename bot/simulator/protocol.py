"""The Bot API's limits, the parameters it reads as JSON, integers or booleans, and its error answers."""

from __future__ import annotations

import re
from typing import Any

JSONDict = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

# Methods whose calls put a message into a chat: they are rate limited and refused for blocked chats.
_MESSAGE_SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})

_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_UPDATE_TYPES_OFF_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_SCOPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

# How values arrive differs per client (form strings vs JSON); these key sets turn the recorded
# ApiCall.params into the same Python types whichever encoding the bot used.
_JSON_KEYS = frozenset({
    "reply_markup", "entities", "caption_entities", "media", "commands", "scope", "menu_button",
    "allowed_updates", "reply_parameters", "link_preview_options", "message_ids",
})
_INT_KEYS = frozenset({
    "chat_id", "message_id", "user_id", "offset", "limit", "timeout", "reply_to_message_id",
    "message_thread_id", "cache_time", "max_connections", "from_chat_id", "until_date",
})
_BOOL_KEYS = frozenset({
    "disable_notification", "protect_content", "disable_web_page_preview", "show_alert",
    "drop_pending_updates", "allow_sending_without_reply", "disable_content_type_detection",
    "has_spoiler", "show_caption_above_media", "allow_paid_broadcast", "for_channels",
})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _entities_error(description: str) -> ApiError:
    return _bad(f"can't parse entities: {description}")


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _snippet(text: str | None, limit: int = 20) -> str:
    first = (text or "").strip().split("\n", 1)[0]
    return first if len(first) <= limit else first[:limit] + "…"
