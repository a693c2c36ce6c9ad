"""/list and /carry: the task lists (清单) — which list a chat works in, and (admins) new lists, a list
closed at the year's end, unfinished tasks carried over (结转) into next year's list.

Anyone the bot knows picks their chat's current list with /list's buttons (a bare #12 then means that
list's item 12; `民生12` names another). Creating, closing and carrying are the admins'. Every button
carries its draft's token and a database id, checked against the draft and the database when pressed.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import CarryConfirm, CarryPick, CloseList, PickList
from bot.context import BotContext
from bot.keyboards import choice_buttons
from bot.texts import esc, join, t
from db import items as items_db
from db import lists, names, reports
from db.facts import Status, item_label
from db.models import Item, ListState, TaskList
from handlers.common import (
    answer,
    args_text,
    done_with_button,
    draft_of,
    either,
    guard,
    is_admin,
    is_contact,
    is_supervisor,
    lang_of,
    new_draft,
    say,
)
from handlers.units import refusal_of
from handlers.uow import Refusal, work

PICK, CLOSE, CARRY = "list_pick", "list_close", "list_carry"  # user_data keys of the drafts
CARRY_AT_MOST = 40  # unfinished items /carry offers at once (buttons); the rest: carry again after
_YEAR = re.compile(r"(20\d\d)\s*年?")
_CODE = re.compile(r"^[^\s#＃0-9０-９][^\s#＃]{0,9}$")


def list_line(lang: str, task_list: TaskList, count: int, current: bool) -> str:
    return t(lang, "list.line", mark="▶" if current else "·", name=esc(task_list.name), year=task_list.year,
             kind=esc(task_list.kind or t(lang, "list.kind_other")), code=esc(task_list.code), count=count,
             state=t(lang, f"list.state.{task_list.state}"))


# ---------------------------------------------------------------- /list: show and pick


async def list_command(update: Update, context: BotContext) -> None:
    """/list: the lists with a button each to work in one; /list new … and /list close … for admins."""
    words = names.one_line(args_text(update)).split()  # a code or name with a zero-width space is another one
    if words and words[0].lower() in ("new", "新建"):
        return await new_list(update, context, words[1:])
    if words and words[0].lower() in ("close", "关闭"):
        return await ask_close(update, context, words[1:])
    lang = lang_of(update, context)
    with work(context) as session:
        every = lists.lists(session)
        counts = lists.item_counts(session)
        current = lists.current_list(session, chat_id=update.effective_chat.id)
    if not every:
        raise Refusal("list.none")
    draft, _ = new_draft(context, PICK, offered=[x.id for x in every])
    lines = [t(lang, "list.title", count=len(every)),
             *[list_line(lang, x, counts.get(x.id or 0, 0), current is not None and x.id == current.id) for x in every],
             "", t(lang, "list.current", name=esc(current.name)) if current else t(lang, "list.no_current"),
             t(lang, "list.hint")]
    buttons = choice_buttons([(x.name, PickList(draft["token"], x.id or 0).encode()) for x in every], width=1)
    await answer(update, context, "\n".join(lines), buttons)


async def list_picked(update: Update, context: BotContext) -> None:
    """A /list button: this chat now works in the pressed list (one /list offered, which still exists)."""
    pressed = PickList.of(update)
    draft = draft_of(context, PICK, pressed.token)
    if pressed.list_id not in draft.get("offered", []):
        raise Refusal("confirm.expired")
    with work(context) as session:
        task_list = lists.get_list(session, list_id=pressed.list_id)
        if task_list is None:
            raise Refusal("confirm.expired")
        lists.set_current_list(session, chat_id=update.effective_chat.id, list_id=task_list.id or 0,
                               now=context.services.clock.now())
    context.user_data.pop(PICK, None)
    await done_with_button(update, t(lang_of(update, context), "list.picked", name=esc(task_list.name),
                                     code=esc(task_list.code)))


# ---------------------------------------------------------------- /list new, /list close (admins)


def new_list_values(words: list[str]) -> tuple[str, int | None, str | None]:
    """`名称 [年度] [代号]` → (name, year or None, code or None); the year may also be read from the name."""
    name, year, code = words[0], None, None
    for word in words[1:]:
        if re.fullmatch(r"20\d\d", word) and year is None:
            year = int(word)
        elif code is None:
            code = word
    if year is None and (found := _YEAR.search(name)):
        year = int(found[1])
    return name, year, code


async def new_list(update: Update, context: BotContext, words: list[str]) -> None:
    """/list new 名称 [年度] [代号]: a new active list (the year from the name when it says "2022年")."""
    if not is_admin(update, context):
        raise Refusal("refuse.admin")
    if not words:
        raise Refusal("usage", usage=t(lang_of(update, context), "list.new_usage"))
    name, year, code = new_list_values(words)
    try:
        name = names.list_name(name)
    except names.BadText as error:
        raise refusal_of(error) from None
    if re.fullmatch(r"\d{4}年?度?", name):  # "/list new 2022 民生22": a year is no list's name
        raise Refusal("list.name_is_year", name=esc(name))
    if year is None:
        raise Refusal("list.year_needed", name=esc(name))
    kind = next((k for k in lists.KINDS if k in name), "")
    with work(context) as session:
        if code is None:
            code = lists.free_code(session, lists.KINDS.get(kind) or _YEAR.sub("", name)[:2] or name[:2])
        if not _CODE.match(code):
            raise Refusal("list.bad_code", code=esc(code))
        if lists.list_by_code(session, code=code) is not None or lists.list_by_code(session, code=name) is not None:
            raise Refusal("list.taken", code=esc(code), name=esc(name))
        created = lists.create_list(session, name=name, year=year, code=code, kind=kind,
                                    now=context.services.clock.now())
    await say(update, context, "list.created", name=esc(created.name), year=created.year, code=esc(created.code))


async def ask_close(update: Update, context: BotContext, words: list[str]) -> None:
    """/list close 代号: ask before closing a list."""
    if not is_admin(update, context):
        raise Refusal("refuse.admin")
    lang = lang_of(update, context)
    if not words:
        raise Refusal("usage", usage=t(lang, "list.close_usage"))
    with work(context) as session:
        task_list = known_list(session, lang, " ".join(words))
        if task_list.state != ListState.ACTIVE.value:
            raise Refusal("list.already_closed", name=esc(task_list.name))
        count = lists.item_counts(session).get(task_list.id or 0, 0)
    draft, _ = new_draft(context, CLOSE, list_id=task_list.id)
    await say(update, context, "list.close_confirm", yes_no(lang, CloseList, draft["token"]),
              name=esc(task_list.name), count=count)


def known_list(session, lang: str, text: str) -> TaskList:  # type: ignore[no-untyped-def]
    """The list of that code or name, or a refusal listing the codes."""
    found = lists.list_by_code(session, code=text)
    if found is None:
        raise Refusal("list.unknown_code", code=esc(text), codes=esc(join(lang, [x.code for x in lists.lists(session)])))
    return found


def yes_no(lang: str, kind: type[CloseList] | type[CarryConfirm], token: str) -> InlineKeyboardMarkup:
    return choice_buttons([(t(lang, "confirm.yes"), kind(token, "y").encode()),
                           (t(lang, "confirm.no"), kind(token, "n").encode())])


async def answered(update: Update, context: BotContext, kind: type[CloseList] | type[CarryConfirm],
                   key: str) -> dict | None:
    """The draft a ✔ / ✖ press answers, taken out (a press on another draft's question is refused as
    expired); None, and the question says so, for ✖."""
    pressed = kind.of(update)
    draft = draft_of(context, key, pressed.token)
    context.user_data.pop(key, None)
    if not pressed.yes:
        await done_with_button(update, t(lang_of(update, context), "cancelled"))
        return None
    return draft


async def close_confirmed(update: Update, context: BotContext) -> None:
    """✔ closes the list (once: a second press or a stale question changes nothing)."""
    lang = lang_of(update, context)
    draft = await answered(update, context, CloseList, CLOSE)
    if draft is None:
        return
    with work(context) as session:
        closed = lists.close_list(session, list_id=draft["list_id"], now=context.services.clock.now())
        if closed is None:
            raise Refusal("confirm.expired")
    await done_with_button(update, t(lang, "list.closed_done", name=esc(closed.name), code=esc(closed.code)))


# ---------------------------------------------------------------- /carry (admins)


def unfinished(session, task_list: TaskList, today) -> list[Item]:  # type: ignore[no-untyped-def]
    """The list's items not archived and not done (latest mark not 已完成), not yet carried anywhere."""
    items = items_db.list_items(session, list_id=task_list.id)
    done = {f.id for f in reports.item_facts(session, today=today, item_ids=[i.id for i in items], with_reports=False)
            if f.declared == Status.AHEAD}
    carried = lists.carried_into(session, item_ids=[i.id or 0 for i in items])
    return [i for i in items if i.id not in done and i.id not in carried]


def carry_view(lang: str, draft: dict) -> tuple[str, InlineKeyboardMarkup]:
    picked = set(draft["picked"])
    text = t(lang, "carry.preview", source=esc(draft["source"]), target=esc(draft["target"]),
             count=len(draft["offered"]), picked=len(picked))
    if draft.get("more"):
        text += "\n" + t(lang, "carry.more", count=draft["more"])
    token = draft["token"]
    toggles = [((("☑ " if item_id in picked else "☐ ") + label), CarryPick(token, item_id).encode())
               for item_id, label in zip(draft["offered"], draft["labels"], strict=True)]
    rows = choice_buttons(toggles, width=1).inline_keyboard
    confirm = yes_no(lang, CarryConfirm, token).inline_keyboard
    return text, InlineKeyboardMarkup([*rows, *confirm])


async def carry_command(update: Update, context: BotContext) -> None:
    """/carry 代号: pick which unfinished tasks of a list go into next year's list (made when missing)."""
    lang = lang_of(update, context)
    code = args_text(update)
    if not code:
        raise Refusal("usage", usage=t(lang, "carry.usage"))
    with work(context) as session:
        source = known_list(session, lang, code)
        items = unfinished(session, source, context.services.clock.now().date())
        target = lists.next_year_list(session, source=source)
    if not items:
        raise Refusal("carry.nothing", name=esc(source.name))
    shown = items[:CARRY_AT_MOST]
    draft, _ = new_draft(context, CARRY, source_id=source.id, source=source.name,
                         target=target.name if target else lists.next_year_name(source),
                         offered=[i.id for i in shown], labels=[f"#{i.number} {i.title}"[:40] for i in shown],
                         picked=[i.id for i in shown], more=len(items) - len(shown))
    text, buttons = carry_view(lang, draft)
    await answer(update, context, text, buttons)


async def carry_toggled(update: Update, context: BotContext) -> None:
    """A toggle: pick or unpick one of the offered items."""
    pressed = CarryPick.of(update)
    draft = draft_of(context, CARRY, pressed.token)
    if pressed.item_id not in draft["offered"]:
        raise Refusal("confirm.expired")
    picked = set(draft["picked"])
    picked ^= {pressed.item_id}
    draft["picked"] = [i for i in draft["offered"] if i in picked]
    text, buttons = carry_view(lang_of(update, context), draft)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(text, reply_markup=buttons)


async def carry_confirmed(update: Update, context: BotContext) -> None:
    """✔ copies the picked items into next year's list (once), each linked to the item it came from."""
    lang = lang_of(update, context)
    draft = await answered(update, context, CarryConfirm, CARRY)
    if draft is None:
        return
    if not draft["picked"]:
        raise Refusal("carry.none_picked")
    with work(context) as session:
        source = lists.get_list(session, list_id=draft["source_id"])
        if source is None:
            raise Refusal("confirm.expired")
        target = lists.open_next_year_list(session, source=source, now=context.services.clock.now())
        pairs = lists.carry_items(session, item_ids=draft["picked"], target=target, now=context.services.clock.now())
    lines = [t(lang, "carry.done", count=len(pairs), target=esc(target.name), code=esc(target.code))]
    lines += [t(lang, "carry.line", old=item_label(source.code, old.number), new=item_label(target.code, new.number),
                title=esc(new.title)) for old, new in pairs]
    await done_with_button(update, "\n".join(lines))


# ---------------------------------------------------------------- the cards' lines


def card_lines(session, lang: str, item: Item) -> list[str]:  # type: ignore[no-untyped-def]
    """What an item card says of carry-over: where it came from (（2021年结转）, with the command to
    the earlier card) and where it went."""
    lines = []
    if item.carried_from_id is not None:
        earlier = session.get(Item, item.carried_from_id)
        source = lists.get_list(session, list_id=earlier.list_id) if earlier else None
        if earlier is not None and source is not None:
            lines.append(t(lang, "carry.from", year=source.year, ref=item_label(source.code, earlier.number)))
    if lists.closed_list_of(session, item=item) is not None:
        lines.append(t(lang, "list.closed_mark"))
    later = lists.carried_into(session, item_ids=[item.id or 0]).get(item.id or 0)
    if later is not None and (target := lists.get_list(session, list_id=later.list_id)) is not None:
        lines.append(t(lang, "carry.to", name=esc(target.name), ref=item_label(target.code, later.number)))
    return lines


def handlers() -> list:
    """/list for everyone the bot knows (new and close inside it check for an admin); /carry for admins."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    known = lambda cb: guard(either(is_admin, is_supervisor, is_contact), "refuse.contact", cb)  # noqa: E731
    admin = lambda cb: guard(is_admin, "refuse.admin", cb)  # noqa: E731
    return [
        CommandHandler("list", known(list_command), filters=new),
        CommandHandler("carry", admin(carry_command), filters=new),
        CallbackQueryHandler(known(list_picked), pattern=PickList.matches),
        CallbackQueryHandler(admin(close_confirmed), pattern=CloseList.matches),
        CallbackQueryHandler(admin(carry_toggled), pattern=CarryPick.matches),
        CallbackQueryHandler(admin(carry_confirmed), pattern=CarryConfirm.matches),
    ]
