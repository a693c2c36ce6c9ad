"""Texts: both languages have every key, and long messages split safely."""

from __future__ import annotations

import re
from string import Formatter

from hypothesis import given
from hypothesis import strategies as st

from bot.texts import EN, ZH, plural, split_message, t


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(ZH) == set(EN)
    for key in ZH:
        names = lambda s: {f for _, f, _, _ in Formatter().parse(s) if f}  # noqa: E731
        assert names(ZH[key]) == names(EN[key]), key


def balanced(html: str) -> bool:
    stack = []
    for closing, name in re.findall(r"<(/?)(\w+)[^>]*>", html):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_split_keeps_lines_whole_and_under_the_limit() -> None:
    text = "\n".join(f"{i}. <b>事项</b> {'进展' * (i % 50)}" for i in range(1500))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(p) <= 4000 and balanced(p) for p in parts)
    assert "\n".join(parts) == text


def test_a_line_longer_than_a_message_is_cut_between_tags() -> None:
    text = "<b>标题</b>\n<i>" + "很长的报送内容&amp;" * 1000 + "</i>\n末行"
    parts = split_message(text)
    assert all(len(p) <= 4000 and balanced(p) for p in parts)
    assert all(not re.search(r"&\w*$", p) for p in parts)  # no entity cut in half
    assert parts[-1].endswith("末行")


@given(st.lists(st.text(alphabet="ab中<>&\n ", max_size=300), max_size=40))
def test_split_never_exceeds_the_limit(chunks: list[str]) -> None:
    text = "\n".join(f"<b>{c.replace('<', '&lt;').replace('>', '&gt;').replace('&', '&amp;')}</b>" for c in chunks)
    for part in split_message(text, limit=200):
        assert len(part) <= 200


def test_english_plurals_follow_the_count() -> None:
    assert t("en", "missing.line", unit="A", count=1, numbers="#1") == "A: 1 item (#1)"
    assert t("en", "missing.line", unit="A", count=5, numbers="#1") == "A: 5 items (#1)"
    assert t("en", "item.days_over", days=1) == ", 1 day overdue"
    assert t("en", "rv.hint", hours="1", number=3).startswith("To correct it within 1 hour,")
    assert t("en", "report.record", number=1, title="x", unit="u", period="p", when="w", text="t", percent="p",
             status="s", problems="none", evidence=0).endswith("Evidence: none")
    assert plural(0, "none", "# file", "# files") == "none" and plural(2, "none", "# file", "# files") == "2 files"
    assert plural(1, "# day", "# days") == "1 day" and plural(1.5, "# day", "# days") == "1.5 days"


def test_months_are_named_in_english() -> None:
    assert t("en", "period.month", year="2021", month=7) == "July 2021"
    assert t("en", "date.short", month=10, day=31) == "31 Oct"
    assert t("en", "export.months", month=7) == "January–July"


def test_no_english_text_hedges_its_plurals_or_uses_chinese_punctuation() -> None:
    for key, text in EN.items():
        assert "(s)" not in text, key
        assert not re.search(r"[（），、；：。　]", text), key


def test_a_weekday_inside_brackets_loses_its_own() -> None:
    assert t("zh", "item.line_deadline", deadline="2021年12月31日（周五）") == "（截止 2021年12月31日 周五）"
    assert t("zh", "add.preview", number=1, title="x", deadline="2021年12月31日（周五）", lead="a", responsible="b",
             domain="d").count("（周五）") == 1  # standing alone, the weekday keeps its brackets
    assert t("zh", "history.returned", when="2021年7月11日（周日） 09:00", reason="数据不实") == \
        "已退回（2021年7月11日 周日 09:00：数据不实）"


def test_every_placeholder_of_both_languages_formats() -> None:
    """Every template formats with plain values, the plural and month specs included."""
    for texts in (ZH, EN):
        for key, template in texts.items():
            names = {f.split(".")[0].split("[")[0] for _, f, _, _ in Formatter().parse(template) if f}
            t("en" if texts is EN else "zh", key, **dict.fromkeys(names, 1))


def test_an_item_named_with_its_list_drops_the_hash() -> None:
    from db.facts import item_label

    assert t("zh", "add.saved", number=12, title="改造", deadline="2021年12月31日").startswith("已保存事项 #12")
    assert t("zh", "add.saved", number="12", title="改造", deadline="y").startswith("已保存事项 #12")
    assert t("zh", "add.saved", number=item_label("民生", 12), title="改造",
             deadline="2021年12月31日").startswith("已保存事项 民生12")
    assert "民生22#3" in t("en", "add.saved", number=item_label("民生22", 3), title="x", deadline="y")
