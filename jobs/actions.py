"""What the chat and the dashboard both do to the record, as service functions: return a report (退办) and
decide an extension request (延期审批). Each is one transaction with the chat's checks, its records and its
messages to the units queued in the outbox before anything is sent; the caller drains the outbox after
(`jobs.sender.send_queued`). A refusal is a text key and leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.callbacks import Report
from bot.context import Services
from bot.dates import format_date
from bot.texts import esc, t
from db import outbox, queries, supervision
from db.models import ExtensionRequest, Item, ProgressReport
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
    if supervision.newer_report_exists(session, report=report):
        return "sb.not_latest"
    return None


def report_again_chats(session: Session, report: ProgressReport, now: datetime) -> list[int]:
    """Who is asked to report again: the reporter when still a reachable contact of the unit, else those
    the unit's reminders go to."""
    contacts = queries.contacts_of_units(session, unit_ids=[report.unit_id]).get(report.unit_id, [])
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
        report = supervision.report(session, report_id=report_id)
        item = session.get(Item, report.item_id) if report else None
        refusal = send_back_refusal(session, report)
        if refusal is not None or item is None:
            return Outcome(refusal or "confirm.expired", number=item.number if item else "")
        unit = queries.units_by_id(session, ids=[report.unit_id]).get(report.unit_id)
        queries.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        supervision.return_report(session, report_id=report.id, by=by.id, reason=reason, now=now)
        for chat_id in report_again_chats(session, report, now):
            lang = queries.person_language(session, telegram_id=chat_id) or services.settings.language
            outbox.enqueue_text(
                session, key=f"returned:{report.id}:{chat_id}", kind="notice", chat_id=chat_id,
                parts=[t(lang, "sb.notice", number=item.number, title=esc(item.title),
                         when=when_text(services, lang, report.created_at), reason=esc(reason),
                         person=esc(by.full_name))],
                buttons=[[(t(lang, "remind.button", number=item.number), Report(item.id).encode())]],
                now=now, not_before=send_time(services, now))
        return Outcome(None, number=item.number, unit=unit.name if unit else "")


def outcome_text(lang: str, request: ExtensionRequest, number: int, title: str) -> str:
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
        request = supervision.extension(session, request_id=request_id)
        item = session.get(Item, request.item_id) if request else None
        if request is None or item is None:
            return Outcome("confirm.expired")
        if request.status != "pending":
            return Outcome("ext.already", number=item.number, status=request.status)
        queries.remember_person(session, telegram_id=by.id, full_name=by.full_name, username=by.username)
        supervision.decide_extension(session, request=request, approve=approve, by=by.id, comment=comment, now=now)
        contact_lang = queries.person_language(session, telegram_id=request.requested_by) or services.settings.language
        outbox.enqueue_text(session, key=f"extension-decided:{request.id}", kind="notice", chat_id=request.requested_by,
                            parts=[outcome_text(contact_lang, request, item.number, item.title)], now=now,
                            not_before=send_time(services, now))
        return Outcome(None, number=item.number, status=request.status,
                       deadline=format_date(request.requested_deadline, lang))
