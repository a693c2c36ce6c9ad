"""Reads of the dashboard (bot/webapp) beyond those of the chat: keyword-only functions taking a session."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import CalendarOverride, ExtensionRequest, Item, ItemUnit, ProgressReport


def record_version(session: Session) -> tuple:
    """A fingerprint of what the item table is computed from: it changes whenever an item, its units, a
    report (new, returned or corrected), an extension or the calendar changes, so a table built for one
    fingerprint can be served again until it does. Four aggregate queries, whatever the size."""
    reports = session.exec(select(func.max(ProgressReport.id), func.count(col(ProgressReport.returned_at)),
                                  func.max(ProgressReport.edited_at))).one()
    items = session.exec(select(func.count(), func.max(Item.updated_at), func.max(Item.id))).one()
    links = session.exec(select(func.count()).select_from(ItemUnit)).one()
    others = session.exec(select(func.max(ExtensionRequest.decided_at), func.count(ExtensionRequest.id))).one()
    days = session.exec(select(func.count()).select_from(CalendarOverride)).one()
    return (*reports, *items, links, *others, days)


def deadline_years(session: Session) -> list[int]:
    """The years the active items' deadlines fall in, newest first."""
    rows = session.exec(select(Item.deadline).where(col(Item.archived).is_(False), col(Item.deadline).is_not(None))
                        .distinct()).all()
    return sorted({d.year for d in rows}, reverse=True)


def pending_extensions(session: Session, *, item_ids: Iterable[int] | None = None) -> list[ExtensionRequest]:
    query = select(ExtensionRequest).where(ExtensionRequest.status == "pending")
    if item_ids is not None:
        query = query.where(col(ExtensionRequest.item_id).in_(list(set(item_ids))))
    return list(session.exec(query.order_by(ExtensionRequest.id)).all())
