"""New items, added or imported, take the configured REPORT_CYCLE."""

from __future__ import annotations

import pytest

from db import items
from tests.conftest import FIXTURES, World


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"report_cycle": "quarterly"}


async def test_imported_and_added_items_take_the_configured_report_cycle(world: World) -> None:
    admin = world.admin
    admin.send_document("t.csv", (FIXTURES / "putuo-2021-livelihood-100.csv").read_bytes(), caption="/import")
    admin.press(await admin.expect("导入预览", timeout=15), "✅ 确认")
    await admin.expect("导入完成", timeout=15)
    admin.send("/add 新事项 | 2021.12 | 区住建局 | 区住建局")
    admin.press(await admin.expect("请确认"), "✅ 确认")
    await admin.expect("已保存")
    with world.db.session() as session:
        cycles = {i.report_cycle for i in items.list_items(session)}
    assert cycles == {"quarterly"}
