"""Progress reports (完成情况): saving, the latest per item and unit, send-back and correction, and
the facts of every item the rules read (one fixed set of queries, whatever the number of items).

Keyword-only functions taking a session; each changing function is one step of the
caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from db import closing, lists
from db.engine import plain_rows
from db.facts import Closing, ItemFacts, counted_mark, period_key, recent_period_keys
from db.gcpause import collector_paused
from db.items import units_by_role
from db.milestones import milestone_facts
from db.models import (
    Item,
    ProgressReport,
    ReportVersion,
)
from db.snoozes import active_snoozes


def add_report(
    session: Session,
    *,
    item_id: int,
    unit_id: int | None,
    reporter_id: int | None,
    period: str,
    now: datetime,
    text: str,
    percent: int | None,
    status: str,
    problems: str | None,
    evidence: Sequence[dict[str, str]] = (),
    source: str = "chat",
    current_value: float | None = None,
) -> ProgressReport:
    report = ProgressReport(
        current_value=current_value, item_id=item_id, unit_id=unit_id, reporter_id=reporter_id, period=period, created_at=now,
        text=text, percent=percent, status=status, problems=problems, evidence=list(evidence), source=source,
    )
    session.add(report)
    session.flush()
    return report


def reports_of_item(session: Session, *, item_id: int) -> list[ProgressReport]:
    query = select(ProgressReport).where(ProgressReport.item_id == item_id).order_by(col(ProgressReport.id))
    return list(session.exec(query).all())


def counting(before: datetime | None = None) -> ColumnElement[bool]:
    """Reports that count (as of `before`, when given): written by then and not returned (退办) by then."""
    if before is None:
        return col(ProgressReport.returned_at).is_(None)
    return (col(ProgressReport.created_at) < before) & or_(
        col(ProgressReport.returned_at).is_(None), col(ProgressReport.returned_at) >= before)


def latest_reports(session: Session, *, item_ids: Iterable[int] | None = None,
                   before: datetime | None = None) -> dict[int, ProgressReport]:
    """Each item's latest report that counts; a returned one falls back to the one before it."""
    latest = select(func.max(ProgressReport.id)).where(counting(before)).group_by(col(ProgressReport.item_id))
    if item_ids is not None:
        latest = latest.where(col(ProgressReport.item_id).in_(list(set(item_ids))))
    rows = session.exec(select(ProgressReport).where(col(ProgressReport.id).in_(latest))).all()
    return {r.item_id: r for r in rows}


def _recent_reports(session: Session, *, today: date, item_ids: list[int] | None = None,
                    before: datetime | None = None) -> dict[int, frozenset[tuple[int, str]]]:
    """Item id → (unit, period) of its reports that count, of the last few periods of any cycle."""
    query = select(ProgressReport.item_id, ProgressReport.unit_id, ProgressReport.period).where(
        col(ProgressReport.period).in_(recent_period_keys(today)), col(ProgressReport.unit_id).is_not(None),
        counting(before)).order_by(col(ProgressReport.item_id))
    if item_ids is not None:
        query = query.where(col(ProgressReport.item_id).in_(item_ids))
    return {item_id: frozenset((unit_id, period) for _, unit_id, period in rows)
            for item_id, rows in groupby(plain_rows(session, query), key=itemgetter(0))}


# A list of more items than this is read as all lists are (its ids would make too long an IN (…)).
LIST_IDS_AT_MOST = 5000


@collector_paused()
def item_facts(session: Session, *, today: date, item_ids: Iterable[int] | None = None,
               before: datetime | None = None, with_reports: bool = True,
               list_id: int | None = None) -> list[ItemFacts]:
    """Items with their units, latest report and recent reports, as the rules see them: five queries of
    plain columns (no ORM objects: with 10,000 items, building those costs more than the queries).
    With `before`, as they stood then: items created and reports counting before it. Without
    `with_reports`, who reported lately is left out (`reported`, `reported_unit_ids` and
    `snoozed_unit_ids` empty; two queries fewer): enough for the statuses, which the latest report decides.
    Without `item_ids`, the items of the active lists (or of list `list_id`): a closed list is at rest."""
    ids = None if item_ids is None else list(set(item_ids))
    if ids is None and list_id is not None:  # one list (/status 民生): the other queries read its items only
        in_list = [int(i) for i in session.exec(select(Item.id).where(Item.list_id == list_id)).all() if i is not None]
        ids = in_list if len(in_list) <= LIST_IDS_AT_MOST else None
    codes = lists.active_codes(session)  # named in messages only while several lists are active
    query = select(Item.id, Item.number, Item.title, Item.domain, Item.start_date, Item.deadline,
                   Item.report_cycle, Item.created_at, Item.list_id, Item.closing_state, Item.closed_on).where(
        col(Item.archived).is_(False), Item.closing_state != Closing.CANCELLED).order_by(col(Item.list_id), col(Item.number))
    if ids is not None:
        query = query.where(col(Item.id).in_(ids))
    elif list_id is not None:
        query = query.where(Item.list_id == list_id)
    else:
        query = query.where(col(Item.list_id).in_(list(codes)))
    if before is not None:
        query = query.where(col(Item.created_at) < before)
    units = units_by_role(session, item_ids=ids)
    latest = _latest_marks(session, item_ids=ids, before=before)
    reported = _recent_reports(session, today=today, item_ids=ids, before=before) if with_reports else {}
    marked = milestone_facts(session, item_ids=ids)
    snoozed: dict[int, set[int]] = defaultdict(set)
    for item_id, unit_id in active_snoozes(session, today=today) if with_reports else ():
        snoozed[item_id].add(unit_id)
    items = plain_rows(session, query)
    no_mark = (None, None, None)
    nothing: frozenset = frozenset()
    periods = {cycle: period_key(cycle, today) for cycle in ("monthly", "quarterly", "weekly", "none")}
    facts = []
    several = len(codes) > 1
    all_codes = lists.codes(session) if several else {}
    for item_id, number, title, domain, start, deadline, cycle, created_at, list_of, state, closed_on in items:
        status, percent, source = latest.get(item_id, no_mark)
        if before is not None and closed_on is not None and closed_on >= before.date():
            state = Closing.OPEN  # closed (办结) after the moment looked at
        status = counted_mark(status, source, state)
        seen = reported.get(item_id, nothing)
        period = periods.get(cycle) or period_key(cycle, today)
        facts.append(ItemFacts(
            id=item_id, number=number, title=title, domain=domain, start=start, deadline=deadline, cycle=cycle,
            lead_unit_ids=units.get((item_id, "lead"), ()),
            responsible_unit_ids=units.get((item_id, "responsible"), ()),
            declared=status, percent=percent, official=source == "import", created=created_at.date(), reported=seen,
            reported_unit_ids=frozenset([u for u, p in seen if p == period]) if seen else nothing,
            snoozed_unit_ids=frozenset(snoozed[item_id]) if item_id in snoozed else nothing, closing=state,
            list_id=list_of, list_code=all_codes.get(list_of, "") if several else "",
            milestones=marked.get(item_id, ()),
        ))
    return facts


def _latest_marks(session: Session, *, item_ids: Iterable[int] | None,
                  before: datetime | None = None) -> dict[int, tuple[str, int | None, str]]:
    """(status, percent, source) of each item's latest report that counts (a returned one does not)."""
    latest = select(func.max(ProgressReport.id)).where(counting(before)).group_by(col(ProgressReport.item_id))
    if item_ids is not None:
        latest = latest.where(col(ProgressReport.item_id).in_(list(item_ids)))
    rows = plain_rows(session, select(ProgressReport.item_id, ProgressReport.status, ProgressReport.percent,
                                       ProgressReport.source).where(col(ProgressReport.id).in_(latest)))
    return {item_id: (status, percent, source) for item_id, status, percent, source in rows}


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
                        .order_by(col(ReportVersion.report_id), col(ReportVersion.version))).all()
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
    rows = session.exec(query.order_by(col(ProgressReport.created_at), col(ProgressReport.id))).all()
    return [HistoryRow(r, n, title) for r, n, title in rows]
