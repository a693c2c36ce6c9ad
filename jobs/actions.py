"""What the chat and the dashboard both do to the record, as service functions: return a report (退办),
decide an extension request (延期审批), confirm or send back a 办结 and decide an adjustment (调整 / 取消). Each is one transaction with the chat's checks, its records and its
messages to the units queued in the outbox before anything is sent; the caller drains the outbox after
(`jobs.sender.send_queued`). A refusal is a text key and leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.callbacks import Adjust, DecideAdjustment, DecideClosing, Report
from bot.context import Services
from bot.dates import format_date
from bot.texts import esc, t
from db import closing, dialogues, extensions, lists, outbox, people, reports, units
from db import contacts as contacts_db
from db.facts import Closing, Status
from db.models import Adjustment, ClosingReview, ExtensionRequest, Item, ProgressReport
from jobs.sender import send_time

MAX_TEXT = 3000  # a send-back reason or a comment, as in the chat


@dataclass(frozen=True)
class Actor:
    """Who acts: a Telegram user, by numeric id, as the chat and the Mini App both know them."""

    id: int
    full_name: str
    username: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What came of an action: `refusal` is a text key (None when done), with the values its text needs."""

    refusal: str | None
    number: int | str = ""
    unit: str = ""
    status: str = ""
    deadline: str = ""
    day: str = ""  # the day of a 办结


def when_text(services: Services, lang: str, moment: datetime) -> str:
    local = moment.astimezone(services.settings.tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


def send_back_refusal(session: Session, report: ProgressReport | None) -> str | None:
    """Why this report cannot be returned, as a text key; None when it can."""
    if report is None:
        return "confirm.expired"
    if report.unit_id is None:
        return "sb.not_unit_report"
    if report.returned_at is not None:
        return "sb.already"
    if reports.newer_report_exists(session, report=report):
        return "sb.not_latest"
    return None


def report_again_chats(session: Session, report: ProgressReport, now: datetime) -> list[int]:
    """Who is asked to report again: the reporter when still a reachable contact of the unit, else those
    the unit's reminders go to."""
    contacts = contacts_db.contacts_of_units(session, unit_ids=[report.unit_id]).get(report.unit_id, [])
    if any(c.telegram_id == report.reporter_id and c.reachable for c in contacts):
        return [report.reporter_id]
    away = outbox.away_today(session, today=now.date(), unit_ids=[report.unit_id])
    return list(outbox.reminder_recipients(contacts, away))


def send_back_report(services: Services, *, report_id: int, by: Actor, reason: str, now: datetime) -> Outcome:
    """Mark a report returned and ask its unit to report again, in one transaction."""
    reason = reason.strip()[:MAX_TEXT]
    if not reason:
        return Outcome("sb.empty_reason")
    with services.db.session() as session:
        report = reports.report(session, report_id=report_id)
        item = session.get(Item, report.item_id) if report else None
        refusal = send_back_refusal(session, report)
        if refusal is not None or item is None:
            return Outcome(refusal or "confirm.expired", number=lists.item_ref(session, item=item) if item else "")
        ref = lists.item_ref(session, item=item)
        unit = units.units_by_id(session, ids=[report.unit_id]).get(report.unit_id)
        people.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        reports.return_report(session, report_id=report.id, by=by.id, reason=reason, now=now)
        for chat_id in report_again_chats(session, report, now):
            lang = people.person_language(session, telegram_id=chat_id) or services.settings.language
            outbox.enqueue_text(
                session, key=f"returned:{report.id}:{chat_id}", kind="notice", chat_id=chat_id,
                parts=[t(lang, "sb.notice", number=ref, title=esc(item.title),
                         when=when_text(services, lang, report.created_at), reason=esc(reason),
                         person=esc(by.full_name))],
                buttons=[[(t(lang, "remind.button", number=ref), Report(item.id).encode())]],
                now=now, not_before=send_time(services, now))
        return Outcome(None, number=ref, unit=unit.name if unit else "")


def outcome_text(lang: str, request: ExtensionRequest, number: int | str, title: str) -> str:
    """What the requester is told of the decision."""
    comment = t(lang, "ext.comment", comment=esc(request.comment)) if request.comment else ""
    if request.status == "approved":
        original = (t(lang, "date.short", month=request.original_deadline.month, day=request.original_deadline.day)
                    if request.original_deadline else t(lang, "item.deadline_open"))
        return t(lang, "ext.approved_notice", number=number, title=esc(title),
                 deadline=format_date(request.requested_deadline, lang), original=original, comment=comment)
    return t(lang, "ext.refused_notice", number=number, title=esc(title),
             deadline=format_date(request.requested_deadline, lang), comment=comment)


def decide_extension_request(services: Services, *, request_id: int, approve: bool, by: Actor,
                             comment: str | None, now: datetime, lang: str) -> Outcome:
    """Record an admin's decision, move the deadline when approved, tell the requester: one transaction.
    The caller checks that `by` is an admin."""
    comment = (comment or "").strip()[:MAX_TEXT] or None
    with services.db.session() as session:
        request = extensions.extension(session, request_id=request_id)
        item = session.get(Item, request.item_id) if request else None
        if request is None or item is None:
            return Outcome("confirm.expired")
        ref = lists.item_ref(session, item=item)
        if request.status != "pending":
            return Outcome("ext.already", number=ref, status=request.status)
        people.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        extensions.decide_extension(session, request=request, approve=approve, by=by.id, comment=comment, now=now)
        contact_lang = people.person_language(session, telegram_id=request.requested_by) or services.settings.language
        outbox.enqueue_text(session, key=f"extension-decided:{request.id}", kind="notice", chat_id=request.requested_by,
                            parts=[outcome_text(contact_lang, request, ref, item.title)], now=now,
                            not_before=send_time(services, now))
        return Outcome(None, number=ref, status=request.status,
                       deadline=format_date(request.requested_deadline, lang))


# ---- review: 办结 on review, adjustments and cancellations (db.closing)


def overseer_ids(services: Services) -> list[int]:
    """Who reviews a 办结: the admins and the supervisors, by numeric id."""
    return list(dict.fromkeys([*services.settings.admin_ids, *services.settings.supervisor_ids]))


def ask_closing(services: Services, session: Session, *, item: Item, report: ProgressReport, unit: str,
                person: str, now: datetime) -> ClosingReview | None:
    """A unit reported 已完成: the item awaits review (申请办结, its reminders stop) and the admins and
    supervisors are asked to confirm it, in the report's own transaction. None when nothing is asked (the
    item is closed already, or awaits review)."""
    request = closing.request_closing(session, item=item, report=report, now=now)
    if request is None:
        return None
    ref = lists.item_ref(session, item=item)
    for chat_id in overseer_ids(services):
        lang = people.person_language(session, telegram_id=chat_id) or services.settings.language
        outbox.enqueue_text(
            session, key=f"closing:{request.id}:{chat_id}", kind="notice", chat_id=chat_id,
            parts=[t(lang, "close.request", number=ref, title=esc(item.title), unit=esc(unit),
                     person=esc(person), text=esc(report.text[:600]))],
            buttons=[[(t(lang, "close.confirm"), DecideClosing(request.id, "c").encode()),
                      (t(lang, "close.refuse"), DecideClosing(request.id, "r").encode())]],
            now=now, not_before=send_time(services, now))
    return request


def closing_follows(services: Services, session: Session, *, item_id: int, report: ProgressReport, unit: str,
                    person: str, now: datetime) -> ClosingReview | None:
    """After a report is written or corrected: 已完成 asks for 办结; a correction away from it withdraws it."""
    item = session.get(Item, item_id)
    if item is None:
        return None
    if report.status == Status.AHEAD:
        return ask_closing(services, session, item=item, report=report, unit=unit, person=person, now=now)
    closing.withdraw(session, report_id=report.id, now=now)
    return None


def office_today(services: Services, now: datetime) -> date:
    return now.astimezone(services.settings.tz).date()


def decide_closing_request(services: Services, *, review_id: int, confirm: bool, by: Actor, reason: str | None,
                           now: datetime, lang: str) -> Outcome:
    """Confirm a 办结 (dated today) or send it back with a reason (reminders resume, the unit is told as for a
    returned report): one transaction. The caller checks that `by` is an admin or a supervisor."""
    reason = (reason or "").strip()[:MAX_TEXT] or None
    if not confirm and reason is None:
        return Outcome("close.empty_reason")
    with services.db.session() as session:
        request = closing.review(session, review_id=review_id)
        item = session.get(Item, request.item_id) if request else None
        if request is None or item is None:
            return Outcome("confirm.expired")
        ref = lists.item_ref(session, item=item)
        if request.status != "requested":
            return Outcome("close.already", number=ref, status=request.status)
        people.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        today = office_today(services, now)
        closing.decide_closing(session, request=request, confirm=confirm, by=by.id, reason=reason, now=now,
                               today=today)
        report = reports.report(session, report_id=request.report_id) if request.report_id else None
        if confirm:
            chats = [request.requested_by] if request.requested_by else []
        else:
            chats = report_again_chats(session, report, now) if report and report.unit_id else []
        for chat_id in chats:
            unit_lang = people.person_language(session, telegram_id=chat_id) or services.settings.language
            key = "close.confirmed_notice" if confirm else "close.refused_notice"
            outbox.enqueue_text(
                session, key=f"closing-decided:{request.id}:{chat_id}", kind="notice", chat_id=chat_id,
                parts=[t(unit_lang, key, number=ref, title=esc(item.title), person=esc(by.full_name),
                         day=format_date(today, unit_lang), reason=esc(reason or ""))],
                buttons=None if confirm else [[(t(unit_lang, "remind.button", number=ref),
                                                Report(item.id).encode())]],
                now=now, not_before=send_time(services, now))
        return Outcome(None, number=ref, status=request.status, day=format_date(today, lang))


def close_item(services: Services, *, item_id: int, by: Actor, note: str, now: datetime, draft_id: str,
               lang: str) -> Outcome:
    """An admin closes an item directly, with a note (once per draft: a second confirm finds it closed)."""
    note = note.strip()[:MAX_TEXT]
    if not note:
        return Outcome("close.empty_note")
    with services.db.session() as session:
        item = session.get(Item, item_id)
        if item is None or item.archived:
            return Outcome("confirm.expired")
        ref = lists.item_ref(session, item=item)
        if dialogues.of_draft(session, ClosingReview, draft_id=draft_id) is not None or item.closing_state in (
                Closing.CLOSED, Closing.CANCELLED):
            return Outcome("close.already_closed", number=ref, status=item.closing_state)
        people.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        today = office_today(services, now)
        closing.close_directly(session, item=item, by=by.id, note=note, now=now, today=today, draft_id=draft_id)
        return Outcome(None, number=ref, status=Closing.CLOSED, day=format_date(today, lang))


def adjustment_value(lang: str, kind: str, values: dict[str, Any], names: dict[int, str]) -> str:
    """An adjustment's before or after, as a person reads it."""
    if kind == "title":
        return esc(values.get("title") or "")
    if kind == "target":
        target = values.get("target_value")
        return "—" if target is None else f"{target:g}{esc(values.get('indicator_unit') or '')}"
    if kind == "units":
        return esc(t(lang, "list_sep").join(names.get(u, f"#{u}") for u in values.get("responsible", [])))
    return t(lang, "adj.kind.cancel")


def adjustment_text(lang: str, request: Adjustment, names: dict[int, str]) -> str:
    """ "调整标题：旧 → 新" (or "申请取消")."""
    if request.kind == "cancel":
        return t(lang, "adj.cancel_change")
    return t(lang, "adj.change", kind=t(lang, f"adj.kind.{request.kind}"),
             before=adjustment_value(lang, request.kind, request.before, names),
             after=adjustment_value(lang, request.kind, request.after, names))


def adjustment_notices(services: Services, session: Session, *, request: Adjustment, item: Item, unit: str,
                       person: str, now: datetime) -> None:
    """Put a new adjustment request before the admins, with Approve / Refuse."""
    names, ref = units.unit_names(session), lists.item_ref(session, item=item)
    for admin_id in services.settings.admin_ids:
        lang = people.person_language(session, telegram_id=admin_id) or services.settings.language
        outbox.enqueue_text(
            session, key=f"adjustment:{request.id}:{admin_id}", kind="notice", chat_id=admin_id,
            parts=[t(lang, "adj.admin_request", number=ref, title=esc(item.title), unit=esc(unit),
                     person=esc(person), change=adjustment_text(lang, request, names), reason=esc(request.reason))],
            buttons=[[(t(lang, "adj.approve"), DecideAdjustment(request.id, "a").encode()),
                      (t(lang, "adj.refuse"), DecideAdjustment(request.id, "r").encode())]],
            now=now, not_before=send_time(services, now))


def decide_adjustment_request(services: Services, *, adjustment_id: int, approve: bool, by: Actor,
                              comment: str | None, now: datetime) -> Outcome:
    """Approve (apply the change, before and after kept) or refuse an adjustment, and tell the requester: one
    transaction. The caller checks that `by` is an admin."""
    comment = (comment or "").strip()[:MAX_TEXT] or None
    with services.db.session() as session:
        request = closing.adjustment(session, adjustment_id=adjustment_id)
        item = session.get(Item, request.item_id) if request else None
        if request is None or item is None:
            return Outcome("confirm.expired")
        ref = lists.item_ref(session, item=item)
        if request.status != "pending":
            return Outcome("adj.already", number=ref, status=request.status)
        if approve and request.kind != "cancel" and item.closing_state == Closing.CANCELLED:
            return Outcome("adj.item_cancelled", number=ref)
        people.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        closing.decide_adjustment(session, request=request, approve=approve, by=by.id, comment=comment, now=now)
        names = units.unit_names(session)
        lang = people.person_language(session, telegram_id=request.requested_by) or services.settings.language
        note = t(lang, "ext.comment", comment=esc(comment)) if comment else ""
        outbox.enqueue_text(
            session, key=f"adjustment-decided:{request.id}", kind="notice", chat_id=request.requested_by,
            parts=[t(lang, "adj.approved_notice" if approve else "adj.refused_notice", number=ref,
                     title=esc(item.title), change=adjustment_text(lang, request, names), comment=note)],
            now=now, not_before=send_time(services, now))
        return Outcome(None, number=ref, status=request.status)


# The item card's lines (the chat's and the dashboard's).


@dataclass(frozen=True)
class CardEnding:
    """What the item card shows of its closing and adjustments, and the buttons they bring."""

    item_id: int
    lines: list[str]
    pending_review: int | None
    open: bool  # neither closed nor cancelled

    def buttons(self, lang: str, *, own: bool, overseer: bool) -> list[tuple[str, str]]:
        """🔧 for the unit's contact; 确认办结 / 退回 for an overseer while a 办结 awaits review."""
        buttons = [(t(lang, "adj.button"), Adjust(self.item_id).encode())] if own and self.open else []
        if overseer and self.pending_review is not None:
            buttons += [(t(lang, "close.confirm"), DecideClosing(self.pending_review, "c").encode()),
                        (t(lang, "close.refuse"), DecideClosing(self.pending_review, "r").encode())]
        return buttons


def closing_card(session: Session, lang: str, item: Item, services: Services) -> CardEnding:
    """The card's lines on the item's closing (requests, send-backs, 办结, cancellation) and adjustments."""
    tz = services.settings.tz
    lines = [t(lang, "close.card_cancelled", day=format_date(item.updated_at.astimezone(tz).date(), lang))
             ] if item.closing_state == Closing.CANCELLED else []
    reviews = closing.reviews_of_item(session, item_id=item.id)
    deciders = people.people_names(session, telegram_ids=[r.decided_by for r in reviews if r.decided_by])
    for review in reviews:
        if review.status == "requested":
            lines.append(t(lang, "close.card_requested", day=when_text(services, lang, review.created_at)))
        elif review.status == "refused" and review.decided_at:
            lines.append(t(lang, "close.card_refused", day=when_text(services, lang, review.decided_at),
                           reason=esc(review.reason or "")))
        elif review.status == "closed" and item.closed_on:
            note = t(lang, "close.note", note=esc(review.reason)) if review.reason else ""
            lines.append(t(lang, "close.card_closed", day=format_date(item.closed_on, lang),
                           person=esc(deciders.get(review.decided_by or 0, "")), note=note))
    unit_names = units.unit_names(session)
    for request in closing.adjustments_of_item(session, item_id=item.id):
        lines.append(t(lang, "adj.card_line", when=format_date(request.created_at.astimezone(tz).date(), lang),
                       change=adjustment_text(lang, request, unit_names), status=t(lang, f"adj.status.{request.status}"),
                       reason=esc(request.reason)))
    pending = next((r.id for r in reviews if r.status == "requested"), None)
    return CardEnding(item.id, lines, pending, item.closing_state in (Closing.OPEN, Closing.REQUESTED))
