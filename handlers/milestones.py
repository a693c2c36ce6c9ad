"""Milestones (节点) in the chat: admins' /node (list, add, tick, remove; each change echoed and saved on
its confirmation), and the milestones' lines of an item card.

    /node 3                          the milestones of #3
    /node 3 6月底前完成设计            add one; the deadline is read from the front (or the end) of the text
    /node 3 区建管委：9月底前开工        …with its own responsible unit: a unit's name, then a colon
    /node 3 完成 2 | /node 3 done 2  tick the second one; 删除 2 | remove 2 removes it
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import NodeConfirm
from bot.context import BotContext
from bot.dates import format_date, past_note
from bot.milestone_text import MAX_TITLE, milestone_lines, read_line, too_long
from bot.texts import esc, t
from db import items, lists, milestones, names, units
from db.models import Item, Milestone
from handlers.common import (
    answer,
    args_text,
    done_with_button,
    guard,
    is_admin,
    item_at,
    lang_of,
    office_calendar,
    parse_reference,
    refuse_closed,
    say,
)
from handlers.units import confirmed_pending, refusal_of, remember, yes_no
from handlers.uow import Refusal, work

_TICK = re.compile(r"^(?:完成|已完成|done|tick)\s*#?\s*(\d{1,3})$", re.IGNORECASE)
_REMOVE = re.compile(r"^(?:删除|删|remove|delete|del)\s*#?\s*(\d{1,3})$", re.IGNORECASE)
_UNIT_HEAD = re.compile(r"^([^:：]{1,100})[:：]\s*(.+)$", re.DOTALL)
ACTIONS = ("node_add", "node_done", "node_remove")


# ---------------------------------------------------------------- the lines of a card or a list


def card_lines(lang: str, nodes: Sequence[Milestone], unit_names: Mapping[int, str], today: date) -> str:
    """The milestones' part of an item card ("" without milestones)."""
    if not nodes:
        return ""
    done = sum(1 for m in nodes if m.done_at is not None)
    return "\n" + "\n".join([t(lang, "node.card_title", done=done, count=len(nodes)),
                             *milestone_lines(lang, nodes, unit_names, today)])


# ---------------------------------------------------------------- /node


async def node_command(update: Update, context: BotContext) -> None:
    """List an item's milestones, or preview adding, ticking or removing one."""
    lang = lang_of(update, context)
    parts = args_text(update).split(maxsplit=1)
    reference = parse_reference(parts[0]) if parts else None
    if reference is None:
        raise Refusal("usage", usage=t(lang, "node.usage"))
    rest = parts[1].strip() if len(parts) > 1 else ""
    today = context.services.clock.now().date()
    with work(context) as session:
        item = item_at(session, update, context, reference)
        number = lists.item_ref(session, item=item)
        nodes = milestones.milestones_of(session, item_id=item.id)
        unit_names = units.unit_names(session)
        if rest:
            refuse_closed(session, item)
        change = _change(session, context, lang, item, number, nodes, rest) if rest else None
    if change is None:
        if not nodes:
            await say(update, context, "node.none", number=number)
            return
        done = sum(1 for m in nodes if m.done_at is not None)
        title = t(lang, "node.list_title", number=number, title=esc(item.title), done=done, count=len(nodes))
        await answer(update, context, "\n".join([title, *milestone_lines(lang, nodes, unit_names, today)]))
        return
    key, values, payload = change
    token = remember(context, payload)
    await say(update, context, key, yes_no(lang, NodeConfirm, token), **values)


def _change(session: Session, context: BotContext, lang: str, item: Item, number: str, nodes: list[Milestone],
            rest: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(preview text key, its values, the payload the confirmation carries out) of a /node change;
    `number`: the item as messages name it."""
    picked = _TICK.match(rest) or _REMOVE.match(rest)
    if picked:
        position = int(picked[1])
        if not 1 <= position <= len(nodes):
            raise Refusal("node.unknown", number=number, position=position)
        node = nodes[position - 1]
        ticking = picked.re is _TICK
        if ticking and node.done_at is not None:
            raise Refusal("node.already_done", date=format_date(node.done_at.date(), lang))
        values = {"number": number, "position": position, "milestone": esc(node.title)}
        return (("node.preview_done" if ticking else "node.preview_remove"), values,
                {"action": "node_done" if ticking else "node_remove", "item_id": item.id, "milestone_id": node.id,
                 "position": position})
    unit_id, text, not_a_unit = None, rest, ""
    head = _UNIT_HEAD.match(rest)
    if head:
        unit = units.find_unit(session, name=head[1].strip())
        if unit is not None:
            unit_id, text = unit.id, head[2].strip()
        else:  # "X：…" where X is no unit: kept in the title, and the preview says so before anything is saved
            not_a_unit = t(lang, "node.not_a_unit", name=esc(head[1].strip()))
    now = context.services.clock.now()
    if too_long(text):  # read_line keeps MAX_TITLE: say so rather than cut
        raise Refusal("add.too_long", max=MAX_TITLE)
    read = read_line(text, now, office_calendar(context, session))
    if read.deadline is None:
        raise Refusal("node.bad_deadline", text=esc(text))
    if not read.title or read.title == read.deadline_text:
        raise Refusal("node.no_title")
    try:
        title = names.title(read.title)
    except names.BadText as error:
        raise refusal_of(error) from error
    unit = t(lang, "node.preview_unit", unit=esc(units.unit_names(session)[unit_id])) if unit_id else not_a_unit
    values = {"number": number, "title": esc(item.title), "position": len(nodes) + 1, "milestone": esc(title),
              "deadline": format_date(read.deadline, lang) + past_note(read.deadline, lang, now.date()), "unit": unit}
    return "node.preview", values, {"action": "node_add", "item_id": item.id, "title": title,
                                    "deadline": read.deadline.isoformat(), "text": read.deadline_text,
                                    "unit_id": unit_id, "position": len(nodes) + 1}


async def node_confirmed(update: Update, context: BotContext) -> None:
    """Carry out a confirmed /node change; a press on an older preview, or on a milestone gone since,
    changes nothing."""
    pressed = NodeConfirm.of(update)
    payload = await confirmed_pending(update, context, NodeConfirm, ACTIONS)
    if payload is None:
        return
    lang = lang_of(update, context)
    now = context.services.clock.now()
    with work(context) as session:
        item = items.items_by_id(session, ids=[payload["item_id"]]).get(payload["item_id"])
        if item is None:
            raise Refusal("confirm.expired")
        number = lists.item_ref(session, item=item)
        if payload["action"] == "node_add":
            deadline = date.fromisoformat(payload["deadline"])
            milestones.add_milestones(session, item_id=item.id, milestones=[(payload["title"], deadline, payload["text"])],
                                      unit_id=payload["unit_id"], now=now, draft_id=pressed.token)
            text = t(lang, "node.saved", number=number, position=payload["position"],
                     milestone=esc(payload["title"]), deadline=format_date(deadline, lang))
        else:
            node = milestones.milestone_by_id(session, milestone_id=payload["milestone_id"])
            if node is None or node.item_id != item.id:
                raise Refusal("confirm.expired")
            if payload["action"] == "node_done":
                milestones.tick_milestones(session, item_id=item.id, milestone_ids=[node.id or 0], now=now)
                text = t(lang, "node.ticked", number=number, position=payload["position"])
            else:
                milestones.remove_milestone(session, milestone_id=node.id or 0)
                text = t(lang, "node.removed", number=number, position=payload["position"])
    await done_with_button(update, text)


def handlers() -> list:
    """/node and its confirmation, for admins only (others are told so)."""
    new = filters.UpdateType.MESSAGE & ~filters.FORWARDED
    return [CommandHandler("node", guard(is_admin, "refuse.admin", node_command), filters=new),
            CallbackQueryHandler(guard(is_admin, "refuse.admin", node_confirmed), pattern=NodeConfirm.matches)]
