"""Standalone server: python -m bot.simulator --port 8081"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading

from bot.simulator.server import BotApiSimulator
from bot.simulator.state import SimChat, SimUser

_CLI_HELP = """\
Type lines to act as users (messages appear here as the bot answers):
  <user_id> <text>                       user writes to the bot in private, e.g.  1001 /start
  <user_id>@<group_id> <text>            user writes in a group, e.g.  1001@-100 /setgroup
  press <user_id>[@<group_id>] <message_id> <button text or data>
  t [chat_id]                            print the transcript
  help                                   this text"""


def _cli_command(sim: BotApiSimulator, line: str) -> None:
    line = line.strip()
    if not line:
        return
    if line in ("help", "?"):
        print(_CLI_HELP)
        return
    head, _, rest = line.partition(" ")
    if head == "t":
        print(sim.transcript(int(rest) if rest.strip() else None) or "(empty)")
        return
    if head == "press":
        who, _, rest = rest.strip().partition(" ")
        message_id, _, button = rest.strip().partition(" ")
        user, chat = _cli_actor(sim, who)
        user.press(chat.get(int(message_id)), button.strip())
        return
    user, chat = _cli_actor(sim, head)
    user.send(rest, chat=chat)


def _cli_actor(sim: BotApiSimulator, spec: str) -> tuple[SimUser, SimChat]:
    user_part, _, group_part = spec.partition("@")
    user = sim.user(int(user_part), f"用户{user_part}")
    chat = sim.group(int(group_part), f"测试群{group_part}") if group_part else user.chat
    return user, chat


async def _serve(args: argparse.Namespace) -> None:
    sim = BotApiSimulator(args.token, args.username, first_name=args.first_name)
    sim.on_log = print
    await sim.start(args.port)
    print(f"Bot API simulator listening: base_url={sim.base_url}  base_file_url={sim.base_file_url}")
    print(f"token={sim.token}  bot=@{sim.username}  (Ctrl-C to stop)")
    print(_CLI_HELP)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    # A daemon thread, so that Ctrl-C is not held up by a blocking readline.
    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        while True:
            line = await lines.get()
            if line is None:
                await asyncio.Event().wait()  # stdin closed: keep serving until interrupted
            try:
                _cli_command(sim, line or "")
            except (AssertionError, KeyError, ValueError) as exc:
                print(f"! {exc}")
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.simulator",
                                     description="Run a fake Telegram Bot API server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--username", default="progress_test_bot")
    parser.add_argument("--first-name", default="督办助手")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
