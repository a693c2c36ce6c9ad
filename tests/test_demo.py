"""`progress-bot demo` plays to its end in both languages, and the English one reads as English."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.demo import run_demo
from bot.texts import EN, t


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_plays_to_the_end(lang: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_LANGUAGE", lang)
    assert asyncio.run(run_demo()) == 0
    out = capsys.readouterr().out
    assert f"══════ {t(lang, 'demo.scene.end')} ══════" in out
    assert t(lang, "demo.outro") in out
    shows_two_lists(lang, out)
    if lang == "en":
        headings = re.findall(r"══════ (.*) ══════", out)
        scenes = [key for key in EN if key.startswith("demo.scene.")]  # each scene heads its part once
        assert len(headings) == len(scenes) and not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings)
        assert "(s)" not in out and "私聊" not in out and "按下" not in out and "已编辑" not in out
    else:
        assert "（截止 2021年12月31日 周五）" in out and "（周五））" not in out
        assert "(edited)" not in out and "📷 photo" not in out


def test_the_readme_excerpt_is_the_demo_s_own_output(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    excerpt = readme.split("## A short demo transcript", 1)[1].split("```", 2)[1]
    monkeypatch.setenv("BOT_LANGUAGE", "zh")
    asyncio.run(run_demo())
    out = capsys.readouterr().out.splitlines()
    # The dashboard's address changes with every run (its port, its signature); the wait for Enter is
    # printed at a terminal only.
    varying = ("http://127.0.0.1:…", t("zh", "demo.dashboard_wait"))
    missing = [line for line in excerpt.strip("\n").splitlines()
               if line != "…" and line not in out and not line.startswith(varying)]
    assert not missing
    (address,) = [line for line in out if line.startswith("http://127.0.0.1:")]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?v=home#tgWebAppData=[\w%.-]+&tgWebAppVersion=8\.0", address)


def scene(lang: str, out: str, key: str) -> str:
    """What the demo printed under a scene's heading, up to the next one."""
    return out.split(f"══════ {t(lang, key)} ══════", 1)[1].split("══════", 1)[0]


def shows_two_lists(lang: str, out: str) -> None:
    """Two lists side by side, each numbered from 1 and named wherever an item is: /list shows both with a
    button each, a contact reports on 民生1 and on 重点1, the digest has one section per list with nothing of
    one list under the other, and at the year's end a list is closed and carried into 2022."""
    setup = out.split(f"══════ {t(lang, 'demo.scene.lists')} ══════", 1)[0]
    assert "民生实事.csv" in setup and "2021年民生实事" in setup  # one list imported, its name from the title row
    for name in ("2021年民生实事", "2021年重点工作"):
        assert f"[ {name} ]" in scene(lang, out, "demo.scene.lists")  # /list's buttons
    reports = scene(lang, out, "demo.scene.report")
    for label in ("民生1", "重点1"):
        assert t(lang, "remind.button", number=label) in reports
    digest = scene(lang, out, "demo.scene.digest").split("\n[", 2)[2]  # the notice itself, after its chart
    livelihood, key = digest.split("\n    2021年民生实事\n", 1)[1].split("\n    2021年重点工作\n", 1)
    key = key.split("\n[", 1)[0]
    assert "民生3 " in livelihood and not re.search(r"重点\d", livelihood)
    assert "重点1 " in key and not re.search(r"民生\d", key)
    year_end = scene(lang, out, "demo.scene.year_end")
    assert t(lang, "carry.from", year=2021, ref="民生3") in year_end
    assert "民生3 → 民生22#3" in year_end and re.sub(r"<[^>]+>", "", t(lang, "ranking.title", year=2021, month=7)) in year_end
