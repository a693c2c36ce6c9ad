"""Every kind of button data the bot sends, as typed values: the one registry of callback kinds.

A kind is a small frozen dataclass with its own prefix. `encode()` gives the button's data;
`parse(data)` gives the kind back, or None when the data is not exactly what this bot would have
sent (wrong prefix or arity, a number out of range, a choice not offered, more than 64 bytes).
Handlers register with `CallbackQueryHandler(callback, pattern=Kind.matches)` and read the press
with `Kind.of(update)`, so an altered button never reaches them.

What parsing cannot know is checked on the server by the handler, against the database and the
sender: ids the sender may act on, a draft's token against the draft the user is in (`token`
fields: every button of a dialogue carries its draft's token, so a press on a finished, cancelled
or replaced draft's message changes nothing). `audience` says who may press a kind at all; the
authorization matrix test presses every kind as every audience.

Buttons carry database ids, never item numbers (numbers repeat across task lists).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self

from telegram import Update

MAX_BYTES = 64  # Telegram's limit on callback_data
TOKEN_HEX = 16  # a draft's token: 64 random bits, also the draft's id in the record (idempotent writes)
_TOKEN = re.compile(rf"[0-9a-f]{{{TOKEN_HEX}}}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,11}")  # ASCII digits, no sign, no leading zeros, at most 12
MAX_ID = 10**12 - 1

# Who may press a kind: a unit's contact, an admin or supervisor by numeric id, an admin only, the
# person whose draft the token names, the person a message was sent to.
CONTACT, OVERSEER, ADMIN, DIALOGUE, RECIPIENT = "contact", "overseer", "admin", "dialogue", "recipient"


def new_token() -> str:
    return secrets.token_hex(TOKEN_HEX // 2)


def number(low: int = 1, high: int = MAX_ID) -> Any:
    """An integer field, in [low, high]."""
    return field(metadata={"low": low, "high": high})


def choice(*options: str) -> Any:
    """A text field holding one of `options`."""
    return field(metadata={"options": options})


def token() -> Any:
    """A draft's token."""
    return field(metadata={"token": True})


KINDS: dict[str, type[Callback]] = {}


@dataclass(frozen=True)
class Callback:
    """A kind of button data; subclasses set `prefix` and `audience` and declare typed fields."""

    prefix: ClassVar[str]
    audience: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "prefix" not in cls.__dict__:  # a base of kinds, not a kind
            return
        if cls.prefix in KINDS:
            raise TypeError(f"callback prefix {cls.prefix!r} used twice")
        KINDS[cls.prefix] = cls

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            meta = spec.metadata
            if "low" in meta and not (isinstance(value, int) and meta["low"] <= value <= meta["high"]):
                raise ValueError(f"{type(self).__name__}.{spec.name} out of range: {value!r}")
            if "options" in meta and value not in meta["options"]:
                raise ValueError(f"{type(self).__name__}.{spec.name} not offered: {value!r}")
            if "token" in meta and not (isinstance(value, str) and _TOKEN.fullmatch(value)):
                raise ValueError(f"{type(self).__name__}.{spec.name} is not a token")
        if len(self.encode().encode()) > MAX_BYTES:
            raise ValueError(f"{type(self).__name__} data over {MAX_BYTES} bytes")

    def encode(self) -> str:
        return ":".join([self.prefix, *(str(getattr(self, spec.name)) for spec in fields(self))])

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """This kind from a button's data, or None unless it is exactly what `encode` would give."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(":")
        specs = fields(cls)
        if parts[0] != cls.prefix or len(parts) != len(specs) + 1:
            return None
        values: list[Any] = []
        for spec, raw in zip(specs, parts[1:], strict=True):
            if "low" in spec.metadata:
                if not _DECIMAL.fullmatch(raw):
                    return None
                values.append(int(raw))
            else:
                values.append(raw)
        try:
            return cls(*values)
        except ValueError:
            return None

    @classmethod
    def matches(cls, data: object) -> bool:
        """For `CallbackQueryHandler(pattern=...)`."""
        return cls.parse(data) is not None

    @classmethod
    def of(cls, update: Update) -> Self:
        """The kind of the pressed button; only called by a handler registered with `cls.matches`."""
        parsed = cls.parse(update.callback_query.data if update.callback_query else None)
        if parsed is None:
            raise ValueError(f"{cls.__name__} handler reached by other data")
        return parsed

    @classmethod
    def example(cls) -> Self:
        """A well-formed instance (the smallest values), for tests."""
        values = []
        for spec in fields(cls):
            meta = spec.metadata
            values.append(meta["low"] if "low" in meta else meta["options"][0] if "options" in meta else "0" * TOKEN_HEX)
        return cls(*values)


def either_kind(*kinds: type[Callback]) -> Callable[[object], bool]:
    """A pattern matching any of `kinds`."""
    return lambda data: any(kind.matches(data) for kind in kinds)


def parse_any(data: object) -> Callback | None:
    """Whichever kind `data` is, if any."""
    prefix = data.split(":", 1)[0] if isinstance(data, str) else None
    kind = KINDS.get(prefix or "")
    return kind.parse(data) if kind else None


@dataclass(frozen=True)
class Step(Callback):
    """A button inside a dialogue: it carries its draft's token, checked against the user's draft."""

    audience = DIALOGUE
    token: str = token()


STATUSES = ("good", "average", "slow", "ahead")
SNOOZE_DAYS = (1, 3, 7, 14)
REVISE_FIELDS = ("text", "percent", "status", "problems")


# ---------------------------------------------------------------- reminders and the report dialogue


@dataclass(frozen=True)
class Report(Callback):
    """Report on an item (a reminder's, a list's or a card's button); starts the report dialogue."""

    prefix = "ri"
    audience = CONTACT
    item_id: int = number()


@dataclass(frozen=True)
class Ack(Callback):
    """A reminder's 收到 button: acknowledge the outbox row it came from."""

    prefix = "ack"
    audience = RECIPIENT
    row_id: int = number()


@dataclass(frozen=True)
class SnoozeMenu(Callback):
    """A reminder's snooze button: choose which of its items."""

    prefix = "sz"
    audience = CONTACT


@dataclass(frozen=True)
class SnoozeItem(Callback):
    """Snooze this item: choose for how long."""

    prefix = "szi"
    audience = CONTACT
    item_id: int = number()


@dataclass(frozen=True)
class SnoozeFor(Callback):
    """Snooze the item for one of the offered spans (bounded on the server by deadline and next due day)."""

    prefix = "szd"
    audience = CONTACT
    item_id: int = number()
    days: int = number(1, max(SNOOZE_DAYS))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.days not in SNOOZE_DAYS:
            raise ValueError(f"{self.days} days not offered")


@dataclass(frozen=True)
class ReportPercent(Step):
    prefix = "rpp"
    percent: int = number(0, 100)


@dataclass(frozen=True)
class ReportStatus(Step):
    prefix = "rps"
    status: str = choice(*STATUSES)


@dataclass(frozen=True)
class ReportNoProblems(Step):
    prefix = "rpn"


@dataclass(frozen=True)
class ReportSubmit(Step):
    """📤 提交: stores the draft once; pressed again (even after a restart) it answers "already saved"."""

    prefix = "rpo"


@dataclass(frozen=True)
class ReportCancel(Step):
    prefix = "rpx"


# ---------------------------------------------------------------- confirmations


@dataclass(frozen=True)
class Confirm(Step):
    """✔ / ✖ under a preview; the token names the draft previewed."""

    prefix = "cf"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


# ---------------------------------------------------------------- extensions (延期申请)


@dataclass(frozen=True)
class Extend(Callback):
    prefix = "xi"
    audience = CONTACT
    item_id: int = number()


@dataclass(frozen=True)
class ExtendCancel(Step):
    prefix = "xx"


@dataclass(frozen=True)
class Decide(Callback):
    """An admin's Approve / Refuse under a request."""

    prefix = "exd"
    audience = ADMIN
    request_id: int = number()
    verdict: str = choice("a", "r")


@dataclass(frozen=True)
class DecideNoComment(Step):
    prefix = "exg"


@dataclass(frozen=True)
class DecideCancel(Step):
    prefix = "exc"


# ---------------------------------------------------------------- send-back (退办) and corrections


@dataclass(frozen=True)
class SendBack(Callback):
    prefix = "sb"
    audience = OVERSEER
    report_id: int = number()


@dataclass(frozen=True)
class SendBackCancel(Step):
    prefix = "sbx"


@dataclass(frozen=True)
class Revise(Callback):
    prefix = "rv"
    audience = CONTACT
    report_id: int = number()


@dataclass(frozen=True)
class ReviseField(Step):
    prefix = "rvf"
    name: str = choice(*REVISE_FIELDS)


@dataclass(frozen=True)
class RevisePercent(Step):
    prefix = "rvp"
    percent: int = number(0, 100)


@dataclass(frozen=True)
class ReviseStatus(Step):
    prefix = "rvs"
    status: str = choice(*STATUSES)


@dataclass(frozen=True)
class ReviseCancel(Step):
    prefix = "rvx"


# ---------------------------------------------------------------- leave and stand-ins (请假与代班)


@dataclass(frozen=True)
class AwayChoice(Step):
    """Choose the unit (u), the contact who is away (c) or the stand-in (s) of the leave being registered."""

    prefix = "aw"
    step: str = choice("u", "c", "s")
    choice_id: int = number()


@dataclass(frozen=True)
class AwayEnd(Callback):
    """End a leave (the contact on leave, a colleague of the unit, or an admin)."""

    prefix = "awx"
    audience = CONTACT
    absence_id: int = number()


# ---------------------------------------------------------------- an admin's /add dialogue (handlers/items.py)


@dataclass(frozen=True)
class AddSameAsLead(Step):
    prefix = "ads"


@dataclass(frozen=True)
class AddDomain(Step):
    """One of the first 20 known domains, by its position in the list offered."""

    prefix = "adm"
    index: int = number(0, 19)


@dataclass(frozen=True)
class AddSkipDomain(Step):
    prefix = "adk"


# ---------------------------------------------------------------- TRANSITIONAL: delete when unused
# handlers/supervisor.py's item card still builds "rep:<number>" and "ext:<number>"; until it builds
# Report(item.id) and Extend(item.id), these read them (the number looked up when pressed).


@dataclass(frozen=True)
class CardReport(Callback):
    prefix = "rep"
    audience = CONTACT
    number: int = number()


@dataclass(frozen=True)
class CardExtend(Callback):
    prefix = "ext"
    audience = CONTACT
    number: int = number()


# ---------------------------------------------------------------- admins: edits, contacts, invites; long lists
# (handlers/items.py, handlers/units.py, handlers/pages.py)


@dataclass(frozen=True)
class ItemConfirm(Step):
    """✔ / ✖ under the preview of an /edit or /archive; the token names that preview."""

    prefix = "ec"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


@dataclass(frozen=True)
class RemoveContact(Callback):
    """/contacts' button: ask to remove this contact from its unit."""

    prefix = "ctr"
    audience = ADMIN
    contact_id: int = number()


@dataclass(frozen=True)
class RevokeInvite(Callback):
    """/contacts' button: ask to revoke this unused invite."""

    prefix = "ivr"
    audience = ADMIN
    invite_id: int = number()


@dataclass(frozen=True)
class UnitConfirm(Step):
    """✔ / ✖ under the question whether to remove a contact or revoke an invite; the token names it."""

    prefix = "uc"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


@dataclass(frozen=True)
class Page(Step):
    """◀ ▶ under a long list: show page `page` of the list the token names (kept for the chat)."""

    prefix = "pg"
    page: int = number(1, 99999)


@dataclass(frozen=True)
class PageFile(Step):
    """📥 .xlsx under a long list: send the table of the list the token names."""

    prefix = "pgx"


# ---------------------------------------------------------------- /import's preview (handlers/import_units.py)

IMPORT_PAIRS_AT_MOST = 8  # near-duplicate unit pairs an import preview shows, each with its buttons


@dataclass(frozen=True)
class MergeUnits(Step):
    """Treat pair `pair` of the preview as one unit, the way `way` (which name is kept)."""

    prefix = "iu"
    pair: int = number(0, IMPORT_PAIRS_AT_MOST - 1)
    way: int = number(0, 1)
    checksum: int = number(0, 2**32 - 1)


# ---- lists: task lists (清单), closing a list, carrying tasks over (handlers/lists.py)


@dataclass(frozen=True)
class PickList(Step):
    """/list's button: work in list `list_id` in this chat (the list is checked to exist)."""

    prefix = "lsp"
    list_id: int = number()


@dataclass(frozen=True)
class CloseList(Step):
    """✔ / ✖ under the question whether to close the list the token's draft names."""

    prefix = "lsc"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


@dataclass(frozen=True)
class CarryPick(Step):
    """/carry's toggle: pick or unpick the item (one of those the draft offered) to carry over."""

    prefix = "lsk"
    item_id: int = number()


@dataclass(frozen=True)
class CarryConfirm(Step):
    """✔ carry the picked items over / ✖ cancel."""

    prefix = "lsy"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


# ---- listimport: import into lists (handlers/import_units.py)


@dataclass(frozen=True)
class MergeDifferent(Step):
    """Under an import preview: treat the rows whose title is another task than the item with their number
    as that task (merge "y") or, again, as new items (merge "n")."""

    prefix = "id"
    merge: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.merge == "y"


@dataclass(frozen=True)
class ImportInto(Step):
    """Under an import preview: put the table into list `list_id` (0: the new list its title names)."""

    prefix = "il"
    list_id: int = number(0)


@dataclass(frozen=True)
class ImportListName(Step):
    """Under an import preview: type the new list's name and year."""

    prefix = "in"


# ---- review: 办结 on review, adjustments and cancellations (handlers/closing.py)

ADJUST_KINDS = ("title", "target", "units", "cancel")


@dataclass(frozen=True)
class DecideClosing(Callback):
    """确认办结 (c) / 退回 (r) under a 办结 request; the admins and supervisors review."""

    prefix = "cld"
    audience = OVERSEER
    review_id: int = number()
    verdict: str = choice("c", "r")


@dataclass(frozen=True)
class ClosingCancel(Step):
    """✖ under the question asking why a 办结 is sent back."""

    prefix = "clx"


@dataclass(frozen=True)
class Adjust(Callback):
    """The card's or a reminder's 🔧 申请调整: starts the adjustment dialogue for this item."""

    prefix = "adj"
    audience = CONTACT
    item_id: int = number()


@dataclass(frozen=True)
class AdjustKind(Step):
    """What to change: the title, the target, the responsible units, or cancel the item."""

    prefix = "ajk"
    kind: str = choice(*ADJUST_KINDS)


@dataclass(frozen=True)
class AdjustCancel(Step):
    prefix = "ajx"


@dataclass(frozen=True)
class DecideAdjustment(Callback):
    """An admin's Approve / Refuse under an adjustment request."""

    prefix = "ajd"
    audience = ADMIN
    adjustment_id: int = number()
    verdict: str = choice("a", "r")


@dataclass(frozen=True)
class CloseConfirm(Step):
    """✔ / ✖ under the preview of an admin's /close n 备注; the token names that preview."""

    prefix = "clc"
    answer: str = choice("y", "n")


# ---- milestones: 节点 (handlers/milestones.py)


@dataclass(frozen=True)
class NodeConfirm(Step):
    """✔ / ✖ under the preview of a /node addition, tick or removal; the token names that preview."""

    prefix = "nc"
    answer: str = choice("y", "n")

    @property
    def yes(self) -> bool:
        return self.answer == "y"


@dataclass(frozen=True)
class ReportMilestone(Step):
    """The report dialogue's milestone step: tick (or untick) this milestone of the draft's item."""

    prefix = "rmt"
    milestone_id: int = number()


@dataclass(frozen=True)
class ReportMilestonesDone(Step):
    """The report dialogue's milestone step: go on with the milestones ticked so far (none: skip)."""

    prefix = "rmd"
    answer: str = choice("done", "skip")


# ---- instructions: leaders' instructions (领导批示; handlers/instructions.py)


@dataclass(frozen=True)
class AckInstruction(Callback):
    """收到 / 已阅 under an instruction sent to a unit: a contact of a unit it went to acknowledges it."""

    prefix = "ia"
    audience = CONTACT
    instruction_id: int = number()


@dataclass(frozen=True)
class InstructToday(Step):
    """The /instruct dialogue's 今天: the instruction was given today."""

    prefix = "iat"


@dataclass(frozen=True)
class InstructNoDate(Step):
    """The /instruct dialogue's 无期限: the instruction sets no date to act by."""

    prefix = "ian"


@dataclass(frozen=True)
class InstructCancel(Step):
    prefix = "iax"
