"""Every setting the bot reads is documented in .env.example and in the README."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = name.upper()
        assert f"\n{variable}=" in example, f"{variable} is missing from .env.example"
        assert f"`{variable}`" in readme, f"{variable} is missing from the README's settings table"


def test_the_readme_starts_with_the_two_set_up_lines() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert "progress-bot demo" in lines[2] and "pip install" in lines[2]
    assert "pytest" in lines[3] and "pip install" in lines[3]
    assert lines[3].strip() in (ROOT / ".ci" / "run").read_text() or "sed -n '4p' README.md" in (
        ROOT / ".ci" / "run").read_text()
