"""A report after it was sent: returned by an admin or supervisor (退办), or corrected by its unit.

Send-back: the card's button on the latest report (or /sendback n) → the reason → confirm. The report
stays in the history marked returned, no longer counts as reported, and the unit's contact is asked to
report again. Correction: /revise n (or the saved record's button) within REPORT_EDIT_HOURS → which
field → the new value → confirm; every earlier version is kept with its time.

Only admins and supervisors, by numeric id, send a report back; a member of the digest group reads
but changes nothing. Each draft's token is in its buttons (a press on an earlier draft's message
changes nothing) and, for a correction, stored with the version it replaced: confirmed twice, it is
saved once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import ForceReply, Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import (
    Confirm,
    Report,
    Revise,
    ReviseCancel,
    ReviseField,
    RevisePercent,
    ReviseStatus,
    SendBack,
    SendBackCancel,
    either_kind,
)
from bot.context import BotContext
from bot.dates import format_date
from bot.keyboards import choice_buttons, confirm_buttons
from bot.texts import MARKS, esc, t
from db import contacts, dialogues, items, outbox, people, reports
from db import units as units_db
from db.models import ProgressReport, ReportVersion, Status
from handlers.common import (
    answer,
    args_text,
    busy_with,
    cancel_pressed,
    cancels,
    confirmed_draft,
    done_with_button,
    draft_of,
    guard,
    in_private,
    is_contact,
    is_overseer,
    item_at,
    lang_of,
    new_draft,
    parse_reference,
    refuse_busy,
    refuse_closed,
    say,
    tell_dropped,
    times_out,
    typed_text,
)
from handlers.uow import Refusal, work
from jobs.actions import closing_follows, report_again_chats, send_back_refusal
from jobs.rules import indicator_percent
from jobs.sender import send_queued, send_time

SB_REASON, SB_CONFIRM = range(40, 42)
RV_FIELD, RV_VALUE, RV_CONFIRM = range(45, 48)
SEND_BACK_DRAFT, REVISE_DRAFT = "send_back", "revise"
MAX_TEXT = 3000
FIELDS = ("text", "percent", "status", "problems")


def when_text(lang: str, moment: datetime, context: BotContext) -> str:
    local = moment.astimezone(context.services.settings.tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


# ---------------------------------------------------------------- send-back (退办)


async def send_back_command(update: Update, context: BotContext) -> int:
    """/sendback n [reason]: return the latest report on item n."""
    parts = args_text(update).split(maxsplit=1)
    reference = parse_reference(parts[0]) if parts else None
    if reference is None:
        await say(update, context, "usage", usage=t(lang_of(update, context), "sb.usage"))
        return ConversationHandler.END
    with work(context) as session:
        item = item_at(session, update, context, reference, end=True)
        refuse_closed(session, item, end=True)
        latest = reports.latest_reports(session, item_ids=[item.id]).get(item.id)
    if latest is None or latest.unit_id is None:
        await say(update, context, "sb.nothing", number=item.number)
        return ConversationHandler.END
    return await begin_send_back(update, context, latest.id, reason=parts[1].strip() if len(parts) > 1 else None)


async def send_back_button(update: Update, context: BotContext) -> int:
    """The card's 退回 button on its latest report."""
    report_id = SendBack.of(update).report_id
    await update.callback_query.answer()
    return await begin_send_back(update, context, report_id)


async def begin_send_back(update: Update, context: BotContext, report_id: int, *, reason: str | None = None) -> int:
    busy = busy_with(context, SEND_BACK_DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    with work(context) as session:
        report = reports.report(session, report_id=report_id)
        refusal = send_back_refusal(session, report)
        item = dialogues.item(session, item_id=report.item_id) if report else None
        unit = units_db.units_by_id(session, ids=[report.unit_id]).get(report.unit_id) if report and report.unit_id else None
    if refusal is not None:
        await say(update, context, refusal, number=item.number if item else "")
        return ConversationHandler.END
    lang = lang_of(update, context)
    draft, earlier = new_draft(context, SEND_BACK_DRAFT, report_id=report.id, number=item.number, title=item.title,
                               unit=unit.name if unit else "", when=when_text(lang, report.created_at, context))
    await tell_dropped(update, context, earlier)
    if reason:
        return await preview_send_back(update, context, reason)
    in_group = update.effective_chat.type != ChatType.PRIVATE
    # In a group the bot only sees replies to its own messages (privacy mode): ask for a reply.
    markup = ForceReply(selective=True) if in_group else choice_buttons(
        [(t(lang, "btn.cancel"), SendBackCancel(draft["token"]).encode())])
    await answer(update, context, t(lang, "sb.ask_reason_group" if in_group else "sb.ask_reason", number=item.number, unit=esc(unit.name if unit else ""),
                                    when=context.user_data[SEND_BACK_DRAFT]["when"]), markup)  # type: ignore[arg-type]
    return SB_REASON


async def got_send_back_reason(update: Update, context: BotContext) -> int:
    text = typed_text(update)
    if not text:
        await say(update, context, "sb.empty_reason")
        return SB_REASON
    if len(text) > MAX_TEXT:
        await say(update, context, "add.too_long", max=MAX_TEXT)
        return SB_REASON
    return await preview_send_back(update, context, text)


async def preview_send_back(update: Update, context: BotContext, reason: str) -> int:
    draft = context.user_data.get(SEND_BACK_DRAFT, {})
    draft["reason"] = reason[:MAX_TEXT]
    lang = lang_of(update, context)
    await say(update, context, "sb.preview", confirm_buttons(lang, draft["token"]), number=draft["number"],
              title=esc(draft["title"]), unit=esc(draft["unit"]), when=draft["when"], reason=esc(draft["reason"]))
    return SB_CONFIRM


async def send_back_confirmed(update: Update, context: BotContext) -> int:
    """Mark the report returned and ask the unit to report again, in one transaction (a second confirm
    of the same draft finds it returned already, and changes nothing)."""
    draft = await confirmed_draft(update, context, SEND_BACK_DRAFT, "reason")
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    services = context.services
    now = services.clock.now()
    user = update.effective_user
    with work(context) as session:
        report = reports.report(session, report_id=draft["report_id"])
        refusal = send_back_refusal(session, report)
        if refusal is not None:
            raise Refusal(refusal, end=True, edit=True, number=draft["number"])
        people.remember_person(session, telegram_id=user.id, full_name=user.full_name, username=user.username)
        reports.return_report(session, report_id=report.id, by=user.id, reason=draft["reason"], now=now)
        for chat_id in report_again_chats(session, report, now):
            contact_lang = people.person_language(session, telegram_id=chat_id) or services.settings.language
            outbox.enqueue_text(
                session, key=f"returned:{report.id}:{chat_id}", kind="notice", chat_id=chat_id,
                parts=[t(contact_lang, "sb.notice", number=draft["number"], title=esc(draft["title"]),
                         when=draft["when"], reason=esc(draft["reason"]), person=esc(user.full_name))],
                buttons=[[(t(contact_lang, "remind.button", number=draft["number"]), Report(report.item_id).encode())]],
                now=now, not_before=send_time(services, now))
    await done_with_button(update, t(lang, "sb.done", number=draft["number"], unit=esc(draft["unit"])))
    await send_queued(context)
    return ConversationHandler.END


send_back_cancel = cancels(SEND_BACK_DRAFT)  # the report stays as it is


send_back_cancel_pressed = cancel_pressed(SEND_BACK_DRAFT, SendBackCancel, send_back_cancel)

send_back_timed_out = times_out(SEND_BACK_DRAFT)

# ---------------------------------------------------------------- corrections within the window


def _revise(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(REVISE_DRAFT, {})


async def revise_command(update: Update, context: BotContext) -> int:
    """/revise n: correct the unit's latest report on item n."""
    reference = parse_reference(args_text(update))
    if reference is None:
        await say(update, context, "usage", usage=t(lang_of(update, context), "rv.usage"))
        return ConversationHandler.END
    with work(context) as session:
        item = item_at(session, update, context, reference, end=True)
        refuse_closed(session, item, end=True)
        latest = reports.latest_unit_report(session, item_id=item.id, unit_ids=[u.id for u in context.units])
    if latest is None:
        linked = False
        with work(context) as session:
            linked = items.item_belongs_to(session, item_id=item.id, unit_ids=[u.id for u in context.units])
        await say(update, context, "rv.nothing" if linked else "rv.not_yours", number=item.number)
        return ConversationHandler.END
    return await begin_revise(update, context, latest.id)


async def revise_button(update: Update, context: BotContext) -> int:
    """The ✏️ button under a saved report or on the card."""
    report_id = Revise.of(update).report_id
    await update.callback_query.answer()
    return await begin_revise(update, context, report_id)


def revise_refusal(session, report: ProgressReport | None, unit_ids: set[int], now: datetime,  # type: ignore[no-untyped-def]
                   hours: float) -> str | None:
    """Why this user cannot correct this report now, as a text key; None when they can."""
    if report is None:
        return "confirm.expired"
    if report.unit_id not in unit_ids:
        return "rv.not_yours"
    if report.returned_at is not None:
        return "rv.returned"
    if reports.newer_report_exists(session, report=report):
        return "rv.not_latest"
    if now - report.created_at > timedelta(hours=hours):
        return "rv.window_passed"
    return None


async def begin_revise(update: Update, context: BotContext, report_id: int) -> int:
    busy = busy_with(context, REVISE_DRAFT)
    if busy:
        await refuse_busy(update, context, busy)
        return ConversationHandler.END
    services = context.services
    lang = lang_of(update, context)
    hours = services.settings.report_edit_hours
    with work(context) as session:
        report = reports.report(session, report_id=report_id)
        refusal = revise_refusal(session, report, {u.id for u in context.units}, services.clock.now(), hours)
        item = dialogues.item(session, item_id=report.item_id) if report else None
    if refusal is not None:
        await say(update, context, refusal, number=item.number if item else "", hours=f"{hours:g}",
                  when=when_text(lang, report.created_at, context) if report else "")
        return ConversationHandler.END
    draft, earlier = new_draft(context, REVISE_DRAFT, report_id=report.id, number=item.number, title=item.title,
                               target=item.target_value, baseline=item.baseline_value)
    await tell_dropped(update, context, earlier)
    options = [(t(lang, f"rv.field.{name}" if name != "percent" or item.target_value is None else "rv.field.value"),
                ReviseField(draft["token"], name).encode()) for name in FIELDS]
    until = report.created_at + timedelta(hours=hours)
    cancel = (t(lang, "btn.cancel"), ReviseCancel(draft["token"]).encode())
    await say(update, context, "rv.choose", choice_buttons([*options, cancel]),
              number=item.number, title=esc(item.title), until=when_text(lang, until, context),
              current=current_text(lang, report))
    return RV_FIELD


def current_text(lang: str, report: ProgressReport) -> str:
    percent = f"{report.percent}%" if report.percent is not None else t(lang, "report.percent_unknown")
    return t(lang, "rv.current", text=esc(report.text), percent=percent,
             status=f"{MARKS[report.status]} {t(lang, f'status_long.{report.status}')}",
             problems=esc(report.problems) if report.problems else t(lang, "none"))


async def chose_field(update: Update, context: BotContext) -> int:
    pressed = ReviseField.of(update)
    draft = draft_of(context, REVISE_DRAFT, pressed.token)
    field = pressed.name
    await done_with_button(update)
    draft["field"] = field
    lang = lang_of(update, context)
    cancel = (t(lang, "btn.cancel"), ReviseCancel(draft["token"]).encode())
    if field == "percent" and draft.get("target") is not None:
        await say(update, context, "rv.ask_value", choice_buttons([cancel]), target=f"{draft['target']:g}")
    elif field == "percent":
        options = [(f"{p}%", RevisePercent(draft["token"], p).encode()) for p in range(0, 101, 10)] + [cancel]
        await say(update, context, "report.ask_percent", choice_buttons(options, width=4))
    elif field == "status":
        options = [(f"{MARKS[s.value]} {t(lang, f'status.{s.value}')}", ReviseStatus(draft["token"], s.value).encode())
                   for s in Status]
        await say(update, context, "report.ask_status", choice_buttons([*options, cancel], width=2))
    else:
        await say(update, context, f"rv.ask_{field}", choice_buttons([cancel]))
    return RV_VALUE


async def got_value_text(update: Update, context: BotContext) -> int:
    draft = _revise(context)
    text = typed_text(update)
    field = draft.get("field")
    if field in ("text", "problems"):
        if field == "text" and not text:
            await say(update, context, "report.empty_text")
            return RV_VALUE
        if len(text) > MAX_TEXT:
            await say(update, context, "add.too_long", max=MAX_TEXT)
            return RV_VALUE
        return await preview_revision(update, context, {field: text or None})
    number = text.replace(",", "").rstrip("%％").strip()
    try:
        value = float(number)
    except ValueError:
        await say(update, context, "report.bad_value" if draft.get("target") is not None else "report.bad_percent")
        return RV_VALUE
    if draft.get("target") is not None:
        return await preview_revision(update, context, {"current_value": value,
                                                        "percent": indicator_percent(draft.get("baseline"),
                                                                                     draft["target"], value)})
    if not 0 <= value <= 100:
        await say(update, context, "report.bad_percent")
        return RV_VALUE
    return await preview_revision(update, context, {"percent": round(value)})


async def got_value_button(update: Update, context: BotContext) -> int:
    """A percent (0–100) or status button for this very draft, when it is correcting that field."""
    data = update.callback_query.data
    pressed: RevisePercent | ReviseStatus = RevisePercent.parse(data) or ReviseStatus.of(update)
    field = "percent" if isinstance(pressed, RevisePercent) else "status"
    if draft_of(context, REVISE_DRAFT, pressed.token).get("field") != field:
        raise Refusal("confirm.expired")
    await done_with_button(update)
    return await preview_revision(update, context, {field: getattr(pressed, field)})


async def preview_revision(update: Update, context: BotContext, changes: dict[str, Any]) -> int:
    """Old and new side by side before anything is saved."""
    draft = _revise(context)
    lang = lang_of(update, context)
    with work(context) as session:
        report = reports.report(session, report_id=draft["report_id"])
    if report is None:
        context.user_data.pop(REVISE_DRAFT, None)
        raise Refusal("confirm.expired", end=True)
    draft["changes"] = changes
    field = draft["field"]
    await say(update, context, "rv.preview", confirm_buttons(lang, draft["token"]), number=draft["number"],
              field=t(lang, f"rv.field.{field}"), old=shown(lang, report, field, {}), new=shown(lang, report, field, changes))
    return RV_CONFIRM


def shown(lang: str, report: ProgressReport, field: str, changes: dict[str, Any]) -> str:
    values = {name: changes.get(name, getattr(report, name)) for name in ("text", "percent", "current_value",
                                                                          "status", "problems")}
    if field == "status":
        status = values["status"]
        return f"{MARKS[status]} {t(lang, 'status_long.' + status)}"
    if field == "percent":
        value = f"{values['percent']}%" if values["percent"] is not None else t(lang, "report.percent_unknown")
        return f"{values['current_value']:g}{t(lang, 'paren', text=value)}" if values["current_value"] is not None else value
    return esc(values[field]) if values[field] else t(lang, "none")


async def revise_confirmed(update: Update, context: BotContext) -> int:
    """Save the correction, keeping the version it replaces: one transaction, the window checked again,
    once per draft."""
    draft = await confirmed_draft(update, context, REVISE_DRAFT, "changes")
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    services = context.services
    now = services.clock.now()
    hours = services.settings.report_edit_hours
    with work(context) as session:
        if dialogues.of_draft(session, ReportVersion, draft_id=draft["token"]) is not None:
            raise Refusal("rv.already_saved", end=True, edit=True)
        unit_ids = {u.id for u in contacts.units_of_user(session, telegram_id=update.effective_user.id)}
        report = reports.report(session, report_id=draft["report_id"])
        refusal = revise_refusal(session, report, unit_ids, now, hours)
        if refusal is not None:
            raise Refusal(refusal, end=True, edit=True, number=draft["number"], hours=f"{hours:g}",
                          when=when_text(lang, report.created_at, context) if report else "")
        report = reports.revise_report(session, report_id=report.id, changes=draft["changes"],
                                           by=update.effective_user.id, now=now)
        replaced = dialogues.replaced_version(session, report_id=report.id, version=report.version - 1)
        dialogues.mark_draft(session, replaced, draft_id=draft["token"])
        units = units_db.units_by_id(session, ids=[report.unit_id]) if report.unit_id else {}
        closing_follows(services, session, item_id=report.item_id, report=report,
                        unit=units[report.unit_id].name if units else "", person=update.effective_user.full_name,
                        now=now)
    await done_with_button(update, t(lang, "rv.saved", number=draft["number"], version=report.version) + "\n"
                           + current_text(lang, report))
    await send_queued(context)
    return ConversationHandler.END


revise_cancel = cancels(REVISE_DRAFT)  # the report stays as it was


revise_cancel_pressed = cancel_pressed(REVISE_DRAFT, ReviseCancel, revise_cancel)

revise_timed_out = times_out(REVISE_DRAFT)

# ---------------------------------------------------------------- wiring


def send_back_conversation(timeout_seconds: float) -> ConversationHandler:
    # Any chat: a supervisor may return a report from a card shown in the digest group; the group's
    # other members read, but only admins and supervisors, by numeric id, send back.
    text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    overseer = lambda cb: guard(is_overseer, "refuse.send_back", cb)  # noqa: E731
    return ConversationHandler(
        name="send_back",
        persistent=True,
        entry_points=[
            CommandHandler("sendback", overseer(send_back_command),
                           filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
            CallbackQueryHandler(overseer(send_back_button), pattern=SendBack.matches),
        ],
        states={
            SB_REASON: [MessageHandler(text, got_send_back_reason)],
            SB_CONFIRM: [CallbackQueryHandler(overseer(send_back_confirmed), pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, send_back_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", send_back_cancel),
                   CallbackQueryHandler(send_back_cancel_pressed, pattern=SendBackCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def revise_conversation(timeout_seconds: float) -> ConversationHandler:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    contact = lambda cb: guard(is_contact, "refuse.contact", guard(in_private, "refuse.private", cb))  # noqa: E731
    return ConversationHandler(
        name="revise_report",
        persistent=True,
        entry_points=[
            CommandHandler("revise", contact(revise_command), filters=filters.UpdateType.MESSAGE & ~filters.FORWARDED),
            CallbackQueryHandler(contact(revise_button), pattern=Revise.matches),
        ],
        states={
            RV_FIELD: [CallbackQueryHandler(chose_field, pattern=ReviseField.matches)],
            RV_VALUE: [MessageHandler(text, got_value_text),
                       CallbackQueryHandler(got_value_button, pattern=either_kind(RevisePercent, ReviseStatus))],
            RV_CONFIRM: [CallbackQueryHandler(revise_confirmed, pattern=Confirm.matches)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, revise_timed_out)],
        },
        fallbacks=[CommandHandler("cancel", revise_cancel),
                   CallbackQueryHandler(revise_cancel_pressed, pattern=ReviseCancel.matches)],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
    )


def handlers(timeout_seconds: float) -> list:
    """Send-back for admins and supervisors; corrections for the unit's contacts."""
    return [send_back_conversation(timeout_seconds), revise_conversation(timeout_seconds)]
