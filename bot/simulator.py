"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests and the offline demo.

The real python-telegram-bot ``Application`` talks to it over HTTP exactly as it talks to
api.telegram.org::

    async with BotApiSimulator() as sim:
        app = (ApplicationBuilder().token(sim.token)
               .base_url(sim.base_url).base_file_url(sim.base_file_url).build())
        ...                                   # add handlers, start polling
        li = sim.user(1001, "李四")
        li.send("/start")
        reply = await li.expect("欢迎")        # the bot's answer, plain text
        li.press(reply, "上报进展 #3")          # queues a callback_query
        print(sim.transcript())

The server follows https://core.telegram.org/bots/api: ``/bot<token>/<method>`` (method names are
case-insensitive), parameters as query string, urlencoded form (complex values JSON-encoded),
multipart form (uploads) or JSON body, answers ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}`` with Telegram's own error texts.  It is
deliberately strict where Telegram is strict (HTML/MarkdownV2 entity parsing, text length,
callback_data size, "message is not modified", privacy mode in groups, ...) so that tests catch
what would break in production.

Test-side objects: :class:`SimUser` (a person who writes to the bot), :class:`SimChat` (a private
chat or a group, with everything said in it) and :class:`SimMessage`.  Everything runs in the
current asyncio event loop.  ``python -m bot.simulator --port 8081`` runs it standalone.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import mimetypes
import re
import secrets
import struct
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiSimulator",
    "SimChat",
    "SimFile",
    "SimMessage",
    "SimUser",
    "detect_entities",
    "make_png",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

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


# --------------------------------------------------------------------------------------------
# Errors and small helpers
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Text formatting: HTML, MarkdownV2, Markdown (ports of tdlib's parsers, same error texts)
# --------------------------------------------------------------------------------------------


class _TextBuilder:
    """Accumulates parsed text while tracking the UTF-16 offset entities are measured in."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.u16 = 0
        self.chars = 0
        self.entities: list[JSONDict] = []

    def add(self, piece: str) -> None:
        self._parts.append(piece)
        self.chars += len(piece)
        self.u16 += utf16_len(piece)

    def text(self) -> str:
        return "".join(self._parts)

    def text_since(self, char_start: int) -> str:
        return self.text()[char_start:]

    def entity(self, type_: str, u16_start: int, **extra: Any) -> None:
        if self.u16 > u16_start:
            self.entities.append({"type": type_, "offset": u16_start, "length": self.u16 - u16_start, **extra})


def _normalize_url(url: str) -> str | None:
    """The URL Telegram would store for a text link, or None when it would drop the link."""
    url = url.strip()
    if not url:
        return None
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme:
        return url if scheme.group(1).lower() in {"http", "https", "tg", "ton", "ftp"} else None
    if re.fullmatch(r"[\w-]+(\.[\w-]+)+(:\d+)?([/?#]\S*)?", url):
        return "http://" + url
    return None


_HTML_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji", "span",
    "pre", "code", "blockquote",
})
_HTML_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...`` at ``pos``; returns (character, next position) or None to keep '&' literal."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        base, digits = 10, "0123456789"
        if end < n and text[end] == "x":
            base, digits = 16, "0123456789abcdefABCDEF"
            end += 1
        code = 0
        while end < n and text[end] in digits:
            code = code * base + int(text[end], base)
            end += 1
            if code >= 0x10FFFF:
                return None
        if code == 0 or end - pos >= 10 or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _HTML_NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":  # the semicolon is optional, as in tdlib
        end += 1
    return char, end


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into (plain text, entities) or raise ApiError like the Bot API."""
    out = _TextBuilder()
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 start, char start
    n = len(text)
    i = 0

    def at(index: int) -> int:
        return len(text[:index].encode())

    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.add(c)
            i += 1
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise _entities_error(f"Unexpected end tag at byte offset {at(begin)}")
            i += 1
            name_start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[name_start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise _entities_error(f"Unclosed end tag at byte offset {at(begin)}")
            i += 1
            tag, argument, u16_start, char_start = stack.pop()
            if end_name and end_name != tag:
                raise _entities_error(
                    f'Unmatched end tag at byte offset {at(begin)}, expected "</{tag}>", found "</{end_name}>"'
                )
            _close_html_tag(out, tag, argument, u16_start, char_start)
            continue

        name_start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise _entities_error(f"Unclosed start tag at byte offset {at(begin)}")
        tag = text[name_start:i].lower()
        if tag not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{tag}" at byte offset {at(begin)}')
        argument = ""
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {at(begin)}')
            if text[i] == ">":
                break
            attr_start = i
            while i < n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr = text[attr_start:i]
            if not attr:
                raise _entities_error(f'Empty attribute name in the tag "{tag}" at byte offset {at(begin)}')
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {at(begin)}')
            if text[i] != "=":
                if tag == "blockquote" and attr == "expandable":
                    argument = "expandable"
                    continue
                raise _entities_error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {at(begin)}"
                )
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {at(begin)}')
            if text[i] in "'\"":
                quote = text[i]
                i += 1
                chars: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded = _decode_html_entity(text, i)
                        if decoded is not None:
                            chars.append(decoded[0])
                            i = decoded[1]
                            continue
                    chars.append(text[i])
                    i += 1
                if i >= n:
                    raise _entities_error(f"Unclosed start tag at byte offset {at(begin)}")
                i += 1
                value = "".join(chars)
            else:
                token_start = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[token_start:i].lower()
                if i >= n:
                    raise _entities_error(f"Unclosed start tag at byte offset {at(begin)}")
                if not text[i].isspace() and text[i] != ">":
                    raise _entities_error(f"Unexpected end of name token at byte offset {at(token_start)}")
            if tag == "a" and attr == "href":
                argument = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                argument = value
        i += 1  # the closing '>'
        if tag == "span" and argument != "spoiler":
            raise _entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at(begin)}')
        if tag == "tg-emoji" and not argument.isdigit():
            raise _entities_error(f'Tag "tg-emoji" must have a valid "emoji-id" at byte offset {at(begin)}')
        stack.append((tag, argument, out.u16, out.chars))

    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), out.entities


def _close_html_tag(out: _TextBuilder, tag: str, argument: str, u16_start: int, char_start: int) -> None:
    if out.u16 == u16_start:
        return  # empty entities are dropped
    if tag in _HTML_SIMPLE_TAGS:
        out.entity(_HTML_SIMPLE_TAGS[tag], u16_start)
    elif tag == "a":
        url = _normalize_url(argument or out.text_since(char_start))
        if url is not None:
            out.entity("text_link", u16_start, url=url)
    elif tag == "code":
        # The language is only kept if a <pre> closes right around this <code>.
        out.entity("code", u16_start, **({"language": argument} if argument else {}))
    elif tag == "pre":
        last = out.entities[-1] if out.entities else None
        if last and last["type"] == "code" and last["offset"] == u16_start and last["length"] == out.u16 - u16_start:
            out.entities.pop()
            out.entity("pre", u16_start, **({"language": last["language"]} if "language" in last else {}))
        else:
            out.entity("pre", u16_start)
    elif tag == "blockquote":
        out.entity("expandable_blockquote" if argument else "blockquote", u16_start)
    elif tag == "tg-emoji":
        out.entity("custom_emoji", u16_start, custom_emoji_id=argument)


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}


def _reserved_error(char: str) -> ApiError:
    return _entities_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _skip_pre_language_and_newline(text: str, i: int) -> tuple[int, str]:
    """After an opening ```: read an optional language word and one line break (tdlib rules)."""
    n = len(text)
    language = ""
    language_end = i
    while language_end < n and not text[language_end].isspace() and text[language_end] != "`":
        language_end += 1
    if i != language_end and language_end < n and text[language_end] != "`":
        language = text[i:language_end]
        i = language_end
    if i < n and text[i] in "\r\n":
        i += 2 if i + 1 < n and text[i + 1] in "\r\n" and text[i] != text[i + 1] else 1
    return i, language


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 into (plain text, entities) or raise ApiError like the Bot API."""
    out = _TextBuilder()
    stack: list[tuple[str, str, int, int, int]] = []  # type, argument, utf16 start, byte offset, char start
    quote_start: int | None = None
    n = len(text)
    i = 0

    def at(index: int) -> int:
        return len(text[:index].encode())

    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        nxt2 = text[i + 2] if i + 2 < n else ""
        if c == "\\" and nxt and 0 < ord(nxt) <= 126:
            out.add(nxt)
            i += 2
            continue
        in_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if c == ">" and not in_code and (i == 0 or text[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.u16
            i += 1
            continue
        if c not in ("`" if in_code else _MDV2_RESERVED):
            if c == "\n" and quote_start is not None and nxt != ">":
                out.entity("blockquote", quote_start)
                quote_start = None
            out.add(c)
            i += 1
            continue

        is_end = False
        if stack:
            is_end = {
                "bold": c == "*",
                "italic": c == "_" and nxt != "_",
                "code": c == "`",
                "pre": c == "`" and nxt == "`" and nxt2 == "`",
                "text_link": c == "]",
                "underline": c == "_" and nxt == "_",
                "strikethrough": c == "~",
                "spoiler": c == "|" and nxt == "|",
                "custom_emoji": c == "]",
            }[stack[-1][0]]

        if not is_end:
            byte_offset = at(i)
            argument = ""
            if c == "_" and nxt == "_":
                kind, i = "underline", i + 2
            elif c == "_":
                kind, i = "italic", i + 1
            elif c == "*":
                kind, i = "bold", i + 1
            elif c == "~":
                kind, i = "strikethrough", i + 1
            elif c == "|" and nxt == "|":
                kind, i = "spoiler", i + 2
            elif c == "[":
                kind, i = "text_link", i + 1
            elif c == "`" and nxt == "`" and nxt2 == "`":
                kind = "pre"
                i, argument = _skip_pre_language_and_newline(text, i + 3)
            elif c == "`":
                kind, i = "code", i + 1
            elif c == "!" and nxt == "[":
                kind, i = "custom_emoji", i + 2
            else:
                raise _reserved_error(c)
            stack.append((kind, argument, out.u16, byte_offset, out.chars))
            continue

        kind, argument, u16_start, _, char_start = stack.pop()
        skip = out.u16 == u16_start
        extra: JSONDict = {}
        if kind in ("underline", "spoiler"):
            i += 2
        elif kind == "pre":
            i += 3
            if argument:
                extra["language"] = argument
        elif kind in ("text_link", "custom_emoji"):
            i += 1  # the ']'
            if kind == "text_link" and (i >= n or text[i] != "("):
                url = out.text_since(char_start)
            else:
                if i >= n or text[i] != "(":
                    raise _entities_error("Custom emoji entity must contain a tg://emoji URL")
                i += 1
                url_begin = i
                chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        chars.append(text[i + 1])
                        i += 2
                        continue
                    chars.append(text[i])
                    i += 1
                if i >= n:
                    raise _entities_error(f"Can't find end of a URL at byte offset {at(url_begin)}")
                i += 1
                url = "".join(chars)
            if kind == "custom_emoji":
                match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if match is None:
                    raise _entities_error("Custom emoji entity must contain a tg://emoji URL")
                extra["custom_emoji_id"] = match.group(1)
            else:
                normalized = _normalize_url(url)
                skip = skip or normalized is None
                extra["url"] = normalized
        else:
            i += 1
        if not skip:
            out.entity(kind, u16_start, **extra)

    if stack:
        kind, argument, _, byte_offset, _ = stack[-1]
        name = "PreCode" if kind == "pre" and argument else _MDV2_TYPE_NAMES[kind]
        raise _entities_error(f"Can't find end of {name} entity at byte offset {byte_offset}")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.text(), out.entities


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse legacy Markdown (``*bold* _italic_ `code` [text](url)``) like the Bot API."""
    out = _TextBuilder()
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = c == "`" and text.startswith("``", i + 1)
        language = ""
        i += 1
        if is_pre:
            i, language = _skip_pre_language_and_newline(text, i + 2)
        u16_start, char_start = out.u16, out.chars
        while i < n and not (text[i] == end_char and (not is_pre or text.startswith("``", i + 1))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise _entities_error(f"Can't find end of the entity starting at byte offset {len(text[:begin].encode())}")
        if c == "_":
            out.entity("italic", u16_start)
        elif c == "*":
            out.entity("bold", u16_start)
        elif c == "`":
            out.entity("pre" if is_pre else "code", u16_start, **({"language": language} if language else {}))
        else:
            url = out.text_since(char_start)
            if i + 1 < n and text[i + 1] == "(":
                i += 2
                url_begin = i
                while i < n and text[i] != ")":
                    i += 1
                if i >= n:
                    raise _entities_error(f"Can't find end of a URL at byte offset {len(text[:url_begin].encode())}")
                url = text[url_begin:i]
            normalized = _normalize_url(url)
            if normalized is not None:
                out.entity("text_link", u16_start, url=normalized)
        i += 3 if is_pre else 1
    return out.text(), out.entities


_AUTO_COMMAND_RE = re.compile(r"(?<![A-Za-z0-9_/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_/])")
_AUTO_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")
_AUTO_URL_RE = re.compile(r"(?<![\w@/])https?://[^\s<>\"'「」（）【】，。！？]+", re.IGNORECASE)


def detect_entities(text: str) -> list[JSONDict]:
    """The entities Telegram finds by itself in any text: bot commands, @mentions and URLs."""
    found: list[tuple[int, int, str]] = []
    for pattern, kind in ((_AUTO_COMMAND_RE, "bot_command"), (_AUTO_MENTION_RE, "mention"), (_AUTO_URL_RE, "url")):
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                end -= len(match.group()) - len(match.group().rstrip(".,;:!?)"))
            if not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]


def _finish_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip surrounding whitespace like Telegram does, shift and clip entities, add automatic ones."""
    left = text.lstrip()
    lead = utf16_len(text[: len(text) - len(left)])
    result = left.rstrip()
    total = utf16_len(result)
    kept: list[JSONDict] = []
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
        start = max(0, entity["offset"] - lead)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    for auto in detect_entities(result):
        a_start, a_end = auto["offset"], auto["offset"] + auto["length"]
        if not any(e["offset"] < a_end and a_start < e["offset"] + e["length"]
                   and e["type"] in ("code", "pre", "text_link", "bot_command", "mention", "url") for e in kept):
            kept.append(auto)
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return result, kept


# --------------------------------------------------------------------------------------------
# Images: just enough to answer like Telegram (dimensions; refuse what is not a picture)
# --------------------------------------------------------------------------------------------


def _image_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def make_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid single-colour PNG, used for the photos simulated users send."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------------------------
# Test-side data objects
# --------------------------------------------------------------------------------------------


@dataclass
class ApiCall:
    """One request the bot made. ``params`` are normalised to Python types whatever the encoding."""

    method: str
    params: JSONDict
    at: float
    status: int = 200
    description: str | None = None


@dataclass
class SimFile:
    """A file known to the server: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str  # photo | document
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    url: str | None = None  # set when the bot sent it by URL

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class SimMessage:
    """A message in a simulated chat, from the bot or from a user.

    For bot messages ``text``/``caption`` are the plain text after parsing HTML/Markdown;
    ``raw_text`` keeps what the bot sent and ``parse_mode`` how.  Objects in ``SimChat.messages``
    are live (edits change them); what ``expect`` returns is a snapshot taken at the event.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    sender: str
    text: str | None
    date: int
    sender_id: int = 0
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    edited: bool = False
    edit_date: int | None = None
    photo: list[JSONDict] | None = None
    document: JSONDict | None = None
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    reply_to_message_id: int | None = None
    forward_origin: JSONDict | None = None
    media_group_id: str | None = None
    deleted: bool = False
    delivered: bool = True  # False: a user message the bot never received (privacy mode)

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button["text"] for button in row] for row in rows]

    def inline_buttons(self) -> list[JSONDict]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_data(self, text: str) -> str | None:
        """The callback_data of the inline button labelled ``text`` (None if absent)."""
        for button in self.inline_buttons():
            if button["text"] == text:
                return button.get("callback_data")
        return None

    @property
    def content(self) -> str:
        """Text or caption (plain), plus the document name; what ``expect(contains=...)`` searches."""
        parts = [self.text or "", self.caption or ""]
        if self.document:
            parts.append(self.document.get("file_name") or "")
        return "\n".join(part for part in parts if part)


class _Signal:
    """Wakes every waiter at once; safe to notify from synchronous code on the loop thread."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            pass


class SimChat:
    """A private chat (``id`` == the user's id) or a group (negative ``id``) as the test sees it."""

    def __init__(self, sim: BotApiSimulator, chat_id: int, type_: str, *, title: str | None = None,
                 user: SimUser | None = None) -> None:
        self._sim = sim
        self.id = chat_id
        self.type = type_
        self.title = title
        self.user = user  # the other party of a private chat
        self.username: str | None = None
        self.messages: list[SimMessage] = []
        self.members: dict[int, str] = {}  # user id -> member status (groups)
        self.bot_status = "member"  # the bot's own status: member | administrator | left | kicked
        self._last_message_id = 0
        self._events: list[SimMessage] = []
        self._consumed = 0
        self._signal = _Signal()

    def __repr__(self) -> str:
        return f"SimChat(id={self.id}, type={self.type!r}, title={self.title!r}, messages={len(self.messages)})"

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    @property
    def label(self) -> str:
        if self.is_private and self.user is not None:
            return f"私聊 {self.user.display_name}"
        return f"{'频道' if self.type == 'channel' else '群'} {self.title}"

    def add_member(self, user: SimUser, status: str = "member") -> SimChat:
        """Put ``user`` in this group with ``status`` (member | administrator | creator | left | kicked)."""
        if self.is_private:
            raise ValueError("private chats have no members to add")
        self.members[user.id] = status
        return self

    def add_bot(self, by: SimUser, status: str = "member") -> None:
        """``by`` adds the bot to this group: queues the my_chat_member update Telegram sends."""
        self.add_member(by, self.members.get(by.id, "member"))
        old = self.bot_status if self.bot_status in ("left", "kicked") else "left"
        self.bot_status = status
        self._sim._my_chat_member(self, by, old, status, f"⚙️ {by.display_name} 把机器人加入了本群")

    def get(self, message_id: int) -> SimMessage:
        """The live message with this id (KeyError if there is none)."""
        for message in self.messages:
            if message.message_id == message_id:
                return message
        raise KeyError(f"no message #{message_id} in {self.label}")

    def bot_messages(self) -> list[SimMessage]:
        """The bot's messages in this chat that are not deleted, live objects, in order."""
        return [m for m in self.messages if m.from_bot and not m.deleted]

    async def expect(self, contains: str | None = None, *, timeout: float = 5.0) -> SimMessage:
        """The next bot event (new message, or edit with ``edited=True``) not consumed yet.

        With ``contains``, events whose text/caption does not contain it are consumed and skipped.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            while self._consumed < len(self._events):
                event = self._events[self._consumed]
                self._consumed += 1
                if contains is None or contains in event.content:
                    return event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                wanted = f" containing {contains!r}" if contains is not None else ""
                raise AssertionError(
                    f"no bot message{wanted} in [{self.label}] within {timeout:g}s. Transcript tail:\n"
                    + self._sim._tail(self.id)
                )
            await self._signal.wait(remaining)

    async def expect_none(self, within: float = 0.3) -> None:
        """Assert that the bot sends or edits nothing in this chat for ``within`` seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while self._consumed == len(self._events):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            await self._signal.wait(remaining)
        event = self._events[self._consumed]
        raise AssertionError(
            f"expected no bot message in [{self.label}], but got: {event.content!r}. Transcript tail:\n"
            + self._sim._tail(self.id)
        )

    def drain(self) -> list[SimMessage]:
        """Consume and return all pending bot events."""
        pending = self._events[self._consumed :]
        self._consumed = len(self._events)
        return pending

    # -- internals used by the simulator
    def _next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _push_event(self, message: SimMessage) -> None:
        self._events.append(copy.deepcopy(message))
        self._signal.notify()

    def to_api(self) -> JSONDict:
        if self.is_private and self.user is not None:
            data: JSONDict = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


class SimUser:
    """A person using the bot. Actions queue updates the bot receives through getUpdates/webhook."""

    def __init__(self, sim: BotApiSimulator, user_id: int, first_name: str, *, username: str | None,
                 language_code: str, last_name: str | None) -> None:
        self._sim = sim
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.chat = SimChat(sim, user_id, "private", user=self)

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r}, username={self.username!r})"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def send(self, text: str, *, chat: SimChat | None = None,
             reply_to: SimMessage | int | None = None) -> SimMessage:
        """Write ``text`` (to the bot privately, or in ``chat``); commands get bot_command entities."""
        if not text.strip():
            raise ValueError("Telegram clients can't send an empty message")
        return self._sim._user_message(self, chat or self.chat, text=text, reply_to=reply_to)

    def send_photo(self, *, caption: str | None = None, chat: SimChat | None = None,
                   reply_to: SimMessage | int | None = None) -> SimMessage:
        """Send a picture (a small generated PNG, downloadable through getFile)."""
        return self._sim._user_message(self, chat or self.chat, caption=caption, reply_to=reply_to,
                                       photo=self._sim._user_photo())

    def send_document(self, filename: str, content: bytes, *, caption: str | None = None,
                      mime_type: str | None = None, chat: SimChat | None = None,
                      reply_to: SimMessage | int | None = None) -> SimMessage:
        """Send a file; the bot can download ``content`` through getFile + the file URL."""
        if not content:
            raise ValueError("Telegram clients can't send an empty file")
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        sim_file = self._sim._register_file("document", content, file_name=filename, mime_type=mime)
        return self._sim._user_message(self, chat or self.chat, caption=caption, reply_to=reply_to,
                                       document=self._sim._document_dict(sim_file))

    def press(self, message: SimMessage, button: str) -> str:
        """Press the inline button whose text or callback_data is ``button``; returns the query id."""
        live = self._sim._live_message(message)
        if not live.from_bot:
            raise AssertionError("only the bot's messages carry inline buttons")
        for candidate in live.inline_buttons():
            if button in (candidate["text"], candidate.get("callback_data")):
                if "callback_data" not in candidate:
                    kinds = [k for k in _BUTTON_ACTIONS if k in candidate]
                    raise AssertionError(
                        f"button {candidate['text']!r} is a {'/'.join(kinds)} button: it opens something in the "
                        "client and sends the bot no callback query"
                    )
                return self._sim._callback_query(self, live, candidate["callback_data"], label=candidate["text"])
        available = [f"{b['text']!r} ({b.get('callback_data') or b.get('url') or '?'})" for b in live.inline_buttons()]
        raise AssertionError(
            f"no button {button!r} on message #{live.message_id} in {self._sim.chat(live.chat_id).label}; "
            f"available: {', '.join(available) or 'none'}"
        )

    def press_data(self, message: SimMessage, data: str) -> str:
        """Send a callback query with arbitrary ``data`` for ``message`` (forged/stale buttons)."""
        live = self._sim._live_message(message)
        return self._sim._callback_query(self, live, data, label=None)

    def edit(self, message: SimMessage, new_text: str) -> None:
        """Edit one of this user's text messages: queues an ``edited_message`` update."""
        self._sim._user_edit(self, message, new_text)

    def forward(self, message: SimMessage, *, chat: SimChat | None = None) -> SimMessage:
        """Forward ``message`` (default: to the private chat with the bot)."""
        return self._sim._user_forward(self, message, chat or self.chat)

    def block(self) -> None:
        """Block the bot: later sends to this user get 403, and the bot gets a my_chat_member update."""
        self._sim.forbidden_chats.add(self.id)
        self._sim._my_chat_member(self.chat, self, "member", "kicked", f"⚙️ {self.display_name} 屏蔽了机器人")

    def unblock(self) -> None:
        self._sim.forbidden_chats.discard(self.id)
        self._sim._my_chat_member(self.chat, self, "kicked", "member", f"⚙️ {self.display_name} 解除了屏蔽")

    async def expect(self, contains: str | None = None, *, timeout: float = 5.0) -> SimMessage:
        return await self.chat.expect(contains, timeout=timeout)

    async def expect_none(self, within: float = 0.3) -> None:
        await self.chat.expect_none(within)

    def drain(self) -> list[SimMessage]:
        return self.chat.drain()


# --------------------------------------------------------------------------------------------
# Request parameters
# --------------------------------------------------------------------------------------------


@dataclass
class _Upload:
    filename: str | None
    content: bytes
    content_type: str | None


class _Params:
    """Request parameters, whichever way they were encoded (form strings, JSON, query)."""

    def __init__(self, values: JSONDict, uploads: dict[str, _Upload] | None = None,
                 client_gone: Callable[[], bool] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}
        self.client_gone = client_gone or (lambda: False)

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None or name in self.uploads

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            raise _bad(f'field "{name}" must be of type String')
        return str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be a valid Number')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise _bad(f'field "{name}" must be a valid Number')

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f'field "{name}" must be a valid Number') from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {what or name} JSON object") from None
        return value

    def recorded(self) -> JSONDict:
        """The parameters as the test sees them in ``ApiCall.params``."""
        result: JSONDict = {}
        for key, value in self.values.items():
            if isinstance(value, str):
                if key in _JSON_KEYS:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                elif key in _INT_KEYS and re.fullmatch(r"-?\d+", value):
                    value = int(value)
                elif key in _BOOL_KEYS and value in ("true", "false"):
                    value = value == "true"
            result[key] = value
        for key, upload in self.uploads.items():
            result[key] = {"upload": upload.filename, "size": len(upload.content), "mime_type": upload.content_type}
        return result


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    hang: bool = False  # never answer: the client times out, and the call is not carried out


@dataclass
class _PendingQuery:
    chat_id: int
    message_id: int
    user_id: int
    data: str


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class BotApiSimulator:
    """A Bot API server for one bot, listening on 127.0.0.1 in the current event loop."""

    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "progress_test_bot", *,
                 first_name: str = "督办助手") -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r} (expected '<digits>:<secret>')")
        self.token = token
        self.username = username
        self.first_name = first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.port: int | None = None

        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSONDict] = {}
        self.files: dict[str, SimFile] = {}
        # Fault injection and limits
        self.forbidden_chats: set[int] = set()
        self.rate_limit_per_second: float | None = None
        self.group_rate_limit_per_minute: int | None = None
        self.response_delay: float = 0.0
        self.too_many_requests = 0
        # Privacy mode (on by default for every bot): in groups the bot only receives commands,
        # replies to its own messages and everything once it is an administrator.
        self.privacy_mode = True
        # Bot settings set through the API
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope JSON, language) -> commands
        self.menu_buttons: dict[int | None, JSONDict] = {}  # chat id (None = default) -> menu button
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.on_log: Callable[[str], None] | None = None  # called with each transcript entry as it happens

        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, SimChat] = {}
        self._updates: list[JSONDict] = []
        self._last_update_id = 100_000
        self._updates_signal = _Signal()
        self._poll_generation = 0
        self._allowed_updates: list[str] | None = None
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._faults: dict[str, deque[_Fault]] = {}
        self._global_sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}
        self._pending_queries: dict[str, _PendingQuery] = {}
        self._answers_signal = _Signal()
        self._log: list[tuple[int, str]] = []  # (chat id, rendered entry), in time order
        self._file_counter = 0
        self._media_group_counter = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "leaveChat": self._leave_chat,
        }
        self._method_names = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:``port`` (0 = a free port)."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._http = aiohttp.ClientSession()
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._updates_signal.notify()  # lets pending long polls answer at once
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            try:
                await self._webhook_task
            except asyncio.CancelledError:
                pass
            self._webhook_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``; PTB appends the token."""
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``."""
        return f"{self._origin}/file/bot"

    @property
    def _origin(self) -> str:
        if self.port is None:
            raise RuntimeError("call start() first")
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- test-side API

    def user(self, user_id: int, first_name: str, *, username: str | None = None, language_code: str = "zh-hans",
             last_name: str | None = None) -> SimUser:
        """The user with this id, created on first call (later calls return the same object)."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        if user_id == self.bot_id:
            raise ValueError("that id is the bot's own")
        user = SimUser(self, user_id, first_name, username=username, language_code=language_code,
                       last_name=last_name)
        self._users[user_id] = user
        self._chats[user_id] = user.chat
        return user

    def group(self, chat_id: int, title: str, *, type: str = "group") -> SimChat:
        """A group (or supergroup) the bot is a member of; created on first call."""
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat = SimChat(self, chat_id, type, title=title)
        self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> SimChat:
        try:
            return self._chats[chat_id]
        except KeyError:
            raise KeyError(f"no chat {chat_id}: create it with sim.user(...) or sim.group(...)") from None

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot uploaded or a user sent."""
        try:
            return self.files[file_id].content
        except KeyError:
            raise KeyError(f"unknown file_id {file_id!r}") from None

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method (name case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def get_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands the bot set for this scope and language (as setMyCommands stored them)."""
        return self.commands.get((self._scope_key(scope or {"type": "default"}), language_code), [])

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by the bot."""
        return list(self._updates)

    def fail_next(self, method: str, *, status: int = 500, description: str = "Internal Server Error",
                  times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with this error instead of executing them."""
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(status, description, retry_after) for _ in range(times))

    def hang_next(self, method: str, *, times: int = 1) -> None:
        """Leave the next ``times`` calls of ``method`` unanswered until the client gives up (a
        timeout), without carrying them out."""
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(0, "", None, hang=True) for _ in range(times))

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSONDict:
        """Wait until the bot answered the callback query ``query_id``; returns the answer params."""
        deadline = asyncio.get_running_loop().time() + timeout
        while query_id not in self.callback_answers:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"the bot did not answer callback query {query_id} within {timeout:g}s")
            await self._answers_signal.wait(remaining)
        return self.callback_answers[query_id]

    def transcript(self, chat_id: int | None = None) -> str:
        """Everything that happened (in one chat, or in all chats in time order), human-readable."""
        return "\n".join(entry for cid, entry in self._log if chat_id is None or cid == chat_id)

    def _tail(self, chat_id: int, entries: int = 15) -> str:
        selected = [entry for cid, entry in self._log if cid == chat_id][-entries:]
        return "\n".join(selected) if selected else "(nothing happened in this chat)"

    # ---------------------------------------------------------------- HTTP layer

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return self._json(ApiError(404, "Not Found").payload(), 404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not _TOKEN_RE.fullmatch(token):
            return self._json(ApiError(404, "Not Found").payload(), 404)
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        requested = request.match_info["method"]
        name = self._method_names.get(requested.lower())
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self.calls.append(ApiCall(name or requested, {}, time.time(), error.status, error.description))
            return self._json(error.payload(), error.status)
        call = ApiCall(name or requested, params.recorded(), time.time())
        self.calls.append(call)
        if name is None:
            call.status, call.description = 404, "Not Found"
            return self._json(ApiError(404, "Not Found").payload(), 404)
        try:
            result = await self._execute(name, params)
        except ApiError as error:
            call.status, call.description = error.status, error.description
            return self._json(error.payload(), error.status)
        body: JSONDict = {"ok": True, "result": result}
        if name == "setWebhook":
            body["description"] = "Webhook was set"
        elif name == "deleteWebhook":
            body["description"] = "Webhook was deleted"
        return self._json(body, 200)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        path = request.match_info["path"]
        for sim_file in self.files.values():
            if sim_file.file_path == path:
                return web.Response(body=sim_file.content, content_type="application/octet-stream")
        return self._json(ApiError(404, "Not Found").payload(), 404)

    @staticmethod
    def _json(body: JSONDict, status: int) -> web.Response:
        return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json")

    async def _read_params(self, request: web.Request) -> _Params:
        values: JSONDict = dict(request.query)
        uploads: dict[str, _Upload] = {}
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError:
                    raise _bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad("JSON object expected")
                values.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise ApiError(413, "Request Entity Too Large") from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = _Upload(value.filename, value.file.read(), value.content_type)
                    else:
                        values[key] = value
        transport = request.transport

        def client_gone() -> bool:
            return transport is None or transport.is_closing()

        return _Params(values, uploads, client_gone)

    async def _execute(self, name: str, params: _Params) -> Any:
        faults = self._faults.get(name.lower())
        if faults:
            fault = faults.popleft()
            if fault.hang:
                while not params.client_gone() and not self._closing:
                    await asyncio.sleep(0.05)
                raise ApiError(504, "Gateway Timeout")
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise ApiError(fault.status, fault.description, extra)
        if name.startswith("send") and self.response_delay > 0:
            await asyncio.sleep(self.response_delay)
        return await self._handlers[name](params)

    # ---------------------------------------------------------------- updates

    def _queue_update(self, kind: str, payload: JSONDict) -> None:
        allowed = self._webhook.allowed_updates if self._webhook else self._allowed_updates
        if allowed:
            if kind not in allowed:
                return
        elif kind in _UPDATE_TYPES_OFF_BY_DEFAULT:
            return
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._updates_signal.notify()

    async def _get_updates(self, p: _Params) -> list[JSONDict]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # Like Telegram, a newer getUpdates call terminates one that is still waiting.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing or p.client_gone():
                return []
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            if self._webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(remaining)

    async def _set_webhook(self, p: _Params) -> bool:
        url = (p.text("url") or "").strip()
        if not url:
            return await self._delete_webhook(p)
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        # A local Bot API server (and so this one) also accepts plain HTTP on any port.
        if scheme not in ("http", "https") or not url.split("://", 1)[1].split("/", 1)[0]:
            raise _bad("bad webhook: Wrong HTTP URL specified")
        secret = p.text("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        max_connections = p.integer("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = p.json("allowed_updates")
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = _Webhook(url, secret, max_connections,
                                 list(allowed) if allowed is not None else self._allowed_updates)
        self._updates_signal.notify()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        self._webhook = None
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._updates_signal.notify()
        return True

    async def _get_webhook_info(self, p: _Params) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {"url": hook.url if hook else "", "has_custom_certificate": False,
                          "pending_update_count": len(self._updates)}
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _deliver_webhooks(self) -> None:
        backoff = 0.05
        while not self._closing and self._webhook is not None:
            hook = self._webhook
            if not self._updates or self._http is None:
                await self._updates_signal.wait(1.0)
                continue
            update = self._updates[0]
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            error: str | None = None
            reply = b""
            try:
                async with self._http.post(hook.url, data=json.dumps(update, ensure_ascii=False).encode(),
                                           headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    reply = await response.read()
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = str(exc) or type(exc).__name__
            if error is None:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                backoff = 0.05
                await self._run_webhook_reply(reply)
            else:
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _run_webhook_reply(self, body: bytes) -> None:
        """A webhook may answer with a method call in its response body; execute it like Telegram."""
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("method"), str):
            return
        name = self._method_names.get(data["method"].lower())
        params = _Params({k: v for k, v in data.items() if k != "method"})
        call = ApiCall(name or data["method"], params.recorded(), time.time())
        self.calls.append(call)
        if name is None:
            call.status, call.description = 404, "Not Found"
            return
        try:
            await self._execute(name, params)
        except ApiError as error:
            call.status, call.description = error.status, error.description

    # ---------------------------------------------------------------- bot settings

    async def _true(self, p: _Params) -> bool:
        return True

    def bot_user_dict(self) -> JSONDict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    async def _get_me(self, p: _Params) -> JSONDict:
        return {
            **self.bot_user_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _scope_key(self, scope: Any) -> str:
        if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
            raise _bad("can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            self._chat_from(scope.get("chat_id"))
            if scope["type"] == "chat_member" and scope.get("user_id") not in self._users:
                raise _bad("user not found")
        return json.dumps(scope, sort_keys=True, ensure_ascii=False)

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        scope = p.json("scope", "BotCommandScope") or {"type": "default"}
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), language

    async def _set_my_commands(self, p: _Params) -> bool:
        commands = p.json("commands", "BotCommand array")
        if commands is None:
            raise _bad("parameter \"commands\" is required")
        if not isinstance(commands, list):
            raise _bad("can't parse BotCommand array JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict) or not isinstance(command.get("command"), str):
                raise _bad("can't parse BotCommand JSON object")
            if not _BOT_COMMAND_RE.fullmatch(command["command"]):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": description})
        self.commands[self._commands_key(p)] = cleaned
        return True

    async def _get_my_commands(self, p: _Params) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _set_chat_menu_button(self, p: _Params) -> bool:
        chat_id = self._chat_from(p.values["chat_id"]).id if p.has("chat_id") else None
        button = p.json("menu_button", "MenuButton") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise _bad("can't parse MenuButton JSON object")
        if button["type"] == "web_app" and not (isinstance(button.get("text"), str)
                                                and isinstance(button.get("web_app"), dict)):
            raise _bad("can't parse MenuButton JSON object")
        if button["type"] == "default":
            self.menu_buttons.pop(chat_id, None)
        else:
            self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, p: _Params) -> JSONDict:
        if p.has("chat_id"):
            chat = self._chat_from(p.values["chat_id"])
            if chat.id in self.menu_buttons:
                return self.menu_buttons[chat.id]
        return self.menu_buttons.get(None, {"type": "commands"})

    def _set_text_setting(self, p: _Params, store: dict[str, str], key: str, limit: int) -> bool:
        value = p.text(key) or ""
        if len(value) > limit:
            raise _bad(f"{key.replace('_', ' ')} is too long")
        language = p.text("language_code") or ""
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _get_text_setting(self, p: _Params, store: dict[str, str], key: str) -> JSONDict:
        language = p.text("language_code") or ""
        return {key: store.get(language, store.get("", ""))}

    async def _set_my_description(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.descriptions, "description", 512)

    async def _get_my_description(self, p: _Params) -> JSONDict:
        return self._get_text_setting(p, self.descriptions, "description")

    async def _set_my_short_description(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.short_descriptions, "short_description", 120)

    async def _get_my_short_description(self, p: _Params) -> JSONDict:
        return self._get_text_setting(p, self.short_descriptions, "short_description")

    async def _set_my_name(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.names, "name", 64)

    async def _get_my_name(self, p: _Params) -> JSONDict:
        result = self._get_text_setting(p, self.names, "name")
        return {"name": result["name"] or self.first_name}

    # ---------------------------------------------------------------- chats and checks

    def _chat_from(self, value: Any) -> SimChat:
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == value[1:].lower():
                    return chat
            raise _bad("chat not found")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_can_write(self, chat: SimChat) -> None:
        if chat.id in self.forbidden_chats:
            if chat.is_private:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.bot_status == "kicked":
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.bot_status == "left":
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")

    def _check_rate_limits(self, chat: SimChat) -> None:
        now = time.monotonic()
        while self._global_sends and now - self._global_sends[0] >= 1.0:
            self._global_sends.popleft()
        if self.rate_limit_per_second is not None and len(self._global_sends) >= self.rate_limit_per_second:
            self.too_many_requests += 1
            raise _too_many_requests(max(1, math.ceil(self._global_sends[0] + 1.0 - now)))
        group_window: deque[float] | None = None
        if chat.id < 0:
            group_window = self._group_sends.setdefault(chat.id, deque())
            while group_window and now - group_window[0] >= 60.0:
                group_window.popleft()
            limit = self.group_rate_limit_per_minute
            if limit is not None and len(group_window) >= limit:
                self.too_many_requests += 1
                raise _too_many_requests(max(1, math.ceil(group_window[0] + 60.0 - now)))
            group_window.append(now)
        self._global_sends.append(now)

    def _send_target(self, p: _Params) -> SimChat:
        chat = self._chat_from(p.values.get("chat_id"))
        self._check_rate_limits(chat)
        self._check_can_write(chat)
        return chat

    def _reply_target(self, p: _Params, chat: SimChat) -> int | None:
        parameters = p.json("reply_parameters", "ReplyParameters")
        if parameters is not None:
            if not isinstance(parameters, dict) or "message_id" not in parameters:
                raise _bad("can't parse ReplyParameters JSON object")
            message_id = parameters["message_id"]
            allow_missing = bool(parameters.get("allow_sending_without_reply"))
            target_chat = self._chat_from(parameters["chat_id"]) if "chat_id" in parameters else chat
        else:
            message_id = p.integer("reply_to_message_id")
            allow_missing = p.flag("allow_sending_without_reply")
            target_chat = chat
        if message_id is None:
            return None
        try:
            found = target_chat.get(int(message_id))
        except (KeyError, ValueError):
            found = None
        if found is None or found.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return found.message_id if target_chat is chat else None

    def _reply_markup(self, p: _Params, *, inline_only: bool = False) -> JSONDict | None:
        markup = p.json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse inline keyboard button: Field \"inline_keyboard\" must be of type Array")
            cleaned = [[self._inline_button(button) for button in row] for row in rows]
            cleaned = [row for row in cleaned if row]
            if sum(len(row) for row in cleaned) > 100:
                raise _bad("reply markup is too long")
            return {"inline_keyboard": cleaned} if cleaned else None
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse keyboard button: Field \"keyboard\" must be of type Array")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not isinstance(text, str) or not text:
                        raise _bad("can't parse keyboard button: Field \"text\" must be of type String")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_button(button: Any) -> JSONDict:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        text = button.get("text")
        if not isinstance(text, str):
            raise _bad("can't parse inline keyboard button: Field \"text\" must be of type String")
        if not text.strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
                       "optional field")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or _normalize_url(url) is None:
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return dict(button)

    def _format(self, raw: str, parse_mode: str | None, entities: Any, *,
                caption: bool) -> tuple[str, list[JSONDict]]:
        if entities is not None:
            if not isinstance(entities, list) or not all(
                isinstance(e, dict) and isinstance(e.get("type"), str) and isinstance(e.get("offset"), int)
                and isinstance(e.get("length"), int) for e in entities
            ):
                raise _bad("can't parse entities JSON object")
            text, parsed = raw, [dict(e) for e in entities]
        elif parse_mode:
            parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
            parser = parsers.get(parse_mode.lower())
            if parser is None:
                raise _bad("unsupported parse_mode")
            text, parsed = parser(raw)
        else:
            text, parsed = raw, []
        text, parsed = _finish_text(text, parsed)
        for entity in parsed:
            match = re.fullmatch(r"tg://user\?id=(\d+)", entity.get("url", ""))
            if entity["type"] == "text_link" and match and int(match.group(1)) in self._users:
                entity.pop("url")
                entity["type"] = "text_mention"
                entity["user"] = self._users[int(match.group(1))].to_api()
        if caption and len(text) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        if not caption and len(text) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return text, parsed

    # ---------------------------------------------------------------- message building

    def _sender_dict(self, message: SimMessage) -> JSONDict:
        if message.from_bot:
            return self.bot_user_dict()
        return self._users[message.sender_id].to_api()

    def _message_dict(self, message: SimMessage, *, with_reply: bool = True) -> JSONDict:
        chat = self.chat(message.chat_id)
        data: JSONDict = {
            "message_id": message.message_id,
            "from": self._sender_dict(message),
            "chat": chat.to_api(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.forward_origin is not None:
            data["forward_origin"] = message.forward_origin
        if message.media_group_id is not None:
            data["media_group_id"] = message.media_group_id
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.photo is not None:
            data["photo"] = message.photo
        if message.document is not None:
            data["document"] = message.document
        if message.caption:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if with_reply and message.reply_to_message_id is not None:
            try:
                data["reply_to_message"] = self._message_dict(chat.get(message.reply_to_message_id),
                                                              with_reply=False)
            except KeyError:
                pass
        return copy.deepcopy(data)

    def _new_bot_message(self, chat: SimChat, **fields: Any) -> SimMessage:
        message = SimMessage(message_id=chat._next_message_id(), chat_id=chat.id, from_bot=True,
                             sender=self.first_name, sender_id=self.bot_id, date=int(time.time()), **fields)
        chat.messages.append(message)
        chat._push_event(message)
        self._log_message(chat, message)
        return message

    def _register_file(self, kind: str, content: bytes, *, file_name: str | None = None,
                       mime_type: str | None = None, width: int | None = None,
                       height: int | None = None) -> SimFile:
        self._file_counter += 1
        number = self._file_counter
        prefix = {"photo": "AgACAgUAAxkBAA", "document": "BQACAgUAAxkBAA"}[kind]
        if kind == "photo":
            path = f"photos/file_{number}.jpg"
        else:
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + re.sub(r"[^A-Za-z0-9]", "", file_name.rsplit(".", 1)[1])[:10]
            path = f"documents/file_{number}{suffix}"
        sim_file = SimFile(
            file_id=f"{prefix}{number:04d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number:04d}{secrets.token_urlsafe(6)}",
            kind=kind, content=content, file_path=path, file_name=file_name, mime_type=mime_type,
            width=width, height=height,
        )
        self.files[sim_file.file_id] = sim_file
        return sim_file

    def _photo_sizes(self, content: bytes, width: int, height: int) -> list[JSONDict]:
        """Telegram stores several sizes of every photo; the last one is the biggest."""
        sizes: list[JSONDict] = []
        longest = max(width, height, 1)
        for limit in (90, 320, 800):
            if limit < longest:
                scale = limit / longest
                sizes.append(self._photo_size(content, max(1, round(width * scale)), max(1, round(height * scale))))
        sizes.append(self._photo_size(content, width, height))
        return sizes

    def _photo_size(self, content: bytes, width: int, height: int) -> JSONDict:
        sim_file = self._register_file("photo", content, width=width, height=height, mime_type="image/jpeg")
        return {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                "file_size": sim_file.size, "width": width, "height": height}

    def _user_photo(self) -> list[JSONDict]:
        shade = self._file_counter * 37 % 256
        return self._photo_sizes(make_png(640, 480, (shade, 120, 255 - shade)), 640, 480)

    @staticmethod
    def _document_dict(sim_file: SimFile) -> JSONDict:
        data: JSONDict = {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                          "file_size": sim_file.size}
        if sim_file.file_name:
            data["file_name"] = sim_file.file_name
        if sim_file.mime_type:
            data["mime_type"] = sim_file.mime_type
        return data

    async def _input_file(self, p: _Params, name: str, kind: str, *, in_media: bool = False,
                          value: Any = None) -> SimFile:
        """Resolve an InputFile: an upload, attach://<part>, a file_id or an HTTP URL.

        ``in_media``: ``value`` comes from an InputMedia object rather than from parameter ``name``.
        """
        upload = None if in_media else p.uploads.get(name)
        if not in_media:
            value = p.values.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.uploads.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            return self._store_upload(kind, upload.content, upload.filename, upload.content_type)
        if not isinstance(value, str) or not value.strip():
            raise _bad(f"there is no {kind} in the request")
        value = value.strip()
        if re.match(r"https?://", value, re.IGNORECASE):
            content = await self._fetch(value)
            filename = value.rsplit("/", 1)[-1].split("?", 1)[0] or "file"
            sim_file = self._store_upload(kind, content, filename, None)
            sim_file.url = value
            return sim_file
        sim_file = self.files.get(value)
        if sim_file is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if sim_file.kind != kind:
            raise _bad(f"can't use file of type {sim_file.kind.capitalize()} as {kind.capitalize()}")
        return sim_file

    def _store_upload(self, kind: str, content: bytes, filename: str | None, content_type: str | None) -> SimFile:
        if kind == "photo":
            size = _image_size(content)
            if size is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            if size[0] + size[1] > 10000 or max(size) > 20 * min(size):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            if len(content) > 10 * 1024 * 1024:
                raise _bad("PHOTO_SAVE_FILE_INVALID")
            return self._register_file("photo", content, width=size[0], height=size[1], mime_type="image/jpeg")
        mime = (mimetypes.guess_type(filename)[0] if filename else None) or content_type or "application/octet-stream"
        return self._register_file("document", content, file_name=filename, mime_type=mime)

    async def _fetch(self, url: str) -> bytes:
        if self._http is None:
            raise _bad("failed to get HTTP URL content")
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                if response.status != 200:
                    raise _bad("failed to get HTTP URL content")
                return await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise _bad("failed to get HTTP URL content") from None

    # ---------------------------------------------------------------- sending

    async def _send_message(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        raw = p.text("text")
        if raw is None or not raw.strip():
            raise _bad("message text is empty")
        parse_mode = p.text("parse_mode")
        text, entities = self._format(raw, parse_mode, p.json("entities"), caption=False)
        if not text:
            raise _bad("message text is empty")
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        message = self._new_bot_message(chat, text=text, raw_text=raw, parse_mode=parse_mode, entities=entities,
                                        reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    def _caption(self, p: _Params, caption_key: str = "caption",
                 source: JSONDict | None = None) -> tuple[str | None, list[JSONDict], str | None]:
        values = source if source is not None else p.values
        raw = values.get(caption_key)
        parse_mode = values.get("parse_mode")
        if raw is None or raw == "":
            return None, [], parse_mode
        entities = values.get("caption_entities")
        if isinstance(entities, str):
            entities = _Params({"e": entities}).json("e", "caption entities")
        text, parsed = self._format(str(raw), parse_mode, entities, caption=True)
        return text or None, parsed, parse_mode

    async def _send_photo(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        sim_file = await self._input_file(p, "photo", "photo")
        photo = self._photo_sizes(sim_file.content, sim_file.width or 1280, sim_file.height or 720)
        message = self._new_bot_message(chat, text=None, photo=photo, caption=caption,
                                        raw_text=p.text("caption"), caption_entities=caption_entities,
                                        parse_mode=parse_mode, reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    async def _send_document(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        sim_file = await self._input_file(p, "document", "document")
        message = self._new_bot_message(chat, text=None, document=self._document_dict(sim_file), caption=caption,
                                        raw_text=p.text("caption"), caption_entities=caption_entities,
                                        parse_mode=parse_mode, reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    async def _send_media_group(self, p: _Params) -> list[JSONDict]:
        chat = self._send_target(p)
        media = p.json("media", "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album: must be between 2 and 10")
        kinds = set()
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
                raise _bad("can't parse InputMedia JSON object")
            if item["type"] in ("video", "audio"):
                raise _bad(f"the simulator does not support {item['type']} media")
            kinds.add(item["type"])
        if len(kinds) > 1:
            raise _bad("document can't be mixed with other media types")
        reply_to = self._reply_target(p, chat)
        prepared = []
        for item in media:
            caption, caption_entities, parse_mode = self._caption(p, source=item)
            sim_file = await self._input_file(p, "media", item["type"], in_media=True, value=item.get("media"))
            prepared.append((item, sim_file, caption, caption_entities, parse_mode))
        self._media_group_counter += 1
        group_id = f"{13_000_000_000_000_000 + self._media_group_counter}"
        results = []
        for item, sim_file, caption, caption_entities, parse_mode in prepared:
            fields: JSONDict = {"caption": caption, "caption_entities": caption_entities, "parse_mode": parse_mode,
                                "raw_text": item.get("caption"), "media_group_id": group_id,
                                "reply_to_message_id": reply_to}
            if item["type"] == "photo":
                fields["photo"] = self._photo_sizes(sim_file.content, sim_file.width or 1280, sim_file.height or 720)
            else:
                fields["document"] = self._document_dict(sim_file)
            results.append(self._message_dict(self._new_bot_message(chat, text=None, **fields)))
        return results

    async def _send_chat_action(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        self._check_can_write(chat)
        if p.text("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- editing and deleting

    def _editable(self, p: _Params) -> tuple[SimChat, SimMessage]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_from(p.values.get("chat_id"))
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        self._check_can_write(chat)
        try:
            message = chat.get(message_id)
        except KeyError:
            raise _bad("message to edit not found") from None
        if message.deleted:
            raise _bad("message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: SimChat, message: SimMessage, **changes: Any) -> JSONDict:
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited = True
        message.edit_date = int(time.time())
        chat._push_event(message)
        self._log_message(chat, message)
        return self._message_dict(message)

    @staticmethod
    def _not_modified() -> ApiError:
        return _bad("message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message")

    async def _edit_message_text(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        raw = p.text("text")
        if raw is None or not raw.strip():
            raise _bad("message text is empty")
        if message.text is None:
            raise _bad("there is no text in the message to edit")
        parse_mode = p.text("parse_mode")
        text, entities = self._format(raw, parse_mode, p.json("entities"), caption=False)
        if not text:
            raise _bad("message text is empty")
        # Omitting reply_markup removes the inline keyboard, as in the real API.
        markup = self._reply_markup(p, inline_only=True)
        if text == message.text and entities == message.entities and markup == message.reply_markup:
            raise self._not_modified()
        return self._apply_edit(chat, message, text=text, raw_text=raw, parse_mode=parse_mode, entities=entities,
                                reply_markup=markup)

    async def _edit_message_caption(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        if message.photo is None and message.document is None:
            raise _bad("there is no caption in the message to edit")
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p, inline_only=True)
        if (caption == message.caption and caption_entities == message.caption_entities
                and markup == message.reply_markup):
            raise self._not_modified()
        return self._apply_edit(chat, message, caption=caption, caption_entities=caption_entities,
                                raw_text=p.text("caption"), parse_mode=parse_mode, reply_markup=markup)

    async def _edit_message_reply_markup(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        markup = self._reply_markup(p, inline_only=True)
        if markup == message.reply_markup:
            raise self._not_modified()
        return self._apply_edit(chat, message, reply_markup=markup)

    def _delete(self, chat: SimChat, message_id: int) -> None:
        try:
            message = chat.get(message_id)
        except KeyError:
            raise _bad("message to delete not found") from None
        if message.deleted:
            raise _bad("message to delete not found")
        if not message.from_bot and not chat.is_private and chat.bot_status != "administrator":
            raise _bad("message can't be deleted")
        if time.time() - message.date > 48 * 3600:
            raise _bad("message can't be deleted")
        message.deleted = True
        who = self._who(chat, message)
        self._log_entry(chat, f"{who}: 🗑️ 删除了消息「{_snippet(message.content)}」" if message.from_bot
                        else f"🤖 {self.first_name}: 🗑️ 删除了 {who} 的消息「{_snippet(message.content)}」")

    async def _delete_message(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        self._delete(chat, message_id)
        return True

    async def _delete_messages(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        ids = p.json("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message identifiers are not specified")
        for message_id in ids:
            try:
                self._delete(chat, int(message_id))
            except ApiError:
                pass  # deleteMessages skips messages it can't delete
        return True

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id")
        if not query_id:
            raise _bad("callback_query_id is empty")
        query = self._pending_queries.pop(query_id, None)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.text("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        if p.has("url"):
            raise _bad("URL_INVALID")  # only allowed for games, which this bot does not have
        self.callback_answers[query_id] = p.recorded()
        if text:
            chat = self.chat(query.chat_id)
            kind = "弹窗" if p.flag("show_alert") else "提示"
            self._log_entry(chat, f"🤖 {self.first_name} ⟶ {kind}「{text}」")
        self._answers_signal.notify()
        return True

    # ---------------------------------------------------------------- files and chats

    async def _get_file(self, p: _Params) -> JSONDict:
        file_id = p.text("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        sim_file = self.files.get(file_id.strip())
        if sim_file is None:
            raise _bad("invalid file_id")
        if sim_file.size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                "file_size": sim_file.size, "file_path": sim_file.file_path}

    async def _get_chat(self, p: _Params) -> JSONDict:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.bot_status in ("left", "kicked"):
            raise _bad("chat not found")
        info = chat.to_api()
        info.update({
            "accent_color_id": abs(chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
                                    "premium_subscription": True, "gifts_from_channels": True},
        })
        if not chat.is_private:
            info["permissions"] = {"can_send_messages": True}
        return info

    def _member_dict(self, user: JSONDict, status: str) -> JSONDict:
        data: JSONDict = {"status": status, "user": user}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update({
                "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
                "can_pin_messages": True,
            })
        elif status == "kicked":
            data["until_date"] = 0
        return data

    async def _get_chat_member(self, p: _Params) -> JSONDict:
        chat = self._chat_from(p.values.get("chat_id"))
        user_id = p.integer("user_id", required=True)
        if user_id == self.bot_id:
            status = "kicked" if chat.is_private and chat.id in self.forbidden_chats else chat.bot_status
            return self._member_dict(self.bot_user_dict(), status)
        user = self._users.get(user_id or 0)
        if user is None:
            raise _bad("user not found")
        if chat.is_private:
            if user_id != chat.id:
                raise _bad("user not found")
            return self._member_dict(user.to_api(), "member")
        return self._member_dict(user.to_api(), chat.members.get(user.id, "left"))

    async def _get_chat_administrators(self, p: _Params) -> list[JSONDict]:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            raise _bad("there are no administrators in the private chat")
        admins = [self._member_dict(self._users[uid].to_api(), status) for uid, status in chat.members.items()
                  if status in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            admins.append(self._member_dict(self.bot_user_dict(), "administrator"))
        return admins

    async def _get_chat_member_count(self, p: _Params) -> int:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            return 2
        present = sum(1 for status in chat.members.values() if status not in ("left", "kicked"))
        return present + (chat.bot_status not in ("left", "kicked"))

    async def _leave_chat(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            raise _bad("chat member status can't be changed in private chats")
        if chat.bot_status in ("left", "kicked"):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        old = chat.bot_status
        chat.bot_status = "left"
        self._my_chat_member(chat, None, old, "left", "⚙️ 机器人退出了本群")
        return True

    # ---------------------------------------------------------------- user actions

    def _live_message(self, message: SimMessage) -> SimMessage:
        live = self.chat(message.chat_id).get(message.message_id)
        if live.deleted:
            raise AssertionError(f"message #{live.message_id} was deleted")
        return live

    def _join(self, user: SimUser, chat: SimChat) -> None:
        if chat.is_private:
            if chat.id != user.id:
                raise ValueError(f"{user!r} can't write in the private chat of user {chat.id}")
            return
        if chat.members.get(user.id) in (None, "left"):
            chat.members[user.id] = "member"
        if chat.members[user.id] == "kicked":
            raise ValueError(f"{user!r} was banned from {chat.label}")

    def _resolve_reply(self, chat: SimChat, reply_to: SimMessage | int | None) -> int | None:
        if reply_to is None:
            return None
        if isinstance(reply_to, SimMessage):
            if reply_to.chat_id != chat.id:
                raise ValueError("can only reply to a message of the same chat")
            reply_to = reply_to.message_id
        if chat.get(reply_to).deleted:
            raise ValueError(f"message #{reply_to} was deleted")
        return reply_to

    def _bot_receives(self, chat: SimChat, message: SimMessage) -> bool:
        """Who gets what, per Telegram's privacy mode rules for bots in groups."""
        if chat.is_private:
            return True
        if chat.bot_status in ("left", "kicked"):
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if message.reply_to_message_id is not None and chat.get(message.reply_to_message_id).from_bot:
            return True
        source = message.text if message.text is not None else (message.caption or "")
        for entity in message.entities or message.caption_entities:
            if entity["type"] == "bot_command":
                command = source[entity["offset"] : entity["offset"] + entity["length"]]
                mention = command.partition("@")[2]
                if not mention or mention.lower() == self.username.lower():
                    return True
        return False

    def _user_message(self, user: SimUser, chat: SimChat, *, text: str | None = None, caption: str | None = None,
                      photo: list[JSONDict] | None = None, document: JSONDict | None = None,
                      reply_to: SimMessage | int | None = None,
                      forward_origin: JSONDict | None = None,
                      entities: list[JSONDict] | None = None) -> SimMessage:
        self._join(user, chat)
        message = SimMessage(
            message_id=chat._next_message_id(), chat_id=chat.id, from_bot=False, sender=user.display_name,
            sender_id=user.id, text=text, raw_text=text, date=int(time.time()),
            entities=entities if entities is not None else detect_entities(text) if text else [],
            photo=photo, document=document, caption=caption or None,
            caption_entities=detect_entities(caption) if caption else [],
            reply_to_message_id=self._resolve_reply(chat, reply_to), forward_origin=forward_origin,
        )
        chat.messages.append(message)
        message.delivered = self._bot_receives(chat, message)
        self._log_message(chat, message)
        if message.delivered:
            self._queue_update("message", self._message_dict(message))
        return message

    def _user_edit(self, user: SimUser, message: SimMessage, new_text: str) -> None:
        live = self._live_message(message)
        if live.from_bot or live.sender_id != user.id:
            raise ValueError("users can only edit their own messages")
        if not new_text.strip():
            raise ValueError("an edited message can't be empty")
        chat = self.chat(live.chat_id)
        if live.text is not None:
            live.text = live.raw_text = new_text
            live.entities = detect_entities(new_text)
        else:
            live.caption = new_text
            live.caption_entities = detect_entities(new_text)
        live.edited = True
        live.edit_date = int(time.time())
        self._log_message(chat, live)
        if live.delivered or self._bot_receives(chat, live):
            self._queue_update("edited_message", self._message_dict(live))

    def _user_forward(self, user: SimUser, message: SimMessage, chat: SimChat) -> SimMessage:
        live = self._live_message(message)
        sender = self.bot_user_dict() if live.from_bot else self._users[live.sender_id].to_api()
        origin = {"type": "user", "date": live.date, "sender_user": sender}
        return self._user_message(user, chat, text=live.text, caption=live.caption,
                                  photo=copy.deepcopy(live.photo), document=copy.deepcopy(live.document),
                                  forward_origin=origin, entities=copy.deepcopy(live.entities))

    def _callback_query(self, user: SimUser, message: SimMessage, data: str, *, label: str | None) -> str:
        chat = self.chat(message.chat_id)
        self._join(user, chat)
        query_id = str(secrets.randbits(63))
        self._pending_queries[query_id] = _PendingQuery(chat.id, message.message_id, user.id, data)
        who = self._who(chat, user=user)
        shown = f"按下「{label}」" if label is not None else f"发送回调数据「{data}」（无此按钮）"
        self._log_entry(chat, f"{who} ⟵ {shown}")
        self._queue_update("callback_query", {
            "id": query_id,
            "from": user.to_api(),
            "message": self._message_dict(message),
            "chat_instance": str(abs(chat.id) * 7919 + 13),
            "data": data,
        })
        return query_id

    def _my_chat_member(self, chat: SimChat, by: SimUser | None, old: str, new: str, log: str) -> None:
        self._log_entry(chat, log)
        actor = by.to_api() if by is not None else self.bot_user_dict()
        self._queue_update("my_chat_member", {
            "chat": chat.to_api(),
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": self._member_dict(self.bot_user_dict(), old),
            "new_chat_member": self._member_dict(self.bot_user_dict(), new),
        })

    # ---------------------------------------------------------------- transcript

    def _who(self, chat: SimChat, message: SimMessage | None = None, *, user: SimUser | None = None) -> str:
        if message is not None and message.from_bot:
            return f"🤖 {self.first_name}"
        if user is None:
            assert message is not None
            user = self._users[message.sender_id]
        role = {"creator": "群主 ", "administrator": "管理员 "}.get(chat.members.get(user.id, ""), "")
        return f"{role}{user.display_name}"

    def _log_entry(self, chat: SimChat, entry: str) -> None:
        line = f"[{chat.label}] {entry}"
        self._log.append((chat.id, line))
        if self.on_log is not None:
            self.on_log(line)

    def _log_message(self, chat: SimChat, message: SimMessage) -> None:
        prefix = ""
        if message.edited:
            prefix += "✏️（已编辑）"
        if message.forward_origin is not None:
            origin = message.forward_origin.get("sender_user", {})
            prefix += f"↪️ 转发自 {origin.get('first_name', '?')}: "
        if message.reply_to_message_id is not None:
            try:
                replied = chat.get(message.reply_to_message_id)
                prefix += f"↩️「{_snippet(replied.content)}」 "
            except KeyError:
                pass
        if message.photo is not None:
            body = "📷 照片" + (f" — {message.caption}" if message.caption else "")
        elif message.document is not None:
            body = f"📄 {message.document.get('file_name') or 'file'}" + (
                f" — {message.caption}" if message.caption else "")
        else:
            body = message.text or ""
        lines = (prefix + body).split("\n")
        entry = f"{self._who(chat, message)}: {lines[0]}"
        entry += "".join(f"\n    {line}" for line in lines[1:])
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard") or []:
            entry += "\n    " + " ".join(f"[ {b['text']}{' 🔗' if 'url' in b else ''} ]" for b in row)
        for row in markup.get("keyboard") or []:
            labels = [b if isinstance(b, str) else b.get("text", "") for b in row]
            entry += "\n    ⌨️ " + " ".join(f"[ {label} ]" for label in labels)
        if not message.from_bot and not message.delivered:
            absent = chat.bot_status in ("left", "kicked")
            entry += "   🙈 (机器人不在本群，收不到)" if absent else "   🙈 (隐私模式：机器人收不到)"
        self._log_entry(chat, entry)


# --------------------------------------------------------------------------------------------
# Standalone server: python -m bot.simulator --port 8081
# --------------------------------------------------------------------------------------------

_CLI_HELP = """\
Type lines to act as users (messages appear here as the bot answers):
  <user_id> <text>                       user writes to the bot in private, e.g.  1001 /start
  <user_id>@<group_id> <text>            user writes in a group, e.g.  1001@-100 /setgroup
  press <user_id>[@<group_id>] <message_id> <button text or data>
  t [chat_id]                            print the transcript
  help                                   this text"""


def _cli_command(sim: BotApiSimulator, line: str) -> None:
    line = line.strip()
    if not line:
        return
    if line in ("help", "?"):
        print(_CLI_HELP)
        return
    head, _, rest = line.partition(" ")
    if head == "t":
        print(sim.transcript(int(rest) if rest.strip() else None) or "(empty)")
        return
    if head == "press":
        who, _, rest = rest.strip().partition(" ")
        message_id, _, button = rest.strip().partition(" ")
        user, chat = _cli_actor(sim, who)
        user.press(chat.get(int(message_id)), button.strip())
        return
    user, chat = _cli_actor(sim, head)
    user.send(rest, chat=chat)


def _cli_actor(sim: BotApiSimulator, spec: str) -> tuple[SimUser, SimChat]:
    user_part, _, group_part = spec.partition("@")
    user = sim.user(int(user_part), f"用户{user_part}")
    chat = sim.group(int(group_part), f"测试群{group_part}") if group_part else user.chat
    return user, chat


async def _serve(args: argparse.Namespace) -> None:
    sim = BotApiSimulator(args.token, args.username, first_name=args.first_name)
    sim.on_log = print
    await sim.start(args.port)
    print(f"Bot API simulator listening: base_url={sim.base_url}  base_file_url={sim.base_file_url}")
    print(f"token={sim.token}  bot=@{sim.username}  (Ctrl-C to stop)")
    print(_CLI_HELP)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    # A daemon thread, so that Ctrl-C is not held up by a blocking readline.
    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        while True:
            line = await lines.get()
            if line is None:
                await asyncio.Event().wait()  # stdin closed: keep serving until interrupted
            try:
                _cli_command(sim, line or "")
            except (AssertionError, KeyError, ValueError) as exc:
                print(f"! {exc}")
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.simulator",
                                     description="Run a fake Telegram Bot API server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--username", default="progress_test_bot")
    parser.add_argument("--first-name", default="督办助手")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
