"""What the bot logs at INFO while it works never holds the token or what a unit reported."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from db import queries
from tests.conftest import World

SECRET_REPORT = "机密进展内容XYZ"
SECRET_PROBLEM = "敏感问题ABC"


async def test_info_logs_hold_no_token_and_no_report_text(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # as the CLI configures it
    now = world.clock.now()
    with world.db.session() as session:
        unit = queries.add_unit(session, name="区住建局")
        queries.add_item(session, title="事项", deadline=date(2021, 12, 31), deadline_text="2021.12",
                         lead_unit_ids=[unit.id], responsible_unit_ids=[unit.id], start_date=date(2021, 1, 1),
                         now=now)
    world.admin.send("/invite 区住建局")
    code = re.search(r"start=([\w-]+)", (await world.admin.expect("邀请链接")).text)[1]
    contact = world.user(4545, "联络员")
    contact.send(f"/start {code}")
    await contact.expect("的事项")
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
