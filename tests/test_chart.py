"""The digest chart: a phone-sized PNG, every Chinese label in a packaged CJK font, no pyplot, and /chart."""

from __future__ import annotations

import io
import logging
import struct
import subprocess
import sys
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from matplotlib import font_manager

from bot.chart import STATUS_ORDER, cjk_font, domain_status_rows, status_chart_png
from bot.tables import read_table
from bot.texts import t
from db import items as items_db
from db import reports
from db.engine import Database
from db.imports import apply_import
from db.models import Status
from jobs.digest import assess
from jobs.rules import ItemFacts
from jobs.supervision import statuses
from tests.conftest import FIXTURES, SHANGHAI, World

NOW = datetime(2021, 7, 20, 9, 0, tzinfo=SHANGHAI)
DOMAINS = [d for d in dict.fromkeys(
    i.domain for i in read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "p.xlsx", now=NOW).items
)]
ROWS = [(domain, {"ahead": n % 3, "good": n % 5 + 1, "average": n % 4, "slow": n % 2})
        for n, domain in enumerate(DOMAINS)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_chart_is_a_phone_sized_png() -> None:
    data = status_chart_png(ROWS, title="分领域进展情况（截至 2021年7月31日）", lang="zh")
    width, height = png_size(data)
    assert width == 1080 and 900 < height < 1600
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.verify()


def test_empty_and_crowded_charts_still_render() -> None:
    assert png_size(status_chart_png([], title="无事项", lang="zh"))[0] == 1080
    many = [(f"第{n}个名称很长很长的工作领域", {"ahead": 200, "good": 1, "average": 0, "slow": 3}) for n in range(30)]
    assert png_size(status_chart_png(many, title="30 个领域", lang="en"))[1] > 2000


def test_the_font_is_the_packaged_noto_cjk_sc_face() -> None:
    found = font_manager.findfont(cjk_font(12))
    assert "noto_cjk_sans_otc" in found.path and found.face_index == 2
    assert font_manager.get_font(found).family_name == "Noto Sans CJK SC"


def test_every_label_character_has_a_glyph() -> None:
    labels = [*DOMAINS, *(t(lang, f"chart.status.{s}") for lang in ("zh", "en") for s in STATUS_ORDER),
              *(t(lang, "chart.legend_title") for lang in ("zh", "en")),
              t("zh", "chart.title", year=2021, month=7, day=31), t("zh", "chart.axis"), t("zh", "digest.no_domain"),
              "0123456789"]
    found = font_manager.findfont(cjk_font(12))
    cmap = TTCollection(found.path, lazy=True)[found.face_index].getBestCmap()
    missing = {ch for label in labels for ch in label if not ch.isspace() and ord(ch) not in cmap}
    assert not missing
    assert not {ch for label in labels for ch in label if not ch.isspace()} - {
        chr(c) for c in font_manager.get_font(found).get_charmap()}


def test_rendering_warns_of_no_missing_glyph(caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        status_chart_png(ROWS, title="“菜篮子”惠民领域·分领域进展（截至 2021年7月31日）", lang="zh")
    problems = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [p for p in problems if "missing" in p.lower() or "findfont" in p.lower()]


def test_no_pyplot_and_no_global_font_settings() -> None:
    # (Reading rcParams["backend"] would itself load pyplot, so only the font settings are compared.)
    code = ("import sys, matplotlib\n"
            "keys = ('font.family', 'font.sans-serif', 'font.size', 'axes.unicode_minus')\n"
            "before = [matplotlib.rcParams[k] for k in keys]\n"
            "from bot.chart import status_chart_png\n"
            "status_chart_png([('住房安居领域', {'ahead': 1, 'good': 2, 'average': 3, 'slow': 4})], title='图', lang='zh')\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n"
            "assert [matplotlib.rcParams[k] for k in keys] == before\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def facts(number: int, domain: str | None, declared: str | None) -> ItemFacts:
    return ItemFacts(id=number, number=number, title=f"事项{number}", domain=domain, start=date(2021, 1, 1),
                     deadline=date(2021, 12, 31), declared=declared, official=True)


def test_domain_rows_from_the_assessment() -> None:
    items = [facts(1, "住房安居领域", "ahead"), facts(2, "住房安居领域", "slow"), facts(3, None, None),
             facts(4, "教育服务领域", "good"), facts(5, "住房安居领域", "good")]
    rows = domain_status_rows(assess(items, date(2021, 7, 31), 20))
    assert rows == [
        ("住房安居领域", {"ahead": 1, "good": 1, "average": 0, "slow": 1}),
        ("", {"ahead": 0, "good": 0, "average": 1, "slow": 0}),
        ("教育服务领域", {"ahead": 0, "good": 1, "average": 0, "slow": 0}),
    ]
    assert list(rows[0][1]) == [s.value for s in (Status.AHEAD, Status.GOOD, Status.AVERAGE, Status.SLOW)]


# ---------------------------------------------------------------- /chart


def import_office_table(db: Database) -> None:
    table = read_table((FIXTURES / "putuo-2021-livelihood-100.xlsx").read_bytes(), "p.xlsx", now=NOW)
    with db.session() as session:
        apply_import(session, table=table, now=NOW)


async def test_chart_command_sends_the_picture(world: World) -> None:
    import_office_table(world.db)
    world.supervisor.send("/chart")
    message = await world.supervisor.expect(timeout=15)
    assert message.photo and "共 100 项，其中 16 项提前完成，43 项推进良好" in message.caption
    assert png_size(world.sim.file_bytes(message.photo[-1]["file_id"]))[0] == 1080

    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.user(3001, "组员").send("/chart", chat=world.group)
    assert (await world.group.expect(timeout=15)).photo

    stranger = world.user(4001, "路人")
    stranger.send("/chart")
    assert "仅限督查人员" in (await stranger.expect()).text


async def test_chart_with_no_items_says_so(world: World) -> None:
    world.admin.send("/chart")
    assert "还没有任何事项" in (await world.admin.expect()).text


async def test_the_chart_reads_the_statuses_without_who_reported_and_gets_the_same(world: World) -> None:
    import_office_table(world.db)
    today = world.clock.now().date()
    with world.db.session() as session:
        for number, percent, status in ((3, 10, "slow"), (4, 95, "good"), (5, 100, "ahead")):
            item = items_db.item_by_number(session, number=number)
            reports.add_report(session, item_id=item.id, unit_id=None, reporter_id=None, period="2021-07",
                               now=world.clock.now(), text="进展", percent=percent, status=status, problems=None)
        full = assess(reports.item_facts(session, today=today), today, world.services.settings.slow_margin)
    assert [(a.facts.number, a.status) for a in statuses(world.services, today)] == \
        [(a.facts.number, a.status) for a in full]


def test_status_colours_cannot_be_taken_for_the_warnings_colours() -> None:
    """The digest's picture sits beside its 🔴/🟡/🟢 warnings: the statuses are shades of blue, never red,
    yellow or green, and the legend says the colours are statuses."""
    from colorsys import rgb_to_hls

    from bot.chart import COLOURS

    for colour in COLOURS.values():
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        hue, _, _ = rgb_to_hls(r, g, b)
        assert 190 <= hue * 360 <= 230, colour  # blue
    assert "三色预警" in t("zh", "chart.legend_title") and "warnings" in t("en", "chart.legend_title")
