"""What the chat dialogues need beyond db.items and db.reports: lookups by database id, and the writes that end a
dialogue made idempotent on its draft's id (a restored dialogue submitted again stores nothing)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from db.models import (
    Absence,
    Adjustment,
    ClosingReview,
    ExtensionRequest,
    Item,
    ItemUnit,
    ProgressReport,
    ReportVersion,
)

_ITEM_WITH_UNITS = (
    select(Item, ItemUnit.role, ItemUnit.unit_id).outerjoin(ItemUnit, col(ItemUnit.item_id) == col(Item.id))
    .where(Item.id == bindparam("item_id")).order_by(col(ItemUnit.role), col(ItemUnit.position))
)


def item_with_units(session: Session, *, item_id: int) -> tuple[Item | None, dict[str, list[int]]]:
    """The item with this id and its lead and responsible unit ids in their written order, in one query."""
    rows = session.exec(_ITEM_WITH_UNITS, params={"item_id": item_id}).all()
    links: dict[str, list[int]] = {"lead": [], "responsible": []}
    for _item, role, unit_id in rows:
        if role is not None:
            links[role].append(unit_id)
    return (rows[0][0] if rows else None), links


def item(session: Session, *, item_id: int) -> Item | None:
    return session.get(Item, item_id)


def absence(session: Session, *, absence_id: int) -> Absence | None:
    return session.get(Absence, absence_id)


Drafted = TypeVar("Drafted", ProgressReport, ExtensionRequest, ReportVersion, ClosingReview, Adjustment)


def of_draft(session: Session, model: type[Drafted], *, draft_id: str) -> Drafted | None:
    """The report, extension request or replaced version a dialogue's draft already ended in, if any."""
    return session.exec(select(model).where(col(model.draft_id) == draft_id)).first()


def mark_draft(session: Session, row: Drafted, *, draft_id: str) -> None:
    """Tie a row just written to the draft it came from (unique: the same draft cannot be stored twice)."""
    row.draft_id = draft_id
    session.add(row)
    session.flush()


def replaced_version(session: Session, *, report_id: int, version: int) -> ReportVersion:
    """The version a correction just replaced."""
    return session.exec(select(ReportVersion).where(ReportVersion.report_id == report_id,
                                                    ReportVersion.version == version)).one()
