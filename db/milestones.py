"""Milestones (节点) of items: added by /node or an import, ticked by a report or an admin, read by the
rules (as `MilestoneFacts`), the card and the dashboard. Keyword-only functions taking a session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from db.facts import MilestoneFacts, milestone_of_period
from db.models import Milestone


def milestones_of(session: Session, *, item_id: int) -> list[Milestone]:
    """An item's milestones in their order (by position)."""
    return list(session.exec(select(Milestone).where(Milestone.item_id == item_id)
                             .order_by(col(Milestone.position), col(Milestone.id))).all())


def milestones_by_item(session: Session, *, item_ids: Iterable[int] | None = None) -> dict[int, list[Milestone]]:
    """Item id → its milestones in order, for many items at once (one query)."""
    query = select(Milestone).order_by(col(Milestone.item_id), col(Milestone.position), col(Milestone.id))
    if item_ids is not None:
        query = query.where(col(Milestone.item_id).in_(list(set(item_ids))))
    grouped: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in session.exec(query).all():
        grouped[milestone.item_id].append(milestone)
    return dict(grouped)


def milestone_facts(session: Session, *, item_ids: Sequence[int] | None = None) -> dict[int, tuple[MilestoneFacts, ...]]:
    """Item id → its milestones as the rules see them, by deadline (one query of plain columns)."""
    query = sa_select(col(Milestone.item_id), col(Milestone.id), col(Milestone.deadline),
                      col(Milestone.unit_id), col(Milestone.done_at))
    if item_ids is not None:
        query = query.where(col(Milestone.item_id).in_(list(item_ids)))
    grouped: dict[int, list[MilestoneFacts]] = defaultdict(list)
    session.flush()
    for item_id, milestone_id, deadline, unit_id, done_at in session.connection().execute(query):
        grouped[item_id].append(MilestoneFacts(milestone_id or 0, deadline, unit_id, done_at.date() if done_at else None))
    return {item_id: tuple(sorted(facts, key=lambda m: (m.deadline or date.max, m.id)))
            for item_id, facts in grouped.items()}


def add_milestones(session: Session, *, item_id: int, milestones: Sequence[tuple[str, date | None, str | None]],
                   unit_id: int | None = None, now: datetime, draft_id: str | None = None) -> list[Milestone]:
    """Add (title, deadline, deadline as written) milestones after the item's last one. A draft already
    saved (the same confirmation pressed again after a restart) adds nothing."""
    if draft_id is not None and session.exec(select(Milestone).where(Milestone.draft_id == draft_id)).first():
        return []
    last = session.exec(select(func.max(Milestone.position)).where(Milestone.item_id == item_id)).one()
    rows = [Milestone(item_id=item_id, position=(last or 0) + i, title=title, deadline=deadline,
                      deadline_text=text, unit_id=unit_id, created_at=now,
                      draft_id=draft_id if i == 1 else None)
            for i, (title, deadline, text) in enumerate(milestones, start=1)]
    session.add_all(rows)
    session.flush()
    return rows


def replace_milestones(session: Session, *, item_id: int, milestones: Sequence[tuple[str, date | None, str | None]],
                       now: datetime) -> list[Milestone]:
    """An import's milestones for an item: the open ones it had are replaced, the done ones stay."""
    for old in milestones_of(session, item_id=item_id):
        if old.done_at is None:
            session.delete(old)
    session.flush()
    kept = {(m.title, m.deadline) for m in milestones_of(session, item_id=item_id)}
    return add_milestones(session, item_id=item_id, now=now,
                          milestones=[m for m in milestones if (m[0], m[1]) not in kept])


def milestone_by_id(session: Session, *, milestone_id: int) -> Milestone | None:
    return session.get(Milestone, milestone_id)


def remove_milestone(session: Session, *, milestone_id: int) -> None:
    milestone = session.get(Milestone, milestone_id)
    if milestone is not None:
        session.delete(milestone)


def tick_milestones(session: Session, *, item_id: int, milestone_ids: Iterable[int], now: datetime,
                    report_id: int | None = None) -> list[Milestone]:
    """Mark the item's open milestones among `milestone_ids` done; another item's, or one done already,
    is left as it is. Returns those ticked now."""
    ids = list(set(milestone_ids))
    if not ids:
        return []
    rows = session.exec(select(Milestone).where(Milestone.item_id == item_id, col(Milestone.id).in_(ids),
                                                col(Milestone.done_at).is_(None))).all()
    for milestone in rows:
        milestone.done_at, milestone.done_report_id = now, report_id
    return list(rows)


def open_milestones(session: Session, *, item_id: int) -> list[Milestone]:
    return [m for m in milestones_of(session, item_id=item_id) if m.done_at is None]


def titles(session: Session, *, ids: Iterable[int]) -> dict[int, tuple[str, date | None]]:
    """Milestone id → (title, deadline), for the reminders that name them."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.exec(select(Milestone).where(col(Milestone.id).in_(wanted))).all()
    return {m.id: (m.title, m.deadline) for m in rows if m.id is not None}


def items_with_milestones_due(session: Session, *, today: date, within_days: int) -> set[int]:
    """Items with an open milestone overdue or due within `within_days` days (the dashboard's 节点到期)."""
    until = date.fromordinal(today.toordinal() + within_days)
    rows = session.exec(select(Milestone.item_id).where(col(Milestone.done_at).is_(None),
                                                        col(Milestone.deadline).is_not(None),
                                                        col(Milestone.deadline) <= until)).all()
    return set(rows)


def done_among(session: Session, *, periods: Iterable[str]) -> set[str]:
    """Those of milestone reminders' periods ("2021-06-30@m12") whose milestone is done or gone: their
    reminders are no longer worth sending."""
    wanted = {p: i for p in periods if (i := milestone_of_period(p)) is not None}
    if not wanted:
        return set()
    open_ids = set(session.exec(select(Milestone.id).where(col(Milestone.id).in_(list(wanted.values())),
                                                           col(Milestone.done_at).is_(None))).all())
    return {p for p, i in wanted.items() if i not in open_ids}


def version(session: Session) -> tuple[int | None, ...]:
    """A fingerprint of the milestones (added, ticked, removed), for the dashboard's table to know when to
    be built again: one aggregate query."""
    return tuple(session.exec(select(func.count(), func.max(Milestone.id), func.count(col(Milestone.done_at)))).one())
