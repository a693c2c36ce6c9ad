"""What the bot logs at INFO while it works never holds the token or what a unit reported."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import World
from tests.factories import invited_contact

SECRET_REPORT = "机密进展内容XYZ"
SECRET_PROBLEM = "敏感问题ABC"


async def test_info_logs_hold_no_token_and_no_report_text(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # as the CLI configures it
    contact = world.user(await invited_contact(world, 4545), "联络员")
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send(f"{SECRET_REPORT}，完成50%")
    contact.press(await contact.expect("推进状态"), "★ 推进良好")
    await contact.expect("存在问题")
    contact.send(SECRET_PROBLEM)
    contact.press(await contact.expect("佐证材料"), "📤 提交")
    await contact.expect("已保存")
    world.admin.send("/digest")
    await world.admin.expect("进展情况通报")

    logged = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)
    assert world.sim.token not in logged
    assert world.sim.token.split(":")[1] not in logged
    assert SECRET_REPORT not in logged and SECRET_PROBLEM not in logged
