"""Texts: both languages have every key, and long messages split safely."""

from __future__ import annotations

import re
from string import Formatter

from hypothesis import given
from hypothesis import strategies as st

from bot.texts import EN, ZH, split_message


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
