"""The Alembic migrations build exactly the schema the models describe, and go down again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, insert, select
from sqlmodel import Session, SQLModel

import db.models  # noqa: F401
from db import items
from db import lists as lists_db
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from tests import pg
from tests.conftest import BACKENDS


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    engine.dispose()


def test_downgrade_to_nothing_and_up_again(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)


# ---- lists: the migration to task lists keeps every row on its item


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of its own on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server: pg.Server = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "unit": [dict(id=1, name="区住建委", aliases=[]), dict(id=2, name="区教育局", aliases=[])],
    "item": [dict(id=1, number=1, title="完成老旧小区改造12个", deadline=date(2021, 12, 31), start_date=date(2021, 1, 1),
                  report_cycle="monthly", archived=False),
             dict(id=2, number=2, title="新建幼儿园3所", deadline=date(2021, 9, 30), start_date=date(2021, 1, 1),
                  report_cycle="monthly", archived=False),
             dict(id=3, number=7, title="开放学校操场", deadline=None, start_date=date(2021, 1, 1),
                  report_cycle="monthly", archived=True)],
    "itemunit": [dict(item_id=1, unit_id=1, role="lead", position=0), dict(item_id=2, unit_id=2, role="lead", position=0),
                 dict(item_id=2, unit_id=1, role="responsible", position=0)],
    "contact": [dict(id=1, telegram_id=501, unit_id=1, reachable=True, backup=False)],
    "progressreport": [
        dict(id=1, item_id=1, unit_id=1, reporter_id=501, period="2021-06", text="完成6个", percent=50,
             status="normal", evidence=[], source="chat", returned_at=datetime(2021, 6, 28, 2), returned_by=1001,
             return_reason="请附照片", version=1),
        dict(id=2, item_id=1, unit_id=1, reporter_id=501, period="2021-06", text="完成6个，附照片", percent=50,
             status="normal", evidence=[], source="chat", version=2, draft_id="d-1"),
        dict(id=3, item_id=2, unit_id=None, reporter_id=None, period="2021-06", text="已开工", status="normal",
             evidence=[], source="import", version=1)],
    "reportversion": [dict(id=1, report_id=2, version=1, saved_at=datetime(2021, 6, 29, 1),
                           replaced_at=datetime(2021, 6, 29, 3), text="完成6个", status="normal")],
    "extensionrequest": [dict(id=1, item_id=1, unit_id=1, requested_by=501, original_deadline=date(2021, 12, 31),
                              requested_deadline=date(2022, 3, 31), requested_text="明年3月", reason="拆迁未完成",
                              status="approved", decided_by=1001, decided_at=datetime(2021, 7, 1, 2))],
    "monthlycolour": [dict(item_id=1, month="2021-06", colour="yellow", percent=50, time_progress=50, missed=0),
                      dict(item_id=2, month="2021-06", colour="green", percent=None, time_progress=50, missed=0)],
    "outbox": [dict(id=1, dedupe_key="reminder:1:due:2021-07", kind="reminder", unit_id=1, chat_id=501,
                    payload={"parts": ["请报送"]}, status="sent", attempts=1, acked_at=datetime(2021, 7, 20, 1),
                    acked_by=501)],
    "reminder": [dict(id=1, item_id=2, unit_id=1, reason="due", period="2021-07", status="sent", outbox_id=1)],
    "snooze": [dict(id=1, item_id=2, unit_id=1, until=date(2021, 8, 1), created_by=501)],
    "botsetting": [dict(key="table.title", value="2021年普陀区民生实事进展情况表")],
}


def _rows(connection: Connection, metadata: MetaData, table: str) -> list[dict[str, Any]]:
    t = metadata.tables[table]
    return [dict(r._mapping) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]


def test_items_go_into_one_list_keeping_everything_hung_on_them(empty_url: str) -> None:
    upgrade(empty_url, "0005")
    engine = make_engine(empty_url)
    when = datetime(2021, 6, 1, 1)
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as connection:
        for table, rows in OLD_ROWS.items():
            columns = old.tables[table].columns.keys()
            stamps = {c: when for c in ("created_at", "updated_at", "recorded_at", "not_before") if c in columns}
            for row in rows:
                connection.execute(insert(old.tables[table]).values({**stamps, **row}))
    with engine.connect() as connection:
        before = {table: _rows(connection, old, table) for table in OLD_ROWS}
    upgrade(empty_url)
    new = MetaData()
    new.reflect(engine)
    with engine.connect() as connection:
        after = {table: _rows(connection, new, table) for table in OLD_ROWS}
        lists = _rows(connection, new, "tasklist")
    assert [(x["id"], x["name"], x["kind"], x["year"], x["code"], x["state"]) for x in lists] == [
        (1, "2021年民生实事", "民生实事", 2021, "民生", "active")]
    assert [(x["list_id"], x["carried_from_id"]) for x in after["item"]] == [(1, None)] * 3
    kept = {table: set(old.tables[table].columns.keys()) for table in OLD_ROWS}  # later migrations add columns
    after = {table: [{k: v for k, v in x.items() if k in kept[table]} for x in rows] for table, rows in after.items()}
    assert after == before
    with Session(engine) as session:  # the new tables take new rows (PostgreSQL's id sequence moved on)
        created = lists_db.create_list(session, name="2022年重点工作", year=2022, code="重点", now=when.replace(tzinfo=UTC))
        assert created.id == 2
        session.rollback()
    command.downgrade(alembic_config(empty_url), "0005")
    with engine.connect() as connection:
        assert {table: _rows(connection, old, table) for table in OLD_ROWS} == before
    engine.dispose()


def test_an_empty_database_gets_no_list_and_the_first_item_makes_one(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url, "0005")
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2022, 3, 1, tzinfo=UTC)
    with Session(engine) as session:
        assert lists_db.lists(session) == []
        item = items.add_item(session, title="事项", deadline=None, deadline_text=None, lead_unit_ids=[],
                                responsible_unit_ids=[], start_date=date(2022, 1, 1), now=now)
        made = lists_db.lists(session)
        assert [(x.name, x.year, x.code) for x in made] == [("2022年重点工作", 2022, "重点")]
        assert (item.list_id, item.number) == (made[0].id, 1)
    engine.dispose()
