"""Inline keyboards and their callback data (always re-checked by the handler that receives it)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import t

REPORT = "rep"  # rep:<item number>
SNOOZE = "snz"  # snz:  (choose an item)  snz:<number>  (choose when)  snz:<number>:<days>


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def report_buttons(lang: str, numbers: Sequence[int], width: int = 3) -> InlineKeyboardMarkup | None:
    """A "report #n" button per item."""
    if not numbers:
        return None
    buttons = [InlineKeyboardButton(t(lang, "remind.button", number=n), callback_data=f"{REPORT}:{n}")
               for n in numbers[:99]]
    return InlineKeyboardMarkup(rows(buttons, width))


def reminder_buttons(lang: str, numbers: Sequence[int]) -> InlineKeyboardMarkup | None:
    """A reminder's buttons: report on each item, and snooze."""
    markup = report_buttons(lang, numbers)
    if markup is None:
        return None
    snooze = [InlineKeyboardButton(t(lang, "snooze.button"), callback_data=f"{SNOOZE}:")]
    return InlineKeyboardMarkup([*markup.inline_keyboard, snooze])


def confirm_buttons(lang: str, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "confirm.yes"), callback_data=f"cf:{token}:y"),
        InlineKeyboardButton(t(lang, "confirm.no"), callback_data=f"cf:{token}:n"),
    ]])


def choice_buttons(options: Sequence[tuple[str, str]], width: int = 2) -> InlineKeyboardMarkup:
    """Buttons from (label, callback data) pairs."""
    return InlineKeyboardMarkup(rows([InlineKeyboardButton(label, callback_data=data) for label, data in options],
                                     width))
