"""PTB persistence in the database: round trips, restarts, what is never stored, and a contact
who continues a report after the bot is stopped and started again."""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select
from telegram.ext import Application, ApplicationBuilder, ConversationHandler, PersistenceInput

import bot.persistence as persistence_module
from bot.app import build_application, running
from bot.clock import FakeClock
from bot.context import Services
from bot.persistence import DatabasePersistence
from bot.simulator import BotApiSimulator
from db import items as items_db
from db import reports
from db.engine import Database
from db.models import BotState
from handlers import contact, importing, items
from tests.conftest import ADMIN_ID, GROUP_ID, SUPERVISOR_ID, World, make_settings
from tests.factories import bound_contact


def rows(database: Database) -> dict[tuple[str, str], object]:
    with database.session() as session:
        return {(r.namespace, r.key): r.value for r in session.exec(select(BotState)).all()}


def count_commits(database: Database) -> Callable[[], int]:
    commits = []
    event.listen(database.engine, "commit", lambda _conn: commits.append(1))
    return lambda: len(commits)


async def test_user_and_chat_data_round_trip(database: Database) -> None:
    first = DatabasePersistence(database)
    draft = {"report_draft": {"item_id": 3, "text": "完成立项", "percent": 75, "evidence": [{"type": "photo"}]}}
    await first.update_user_data(5001, draft)
    await first.update_chat_data(-100777, {"lang": "en"})
    await first.update_chat_data(42, {})  # nothing to keep: no row
    again = DatabasePersistence(database)
    assert await again.get_user_data() == {5001: draft}
    assert await again.get_chat_data() == {-100777: {"lang": "en"}}
    await again.drop_user_data(5001)
    await again.drop_chat_data(-100777)
    assert rows(database) == {}


async def test_conversations_survive_a_new_persistence(database: Database) -> None:
    first = DatabasePersistence(database)
    await first.update_conversation("report", (5001, 5001), 2)
    await first.update_conversation("report", (-100777, 5002), 4)
    await first.update_conversation("add_item", (1001, 1001), 0)
    await first.flush()
    restarted = DatabasePersistence(database)
    assert await restarted.get_conversations("report") == {(5001, 5001): 2, (-100777, 5002): 4}
    assert await restarted.get_conversations("add_item") == {(1001, 1001): 0}
    assert await restarted.get_conversations("import") == {}
    await restarted.update_conversation("report", (5001, 5001), None)  # the dialogue ended
    assert await DatabasePersistence(database).get_conversations("report") == {(-100777, 5002): 4}


async def test_bot_data_never_stores_the_services(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    first = DatabasePersistence(database)
    await first.update_bot_data({"services": object(), "calendar_warned": [2027]})
    assert rows(database) == {("bot_data", "bot"): {"calendar_warned": [2027]}}
    assert await DatabasePersistence(database).get_bot_data() == {"calendar_warned": [2027]}
    await first.update_bot_data({"services": object()})
    assert rows(database) == {}
    assert "services" not in caplog.text  # left out on purpose, not a warning


async def test_live_bot_data_is_loaded_shared_and_never_stored(database: Database) -> None:
    services = threading.Lock()  # like the services: cannot be deep-copied
    first = DatabasePersistence(database, live_bot_data={"services": services, "clock": "live"})
    await first.update_bot_data({"digest": {"week": "2021-W29"}})
    bot_data = await DatabasePersistence(database, live_bot_data={"services": services}).get_bot_data()
    assert bot_data == {"digest": {"week": "2021-W29"}, "services": services}
    bot_data["digest"]["week"] = "2021-W30"
    copied = copy.deepcopy(bot_data)  # what Application.update_persistence does before saving
    assert copied == {"digest": {"week": "2021-W30"}}
    assert copied["digest"] is not bot_data["digest"]
    await first.update_bot_data(bot_data | {"clock": object()})
    assert rows(database) == {("bot_data", "bot"): {"digest": {"week": "2021-W30"}}}


async def test_callback_data_round_trip(database: Database) -> None:
    first = DatabasePersistence(database)
    assert await first.get_callback_data() is None
    await first.update_callback_data(([("kb1", 1626739200.5, {"b1": "rp:1", "b2": {"n": 2}}),
                                       ("kb2", 1626739201.0, {"b3": object()})], {"q1": "kb1"}))
    restored = await DatabasePersistence(database).get_callback_data()
    assert restored == ([("kb1", 1626739200.5, {"b1": "rp:1", "b2": {"n": 2}})], {"q1": "kb1"})


async def test_values_json_would_change_are_left_out_with_one_warning(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    persistence = DatabasePersistence(database)
    data = {"import": object(), "pair": (1, 2), 7: "int key", "nan": float("nan"), "keep": {"a": [1, "二"]}}
    with caplog.at_level(logging.WARNING, logger="bot.persistence"):
        await persistence.update_user_data(1001, data)
        await persistence.update_user_data(1001, data | {"keep": {"a": [2]}})
    assert rows(database) == {("user_data", "1001"): {"keep": {"a": [2]}}}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 4  # once per entry, not on every write
    assert any("'import'" in w and "object" in w for w in warnings)
    await persistence.update_conversation("report", (1, 1), object())
    assert ("conversation:report", "[1,1]") not in rows(database)


async def test_one_transaction_per_run_and_none_for_unchanged_data(database: Database) -> None:
    persistence = DatabasePersistence(database)
    commits = count_commits(database)
    # What Application.update_persistence does: one coroutine per changed entry, gathered.
    await asyncio.gather(*(persistence.update_user_data(u, {"n": u}) for u in range(50)),
                         persistence.update_conversation("report", (1, 1), 3))
    assert commits() == 1
    await asyncio.gather(*(persistence.update_user_data(u, {"n": u}) for u in range(50)))
    await persistence.flush()
    assert commits() == 1
    assert len(rows(database)) == 51


async def test_concurrent_flush_is_safe(database: Database) -> None:
    persistence = DatabasePersistence(database)

    def worker(first: int) -> None:
        async def run() -> None:
            for user_id in range(first, first + 25):
                await persistence.update_user_data(user_id, {"n": user_id})
                await persistence.flush()
        asyncio.run(run())

    threads = [threading.Thread(target=worker, args=(n * 100,)) for n in range(6)]
    for thread in threads:
        thread.start()
    await asyncio.gather(*(persistence.flush() for _ in range(20)),
                         *(persistence.update_chat_data(c, {"c": c}) for c in range(20)))
    for thread in threads:
        thread.join()
    await persistence.flush()
    stored = await DatabasePersistence(database).get_user_data()
    assert stored == {u: {"n": u} for n in range(6) for u in range(n * 100, n * 100 + 25)}
    assert len(await DatabasePersistence(database).get_chat_data()) == 20


async def test_a_failed_write_is_retried(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    persistence = DatabasePersistence(database)
    real = persistence_module.save_states

    def fail_once(session, *, changes):
        monkeypatch.setattr(persistence_module, "save_states", real)
        raise OSError("disk full")

    monkeypatch.setattr(persistence_module, "save_states", fail_once)
    with pytest.raises(OSError):
        await persistence.update_user_data(5001, {"x": 1})
    assert rows(database) == {}
    await persistence.flush()
    assert rows(database) == {("user_data", "5001"): {"x": 1}}


# End to end: the real Application against the Bot API simulator, stopped mid-dialogue.

def dialogues(persistent: bool) -> type[ConversationHandler]:
    """ConversationHandler with `persistent` forced, to prove the flag before (and after) the
    handlers modules set it."""

    class Dialogue(ConversationHandler):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["persistent"] = persistent
            super().__init__(*args, **kwargs)

    return Dialogue


@asynccontextmanager
async def bot_with_persistence(sim: BotApiSimulator, db_url: str, database: Database, clock: FakeClock,
                               monkeypatch: pytest.MonkeyPatch, *, store_data: PersistenceInput | None = None,
                               ) -> AsyncIterator[World]:
    """build_application with the one line it lacks: `.persistence(...)` on its builder."""
    made: list[Services] = []

    def services(**kwargs) -> Services:
        made.append(Services(**kwargs))
        return made[-1]

    class Builder(ApplicationBuilder):
        def build(self) -> Application:
            super().persistence(DatabasePersistence(database, update_interval=0.1, store_data=store_data,
                                                    live_bot_data={"services": made[-1]}))
            return super().build()

    monkeypatch.setattr("bot.app.Services", services)
    monkeypatch.setattr("bot.app.ApplicationBuilder", Builder)
    app = build_application(make_settings(sim, db_url), db=database, clock=clock, rate_limit=False)
    async with running(app, timeout=1):
        assert app.bot_data["services"] is made[-1]
        yield World(app, sim, database, clock, sim.user(ADMIN_ID, "王科长"), sim.user(SUPERVISOR_ID, "督查员"),
                    sim.group(GROUP_ID, "督查组"))


async def wait_for(check: Callable[[], bool], timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def persistent_dialogues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact, "ConversationHandler", dialogues(persistent=True))
    monkeypatch.setattr(items, "ConversationHandler", dialogues(persistent=True))
    monkeypatch.setattr(importing, "ConversationHandler", dialogues(persistent=True))


@pytest.fixture
def forgetful_dialogues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact, "ConversationHandler", dialogues(persistent=False))
    monkeypatch.setattr(items, "ConversationHandler", dialogues(persistent=False))
    monkeypatch.setattr(importing, "ConversationHandler", dialogues(persistent=False))


async def report_up_to_the_percent(user) -> None:  # type: ignore[no-untyped-def]
    """A report begun: its text given, the percent asked."""
    user.send("/report 1")
    await user.expect("请用一条消息")
    user.send("完成立项")
    await user.expect("完成进度是多少")


@pytest.mark.usefixtures("persistent_dialogues")
async def test_a_report_continues_after_a_restart(sim, db_url, database, clock, monkeypatch) -> None:
    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch) as world:
        world.app.bot_data["calendar_warned"] = [2027]
        user = await bound_contact(world)
        await report_up_to_the_percent(user)
        # Written by the periodic update, before any stop: a crash from here on loses nothing.
        key = ("conversation:report", f"[{user.id},{user.id}]")
        # The periodic update writes user data and dialogue states one after another: wait for both.
        await wait_for(lambda: rows(database).get(key) == contact.PERCENT
                       and rows(database).get(("user_data", str(user.id)), {}).get("report_draft", {}).get("text"))

    stored = rows(database)
    assert stored[("bot_data", "bot")] == {"calendar_warned": [2027]}  # never the services
    assert all("services" not in str(value) for value in stored.values())

    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch) as world:
        assert world.app.bot_data["calendar_warned"] == [2027]
        user.send("75%")
        status = await user.expect("推进状态")
        user.press(status, "★ 推进良好")
        user.press(await user.expect("存在问题"), "无")
        user.press(await user.expect("佐证材料"), "📤 提交")
        record = await user.expect("已保存报送记录")
        assert "75%" in record.text
        with database.session() as session:
            (report,) = reports.reports_of_item(session, item_id=items_db.item_by_number(session, number=1).id)
        assert report.text == "完成立项" and report.percent == 75 and report.reporter_id == user.id
    assert key not in rows(database)  # the dialogue ended, its row is gone


@pytest.mark.usefixtures("persistent_dialogues")
async def test_a_restored_dialogue_still_times_out(sim, db_url, database, clock, monkeypatch) -> None:
    """PTB does not persist its timeout jobs: the dialogue's own clock ends one restored too late."""
    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch) as world:
        user = await bound_contact(world)
        await report_up_to_the_percent(user)
        key = ("conversation:report", f"[{user.id},{user.id}]")
        await wait_for(lambda: rows(database).get(key) == contact.PERCENT)

    clock.advance(timedelta(hours=2))  # past CONVERSATION_TIMEOUT_MINUTES (30) while the bot was down
    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch) as world:
        user.send("75%")
        await user.expect("操作超时")
        user.send("75%")
        await user.expect("如需上报进展")  # the dialogue is over: the stray-text hint
        with database.session() as session:
            assert reports.reports_of_item(session, item_id=items_db.item_by_number(session, number=1).id) == []


@pytest.mark.usefixtures("forgetful_dialogues")
async def test_without_persistent_dialogues_the_report_is_lost(sim, db_url, database, clock, monkeypatch) -> None:
    """The control: the same restart with dialogues that are not persistent."""
    data_only = PersistenceInput(bot_data=False)
    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch, store_data=data_only) as world:
        user = await bound_contact(world)
        await report_up_to_the_percent(user)
    async with bot_with_persistence(sim, db_url, database, clock, monkeypatch, store_data=data_only):
        user.send("75%")
        await user.expect("如需上报进展")  # the stray-text hint: the dialogue was forgotten
