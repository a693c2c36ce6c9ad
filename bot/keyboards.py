"""Inline keyboards and their callback data (always re-checked by the handler that receives it)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Ack, Confirm, Report, SnoozeMenu
from bot.settings import Settings
from bot.texts import t

# The button data of every kind lives in bot/callbacks.py (typed, parsed, checked on the server).
# Until handlers/supervisor.py and handlers/oversight.py build theirs from it, they import these
# prefixes; the number-carrying ones (rep, ext) are no longer answered: such a button says "expired".
REPORT, EXTEND, ACK, SEND_BACK, REVISE = "rep", "ext", Ack.prefix, "sb", "rv"


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def report_buttons(lang: str, items: Sequence[tuple[int, int | str]], width: int = 3) -> InlineKeyboardMarkup | None:
    """A "report #n" button per (item id, number or 民生12), carrying the item's id."""
    if not items:
        return None
    buttons = [InlineKeyboardButton(t(lang, "remind.button", number=number), callback_data=Report(item_id).encode())
               for item_id, number in items[:99]]
    return InlineKeyboardMarkup(rows(buttons, width))


def reminder_buttons(lang: str, items: Sequence[tuple[int, int | str]],
                     ack_id: int | None = None) -> InlineKeyboardMarkup | None:
    """A reminder's buttons: report on each (item id, number), acknowledge (收到) when the row is known,
    and snooze."""
    markup = report_buttons(lang, items)
    if markup is None:
        return None
    last = [InlineKeyboardButton(t(lang, "snooze.button"), callback_data=SnoozeMenu().encode())]
    if ack_id is not None:
        last.insert(0, InlineKeyboardButton(t(lang, "ack.button"), callback_data=Ack(ack_id).encode()))
    return InlineKeyboardMarkup([*markup.inline_keyboard, last])


def without_button(markup: InlineKeyboardMarkup | None, prefix: str) -> InlineKeyboardMarkup | None:
    """The same keyboard without the buttons whose data starts with `prefix` (a kind's prefix and ":")."""
    if markup is None:
        return None
    kept = [[b for b in row if not (b.callback_data or "").startswith(prefix)] for row in markup.inline_keyboard]
    kept = [row for row in kept if row]
    return InlineKeyboardMarkup(kept) if kept else None


def markup_of(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    """A keyboard from rows of (label, callback data) or (label, URL, "url"), as kept in an outbox row's
    payload (db.outbox.checked_button)."""
    buttons = [[InlineKeyboardButton(button[0], url=button[1]) if button[2:] == ["url"]
                else InlineKeyboardButton(button[0], callback_data=button[1]) for button in map(list, row)]
               for row in rows if row]
    return InlineKeyboardMarkup(buttons) if buttons else None


def dashboard_link(settings: Settings, bot_username: str, start: str = "home") -> str | None:
    """The dashboard's direct link, for chats where Telegram refuses web_app buttons (groups): the Mini App
    named WEBAPP_SHORT_NAME (t.me/<bot>/<name>?startapp=…), or else the bot's main Mini App
    (t.me/<bot>?startapp=…); None without WEBAPP_URL or before the bot knows its username. `start` opens a
    view: "home", "items", "item-123" (the item's database id), "unit-3" (unit id 3)."""
    if not settings.webapp_url or not bot_username:
        return None
    app = f"/{settings.webapp_short_name}" if settings.webapp_short_name else ""
    return f"https://t.me/{bot_username}{app}?startapp={start}"


def confirm_buttons(lang: str, token: str) -> InlineKeyboardMarkup:
    """✔ / ✖ under a preview; `token` is the previewed draft's (see bot/callbacks.py)."""
    if not Confirm.matches(f"{Confirm.prefix}:{token}:y"):  # handlers/admin.py's own tokens, until it adopts
        return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "confirm.yes"), callback_data=f"cf:{token}:y"),
                                      InlineKeyboardButton(t(lang, "confirm.no"), callback_data=f"cf:{token}:n")]])
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "confirm.yes"), callback_data=Confirm(token, "y").encode()),
        InlineKeyboardButton(t(lang, "confirm.no"), callback_data=Confirm(token, "n").encode()),
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
