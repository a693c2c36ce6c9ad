"""Both backends: the fixtures give each test its own database on each, the columns mean the same on
both, and the migrations run on PostgreSQL too (down and up, and from two replicas at once)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from db import lists
from db.engine import Database, make_engine, normalize_url
from db.items import Counts, counts
from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.models import CalendarOverride, Item, Outbox, Person, ProgressReport, SentMessage, Unit
from tests import pg
from tests.conftest import SHANGHAI

ROOT = Path(__file__).resolve().parents[1]


def test_each_test_gets_a_fresh_migrated_database_on_its_backend(
        db_url: str, database: Database, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params["migrated_template"]
    assert make_url(db_url).get_backend_name() == backend == database.engine.dialect.name
    assert current_revision(db_url) == head_revision()
    with database.session() as session:
        assert counts(session) == Counts(units=0, contacts=0, items=0, reports=0)
        session.add(Unit(name="区教育局"))
    with database.session() as session:
        assert counts(session).units == 1


def test_values_read_back_the_same_on_both_backends(database: Database) -> None:
    big_user, supergroup = 7_999_999_999, -1_001_234_567_890  # beyond 32 bits, as Telegram's ids are
    moment = datetime(2021, 7, 20, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    with database.session() as session:
        session.add(Person(telegram_id=big_user, full_name="王科长", created_at=moment))
        unit = Unit(name="区教育局", aliases=["教育局", "区教体局"])
        session.add(unit)
        session.flush()
        task_list = lists.create_list(session, name="2021年重点工作", year=2021, code="重点", now=moment)
        item = Item(list_id=task_list.id, number=1, title="改善办学条件", start_date=date(2021, 1, 1), deadline=date(2021, 12, 31),
                    binding=False, archived=False, target_value=98.5)
        archived = Item(list_id=task_list.id, number=2, title="旧事项", start_date=date(2021, 1, 1), archived=True, binding=True)
        session.add_all([item, archived])
        session.flush()
        session.add(ProgressReport(item_id=item.id, unit_id=unit.id, reporter_id=big_user, period="2021-07",
                                   created_at=moment, text="已完成主体工程 ✅", percent=60, status="good",
                                   evidence=[{"kind": "photo", "file_id": "AgAC…"}]))
        session.add(SentMessage(kind="digest", chat_id=supergroup, message_id=7, item_ids=[1, 2]))
        session.add(Outbox(dedupe_key="digest:2021-W29", kind="digest", chat_id=supergroup,
                           payload={"text": "周报", "items": [1, 2], "nested": {"ok": True}}))
        session.add(CalendarOverride(day=date(2021, 10, 9), workday=True, note="调休"))
    with database.session() as session:
        person = session.get(Person, big_user)
        assert person is not None and person.created_at == moment and person.created_at.tzinfo is not None
        assert session.exec(select(Unit)).one().aliases == ["教育局", "区教体局"]
        active = session.exec(select(Item).where(col(Item.archived).is_(False))).all()
        assert [(i.number, i.binding, i.target_value) for i in active] == [(1, False, 98.5)]
        report = session.exec(select(ProgressReport)).one()
        assert (report.reporter_id, report.created_at, report.text) == (big_user, moment, "已完成主体工程 ✅")
        assert report.evidence == [{"kind": "photo", "file_id": "AgAC…"}]
        assert session.exec(select(SentMessage)).one().chat_id == supergroup
        assert session.exec(select(Outbox)).one().payload["nested"] == {"ok": True}
        assert session.get(CalendarOverride, date(2021, 10, 9)).workday is True
        later = session.exec(select(ProgressReport).where(
            col(ProgressReport.created_at) > moment - timedelta(seconds=1))).all()
        assert len(later) == 1 and later[0].created_at.astimezone(UTC).hour == 1


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://bot@db/progress") == "postgresql+psycopg://bot@db/progress"
    assert normalize_url("postgres://bot@db/progress") == "postgresql+psycopg://bot@db/progress"
    assert normalize_url("sqlite:///progress_bot.db") == "sqlite:///progress_bot.db"
    engine = make_engine("postgresql://bot:pw@127.0.0.1:1/progress")  # builds without connecting
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")


def test_postgresql_migrations_go_down_to_nothing_and_up_again(postgres: pg.Server) -> None:
    with postgres.database() as url:
        upgrade(url)
        command.downgrade(alembic_config(url), "base")
        assert current_revision(url) is None
        upgrade(url)
        assert current_revision(url) == head_revision()


def test_two_replicas_starting_together_migrate_once(postgres: pg.Server) -> None:
    with postgres.database() as url:
        # Processes, as replicas are (Alembic's context is one per process, so threads would not do).
        script = "import sys; from db.migrate import upgrade; upgrade(sys.argv[1])"
        replicas = [subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                    for _ in range(2)]
        outcomes = [(replica.wait(timeout=60), replica.stderr.read()) for replica in replicas if replica.stderr]
        assert [code for code, _ in outcomes] == [0, 0], outcomes
        assert current_revision(url) == head_revision()


def test_missing_server_binaries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PG_BIN", "/nonexistent")
    assert pg.bin_dir() is None
    with pytest.raises(pg.Unavailable, match="apt-get install postgresql"):
        with pg.throwaway_cluster():
            pass


def test_required_postgresql_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_POSTGRES", raising=False)  # .ci/run sets it to "require"
    reason = pg.Unavailable("no binaries")
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL half skipped: no binaries"):
        pg.skip_or_fail(reason)
    monkeypatch.setenv("TEST_POSTGRES", "require")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required"):
        pg.skip_or_fail(reason)


def test_without_server_binaries_the_postgresql_half_is_skipped_visibly() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("TEST_POSTGRES", "TEST_POSTGRES_URL", "PG_BIN")}
    target = "tests/test_postgres.py::test_each_test_gets_a_fresh_migrated_database_on_its_backend"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
                         cwd=ROOT, env={**clean, "PG_BIN": "/nonexistent"}, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout
    assert "SKIPPED" in run.stdout and "PostgreSQL half skipped: no PostgreSQL server binaries" in run.stdout
