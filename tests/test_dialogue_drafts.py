"""Drafts and their buttons: a press on an abandoned draft's message changes nothing, a dialogue restored
from before its end and submitted again stores nothing, a Bot API call inside a transaction fails, and
a database that goes away is answered clearly and survived."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram.error import NetworkError

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.simulator import BotApiSimulator, SimUser
from db.bot_state import save_states
from db.engine import Database
from db.models import BotState, ProgressReport
from tests import pg
from tests.conftest import World, make_settings
from tests.factories import office_with_contacts

CONTACT = 500_000


def reports(db: Database) -> list[ProgressReport]:
    with db.session() as session:
        return list(session.execute(select(ProgressReport).order_by(ProgressReport.id)).scalars())


async def to_evidence(user: SimUser, number: int) -> None:
    """Run the report dialogue on item `number` up to the 📤 submit step."""
    user.send(f"/report {number}")
    await user.expect("请用一条消息写明")
    user.send("推进了一部分工作")
    user.press(await user.expect("完成进度是多少"), "50%")
    user.press(await user.expect("推进状态"), "★ 推进良好")
    user.press(await user.expect("存在问题"), "无")
    await user.expect("佐证材料")


async def test_a_status_pressed_on_an_abandoned_dialogue_does_not_apply_to_the_next(world: World) -> None:
    office_with_contacts(world.db.url, world.clock.now().date(), 1)
    user = world.user(CONTACT, "联络员")
    user.send("/report 1")
    await user.expect("请用一条消息写明")
    user.send("第一项的进展")
    first = await user.expect("完成进度是多少")
    user.press(first, "50%")
    status_of_first = await user.expect("推进状态")
    user.send("/report 1")  # starting again drops the first draft, and says so
    assert "#1 草稿已放弃" in (await user.expect("草稿已放弃")).text
    await user.expect("请用一条消息写明")
    user.send("重新写的进展")
    user.press(await user.expect("完成进度是多少"), "60%")
    await user.expect("推进状态")
    query = user.press(status_of_first, "▲ 较为缓慢")  # the first draft's button
    assert "已失效" in (await world.sim.wait_callback_answer(query))["text"]
    await user.expect_none(within=0.5)
    assert reports(world.db) == []


async def test_a_dialogue_restored_from_before_its_end_is_saved_once(
        sim: BotApiSimulator, db_url: str, database: Database, clock: FakeClock) -> None:
    office_with_contacts(db_url, clock.now().date(), 1)
    settings = make_settings(sim, db_url)
    user = sim.user(CONTACT, "联络员")
    first = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(first, timeout=1):
        await to_evidence(user, 1)
        await first.update_persistence()  # the last flush before the kill
        with database.session() as session:
            before_the_end = {(row.namespace, row.key): row.value for row in session.exec(select(BotState)).scalars()}
        evidence = user.chat.bot_messages()[-1]
        submit_data = evidence.button_data("📤 提交")
        user.press(evidence, "📤 提交")
        await user.expect("已保存报送记录")
    # What a kill right after the commit leaves: the dialogue's state as it was at the last flush.
    with database.session() as session:
        now = {(row.namespace, row.key) for row in session.exec(select(BotState)).scalars()}
        save_states(session, changes={**{key: None for key in now}, **before_the_end})
    again = build_application(settings, db=database, clock=clock, rate_limit=False)
    async with running(again, timeout=1):
        query = user.press_data(user.chat.bot_messages()[-1], submit_data)
        answer = await sim.wait_callback_answer(query)
        told = answer.get("text") or (await user.expect()).text
        assert "已经保存过" in told
        user.send("/report 1")  # and the dialogue is over: a new report starts afresh
        await user.expect("请用一条消息写明")
    assert len(reports(database)) == 1


async def test_a_bot_api_call_inside_a_transaction_fails(world: World) -> None:
    with pytest.raises(NetworkError, match="transaction open"):
        with world.db.session():
            await world.app.bot.send_message(world.admin.id, "inside")
    await world.app.bot.send_message(world.admin.id, "outside")
    assert (await world.admin.expect("outside")).text == "outside"


def cut(server: pg.Server, name: str, *, allow: bool) -> None:
    """The database refuses (or accepts again) connections, and those open are dropped: to the bot,
    as if the server had gone away (the session's shared server itself stays up for other tests)."""
    server.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
    if not allow:
        server.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


async def test_while_the_database_is_away_updates_are_answered_and_nothing_is_lost(
        world: World, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if world.db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the server is cut off")
    server: pg.Server = request.getfixturevalue("postgres")
    name = make_url(world.db.url).database or ""
    office_with_contacts(world.db.url, world.clock.now().date(), 2, first_contact=CONTACT)
    chinese, english = world.user(CONTACT, "联络员"), world.user(CONTACT + 1, "Contact")
    english.send("/lang en")
    await english.expect()
    await to_evidence(chinese, 1)
    evidence = chinese.chat.bot_messages()[-1]
    english.send("/report 2")
    await english.expect()
    cut(server, name, allow=False)
    try:
        query = chinese.press(evidence, "📤 提交")
        assert "数据库暂时无法访问" in (await world.sim.wait_callback_answer(query, timeout=15))["text"]
        english.send("/mine")
        answer = (await english.expect("cannot be reached", timeout=15)).text
        assert "nothing was saved" in answer
        chinese.send("/mine")
        await chinese.expect("数据库暂时无法访问", timeout=15)
    finally:
        cut(server, name, allow=True)
    # Back: the dialogue waits at its last step, and is submitted once.
    chinese.press(evidence, "📤 提交")
    await chinese.expect("已保存报送记录")
    chinese.send("/mine")
    await chinese.expect("的事项")
    assert len(reports(world.db)) == 1
    texts = " ".join(m.text or "" for u in (chinese, english, world.admin) for m in u.chat.bot_messages())
    assert "处理时出错了" not in texts and "Traceback" not in texts
