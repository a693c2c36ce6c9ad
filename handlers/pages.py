"""Long answers as pages: one message with ◀ n/m ▶ buttons (and a button for the .xlsx where a table
exists), never dozens of messages.

A command builds its list with a registered builder, in a worker thread with its own session; the chat
keeps only what the list was asked for (its kind and arguments) under a token, and a page button builds
the list again, as it stands now, and shows the page asked for. A button of a list the chat no longer
keeps answers that it has expired; a page past the end (the list got shorter) shows the last one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.callbacks import Page, PageFile, new_token
from bot.context import BotContext, Services
from bot.texts import t
from handlers.common import answer, lang_of
from handlers.uow import Refusal

PAGE_LINES = 20  # lines of a list per page
PAGE_CHARS = 3200  # and at most this many characters: a page, its title and buttons stay one message
KEPT = 20  # lists a chat keeps for its page buttons (the oldest go first)
PAGES = "pages"


@dataclass
class Listing:
    """A list as a command answers it: a title, its lines, and what its .xlsx would be made of."""

    title: str
    lines: list[str]
    footer: str = ""
    table: Any = None  # handed to the builder's `workbook` for the .xlsx button; None: no button


@dataclass(frozen=True)
class Kind:
    """How to build a kind of list from its arguments, and its workbook (filename, bytes), if any."""

    build: Callable[[Services, str, dict[str, Any]], Listing]
    workbook: Callable[[Services, str, Listing], tuple[str, bytes]] | None = None


KINDS: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    KINDS[name] = kind


def split_pages(lines: list[str], *, per_page: int = PAGE_LINES, chars: int = PAGE_CHARS) -> list[list[str]]:
    """The lines in pages of at most `per_page` lines and `chars` characters (a longer line is a page alone)."""
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and (len(pages[-1]) >= per_page or size + len(line) + 1 > chars):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def page_text(lang: str, listing: Listing, pages: list[list[str]], number: int) -> str:
    parts = [listing.title, *pages[number - 1]]
    if len(pages) > 1:
        parts.append(t(lang, "pages.marker", page=number, pages=len(pages)))
    if listing.footer:
        parts.append(listing.footer)
    return "\n".join(parts)


def page_buttons(lang: str, token: str, number: int, count: int, with_file: bool) -> InlineKeyboardMarkup | None:
    row = []
    if count > 1:
        row.append(InlineKeyboardButton("◀", callback_data=Page(token, max(1, number - 1)).encode()))
        row.append(InlineKeyboardButton(f"{number}/{count}", callback_data=Page(token, number).encode()))
        row.append(InlineKeyboardButton("▶", callback_data=Page(token, min(count, number + 1)).encode()))
    rows = [row] if row else []
    if with_file:
        rows.append([InlineKeyboardButton(t(lang, "pages.xlsx"), callback_data=PageFile(token).encode())])
    return InlineKeyboardMarkup(rows) if rows else None


def keep(context: BotContext, kind: str, args: dict[str, Any]) -> str:
    """Remember what a list was asked for, for its buttons; the chat keeps the latest KEPT lists."""
    kept = context.chat_data.setdefault(PAGES, {})
    token = new_token()
    kept[token] = {"kind": kind, "args": args}
    for old in list(kept)[:-KEPT]:
        kept.pop(old, None)
    return token


async def build(context: BotContext, lang: str, kind: str, args: dict[str, Any]) -> Listing:
    """The list, built in a worker thread (its builder opens its own session there)."""
    return await asyncio.to_thread(KINDS[kind].build, context.services, lang, args)


async def send_listing(update: Update, context: BotContext, kind: str, args: dict[str, Any]) -> None:
    """Answer a command with its list: one message, paged when long."""
    lang = lang_of(update, context)
    listing = await build(context, lang, kind, args)
    pages = split_pages(listing.lines)
    with_file = KINDS[kind].workbook is not None and listing.table is not None
    if len(pages) == 1 and not with_file:
        await answer(update, context, page_text(lang, listing, pages, 1))
        return
    token = keep(context, kind, args)
    await answer(update, context, page_text(lang, listing, pages, 1),
                 page_buttons(lang, token, 1, len(pages), with_file))


def kept_list(context: BotContext, token: str) -> dict[str, Any]:
    kept = (context.chat_data or {}).get(PAGES, {}).get(token)
    if not isinstance(kept, dict) or kept.get("kind") not in KINDS:
        raise Refusal("pages.expired")
    return kept


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ ▶: show another page of the list as it stands now."""
    pressed = Page.of(update)
    kept = kept_list(context, pressed.token)
    lang = lang_of(update, context)
    listing = await build(context, lang, kept["kind"], kept["args"])
    pages = split_pages(listing.lines)
    number = min(pressed.page, len(pages))
    query = update.callback_query
    await query.answer()
    with_file = KINDS[kept["kind"]].workbook is not None and listing.table is not None
    if isinstance(query.message, Message):
        try:
            await query.edit_message_text(page_text(lang, listing, pages, number),
                                          reply_markup=page_buttons(lang, pressed.token, number, len(pages), with_file))
        except TelegramError:  # the same page pressed again: "message is not modified"
            pass


async def send_file(update: Update, context: BotContext) -> None:
    """The .xlsx of a list, built in a worker thread."""
    pressed = PageFile.of(update)
    kept = kept_list(context, pressed.token)
    kind = KINDS[kept["kind"]]
    if kind.workbook is None:
        raise Refusal("pages.expired")
    lang = lang_of(update, context)
    listing = await build(context, lang, kept["kind"], kept["args"])
    if listing.table is None:
        raise Refusal("pages.expired")
    await update.callback_query.answer()
    filename, data = await asyncio.to_thread(kind.workbook, context.services, lang, listing)
    await context.bot.send_document(update.effective_chat.id, data, filename=filename)


def handlers() -> list:
    """The page and file buttons of every paged list; whoever sees the list in the chat may turn it."""
    return [CallbackQueryHandler(turn_page, pattern=Page.matches),
            CallbackQueryHandler(send_file, pattern=PageFile.matches)]
