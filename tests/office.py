"""A small office for the supervision tests: units with bound contacts and items, written straight to the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import select

from db import items as items_db
from db import units as units_db
from db.engine import Database
from db.models import (
    Absence,
    Adjustment,
    ClosingReview,
    Contact,
    ExtensionRequest,
    Instruction,
    InstructionAck,
    Item,
    MonthlyColour,
    Outbox,
    Person,
    ProgressReport,
    ReportVersion,
)
from tests.conftest import World


@dataclass
class Office:
    units: dict[str, int] = field(default_factory=dict)  # name → id
    items: dict[int, int] = field(default_factory=dict)  # number → id


def office(db: Database, now: datetime, *, units: dict[str, list[tuple[int, str, bool]]],
           items: list[tuple[str, str, date]]) -> Office:
    """`units`: name → [(telegram id, name, backup)]; `items`: (title, unit name, deadline), numbered from 1."""
    made = Office()
    with db.session() as session:
        for name, contacts in units.items():
            unit = units_db.add_unit(session, name=name)
            made.units[name] = unit.id
            for telegram_id, person, backup in contacts:
                session.add(Person(telegram_id=telegram_id, full_name=person))
                session.add(Contact(telegram_id=telegram_id, unit_id=unit.id, backup=backup))
        for number, (title, unit_name, deadline) in enumerate(items, start=1):
            item = items_db.add_item(session, title=title, deadline=deadline, deadline_text=deadline.isoformat(),
                                    lead_unit_ids=[made.units[unit_name]], responsible_unit_ids=[made.units[unit_name]],
                                    start_date=date(deadline.year, 1, 1), number=number, domain="民生领域", now=now)
            made.items[number] = item.id
    return made


SENDING = {"claimed_at", "claimed_by", "sent_at", "status", "attempts", "last_error"}  # the outbox's own progress


def snapshot(world: World) -> dict[str, list[str]]:
    """The rows a refused action must leave as they were."""
    tables = {"items": Item, "reports": ProgressReport, "versions": ReportVersion, "extensions": ExtensionRequest,
              "absences": Absence, "colours": MonthlyColour, "outbox": Outbox, "contacts": Contact,
              "closings": ClosingReview, "adjustments": Adjustment,
              "instructions": Instruction, "instruction_units": InstructionAck}
    with world.db.session() as session:
        return {name: sorted(repr(sorted(row.model_dump(exclude=SENDING).items()))
                             for row in session.exec(select(model)).all()) for name, model in tables.items()}
