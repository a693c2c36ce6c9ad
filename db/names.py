"""Names and texts as people type them, normalised once where they come in (chat, import, command line).

Pure functions of the standard library. Every path that stores a unit name, an alias, a title, a domain or
a report's text passes it through here, so that two names that look the same are the same string:
Unicode NFKC (full-width letters, digits and brackets become the plain ones), zero-width and
bidirectional control characters removed (a zero-width space after 区住建局 made a second unit that
looked the same; a right-to-left override turned a name around), runs of spaces collapsed. Each kind
has its length bound, all in `LIMITS`.
"""

from __future__ import annotations

import re
import unicodedata

UNIT = "unit"
ALIAS = "alias"
TITLE = "title"
DOMAIN = "domain"
REPORT = "report"
LIST = "list"  # a task list's name (清单)

# The one place for the bounds (characters, after normalising).
LIMITS: dict[str, int] = {UNIT: 100, ALIAS: 100, TITLE: 500, DOMAIN: 100, REPORT: 3000, LIST: 60}

# Zero-width characters, the bidirectional marks, embeddings, overrides and isolates, the word joiner,
# the byte-order mark and the soft hyphen: invisible, and never part of a name.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
# Other control characters (C0, DEL, C1), save the line breaks and tabs that whitespace handling takes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class BadText(ValueError):
    """A name or text refused: `reason` is "empty" or "too_long" (then `limit` is the bound)."""

    def __init__(self, kind: str, reason: str, limit: int | None = None) -> None:
        super().__init__(f"{kind}: {reason}" + (f" (max {limit})" if limit else ""))
        self.kind, self.reason, self.limit = kind, reason, limit


class NameTaken(ValueError):
    """A unit name or alias that is already another unit's name or alias; `unit` is that unit's name."""

    def __init__(self, name: str, unit: str) -> None:
        super().__init__(f"{name} is already used by {unit}")
        self.name, self.unit = name, unit


# Full-width punctuation (，：；（）！？ …) is how Chinese is written: NFKC would turn a title's "，" into ",".
# It is kept in texts (held out of NFKC in private-use characters and put back); full-width letters and
# digits still become plain ones. Unit names and aliases are compared and stored fully folded.
_PUNCTUATION = [c for c in map(chr, range(0xFF01, 0xFF66)) if not c.isalnum()]
_HOLD = str.maketrans({c: chr(0xF0000 + ord(c)) for c in _PUNCTUATION})
_RELEASE = str.maketrans({chr(0xF0000 + ord(c)): c for c in _PUNCTUATION})


def _visible(text: str, *, keep_punctuation: bool = True) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if keep_punctuation:
        text = unicodedata.normalize("NFKC", text.translate(_HOLD)).translate(_RELEASE)
    else:
        text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def one_line(text: str, *, keep_punctuation: bool = True) -> str:
    """NFKC (full-width punctuation kept unless told), invisible characters removed, every run of
    whitespace (line breaks too) one space, stripped."""
    return " ".join(_visible(text, keep_punctuation=keep_punctuation).split())


def multi_line(text: str) -> str:
    """As `one_line` within each line, the line breaks kept (at most one blank line in a row)."""
    lines = [_SPACES.sub(" ", line).strip() for line in _visible(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def unit_key(text: str) -> str:
    """A unit name or alias as stored and compared: `one_line` without any space ("区 住建局" is 区住建局)."""
    return "".join(one_line(text, keep_punctuation=False).split())


def _bounded(kind: str, text: str) -> str:
    if not text:
        raise BadText(kind, "empty")
    if len(text) > LIMITS[kind]:
        raise BadText(kind, "too_long", LIMITS[kind])
    return text


def unit_name(text: str) -> str:
    """A unit's name, normalised and checked; raises BadText."""
    return _bounded(UNIT, unit_key(text))


def alias(text: str) -> str:
    """A unit's alias, normalised and checked; raises BadText."""
    return _bounded(ALIAS, unit_key(text))


def title(text: str) -> str:
    """An item's title on one line, normalised and checked; raises BadText."""
    return _bounded(TITLE, one_line(text))


def list_name(text: str) -> str:
    """A task list's name on one line, normalised and checked; raises BadText."""
    return _bounded(LIST, one_line(text))


def domain(text: str) -> str | None:
    """An item's domain (领域) on one line: None when empty; raises BadText when too long."""
    cleaned = one_line(text)
    return _bounded(DOMAIN, cleaned) if cleaned else None


def report_text(text: str, kind: str = REPORT) -> str:
    """A free text (a report, its problems), line breaks kept, normalised and checked; raises BadText."""
    return _bounded(kind, multi_line(text))


def has_content(text: str) -> bool:
    """Whether anything visible is left once normalised (a lone zero-width space is nothing)."""
    return bool(one_line(text))
