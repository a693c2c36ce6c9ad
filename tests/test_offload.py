"""The digest's text and chart of a large office are built in a helper process (jobs.offload), the same
as a worker thread builds them; a small office's in a worker thread."""

from __future__ import annotations

from jobs.offload import in_memory, off_loop
from jobs.supervision import chart_png, digest_text
from tests.conftest import World
from tests.factories import import_office_table


async def test_the_helper_process_builds_what_the_thread_builds(world: World) -> None:
    import_office_table(world.db)  # the office's 100-item table
    services = world.services
    in_thread = await off_loop(services, digest_text, "zh")  # 100 items: a worker thread
    in_process = await off_loop(services, digest_text, "zh", threshold=1)  # as if it were large
    assert in_process == in_thread and "进展情况通报" in in_process
    png = await off_loop(services, chart_png, services.clock.now().date(), threshold=1)
    assert png.startswith(b"\x89PNG")


def test_an_in_memory_database_stays_in_the_process() -> None:
    assert in_memory("sqlite://") and in_memory("sqlite:///:memory:")
    assert not in_memory("sqlite:///bot.db") and not in_memory("postgresql+psycopg://u@h/db")
