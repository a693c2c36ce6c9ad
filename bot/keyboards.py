"""Inline keyboards and their callback data (always re-checked by the handler that receives it)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import t

REPORT = "rep"  # rep:<item number>
SNOOZE = "snz"  # snz:  (choose an item)  snz:<number>  (choose when)  snz:<number>:<days>
ACK = "ack"  # ack:<outbox row id>  the 收到 button of a reminder
EXTEND = "ext"  # ext:<item number>  ask for an extension
DECIDE = "exd"  # exd:<request id>:a|r  an admin's decision;  exd:go / exd:cancel  inside it
SEND_BACK = "sb"  # sb:<report id>  return a report (退办)
REVISE = "rv"  # rv:<report id>  correct a report;  rv:f:<field> / rv:pct:<n> / rv:st:<status> inside it
AWAY = "aw"  # aw:<token>:u|c|s:<id>  choose unit, contact, stand-in;  aw:x:<absence id>  end a leave


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def report_buttons(lang: str, numbers: Sequence[int], width: int = 3) -> InlineKeyboardMarkup | None:
    """A "report #n" button per item."""
    if not numbers:
        return None
    buttons = [InlineKeyboardButton(t(lang, "remind.button", number=n), callback_data=f"{REPORT}:{n}")
               for n in numbers[:99]]
    return InlineKeyboardMarkup(rows(buttons, width))


def reminder_buttons(lang: str, numbers: Sequence[int], ack_id: int | None = None) -> InlineKeyboardMarkup | None:
    """A reminder's buttons: report on each item, acknowledge (收到) when the row is known, and snooze."""
    markup = report_buttons(lang, numbers)
    if markup is None:
        return None
    last = [InlineKeyboardButton(t(lang, "snooze.button"), callback_data=f"{SNOOZE}:")]
    if ack_id is not None:
        last.insert(0, InlineKeyboardButton(t(lang, "ack.button"), callback_data=f"{ACK}:{ack_id}"))
    return InlineKeyboardMarkup([*markup.inline_keyboard, last])


def without_button(markup: InlineKeyboardMarkup | None, prefix: str) -> InlineKeyboardMarkup | None:
    """The same keyboard without the buttons whose data starts with `prefix`."""
    if markup is None:
        return None
    kept = [[b for b in row if not (b.callback_data or "").startswith(prefix)] for row in markup.inline_keyboard]
    kept = [row for row in kept if row]
    return InlineKeyboardMarkup(kept) if kept else None


def markup_of(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    """A keyboard from rows of (label, callback data), as kept in an outbox row's payload."""
    buttons = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    return InlineKeyboardMarkup(buttons) if buttons else None


def confirm_buttons(lang: str, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "confirm.yes"), callback_data=f"cf:{token}:y"),
        InlineKeyboardButton(t(lang, "confirm.no"), callback_data=f"cf:{token}:n"),
    ]])


def choice_buttons(options: Sequence[tuple[str, str]], width: int = 2) -> InlineKeyboardMarkup:
    """Buttons from (label, callback data) pairs."""
    return _choice_markup(tuple((label, data) for label, data in options), width)


@lru_cache(maxsize=512)
def _choice_markup(options: tuple[tuple[str, str], ...], width: int) -> InlineKeyboardMarkup:
    # A dialogue's keyboards are the same at every step: built once (a markup cannot be changed, so it
    # can be shared), not for every message.
    return InlineKeyboardMarkup(rows([InlineKeyboardButton(label, callback_data=data) for label, data in options],
                                     width))
