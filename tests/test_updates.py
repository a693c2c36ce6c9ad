"""Updates of different users are handled side by side, each user's in order (bot.updates): a handler
awaiting something long holds only its own user's updates."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.updates import PerUserUpdates
from tests.conftest import World


def slow_command(world: World) -> tuple[asyncio.Event, list[str]]:
    """A /slow command (group -2, before the registry's gates) that waits for the returned event, and /order
    that answers at once; `log` records what ran, in order."""
    release, log = asyncio.Event(), []

    async def slow(update: Update, context: BotContext) -> None:
        log.append(f"slow {update.effective_user.id}")
        await release.wait()
        await context.bot.send_message(update.effective_chat.id, "slow done")

    async def order(update: Update, context: BotContext) -> None:
        log.append(f"order {update.effective_user.id}")
        await context.bot.send_message(update.effective_chat.id, "order done")

    world.app.add_handler(CommandHandler("slow", slow), group=-2)
    world.app.add_handler(CommandHandler("order", order), group=-2)
    return release, log


async def test_a_slow_handler_holds_only_its_own_user(world: World) -> None:
    assert isinstance(world.app.update_processor, PerUserUpdates)
    release, log = slow_command(world)
    world.admin.send("/slow")
    await asyncio.sleep(0.2)
    world.admin.send("/order")  # the admin's own next update waits for the first
    world.supervisor.send("/status")  # another user is answered meanwhile
    await world.supervisor.expect("共", timeout=5)
    assert log == [f"slow {world.admin.id}"]
    await world.admin.expect_none(0.3)
    release.set()
    await world.admin.expect("slow done")
    await world.admin.expect("order done")
    assert log == [f"slow {world.admin.id}", f"order {world.admin.id}"]


async def test_each_users_updates_stay_in_order(world: World) -> None:
    _release, log = slow_command(world)
    users = [world.user(7000 + n, f"用户{n}") for n in range(5)]
    for _ in range(4):
        for user in users:
            user.send("/order")
    await world.settled()
    for user in users:
        assert log.count(f"order {user.id}") == 4
    assert world.app.update_processor.running == 0


def test_the_bound() -> None:
    processor = PerUserUpdates(limit=3)
    assert processor.limit == 3 and processor.running == 0
    assert processor.max_concurrent_updates > 1  # PTB hands each update to it at once
    try:
        PerUserUpdates(limit=1)
    except ValueError:
        pass
    else:
        raise AssertionError("a limit of 1 is refused")
