"""Small factories for tests and benchmarks: an office with units, contacts and items, fast."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from db import queries
from db.engine import Database
from db.migrate import upgrade
from db.models import Contact, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")


def office_with_contacts(url: str, today: date, count: int, *, first_contact: int = 500_000) -> list[int]:
    """`count` units, each with one contact and one item due tomorrow; today is made a working day.
    Returns the contacts' Telegram ids."""
    upgrade(url)
    db = Database(url)
    now = datetime.now(SHANGHAI)
    people = []
    with db.session() as session:
        # Whatever the official calendar says about the day this runs on, it is a working day here.
        queries.set_calendar_override(session, day=today, workday=True, note="test", created_by=0)
        for i in range(count):
            unit = queries.add_unit(session, name=f"单位{i:05d}")
            queries.add_item(session, title=f"事项{i}", deadline=today + timedelta(days=1), deadline_text="明天",
                             lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id],
                             start_date=date(today.year, 1, 1), number=i + 1, now=now, report_cycle="none")
            person = first_contact + i
            session.add(Person(telegram_id=person, full_name=f"联络员{i}"))
            session.add(Contact(telegram_id=person, unit_id=unit.id))
            people.append(person)
    db.dispose()
    return people


async def bound_contact(world, user_id: int, unit_name: str = "区住建局") -> int:  # type: ignore[no-untyped-def]
    """In a running world: a unit with one item (#1), and a contact bound to it through an invite."""
    import re

    now = world.clock.now()
    with world.db.session() as session:
        unit = queries.add_unit(session, name=unit_name)
        queries.add_item(session, title="事项", deadline=date(2021, 12, 31), deadline_text="2021.12",
                         lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id], start_date=date(2021, 1, 1),
                         now=now)
    world.admin.send(f"/invite {unit_name}")
    code = re.search(r"start=([\w-]+)", (await world.admin.expect("邀请链接")).text)[1]
    contact = world.user(user_id, "联络员")
    contact.send(f"/start {code}")
    await contact.expect("的事项")
    return user_id
