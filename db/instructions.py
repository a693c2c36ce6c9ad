"""Leaders' instructions (领导批示): recorded by an admin on an item, sent to its lead and responsible units,
acknowledged (收到) once per unit, and answered by each unit's next report on the item.

An `InstructionAck` row is written for every unit an instruction goes to, when it is recorded: the
units it went to stay what they were even if the item's units change later, and the row then takes the
acknowledgement and the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from db import lists
from db.models import Instruction, InstructionAck, Item


@dataclass(frozen=True)
class Instructed:
    """An instruction with the units it went to (lead units first, then by id)."""

    instruction: Instruction
    units: tuple[InstructionAck, ...]

    @property
    def unacknowledged(self) -> list[int]:
        return [u.unit_id for u in self.units if u.acked_at is None]

    @property
    def unanswered(self) -> list[int]:
        return [u.unit_id for u in self.units if u.report_id is None]


@dataclass(frozen=True)
class Open:
    """An instruction one unit has not answered yet, with the item's number (for the reminders) and `ref`, the
    item as messages name it ("12", or "民生12" while several lists are active)."""

    instruction: Instruction
    number: int
    unit_id: int
    acked_at: datetime | None
    ref: str = ""


@dataclass(frozen=True)
class Answered:
    """An instruction a unit answered (for the points ledger): which, by which report, when."""

    instruction_id: int
    item_id: int
    unit_id: int
    role: str
    given_on: date
    act_by: date | None
    report_id: int
    answered_at: datetime


def record(session: Session, *, item_id: int, leader: str, given_on: date, text: str, act_by: date | None,
           act_by_text: str | None, by: int, now: datetime, units: Mapping[int, str], draft_id: str) -> Instruction:
    """Write the instruction, tied to its draft (unique), and one row per unit it goes to (unit id → role)."""
    instruction = Instruction(item_id=item_id, leader=leader, given_on=given_on, text=text, act_by=act_by,
                              act_by_text=act_by_text, recorded_by=by, recorded_at=now, draft_id=draft_id)
    session.add(instruction)
    session.flush()
    assert instruction.id is not None
    session.add_all(InstructionAck(instruction_id=instruction.id, unit_id=unit_id, role=role)
                    for unit_id, role in units.items())
    session.flush()
    return instruction


def of_draft(session: Session, *, draft_id: str) -> Instruction | None:
    return session.exec(select(Instruction).where(Instruction.draft_id == draft_id)).first()


def get(session: Session, *, instruction_id: int) -> Instruction | None:
    return session.get(Instruction, instruction_id)


class AckResult(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"


def acknowledge(session: Session, *, instruction_id: int, unit_ids: Iterable[int], by: int,
                now: datetime) -> AckResult:
    """Record 收到 for those of the presser's units the instruction went to: once per unit (a second press,
    by anyone of the unit, changes nothing)."""
    if session.get(Instruction, instruction_id) is None:
        return AckResult.UNKNOWN
    rows = session.exec(select(InstructionAck).where(InstructionAck.instruction_id == instruction_id,
                                                     col(InstructionAck.unit_id).in_(list(unit_ids)))).all()
    if not rows:
        return AckResult.NOT_YOURS
    waiting = [row for row in rows if row.acked_at is None]
    for row in waiting:
        row.acked_by, row.acked_at = by, now
        session.add(row)
    session.flush()
    return AckResult.RECORDED if waiting else AckResult.ALREADY


def _with_units(session: Session, instructions: Sequence[Instruction]) -> list[Instructed]:
    ids = [i.id for i in instructions]
    rows = session.exec(select(InstructionAck).where(col(InstructionAck.instruction_id).in_(ids))).all()
    by_instruction: dict[int, list[InstructionAck]] = {}
    for row in sorted(rows, key=lambda r: (r.role != "lead", r.unit_id)):
        by_instruction.setdefault(row.instruction_id, []).append(row)
    return [Instructed(i, tuple(by_instruction.get(i.id or 0, []))) for i in instructions]


def of_item(session: Session, *, item_id: int) -> list[Instructed]:
    """The item's instructions, oldest first, each with its units' acknowledgements and answers."""
    instructions = session.exec(select(Instruction).where(Instruction.item_id == item_id)
                                .order_by(col(Instruction.given_on), col(Instruction.id))).all()
    return _with_units(session, instructions)


def open_ones(session: Session) -> list[tuple[Instructed, str]]:
    """Every instruction some unit has not answered yet, with its item as messages name it ("12", or "民生12"
    while several lists are active); by number, then date."""
    waiting = select(InstructionAck.instruction_id).where(col(InstructionAck.report_id).is_(None))
    rows = session.exec(select(Instruction, Item).join(Item, col(Item.id) == col(Instruction.item_id))
                        .where(col(Instruction.id).in_(waiting))
                        .order_by(col(Item.number), col(Instruction.given_on), col(Instruction.id))).all()
    refs = _refs(session, [item for _, item in rows])
    items = {i.id: item.id for i, item in rows}
    return [(entry, refs[items[entry.instruction.id]]) for entry in _with_units(session, [i for i, _ in rows])]


def _refs(session: Session, items: Sequence[Item]) -> dict[int | None, str]:
    labels = lists.labels(session, items=items)
    return {item.id: labels.get(item.id or 0, str(item.number)) for item in items}


def unanswered(session: Session, *, unit_ids: Iterable[int], item_id: int | None = None) -> list[Open]:
    """The instructions these units have not answered (on one item, or on any), oldest first; one query."""
    query = (select(Instruction, Item, InstructionAck.unit_id, InstructionAck.acked_at)
             .join(InstructionAck, col(InstructionAck.instruction_id) == col(Instruction.id))
             .join(Item, col(Item.id) == col(Instruction.item_id))
             .where(col(InstructionAck.unit_id).in_(list(set(unit_ids))), col(InstructionAck.report_id).is_(None),
                    col(Item.archived).is_(False)))
    if item_id is not None:
        query = query.where(Instruction.item_id == item_id)
    rows = session.exec(query.order_by(col(Instruction.given_on), col(Instruction.id))).all()
    refs = _refs(session, [item for _, item, _, _ in rows])
    return [Open(instruction, item.number, unit_id, acked_at, refs[item.id])
            for instruction, item, unit_id, acked_at in rows]


def answer(session: Session, *, instruction_ids: Iterable[int], unit_id: int, report_id: int, now: datetime) -> int:
    """Link the unit's report as its answer to those of these instructions it has not answered yet (which
    also counts as read); returns how many it answered."""
    rows = session.exec(select(InstructionAck).where(col(InstructionAck.instruction_id).in_(list(instruction_ids)),
                                                     InstructionAck.unit_id == unit_id,
                                                     col(InstructionAck.report_id).is_(None))).all()
    for row in rows:
        row.report_id, row.answered_at = report_id, now
        row.acked_at = row.acked_at or now
        session.add(row)
    session.flush()
    return len(rows)


def answered(session: Session, *, since: datetime | None = None, until: datetime | None = None) -> list[Answered]:
    """The answers given (for the points ledger's "instruction answered" entries), in the order given;
    `since` ≤ answered_at < `until` when given."""
    query = (select(InstructionAck, Instruction).join(Instruction, col(Instruction.id) == col(InstructionAck.instruction_id))
             .where(col(InstructionAck.answered_at).is_not(None)))
    if since is not None:
        query = query.where(col(InstructionAck.answered_at) >= since)
    if until is not None:
        query = query.where(col(InstructionAck.answered_at) < until)
    rows = session.exec(query.order_by(col(InstructionAck.answered_at), col(InstructionAck.id))).all()
    return [Answered(i.id or 0, i.item_id, a.unit_id, a.role, i.given_on, i.act_by, a.report_id or 0,
                     a.answered_at) for a, i in rows if a.answered_at is not None]


def latest_by_item(session: Session, *, before: datetime | None = None) -> dict[int, Instruction]:
    """Each item's latest instruction recorded before `before` (for the export); one query."""
    query = select(Instruction).order_by(col(Instruction.given_on), col(Instruction.id))
    if before is not None:
        query = query.where(col(Instruction.recorded_at) < before)
    return {i.item_id: i for i in session.exec(query).all()}
