"""Text formatting as the Bot API does it: HTML (a port of tdlib's parser, same error texts), the
entities Telegram detects by itself (commands, mentions, links), and lengths in UTF-16 units.

The bot sends HTML only (parse mode set once through Defaults), so the simulator parses HTML only and
refuses the Markdown modes: a call that uses them is a bug to catch here."""

from __future__ import annotations

import re
from typing import Any

from bot.simulator.protocol import JSONDict, _entities_error, utf16_len


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
