"""Queries of supervision (督查督办) beyond reporting: extension requests, returned and corrected reports,
monthly colours, leave and stand-ins, reports by range. Keyword-only functions taking a session, like
`db.queries`; each changing function is one step of one transaction, committed by the caller's session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db import closing
from db.models import (
    Absence,
    Contact,
    ExtensionRequest,
    Item,
    MonthlyColour,
    ProgressReport,
    ReportVersion,
)

# ---------------------------------------------------------------- reports: send-back and corrections


def report(session: Session, *, report_id: int) -> ProgressReport | None:
    return session.get(ProgressReport, report_id)


def latest_unit_report(session: Session, *, item_id: int, unit_ids: Iterable[int]) -> ProgressReport | None:
    """The newest report on an item by any of these units, returned or not."""
    ids = list(unit_ids)
    if not ids:
        return None
    return session.exec(
        select(ProgressReport).where(ProgressReport.item_id == item_id, col(ProgressReport.unit_id).in_(ids))
        .order_by(col(ProgressReport.id).desc())
    ).first()


def newer_report_exists(session: Session, *, report: ProgressReport) -> bool:
    """Whether the unit reported on the item again after this report."""
    return session.exec(
        select(ProgressReport.id).where(ProgressReport.item_id == report.item_id,
                                        ProgressReport.unit_id == report.unit_id, col(ProgressReport.id) > report.id)
    ).first() is not None


def return_report(session: Session, *, report_id: int, by: int, reason: str, now: datetime) -> ProgressReport:
    """Mark a report returned (退办): kept in the history, no longer counted as reported."""
    row = session.get(ProgressReport, report_id)
    if row is None:
        raise LookupError(f"report {report_id} is gone")
    row.returned_at, row.returned_by, row.return_reason = now, by, reason
    session.add(row)
    closing.withdraw(session, report_id=row.id, now=now)  # a returned 已完成 asks for nothing any more
    return row


REVISABLE = ("text", "percent", "current_value", "status", "problems")


def revise_report(session: Session, *, report_id: int, changes: Mapping[str, Any], by: int,
                  now: datetime) -> ProgressReport:
    """Correct a report in place; the version it replaces is kept with its time."""
    row = session.get(ProgressReport, report_id)
    if row is None:
        raise LookupError(f"report {report_id} is gone")
    unknown = set(changes) - set(REVISABLE)
    if unknown:
        raise ValueError(f"cannot revise {sorted(unknown)}")
    session.add(ReportVersion(
        report_id=row.id, version=row.version, saved_at=row.edited_at or row.created_at, replaced_at=now,
        replaced_by=by, text=row.text, percent=row.percent, current_value=row.current_value, status=row.status,
        problems=row.problems,
    ))
    for name, value in changes.items():
        setattr(row, name, value)
    row.version, row.edited_at = row.version + 1, now
    session.add(row)
    session.flush()
    return row


def report_versions(session: Session, *, report_ids: Iterable[int]) -> dict[int, list[ReportVersion]]:
    """Earlier versions of each report, oldest first."""
    ids = list(set(report_ids))
    if not ids:
        return {}
    grouped: dict[int, list[ReportVersion]] = defaultdict(list)
    rows = session.exec(select(ReportVersion).where(col(ReportVersion.report_id).in_(ids))
                        .order_by(ReportVersion.report_id, ReportVersion.version)).all()
    for row in rows:
        grouped[row.report_id].append(row)
    return dict(grouped)


@dataclass(frozen=True)
class HistoryRow:
    report: ProgressReport
    number: int
    title: str


def reports_between(session: Session, *, start: datetime, end: datetime, unit_id: int | None = None,
                    item_id: int | None = None) -> list[HistoryRow]:
    """Every report written in [start, end), returned ones included, oldest first, with its item."""
    query = (select(ProgressReport, Item.number, Item.title).join(Item, col(Item.id) == col(ProgressReport.item_id))
             .where(col(ProgressReport.created_at) >= start, col(ProgressReport.created_at) < end))
    if unit_id is not None:
        query = query.where(ProgressReport.unit_id == unit_id)
    if item_id is not None:
        query = query.where(ProgressReport.item_id == item_id)
    rows = session.exec(query.order_by(ProgressReport.created_at, ProgressReport.id)).all()
    return [HistoryRow(r, n, title) for r, n, title in rows]


# ---------------------------------------------------------------- extension requests (延期申请)


def pending_extension(session: Session, *, item_id: int) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id,
                                                       ExtensionRequest.status == "pending")).first()


def request_extension(session: Session, *, item: Item, unit_id: int, by: int, deadline: date, text: str,
                      reason: str, now: datetime) -> ExtensionRequest:
    request = ExtensionRequest(item_id=item.id, unit_id=unit_id, requested_by=by, created_at=now,
                               original_deadline=item.deadline, requested_deadline=deadline, requested_text=text,
                               reason=reason)
    session.add(request)
    session.flush()
    return request


def extension(session: Session, *, request_id: int) -> ExtensionRequest | None:
    return session.get(ExtensionRequest, request_id)


def decide_extension(session: Session, *, request: ExtensionRequest, approve: bool, by: int,
                     comment: str | None, now: datetime) -> None:
    """Approve (the item's deadline moves; the request keeps the one before) or refuse a pending request."""
    if request.status != "pending":
        raise ValueError(f"request {request.id} is already {request.status}")
    request.status = "approved" if approve else "refused"
    request.decided_at, request.decided_by, request.comment = now, by, comment
    session.add(request)
    if approve:
        item = session.get(Item, request.item_id)
        if item is None:
            raise LookupError(f"item {request.item_id} is gone")
        item.deadline, item.deadline_text, item.updated_at = (request.requested_deadline, request.requested_text,
                                                             now)
        session.add(item)


def extensions_of_item(session: Session, *, item_id: int) -> list[ExtensionRequest]:
    return list(session.exec(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id)
                             .order_by(ExtensionRequest.id)).all())


@dataclass(frozen=True)
class Extended:
    """An item whose deadline was moved by approved extensions: now and as first set."""

    item_id: int
    deadline: date
    original: date | None
    times: int


def extended_items(session: Session, *, item_ids: Iterable[int] | None = None) -> dict[int, Extended]:
    query = select(ExtensionRequest).where(ExtensionRequest.status == "approved")
    if item_ids is not None:
        query = query.where(col(ExtensionRequest.item_id).in_(list(set(item_ids))))
    grouped: dict[int, list[ExtensionRequest]] = defaultdict(list)
    for request in session.exec(query.order_by(ExtensionRequest.id)).all():
        grouped[request.item_id].append(request)
    return {item_id: Extended(item_id, requests[-1].requested_deadline, requests[0].original_deadline,
                              len(requests)) for item_id, requests in grouped.items()}


# ---------------------------------------------------------------- monthly colours


def save_monthly_colours(session: Session, *, month: str, rows: Iterable[MonthlyColour], overwrite: bool) -> int:
    """Keep each item's colour for a month; with `overwrite` False a colour already kept stays. Returns
    how many were written."""
    rows = list(rows)
    existing = {c.item_id: c for c in session.exec(
        select(MonthlyColour).where(MonthlyColour.month == month,
                                    col(MonthlyColour.item_id).in_([r.item_id for r in rows]))).all()}
    written = 0
    for row in rows:
        old = existing.get(row.item_id)
        if old is None:
            session.add(row)
        elif overwrite:
            old.colour, old.percent, old.time_progress, old.missed, old.recorded_at = (
                row.colour, row.percent, row.time_progress, row.missed, row.recorded_at)
            session.add(old)
        else:
            continue
        written += 1
    return written


def monthly_colours(session: Session, *, item_ids: Iterable[int], year: int) -> dict[int, dict[str, str]]:
    """Item id → {"2021-07": "red", …} for the months of a year that were kept."""
    rows = session.exec(select(MonthlyColour).where(col(MonthlyColour.item_id).in_(list(set(item_ids))),
                                                    col(MonthlyColour.month).startswith(f"{year}-"))).all()
    kept: dict[int, dict[str, str]] = defaultdict(dict)
    for row in rows:
        kept[row.item_id][row.month] = row.colour
    return dict(kept)


def month_kept(session: Session, *, month: str) -> bool:
    return session.exec(select(MonthlyColour.item_id).where(MonthlyColour.month == month)).first() is not None


def colours_of_month(session: Session, *, month: str) -> dict[int, str]:
    return {r.item_id: r.colour for r in session.exec(select(MonthlyColour).where(MonthlyColour.month == month))}


# ---------------------------------------------------------------- leave and stand-ins


def contact(session: Session, *, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def unit_contacts(session: Session, *, unit_id: int) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.unit_id == unit_id).order_by(Contact.id)).all())


def contact_of(session: Session, *, telegram_id: int, unit_id: int) -> Contact | None:
    return session.exec(select(Contact).where(Contact.telegram_id == telegram_id, Contact.unit_id == unit_id)).first()


def add_absence(session: Session, *, contact: Contact, stand_in: Contact, starts: date, ends: date, by: int,
                now: datetime) -> tuple[Absence, list[Absence]]:
    """Record a leave; leaves of the same contact that overlap it are replaced. Returns it and those replaced."""
    if contact.unit_id != stand_in.unit_id or contact.id == stand_in.id:
        raise ValueError("a stand-in is another contact of the same unit")
    replaced = list(session.exec(select(Absence).where(
        Absence.contact_id == contact.id, col(Absence.cancelled_at).is_(None),
        col(Absence.starts) <= ends, col(Absence.ends) >= starts)).all())
    for old in replaced:
        old.cancelled_at = now
        session.add(old)
    absence = Absence(contact_id=contact.id, unit_id=contact.unit_id, stand_in_id=stand_in.id, starts=starts,
                      ends=ends, created_by=by, created_at=now)
    session.add(absence)
    session.flush()
    return absence, replaced


def absences(session: Session, *, today: date, unit_ids: Iterable[int] | None = None,
             contact_ids: Iterable[int] | None = None) -> list[Absence]:
    """Leaves not cancelled that have not ended before today (current and coming), by start."""
    query = select(Absence).where(col(Absence.cancelled_at).is_(None), col(Absence.ends) >= today)
    if unit_ids is not None:
        query = query.where(col(Absence.unit_id).in_(list(set(unit_ids))))
    if contact_ids is not None:
        query = query.where(or_(col(Absence.contact_id).in_(list(set(contact_ids))),
                                col(Absence.stand_in_id).in_(list(set(contact_ids)))))
    return list(session.exec(query.order_by(Absence.starts, Absence.id)).all())


def cancel_absence(session: Session, *, absence_id: int, now: datetime) -> Absence | None:
    absence = session.get(Absence, absence_id)
    if absence is None or absence.cancelled_at is not None:
        return None
    absence.cancelled_at = now
    session.add(absence)
    return absence


def contacts_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Contact]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(ids))).all() if c.id is not None}
