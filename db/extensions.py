"""Extension requests (延期): asked by a unit, decided by an admin, and the deadlines they moved.

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from db.models import (
    ExtensionRequest,
    Item,
)


def pending_extension(session: Session, *, item_id: int) -> ExtensionRequest | None:
    return session.exec(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id,
                                                       ExtensionRequest.status == "pending")).first()


def request_extension(session: Session, *, item: Item, unit_id: int, by: int, deadline: date, text: str,
                      reason: str, now: datetime) -> ExtensionRequest:
    assert item.id is not None
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
                             .order_by(col(ExtensionRequest.id))).all())


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
    for request in session.exec(query.order_by(col(ExtensionRequest.id))).all():
        grouped[request.item_id].append(request)
    return {item_id: Extended(item_id, requests[-1].requested_deadline, requests[0].original_deadline,
                              len(requests)) for item_id, requests in grouped.items()}
