"""A long digest is capped at DIGEST_MAX_MESSAGES messages per post; its last message says what it left
out, and the complete text follows as a .txt file, so nothing is lost."""

from __future__ import annotations

from datetime import date

import pytest

from bot.texts import split_message
from jobs.digest import capped_post, plain_text
from jobs.supervision import digest_text
from tests.conftest import World
from tests.office import office

CAP = 2
UNITS = [f"第{i}街道" for i in range(1, 41)]
ITEMS = 240  # all overdue: each is named in 三、较为缓慢及逾期事项 and in 五、三色预警


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"digest_max_messages": CAP}


def large_office(world: World) -> None:
    office(world.db, world.clock.now(), units={name: [] for name in UNITS},
           items=[(f"推进第{n}号老旧小区综合改造及配套设施提升工程", UNITS[n % len(UNITS)], date(2021, 6, 30))
                  for n in range(1, ITEMS + 1)])


async def test_a_long_digest_is_capped_and_followed_by_its_complete_text(world: World) -> None:
    large_office(world)
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    complete = digest_text(world.services, "zh")
    assert len(split_message(complete)) > CAP + 2  # without the cap the post would take many more messages

    world.admin.send("/digest")
    assert "（2 条消息）" in (await world.admin.expect("通报已发布")).text
    assert (await world.group.expect()).photo  # the chart comes first, as always
    first, last = await world.group.expect(), await world.group.expect()
    assert first.text.startswith("2021年重点工作进展情况通报（截至 2021年7月20日 周二）")  # titled by its one list
    assert "此处只发前 2 条消息" in last.text and "完整通报见下方文件" in last.text
    file = await world.group.expect("督查通报-2021-07-20.txt")
    await world.group.expect_none()

    content = world.sim.file_bytes(file.document["file_id"]).decode("utf-8-sig")
    assert content == plain_text(complete) + "\n"  # the complete digest: every item and unit
    assert all(f"#{n} " in content for n in range(1, ITEMS + 1)) and all(u in content for u in UNITS)
    # the note's counts are those of the lines the messages left out
    shown = {line for message in (first, last) for line in (message.text or "").splitlines()}
    left_out = [line for line in content.splitlines() if line.strip() and line not in shown]
    assert f"其余 {len(left_out)} 行" in last.text


def test_a_digest_that_fits_is_sent_whole_without_a_file() -> None:
    text = "\n".join(["通报", "", "一、总体进展", "共 3 项"])
    post = capped_post("zh", text, date(2021, 7, 26), 1)
    assert (post.parts, post.file, post.left_out) == ([text], None, 0)


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_the_cap_holds_and_the_note_counts_lines_and_sections(cap: int) -> None:
    sections = [[f"第{s}部分"] + [f"{s}.{n} #{n} {'事项' * 40}" for n in range(1, 60)] for s in range(1, 6)]
    text = "\n\n".join("\n".join(lines) for lines in sections)
    post = capped_post("en", text, date(2021, 7, 26), cap)
    assert len(post.parts) == cap and all(len(p) <= 4000 for p in post.parts)
    shown = {line for part in post.parts for line in part.splitlines()}
    assert post.left_out == sum(line not in shown for section in sections for line in section)
    assert post.sections == sum(any(line not in shown for line in section) for section in sections)
    assert f"{post.left_out} more lines (in {post.sections} sections)" in post.parts[-1]
    assert post.file is not None and post.file[0] == "digest-2021-07-26.txt" and post.file[1] == text + "\n"
