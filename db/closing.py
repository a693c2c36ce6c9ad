"""The record of an item's end: 办结 on review (a unit's 已完成 asks, a supervisor or admin confirms or sends
it back; an admin may close an item directly) and adjustments (调整 / 取消: a unit asks to change an item's
title, target or units, or to cancel it; an admin approves or refuses).

Each request and decision is a row (`ClosingReview`, `Adjustment`), so an item's history keeps them all;
the item's `closing_state` says where it stands now (db.facts.Closing). Decisions check the row is still
pending, so a second press or a restarted dialogue changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from db import items
from db.facts import Closing
from db.models import Adjustment, ClosingReview, Item, ProgressReport

# ---------------------------------------------------------------- 办结 on review


def review(session: Session, *, review_id: int) -> ClosingReview | None:
    return session.get(ClosingReview, review_id)


def pending_review(session: Session, *, item_id: int) -> ClosingReview | None:
    return session.exec(select(ClosingReview).where(ClosingReview.item_id == item_id,
                                                    ClosingReview.status == "requested")).first()


def request_closing(session: Session, *, item: Item, report: ProgressReport, now: datetime) -> ClosingReview | None:
    """A unit reported 已完成: the item awaits review (申请办结). None when it is closed, cancelled or already
    awaiting review (that request stands)."""
    if item.closing_state != Closing.OPEN:
        return None
    request = ClosingReview(item_id=item.id, report_id=report.id, unit_id=report.unit_id,
                            requested_by=report.reporter_id, created_at=now)
    item.closing_state = Closing.REQUESTED
    session.add_all([request, item])
    session.flush()
    return request


def withdraw(session: Session, *, report_id: int, now: datetime) -> None:
    """The 已完成 report of a pending request was returned or corrected: the request lapses, the item is open."""
    request = session.exec(select(ClosingReview).where(ClosingReview.report_id == report_id,
                                                       ClosingReview.status == "requested")).first()
    item = session.get(Item, request.item_id) if request else None
    if request is None or item is None:
        return
    request.status, request.decided_at = "withdrawn", now
    item.closing_state = Closing.OPEN
    session.add_all([request, item])
    session.flush()


def decide_closing(session: Session, *, request: ClosingReview, confirm: bool, by: int, reason: str | None,
                   now: datetime, today: date) -> Item:
    """Confirm (办结, dated today) or send back a pending request; the caller has checked it is pending."""
    item = session.get(Item, request.item_id)
    assert item is not None
    request.status, request.decided_by, request.decided_at, request.reason = (
        "closed" if confirm else "refused", by, now, reason)
    if confirm:
        item.closing_state, item.closed_on, item.closed_by, item.closing_note = Closing.CLOSED, today, by, reason
    else:
        item.closing_state = Closing.OPEN
    item.updated_at = now
    session.add_all([request, item])
    session.flush()
    return item


def close_directly(session: Session, *, item: Item, by: int, note: str, now: datetime, today: date,
                   draft_id: str) -> ClosingReview:
    """An admin closes an item with a note: recorded as a request decided at once (a pending one is
    decided with it)."""
    pending = pending_review(session, item_id=item.id)
    request = pending or ClosingReview(item_id=item.id, requested_by=by, created_at=now)
    request.draft_id = draft_id
    session.add(request)
    session.flush()
    decide_closing(session, request=request, confirm=True, by=by, reason=note, now=now, today=today)
    return request


def reviews_of_item(session: Session, *, item_id: int) -> list[ClosingReview]:
    return list(session.exec(select(ClosingReview).where(ClosingReview.item_id == item_id)
                             .order_by(col(ClosingReview.id))).all())


@dataclass(frozen=True)
class Closed:
    """A confirmed 办结, for the points ledger: when, by whom, and whether on time against the deadline."""

    item_id: int
    number: int
    unit_ids: tuple[int, ...]  # the units that report on it (responsible, else lead)
    lead_unit_ids: tuple[int, ...]
    closed_on: date
    deadline: date | None
    direct: bool  # closed by an admin, not on a unit's request

    @property
    def on_time(self) -> bool:
        return self.deadline is None or self.closed_on <= self.deadline


def closings(session: Session, *, start: date | None = None, end: date | None = None) -> list[Closed]:
    """Confirmed closings with closed_on in [start, end], oldest first."""
    query = (select(Item.id, Item.number, Item.closed_on, Item.deadline, ClosingReview.report_id)
             .join(ClosingReview, col(ClosingReview.item_id) == col(Item.id))
             .where(Item.closing_state == Closing.CLOSED, ClosingReview.status == "closed"))
    if start is not None:
        query = query.where(col(Item.closed_on) >= start)
    if end is not None:
        query = query.where(col(Item.closed_on) <= end)
    rows = {item_id: (number, closed_on, deadline, report_id)
            for item_id, number, closed_on, deadline, report_id in session.exec(query.order_by(col(ClosingReview.id)))}
    units = items.units_by_role(session, item_ids=list(rows))
    found = [Closed(i, number, units.get((i, "responsible")) or units.get((i, "lead"), ()), units.get((i, "lead"), ()),
                    closed_on, deadline, report_id is None)
             for i, (number, closed_on, deadline, report_id) in rows.items() if closed_on is not None]
    return sorted(found, key=lambda c: (c.closed_on, c.number))


def closing_counts(session: Session) -> dict[str, int]:
    """Items (not archived) per closing state."""
    rows = session.exec(select(Item.closing_state).where(col(Item.archived).is_(False))).all()
    counts: dict[str, int] = {}
    for state in rows:
        counts[state] = counts.get(state, 0) + 1
    return counts


# ---------------------------------------------------------------- adjustments and cancellations (调整 / 取消)


def adjustment(session: Session, *, adjustment_id: int) -> Adjustment | None:
    return session.get(Adjustment, adjustment_id)


def pending_adjustment(session: Session, *, item_id: int) -> Adjustment | None:
    return session.exec(select(Adjustment).where(Adjustment.item_id == item_id,
                                                 Adjustment.status == "pending")).first()


def item_as_is(session: Session, *, item: Item, kind: str) -> dict[str, Any]:
    """What an adjustment of `kind` would change, as the item stands now (the adjustment's `before`)."""
    if kind == "title":
        return {"title": item.title}
    if kind == "target":
        return {"target_value": item.target_value, "indicator_unit": item.indicator_unit}
    if kind == "units":
        return {"responsible": items.item_unit_ids(session, item_ids=[item.id]).get(item.id, {}).get("responsible", [])}
    return {"closing_state": item.closing_state}


def request_adjustment(session: Session, *, item: Item, unit_id: int, by: int, kind: str, after: dict[str, Any],
                       reason: str, now: datetime, draft_id: str) -> Adjustment:
    request = Adjustment(item_id=item.id, unit_id=unit_id, requested_by=by, created_at=now, kind=kind,
                         before=item_as_is(session, item=item, kind=kind), after=after, reason=reason,
                         draft_id=draft_id)
    session.add(request)
    session.flush()
    return request


def decide_adjustment(session: Session, *, request: Adjustment, approve: bool, by: int, comment: str | None,
                      now: datetime) -> Item:
    """Approve (apply the change, the item as it was kept in `before` again, as of now) or refuse."""
    item = session.get(Item, request.item_id)
    assert item is not None
    request.status, request.decided_by, request.decided_at, request.comment = (
        "approved" if approve else "refused", by, now, comment)
    if approve:
        request.before = item_as_is(session, item=item, kind=request.kind)
        if request.kind == "title":
            items.update_item(session, item_id=item.id, field="title", value=request.after["title"], text=None,
                                now=now)
        elif request.kind == "target":
            item.target_value = request.after["target_value"]
        elif request.kind == "units":
            items.update_item(session, item_id=item.id, field="responsible", value=request.after["responsible"],
                                text=None, now=now)
        else:
            item.closing_state = Closing.CANCELLED
        item.updated_at = now
    session.add_all([request, item])
    session.flush()
    return item


def adjustments_of_item(session: Session, *, item_id: int) -> list[Adjustment]:
    return list(session.exec(select(Adjustment).where(Adjustment.item_id == item_id)
                             .order_by(col(Adjustment.id))).all())


@dataclass(frozen=True)
class Cancelled:
    item_id: int
    number: int
    title: str
    reason: str


def cancelled_items(session: Session, *, item_ids: Iterable[int] | None = None) -> list[Cancelled]:
    """Items cancelled on an approved request (not archived), by number, with the request's reason."""
    query = (select(Item.id, Item.number, Item.title, Adjustment.reason)
             .join(Adjustment, col(Adjustment.item_id) == col(Item.id))
             .where(Item.closing_state == Closing.CANCELLED, col(Item.archived).is_(False),
                    Adjustment.kind == "cancel", Adjustment.status == "approved"))
    if item_ids is not None:
        query = query.where(col(Item.id).in_(list(item_ids)))
    seen: dict[int, Cancelled] = {}
    for item_id, number, title, reason in session.exec(query.order_by(col(Item.number))):
        seen.setdefault(item_id, Cancelled(item_id, number, title, reason))
    return list(seen.values())


def unit_ids_of(session: Session, *, item_id: int) -> Sequence[int]:
    links = items.item_unit_ids(session, item_ids=[item_id]).get(item_id, {})
    return [*links.get("responsible", []), *links.get("lead", [])]
