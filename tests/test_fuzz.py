"""Fuzzing the running bot with Hypothesis: command arguments and report texts of arbitrary Unicode,
length and shape never crash a handler, and every one gets an answer."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import World
from tests.factories import invited_contact

COMMANDS = ["/add", "/edit", "/item", "/items", "/invite", "/unit_add", "/archive", "/unarchive", "/remind",
            "/holiday", "/report", "/snooze", "/lang", "/export", "/start", "/mine", "/status"]
CRASH = ("出错了", "处理更新时出错")
# Arbitrary text, including the characters that break HTML, Markdown and SQL, and very long runs.
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="<>&\"'|｜/\\%_*`[]()0123456789年月日底前后周季度下上旬.-一二三十", max_size=60),
    st.text(min_size=3000, max_size=5000, alphabet="长文本<&>"),
)


def interact(world: World, loop: asyncio.AbstractEventLoop, user_id: int, text: str) -> str:
    """Send a message from another thread and wait for the bot's first answer."""

    async def exchange() -> str:
        user = world.sim.user(user_id, f"用户{user_id}")
        user.chat.drain()
        user.send(text)
        answer = await user.expect(timeout=10)
        await asyncio.sleep(0.05)
        rest = user.chat.drain()
        user.send("/cancel")  # leave no dialogue open for the next example
        await user.expect(timeout=10)
        return "\n".join((m.text or m.caption or "") for m in [answer, *rest])

    return asyncio.run_coroutine_threadsafe(exchange(), loop).result(timeout=30)


async def test_commands_with_arbitrary_arguments_always_get_an_answer(world: World) -> None:
    contact_id = await invited_contact(world, 4242)
    loop = asyncio.get_running_loop()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(command=st.sampled_from(COMMANDS), argument=TEXT, sender=st.sampled_from([1001, 4242, 4343]))
    def one(command: str, argument: str, sender: int) -> None:
        answer = interact(world, loop, sender, f"{command} {argument}")
        assert answer.strip(), f"no answer to {command!r}"
        assert not any(word in answer for word in CRASH), answer

    await asyncio.to_thread(one)
    assert not any(word in (m.text or "") for m in world.admin.chat.messages for word in CRASH)
    assert contact_id


async def test_report_dialogue_with_arbitrary_answers(world: World) -> None:
    contact_id = await invited_contact(world, 4242)
    loop = asyncio.get_running_loop()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(answers=st.lists(TEXT.filter(lambda s: s.strip() and not s.startswith("/")), min_size=1, max_size=4))
    def one(answers: list[str]) -> None:
        async def dialogue() -> None:
            user = world.sim.user(contact_id, "联络员")
            user.chat.drain()
            user.send("/report 1")
            await user.expect("请用一条消息", timeout=10)
            for text in answers:
                user.send(text)
                reply = await user.expect(timeout=10)
                assert not any(word in (reply.text or "") for word in CRASH), reply.text
            user.send("/cancel")
            await user.expect(timeout=10)
            user.chat.drain()

        asyncio.run_coroutine_threadsafe(dialogue(), loop).result(timeout=60)

    await asyncio.to_thread(one)
    assert not any(word in (m.text or "") for m in world.admin.chat.messages for word in CRASH)
