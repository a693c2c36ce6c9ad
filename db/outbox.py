"""The outbox: every reminder, digest and notice is written here before it is sent.

Rows go pending → claimed → sent (or failed, or expired past the grace window). A claim is a
conditional update (`… WHERE status = 'pending'`), so of several processes only one wins a row.
Reminder rows carry the ids of the per-item `Reminder`s they announce; those become sent with the
first contact's row that goes out, and fall back to pending when every contact's row failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from db import contacts as contacts_db
from db import items as items_db
from db import milestones, reports
from db import reminders as reminders_db
from db.engine import insert_ignore, insert_ignore_many
from db.facts import Closing, counted_mark
from db.models import Contact, Lease, Outbox, ProgressReport, Reminder, Status

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


# Rows of buttons: (label, callback data), or (label, https URL, "url") for a link (the digest's dashboard link).
Button = tuple[str, str] | tuple[str, str, str]
Buttons = Sequence[Sequence[Button]]
URL = "url"


def checked_button(button: Sequence[str]) -> list[str]:
    """A button as kept in a payload, or ValueError: a short label, and 1-64 bytes of callback data (as
    Telegram allows) or an https link of at most 512 characters."""
    label, value, *kind = button
    if not 0 < len(label) <= 64:
        raise ValueError(f"a button's label has 1-64 characters: {label!r}")
    if kind == [URL]:
        if not (value.startswith("https://") and len(value) <= 512 and value.isprintable() and " " not in value):
            raise ValueError(f"a link button takes an https URL of at most 512 characters: {value!r}")
    elif kind or not 0 < len(value.encode()) <= 64:
        raise ValueError(f"a button carries 1-64 bytes of callback data, or is (label, URL, 'url'): {button!r}")
    return [label, value, *kind]


def enqueue_text(session: Session, *, key: str, kind: str, chat_id: int, parts: Sequence[str], now: datetime,
                 not_before: datetime, chart: bool = False, buttons: Buttons = (),
                 document: tuple[str, str] | None = None) -> int:
    """Queue a text (in parts); `chart` asks for the digest's picture to be drawn and sent before it,
    `buttons` go under the last part, `document` (file name, text) is sent after it as a file."""
    payload: dict[str, object] = {"parts": list(parts)}
    if chart:
        payload["chart"] = True
    if document is not None:
        payload["document"] = {"name": document[0], "text": document[1]}
    if buttons:
        payload["buttons"] = [[checked_button(button) for button in row] for row in buttons]
    row = Outbox(dedupe_key=key, kind=kind, chat_id=chat_id, payload=payload, created_at=now, not_before=not_before)
    return int(_insert(session, row))


def away_today(session: Session, *, today: date, unit_ids: Iterable[int]) -> dict[int, int]:
    """Contact id → the id of the colleague standing in for them today."""
    return {a.contact_id: a.stand_in_id for a in contacts_db.absences(session, today=today, unit_ids=unit_ids)
            if a.starts <= today}


def reminder_recipients(contacts: Sequence[Contact], away: Mapping[int, int]) -> dict[int, list[int]]:
    """Who gets a unit's reminder: chat id → the away colleagues they stand in for.

    The unit's reachable contacts, backups (备用联络员) left out while a regular contact is reachable;
    a contact on leave gets nothing and their stand-in gets it instead. When nobody is left that way,
    any reachable colleague present gets it."""
    by_id = {c.id: c for c in contacts}
    reachable = [c for c in contacts if c.reachable]
    regular = [c for c in reachable if not c.backup] or reachable
    chosen: dict[int, list[int]] = {}
    for contact in regular:
        if contact.id not in away:
            chosen.setdefault(contact.telegram_id, [])
            continue
        stand_in = by_id.get(away[contact.id])
        if stand_in is not None and stand_in.reachable and stand_in.id not in away:
            chosen.setdefault(stand_in.telegram_id, []).append(contact.telegram_id)
    if not chosen:
        chosen = {c.telegram_id: [] for c in reachable if c.id not in away}
    return chosen


def enqueue_reminders(session: Session, *, now: datetime, not_before: datetime, unit_id: int | None = None,
                      max_age: timedelta = timedelta(hours=12)) -> Queued:
    """One row per recipient (see `reminder_recipients`) for each unit's pending reminders; stale ones
    expire instead. `now` is in the office's time zone: its date decides who is on leave."""
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
    contacts = contacts_db.contacts_of_units(session, unit_ids=by_unit)
    away = away_today(session, today=now.date(), unit_ids=by_unit)
    rows: dict[int, list[dict[str, Any]]] = {}
    for unit, reminders in by_unit.items():
        recipients = reminder_recipients(contacts.get(unit, []), away)
        if not recipients:
            queued.without_contacts.add(unit)
            continue
        ids = [r.id for r in reminders]
        rows[unit] = []
        for chat_id, stand_in_for in recipients.items():
            payload: dict[str, Any] = {"reminder_ids": ids, "batch": ids[0]}
            if stand_in_for:
                payload["stand_in_for"] = stand_in_for
            rows[unit].append(dict(dedupe_key=f"reminder:{unit}:{ids[0]}:{chat_id}", kind="reminder", unit_id=unit,
                                   chat_id=chat_id, payload=payload, created_at=now, not_before=not_before,
                                   status="pending", attempts=0))
    # One statement per few hundred rows: a round to thousands of units is written in a blink.
    new = dict(insert_ignore_many(session, Outbox, [r for unit_rows in rows.values() for r in unit_rows],
                                  Outbox.dedupe_key, Outbox.id))
    queued.rows = len(new)
    for unit, unit_rows in rows.items():
        first_row_id = next((new[r["dedupe_key"]] for r in unit_rows if r["dedupe_key"] in new), None)
        for reminder in by_unit[unit]:
            reminder.status, reminder.outbox_id = "queued", first_row_id
        queued.units.add(unit)
        queued.items += len({r.item_id for r in by_unit[unit]})
    return queued


def claim_due(session: Session, *, now: datetime, instance: str, limit: int) -> list[Outbox]:
    """Claim up to `limit` rows that may be sent now; a row someone else claimed first is skipped."""
    candidates = session.exec(
        select(Outbox.id).where(Outbox.status == "pending", col(Outbox.not_before) <= now)
        .order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)  # PostgreSQL: others skip these
    ).all()
    if not candidates:
        return []
    # One conditional update: a row another process claimed between the select and here is skipped.
    claimed = session.exec(
        update(Outbox).where(col(Outbox.id).in_(candidates), Outbox.status == "pending")
        .values(status="claimed", claimed_by=instance, claimed_at=now).returning(Outbox.id)
    ).scalars().all()
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
        reminders_db.record_sent_message(session, kind="reminder", chat_id=row.chat_id, message_id=message_id,
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


SENDER = "outbox"


def take_lease(session: Session, *, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the sender's lease, or renew it: true when `holder` has it until now + ttl. A lease its
    holder stopped renewing (it died, or hangs) can be taken once it has expired."""
    if insert_ignore_many(session, Lease, [dict(name=SENDER, holder=holder, expires_at=now + ttl)], Lease.name):
        return True
    result = session.exec(
        update(Lease).where(col(Lease.name) == SENDER, or_(col(Lease.holder) == holder, col(Lease.expires_at) <= now))
        .values(holder=holder, expires_at=now + ttl)
    )
    return result.rowcount == 1


def lease_expiry(session: Session) -> datetime | None:
    lease = session.get(Lease, SENDER)
    return lease.expires_at if lease else None


def give_up_lease(session: Session, *, holder: str, now: datetime) -> None:
    """Let another process send at once (rather than after the lease runs out)."""
    session.exec(update(Lease).where(col(Lease.name) == SENDER, col(Lease.holder) == holder).values(expires_at=now))


def release_claims(session: Session, *, instance: str, row_ids: Iterable[int] | None = None) -> int:
    """Claimed rows go back to pending: with `row_ids`, those of this process it will not send; without,
    every claimed row (called by the lease's holder as its drain starts: only the holder claims, so
    another process that claimed them has lost the lease, by dying or hanging, and this process's own
    claims are left from a drain the database's absence ended, since it drains one at a time)."""
    query = update(Outbox).where(Outbox.status == "claimed")
    if row_ids is not None:
        query = query.where(col(Outbox.claimed_by) == instance, col(Outbox.id).in_(list(row_ids)))
    result = session.exec(query.values(status="pending", claimed_by=None, claimed_at=None))
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
    latest = reports.latest_reports(session, item_ids=[r.item_id for r in reminders])
    reported = set(session.exec(
        select(ProgressReport.item_id, ProgressReport.unit_id, ProgressReport.period)
        .where(col(ProgressReport.item_id).in_([r.item_id for r in reminders]), reports.counting())
    ).all())
    items = items_db.items_by_id(session, ids=[r.item_id for r in reminders])
    ticked = milestones.done_among(session, periods=[r.period for r in reminders if r.reason.startswith("milestone")])
    keep = []
    for reminder in reminders:
        item = items.get(reminder.item_id)
        if item is None or item.archived or item.closing_state in (Closing.REQUESTED, Closing.CANCELLED):
            continue
        report = latest.get(reminder.item_id)
        if counted_mark(report.status if report else None, report.source if report else None,
                        item.closing_state) == Status.AHEAD or reminder.period in ticked:
            continue
        if reminder.reason.startswith("report") or reminder.reason == "manual":
            period = reminder.period.split("@")[0]
            if (reminder.item_id, reminder.unit_id, period) in reported:
                continue
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


# ---------------------------------------------------------------- receipts (收到) and re-sends


class Ack(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"


def acknowledge(session: Session, *, row_id: int, telegram_id: int, now: datetime) -> tuple[Ack, Outbox | None]:
    """Record that the recipient of a reminder row pressed 收到 (only its recipient may)."""
    row = session.get(Outbox, row_id)
    if row is None or row.kind != "reminder":
        return Ack.UNKNOWN, None
    if row.chat_id != telegram_id:
        return Ack.NOT_YOURS, row
    if row.acked_at is not None:
        return Ack.ALREADY, row
    row.acked_at, row.acked_by = now, telegram_id
    session.add(row)
    return Ack.RECORDED, row


def acknowledge_item(session: Session, *, item_id: int | None, unit_ids: Iterable[int], telegram_id: int,
                     now: datetime, within: timedelta = timedelta(days=7)) -> int:
    """A report begun on an item (by its button, a reply to the reminder, or /report) acknowledges every
    reminder of the last `within` that asked those units about it and is not yet acknowledged: the
    recipient's own row where they got one, else the first row sent. Returns the batches acknowledged."""
    units = set(unit_ids)
    if item_id is None or not units:
        return 0
    reminder_ids = set(session.exec(select(Reminder.id).where(
        Reminder.item_id == item_id, col(Reminder.unit_id).in_(units), col(Reminder.status).in_(["queued", "sent"]),
    )).all())
    if not reminder_ids:
        return 0
    acked = 0
    for batch in (b for unit in sorted(units) for b in reminder_batches(session, since=now - within, unit_id=unit)):
        sent = batch.sent_rows
        if batch.acked is not None or not sent:
            continue
        if not reminder_ids & set(batch.rows[0].payload.get("reminder_ids") or []):
            continue
        row = next((r for r in sent if r.chat_id == telegram_id), sent[0])
        row.acked_at, row.acked_by = now, telegram_id
        session.add(row)
        acked += 1
    return acked


@dataclass
class Batch:
    """One unit's reminder of one round, with every row it went out in (first send and re-sends)."""

    unit_id: int
    batch: int
    rows: list[Outbox]

    @property
    def stage(self) -> int:
        """0: first sent; 1: sent again to the same contacts; 2: sent to the unit's other contacts."""
        return max(int(r.payload.get("resend", 0)) for r in self.rows)

    @property
    def acked(self) -> Outbox | None:
        return next((r for r in self.rows if r.acked_at is not None), None)

    @property
    def sent_rows(self) -> list[Outbox]:
        return [r for r in self.rows if r.status == "sent" and r.sent_at is not None]

    @property
    def first_sent(self) -> datetime | None:
        return min((r.sent_at for r in self.sent_rows if r.sent_at), default=None)

    @property
    def created(self) -> datetime:
        return min(r.created_at for r in self.rows)


def reminder_batches(session: Session, *, since: datetime, unit_id: int | None = None) -> list[Batch]:
    """Reminder batches whose rows were written since then, oldest first."""
    query = select(Outbox).where(Outbox.kind == "reminder", col(Outbox.created_at) >= since)
    if unit_id is not None:
        query = query.where(Outbox.unit_id == unit_id)
    grouped: dict[tuple[int, int], list[Outbox]] = defaultdict(list)
    for row in session.exec(query.order_by(Outbox.id)).all():
        if row.unit_id is not None and "batch" in row.payload:
            grouped[(row.unit_id, int(row.payload["batch"]))].append(row)
    batches = [Batch(unit, batch, rows) for (unit, batch), rows in grouped.items()]
    return sorted(batches, key=lambda b: (b.created, b.batch))


def current_batches(session: Session, *, since: datetime) -> dict[int, Batch]:
    """Each unit's latest reminder batch that went out (its current round)."""
    latest: dict[int, Batch] = {}
    for batch in reminder_batches(session, since=since):
        if batch.sent_rows:
            latest[batch.unit_id] = batch
    return latest


def enqueue_resends(session: Session, *, now: datetime, timeout: timedelta, not_before: datetime) -> int:
    """Send each unit's current reminder once more to the same contacts when nobody acknowledged it within
    `timeout`, and after another `timeout` to the unit's other contacts; never twice (dedupe keys). A
    reminder whose items were all reported meanwhile is not sent again. Returns the rows queued."""
    since = now - max(timedelta(days=7), 3 * timeout)
    candidates: list[tuple[Batch, list[Outbox]]] = []
    for batch in current_batches(session, since=since).values():
        stage = batch.stage
        if batch.acked is not None or stage >= 2:
            continue
        at_stage = [r for r in batch.rows if int(r.payload.get("resend", 0)) == stage]
        if any(r.status in ACTIVE for r in at_stage):
            continue
        sent = [r for r in at_stage if r.status == "sent" and r.sent_at is not None]
        if sent and max(r.sent_at for r in sent if r.sent_at) <= now - timeout:
            candidates.append((batch, sent))
    if not candidates:
        return 0
    # What is still worth sending, who the units' contacts are, and who is away: three reads for all units.
    ids = {i for batch, _ in candidates for i in batch.rows[0].payload.get("reminder_ids") or []}
    due = {r.id for r in still_due(session, reminder_ids=ids)}
    units = {batch.unit_id for batch, _ in candidates}
    contacts = contacts_db.contacts_of_units(session, unit_ids=units)
    away = away_today(session, today=now.date(), unit_ids=units)
    queued = 0
    for batch, sent in candidates:
        first = batch.rows[0]
        if not due & set(first.payload.get("reminder_ids") or []):
            continue
        stage = batch.stage
        unit_contacts = contacts.get(batch.unit_id, [])
        reachable = {c.telegram_id for c in unit_contacts if c.reachable}
        if stage == 0:
            targets = {r.chat_id: r.payload.get("stand_in_for", []) for r in sent if r.chat_id in reachable}
        else:
            already = {r.chat_id for r in batch.rows}
            targets = {c.telegram_id: [] for c in unit_contacts
                       if c.reachable and c.id not in away and c.telegram_id not in already}
        for chat_id, stand_in_for in targets.items():
            payload: dict[str, Any] = {"reminder_ids": first.payload.get("reminder_ids"), "batch": batch.batch,
                                       "resend": stage + 1}
            if stand_in_for:
                payload["stand_in_for"] = stand_in_for
            row = Outbox(dedupe_key=f"reminder:{batch.unit_id}:{batch.batch}:r{stage + 1}:{chat_id}",
                         kind="reminder", unit_id=batch.unit_id, chat_id=chat_id, payload=payload, created_at=now,
                         not_before=not_before)
            queued += _insert(session, row)
    return queued


@dataclass(frozen=True)
class AckCount:
    unit_id: int
    rounds: int
    acked: int


def ack_counts(session: Session, *, since: datetime) -> list[AckCount]:
    """Per unit: reminder rounds that went out since then, and how many were acknowledged."""
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for batch in reminder_batches(session, since=since):
        if batch.sent_rows:
            tally[batch.unit_id][0] += 1
            tally[batch.unit_id][1] += batch.acked is not None
    return [AckCount(unit, rounds, acked) for unit, (rounds, acked) in sorted(tally.items())]
