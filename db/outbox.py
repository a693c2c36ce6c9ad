"""The outbox: every reminder, digest and notice is written here before it is sent.

Rows go pending → claimed → sent (or failed, or expired past the grace window). A claim is a
conditional update (`… WHERE status = 'pending'`), so of several processes only one wins a row.
Reminder rows carry the ids of the per-item `Reminder`s they announce; those become sent with the
first contact's row that goes out, and fall back to pending when every contact's row failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from db import queries
from db.engine import insert_ignore
from db.models import Outbox, ProgressReport, Reminder, Status

ACTIVE = ("pending", "claimed")


@dataclass
class Queued:
    units: set[int] = field(default_factory=set)
    items: int = 0
    rows: int = 0
    without_contacts: set[int] = field(default_factory=set)


def _insert(session: Session, row: Outbox) -> bool:
    """Insert unless the dedupe key exists (also when another process inserts it concurrently)."""
    values = row.model_dump(exclude={"id"})
    row.id = insert_ignore(session, Outbox, values)
    return row.id is not None


def enqueue_text(session: Session, *, key: str, kind: str, chat_id: int, parts: Sequence[str], now: datetime,
                 not_before: datetime, chart: bool = False) -> int:
    """Queue a text (in parts); `chart` asks for the digest's picture to be drawn and sent before it."""
    payload: dict[str, object] = {"parts": list(parts)}
    if chart:
        payload["chart"] = True
    row = Outbox(dedupe_key=key, kind=kind, chat_id=chat_id, payload=payload, created_at=now, not_before=not_before)
    return int(_insert(session, row))


def enqueue_reminders(session: Session, *, now: datetime, not_before: datetime, unit_id: int | None = None,
                      max_age: timedelta = timedelta(hours=12)) -> Queued:
    """One row per reachable contact for each unit's pending reminders; stale ones expire instead."""
    queued = Queued()
    query = select(Reminder).where(Reminder.status == "pending")
    if unit_id is not None:
        query = query.where(Reminder.unit_id == unit_id)
    by_unit: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in session.exec(query.order_by(Reminder.id)).all():
        if reminder.created_at < now - max_age:
            reminder.status = "expired"
        else:
            by_unit[reminder.unit_id].append(reminder)
    contacts = queries.contacts_of_units(session, unit_ids=by_unit)
    for unit, reminders in by_unit.items():
        reachable = [c for c in contacts.get(unit, []) if c.reachable]
        if not reachable:
            queued.without_contacts.add(unit)
            continue
        ids = [r.id for r in reminders]
        batch = ids[0]
        first_row_id = None
        for contact in reachable:
            row = Outbox(dedupe_key=f"reminder:{unit}:{batch}:{contact.telegram_id}", kind="reminder",
                         unit_id=unit, chat_id=contact.telegram_id, payload={"reminder_ids": ids, "batch": batch},
                         created_at=now, not_before=not_before)
            if _insert(session, row):
                queued.rows += 1
                first_row_id = first_row_id or row.id
        for reminder in reminders:
            reminder.status, reminder.outbox_id = "queued", first_row_id
        queued.units.add(unit)
        queued.items += len({r.item_id for r in reminders})
    return queued


def claim_due(session: Session, *, now: datetime, instance: str, limit: int) -> list[Outbox]:
    """Claim up to `limit` rows that may be sent now; a row someone else claimed first is skipped."""
    candidates = session.exec(
        select(Outbox.id).where(Outbox.status == "pending", col(Outbox.not_before) <= now)
        .order_by(Outbox.id).limit(limit)
    ).all()
    claimed = []
    for row_id in candidates:
        result = session.exec(
            update(Outbox).where(col(Outbox.id) == row_id, Outbox.status == "pending")
            .values(status="claimed", claimed_by=instance, claimed_at=now)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    session.flush()
    return list(session.exec(select(Outbox).where(col(Outbox.id).in_(claimed)).order_by(Outbox.id)).all())


def _row(session: Session, row_id: int) -> Outbox:
    row = session.get(Outbox, row_id)
    if row is None:
        raise LookupError(f"outbox row {row_id} is gone")
    return row


def _reminders(session: Session, row: Outbox) -> list[Reminder]:
    ids = row.payload.get("reminder_ids") or []
    return list(session.exec(select(Reminder).where(col(Reminder.id).in_(ids))).all()) if ids else []


def mark_sent(session: Session, *, row_id: int, now: datetime, message_id: int | None) -> None:
    row = _row(session, row_id)
    row.status, row.sent_at = "sent", now
    if row.kind != "reminder":
        return
    reminders = _reminders(session, row)
    for reminder in reminders:
        if reminder.status in ("pending", "queued"):
            reminder.status, reminder.sent_at = "sent", now
    if message_id:
        queries.record_sent_message(session, kind="reminder", chat_id=row.chat_id, message_id=message_id,
                                    unit_id=row.unit_id, item_ids=sorted({r.item_id for r in reminders}), now=now)


def _batch_alive(session: Session, row: Outbox) -> bool:
    prefix = f"reminder:{row.unit_id}:{row.payload.get('batch')}:"
    return session.exec(
        select(Outbox.id).where(col(Outbox.dedupe_key).startswith(prefix), col(Outbox.id) != row.id,
                                col(Outbox.status).in_([*ACTIVE, "sent"]))
    ).first() is not None


def mark_failed(session: Session, *, row_id: int, error: str, now: datetime) -> None:
    """Give up on a row; its reminders wait for the unit's other (or next) contacts."""
    row = _row(session, row_id)
    row.status, row.last_error = "failed", error[:500]
    if row.kind == "reminder" and not _batch_alive(session, row):
        for reminder in _reminders(session, row):
            if reminder.status == "queued":
                reminder.status = "pending"


def release(session: Session, *, row_id: int, error: str, now: datetime, max_attempts: int) -> None:
    """Put a row back after a passing failure, to be tried again later with backoff."""
    row = _row(session, row_id)
    row.attempts += 1
    row.last_error = error[:500]
    if row.attempts >= max_attempts:
        mark_failed(session, row_id=row_id, error=error, now=now)
        return
    row.status, row.claimed_by, row.claimed_at = "pending", None, None
    row.not_before = now + timedelta(seconds=5 * 2**row.attempts)


def release_stale_claims(session: Session, *, older_than: datetime, instance: str) -> int:
    """Rows claimed by another process before `older_than` go back to pending (it died mid-send)."""
    result = session.exec(
        update(Outbox).where(Outbox.status == "claimed", col(Outbox.claimed_at) <= older_than,
                             col(Outbox.claimed_by) != instance)
        .values(status="pending", claimed_by=None, claimed_at=None)
    )
    return result.rowcount or 0


def expire_older_than(session: Session, *, cutoff: datetime, now: datetime) -> list[Outbox]:
    """Pending rows written before the grace window are not sent late: they expire (admins are told)."""
    rows = list(session.exec(
        select(Outbox).where(Outbox.status == "pending", col(Outbox.created_at) < cutoff,
                             Outbox.kind != "notice")
    ).all())
    for row in rows:
        row.status, row.last_error = "expired", "not sent within the grace window"
        for reminder in _reminders(session, row):
            if reminder.status in ("pending", "queued"):
                reminder.status = "expired"
    return rows


def still_due(session: Session, *, reminder_ids: Iterable[int]) -> list[Reminder]:
    """The reminders of a row that are still worth sending: not expired, and the item neither
    reported done nor (for report reminders) reported by the unit for that period."""
    reminders = list(session.exec(
        select(Reminder).where(col(Reminder.id).in_(list(reminder_ids)), Reminder.status != "expired")
    ).all())
    if not reminders:
        return []
    latest = queries.latest_reports(session, item_ids=[r.item_id for r in reminders])
    reported = set(session.exec(
        select(ProgressReport.item_id, ProgressReport.unit_id, ProgressReport.period)
        .where(col(ProgressReport.item_id).in_([r.item_id for r in reminders]))
    ).all())
    items = queries.items_by_id(session, ids=[r.item_id for r in reminders])
    keep = []
    for reminder in reminders:
        report = latest.get(reminder.item_id)
        if report is not None and report.status == Status.AHEAD:
            continue
        if reminder.reason.startswith("report") or reminder.reason == "manual":
            period = reminder.period.split("@")[0]
            if (reminder.item_id, reminder.unit_id, period) in reported:
                continue
        if reminder.item_id in items and not items[reminder.item_id].archived:
            keep.append(reminder)
    return keep


@dataclass
class OutboxSummary:
    counts: dict[str, int]
    pending: list[Outbox]
    failed: list[Outbox]


def summary(session: Session, *, limit: int = 20) -> OutboxSummary:
    counts = dict(session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    pending = session.exec(select(Outbox).where(col(Outbox.status).in_(ACTIVE)).order_by(Outbox.id).limit(limit)).all()
    failed = session.exec(select(Outbox).where(col(Outbox.status).in_(["failed", "expired"]))
                          .order_by(col(Outbox.id).desc()).limit(limit)).all()
    return OutboxSummary(counts=counts, pending=list(pending), failed=list(failed))
