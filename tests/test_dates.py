"""Tests for bot.dates: Chinese/English deadline parsing and date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import cn_number, format_date, month_end, parse_deadline, past_note

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2021, 7, 20, 9, 30, tzinfo=SHANGHAI)  # a Tuesday


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI)


D = date

# (text, expected) relative to NOW = Tue 2021-07-20.
CASES: list[tuple[str, date | None]] = [
    # a year and a month alone: the month's last day
    ("2021.8", D(2021, 8, 31)),
    ("2021.12", D(2021, 12, 31)),
    ("2021年12月", D(2021, 12, 31)),
    ("2021-12", D(2021, 12, 31)),
    ("2021/2", D(2021, 2, 28)),
    ("2024.2", D(2024, 2, 29)),
    ("2021年2月", D(2021, 2, 28)),
    ("2021年12月份", D(2021, 12, 31)),
    ("12/2021", D(2021, 12, 31)),
    ("2021 年 12 月", D(2021, 12, 31)),
    ("二〇二一年十二月", D(2021, 12, 31)),
    # month ends and parts of months
    ("11月底", D(2021, 11, 30)),
    ("十一月底", D(2021, 11, 30)),
    ("11月末", D(2021, 11, 30)),
    ("11月底前", D(2021, 11, 30)),
    ("11月份", D(2021, 11, 30)),
    ("十二月底", D(2021, 12, 31)),
    ("２月底", D(2021, 2, 28)),
    ("10月下旬", D(2021, 10, 31)),
    ("10月中旬", D(2021, 10, 20)),
    ("10月上旬", D(2021, 10, 10)),
    ("9月下旬", D(2021, 9, 30)),
    ("2月下旬", D(2021, 2, 28)),
    ("10月中", D(2021, 10, 15)),
    ("2021年11月底", D(2021, 11, 30)),
    ("2021年2月底", D(2021, 2, 28)),
    ("2024年2月底", D(2024, 2, 29)),
    # weekdays
    ("下周三", D(2021, 7, 28)),
    ("本周五", D(2021, 7, 23)),
    ("这周五", D(2021, 7, 23)),
    ("这个周五", D(2021, 7, 23)),
    ("周五", D(2021, 7, 23)),
    ("下下周一", D(2021, 8, 2)),
    ("下个周一", D(2021, 7, 26)),
    ("星期三", D(2021, 7, 21)),
    ("礼拜三", D(2021, 7, 21)),
    ("下星期三", D(2021, 7, 28)),
    ("下礼拜三", D(2021, 7, 28)),
    ("周日", D(2021, 7, 25)),
    ("星期天", D(2021, 7, 25)),
    ("礼拜天", D(2021, 7, 25)),
    ("周二", D(2021, 7, 20)),  # today counts
    ("周一", D(2021, 7, 26)),  # bare weekday already past this week: the next one
    ("本周一", D(2021, 7, 19)),  # explicitly this week: kept even though past
    ("上周五", D(2021, 7, 16)),
    ("周3", D(2021, 7, 21)),
    ("周末", D(2021, 7, 25)),
    ("本周内", D(2021, 7, 25)),
    ("下周", D(2021, 8, 1)),
    ("下周末", D(2021, 8, 1)),
    # relative durations
    ("5天后", D(2021, 7, 25)),
    ("五天后", D(2021, 7, 25)),
    ("3日后", D(2021, 7, 23)),
    ("两周后", D(2021, 8, 3)),
    ("1个月后", D(2021, 8, 20)),
    ("一个月内", D(2021, 8, 20)),
    ("半个月后", D(2021, 8, 4)),
    ("半月后", D(2021, 8, 4)),
    ("半年后", D(2022, 1, 20)),
    ("2年后", D(2023, 7, 20)),
    ("30天内", D(2021, 8, 19)),
    ("十天以内", D(2021, 7, 30)),
    ("两个星期后", D(2021, 8, 3)),
    ("一百五十天后", D(2021, 12, 17)),
    ("3个工作日内", D(2021, 7, 23)),
    ("5个工作日内", D(2021, 7, 27)),
    ("明天", D(2021, 7, 21)),
    ("后天", D(2021, 7, 22)),
    ("大后天", D(2021, 7, 23)),
    ("今天", D(2021, 7, 20)),
    ("今日", D(2021, 7, 20)),
    ("当天", D(2021, 7, 20)),
    ("次日", D(2021, 7, 21)),
    # quarters: their last day
    ("第四季度", D(2021, 12, 31)),
    ("四季度", D(2021, 12, 31)),
    ("三季度末", D(2021, 9, 30)),
    ("第三季度末", D(2021, 9, 30)),
    ("2022年第一季度", D(2022, 3, 31)),
    ("2022年一季度末", D(2022, 3, 31)),
    ("第一季度", D(2021, 3, 31)),  # yearless: this year's, even when past
    ("二季度", D(2021, 6, 30)),
    ("Q3", D(2021, 9, 30)),
    ("q4", D(2021, 12, 31)),
    ("2021Q4", D(2021, 12, 31)),
    ("2022 Q1", D(2022, 3, 31)),
    ("2022年Q2", D(2022, 6, 30)),
    ("Q1 2022", D(2022, 3, 31)),
    ("本季度", D(2021, 9, 30)),
    ("本季度末", D(2021, 9, 30)),
    ("季度末", D(2021, 9, 30)),
    ("下季度", D(2021, 12, 31)),
    ("下个季度末", D(2021, 12, 31)),
    # days, with the usual trailing words
    ("10月15日前", D(2021, 10, 15)),
    ("10月15日之前", D(2021, 10, 15)),
    ("10月15号", D(2021, 10, 15)),
    ("10月15", D(2021, 10, 15)),
    ("10.15", D(2021, 10, 15)),
    ("10/15", D(2021, 10, 15)),
    ("10月15日以前", D(2021, 10, 15)),
    ("10月15日前完成", D(2021, 10, 15)),
    ("于10月15日前完成", D(2021, 10, 15)),
    ("十月十五日", D(2021, 10, 15)),
    ("１０月１５日", D(2021, 10, 15)),
    ("10 月 15 日", D(2021, 10, 15)),
    ("12月31日 17:00", D(2021, 12, 31)),
    # full dates
    ("2021/10/8", D(2021, 10, 8)),
    ("2021-10-08", D(2021, 10, 8)),
    ("2021年10月8日", D(2021, 10, 8)),
    ("2021年10月8号", D(2021, 10, 8)),
    ("2021.10.8", D(2021, 10, 8)),
    ("20211008", D(2021, 10, 8)),
    ("２０２１．１０．８", D(2021, 10, 8)),
    ("２０２１年１０月８日", D(2021, 10, 8)),
    ("二〇二一年十月八日", D(2021, 10, 8)),
    ("二零二一年十月八日", D(2021, 10, 8)),
    ("21年10月8日", D(2021, 10, 8)),
    ("2021 年 10 月 8 日", D(2021, 10, 8)),
    ("2021年12月31日（周五）", D(2021, 12, 31)),
    ("2021年12月31日(星期五)", D(2021, 12, 31)),
    ("2021年12月31日周五", D(2021, 12, 31)),
    ("2024年2月29日", D(2024, 2, 29)),
    ("2021-07-01", D(2021, 7, 1)),  # explicit past dates are kept
    # years and halves
    ("今年底", D(2021, 12, 31)),
    ("年底", D(2021, 12, 31)),
    ("年末", D(2021, 12, 31)),
    ("年底前", D(2021, 12, 31)),
    ("明年底", D(2022, 12, 31)),
    ("明年", D(2022, 12, 31)),
    ("后年底", D(2023, 12, 31)),
    ("2021年底", D(2021, 12, 31)),
    ("2022年底前", D(2022, 12, 31)),
    ("2021年", D(2021, 12, 31)),
    ("2021年度", D(2021, 12, 31)),
    ("本年度", D(2021, 12, 31)),
    ("全年", D(2021, 12, 31)),
    ("年内", D(2021, 12, 31)),
    ("今年内", D(2021, 12, 31)),
    ("上半年", D(2021, 6, 30)),
    ("下半年", D(2021, 12, 31)),
    ("2022年上半年", D(2022, 6, 30)),
    ("明年上半年", D(2022, 6, 30)),
    ("年中", D(2021, 6, 30)),
    # this / next month
    ("月底", D(2021, 7, 31)),
    ("本月底", D(2021, 7, 31)),
    ("这个月底", D(2021, 7, 31)),
    ("本月", D(2021, 7, 31)),
    ("本月内", D(2021, 7, 31)),
    ("下月底", D(2021, 8, 31)),
    ("下个月底", D(2021, 8, 31)),
    ("下个月", D(2021, 8, 31)),
    ("下下个月底", D(2021, 9, 30)),
    ("月中", D(2021, 7, 15)),
    ("下月中旬", D(2021, 8, 20)),
    ("下月15日", D(2021, 8, 15)),
    ("本月25号", D(2021, 7, 25)),
    ("25号", D(2021, 7, 25)),
    ("15日", D(2021, 8, 15)),  # the 15th has passed this month
    # yearless forms prefer the future; today is not past
    ("3月底", D(2021, 3, 31)),
    ("7月20日", D(2021, 7, 20)),
    ("7月19日", D(2021, 7, 19)),
    ("7月", D(2021, 7, 31)),
    ("7月上旬", D(2021, 7, 10)),
    ("1.15", D(2021, 1, 15)),
    # filler around the date
    ("2021年11月底", D(2021, 11, 30)),
    ("2021年12月31日前完成", D(2021, 12, 31)),
    ("截止2021年9月30日", D(2021, 9, 30)),
    ("截至2021年9月30日", D(2021, 9, 30)),
    ("截止日期：2021年9月30日", D(2021, 9, 30)),
    ("最迟于2021年9月30日前", D(2021, 9, 30)),
    ("力争年底前完成", D(2021, 12, 31)),
    ("本月底前完成。", D(2021, 7, 31)),
    ("2021年9月30日止", D(2021, 9, 30)),
    ("即日起至12月31日", D(2021, 12, 31)),
    ("12月20日前报送", D(2021, 12, 20)),
    ("8月31日前上报", D(2021, 8, 31)),
    ("2021年12月31日前（含）", D(2021, 12, 31)),
    ("截止时间：2021年12月31日17时00分", D(2021, 12, 31)),
    ("2021-12-31 24:00", D(2021, 12, 31)),
    ("10月前", D(2021, 10, 31)),  # "by October": its end, like a month alone
    ("2025年前", D(2025, 12, 31)),  # "by 2025"
    ("2021年9月底前完成初稿", None),  # words we cannot account for
    ("2022年春节前", None),  # holidays are not resolved
    ("十四五期间", None),
    ("2021-2022年", None),
    # nonsense and non-deadlines
    ("14月", None),
    ("2月31日", None),
    ("2021年2月30日", None),
    ("2021.13", None),
    ("2021.0", None),
    ("2021-02-30", None),
    ("20211301", None),
    ("13.1", None),
    ("12.32", None),
    ("随便", None),
    ("", None),
    ("   ", None),
    ("abc", None),
    ("a", None),
    ("0月", None),
    ("〇月", None),
    ("32日", None),
    ("长期", None),
    ("持续推进", None),
    ("长期坚持", None),
    ("每月底", None),  # recurring, not one deadline
    ("每周五", None),
    ("2月29日", None),  # 2021 is not a leap year
    ("2021年2月29日", None),
    ("十一前", None),  # the National Day holiday, not a month
    ("10月15日后", None),  # "after", not a deadline
    ("3天前", None),  # "three days ago"
    ("3月后", None),  # "after March" or "in three months": refuse
    ("5天", None),
    ("一百五天后", None),  # 105 or 150?
    ("2021", None),  # a bare number
    ("10-15", None),  # maybe a range
    ("10月15日至20日", None),
    ("第五季度", None),
    ("Q5", None),
    ("2040年底", None),  # too far away
    ("1999年底", None),
    ("100年后", None),
    ("2021年12月31日（周四）", None),  # contradicts itself
    ("月", None),
    ("周", None),
    ("前", None),
    ("完成", None),
    ("尽快", None),
    ("年后", None),  # after Chinese New Year: no date
    ("2021年12月31日至2022年1月5日", None),
    # English
    ("2021-12-31", D(2021, 12, 31)),
    ("31 Dec 2021", D(2021, 12, 31)),
    ("31st December 2021", D(2021, 12, 31)),
    ("December 31, 2021", D(2021, 12, 31)),
    ("Dec. 31", D(2021, 12, 31)),
    ("Fri 31 Dec 2021", D(2021, 12, 31)),
    ("Friday, 31 December 2021", D(2021, 12, 31)),
    ("Thu 31 Dec 2021", None),
    ("December 2021", D(2021, 12, 31)),
    ("December", D(2021, 12, 31)),
    ("March", D(2021, 3, 31)),
    ("end of November", D(2021, 11, 30)),
    ("by the end of November", D(2021, 11, 30)),
    ("mid August", D(2021, 8, 15)),
    ("late October", D(2021, 10, 31)),
    ("next Wednesday", D(2021, 7, 28)),
    ("this Friday", D(2021, 7, 23)),
    ("Friday", D(2021, 7, 23)),
    ("in 5 days", D(2021, 7, 25)),
    ("within two weeks", D(2021, 8, 3)),
    ("in a month", D(2021, 8, 20)),
    ("3 days from now", D(2021, 7, 23)),
    ("within 3 working days", D(2021, 7, 23)),
    ("Q4", D(2021, 12, 31)),
    ("Q4 2022", D(2022, 12, 31)),
    ("fourth quarter", D(2021, 12, 31)),
    ("H1 2022", D(2022, 6, 30)),
    ("first half of 2022", D(2022, 6, 30)),
    ("tomorrow", D(2021, 7, 21)),
    ("today", D(2021, 7, 20)),
    ("day after tomorrow", D(2021, 7, 22)),
    ("end of month", D(2021, 7, 31)),
    ("end of next month", D(2021, 8, 31)),
    ("next month", D(2021, 8, 31)),
    ("end of the year", D(2021, 12, 31)),
    ("year end", D(2021, 12, 31)),
    ("EOY", D(2021, 12, 31)),
    ("end of this quarter", D(2021, 9, 30)),
    ("end of next week", D(2021, 8, 1)),
    ("weekend", D(2021, 7, 25)),
    ("next weekend", D(2021, 8, 1)),
    ("EOM", D(2021, 7, 31)),
    ("eoq", D(2021, 9, 30)),
    ("by Friday", D(2021, 7, 23)),
    ("due: 5 Aug", D(2021, 8, 5)),
    ("early December", D(2021, 12, 10)),
    ("Deadline: 30 Sep 2021", D(2021, 9, 30)),
    ("by 2021-09-30", D(2021, 9, 30)),
    # English through the validated dateparser fallback
    ("2021 December 31", D(2021, 12, 31)),
    ("31-Dec-2021", D(2021, 12, 31)),
    ("31.12.2021", D(2021, 12, 31)),
    ("12/31/2021", D(2021, 12, 31)),
    ("01.02.2021", None),  # 1 February or 2 January?
    ("02/03/2021", None),
    ("yesterday", None),
    ("someday", None),
    ("ASAP", None),
    ("ongoing", None),
    ("3 days ago", None),
    ("Dec 2021 blah", None),
    ("invoice 12345 paid on 3 March 2019", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[repr(t) for t, _ in CASES])
def test_parse_deadline(text: str, expected: date | None) -> None:
    assert parse_deadline(text, NOW) == expected


# (now, text, expected) for behaviour that depends on where "now" falls.
EDGE_CASES: list[tuple[datetime, str, date | None]] = [
    # December: next month is in next year
    (at(2021, 12, 15), "下月底", D(2022, 1, 31)),
    (at(2021, 12, 15), "下个月", D(2022, 1, 31)),
    (at(2021, 12, 15), "下下个月底", D(2022, 2, 28)),
    (at(2021, 12, 15), "下季度", D(2022, 3, 31)),
    (at(2021, 12, 15), "next month", D(2022, 1, 31)),
    (at(2021, 12, 15), "1月底", D(2021, 1, 31)),  # without a year: this year's, even in December
    (at(2021, 12, 15), "12月10日", D(2021, 12, 10)),
    (at(2021, 12, 15), "5日", D(2022, 1, 5)),
    (at(2021, 1, 10), "上月底", D(2020, 12, 31)),
    # "下周X" on a Sunday: weeks run Monday to Sunday
    (at(2021, 7, 25), "下周三", D(2021, 7, 28)),
    (at(2021, 7, 25), "本周五", D(2021, 7, 23)),
    (at(2021, 7, 25), "周五", D(2021, 7, 30)),
    (at(2021, 7, 25), "下周一", D(2021, 7, 26)),
    (at(2021, 7, 25), "周日", D(2021, 7, 25)),
    (at(2021, 7, 25), "next Wednesday", D(2021, 7, 28)),
    (at(2021, 7, 26), "下周三", D(2021, 8, 4)),
    # month ends and leap years
    (at(2023, 7, 20), "2月29日", None),  # 2023 has none
    (at(2024, 7, 20), "2月29日", D(2024, 2, 29)),
    (at(2024, 1, 10), "2月底", D(2024, 2, 29)),
    (at(2023, 1, 10), "2月底", D(2023, 2, 28)),
    (at(2024, 1, 31), "1个月后", D(2024, 2, 29)),
    (at(2023, 1, 31), "1个月后", D(2023, 2, 28)),
    (at(2024, 2, 29), "1年后", D(2025, 2, 28)),
    (at(2021, 9, 5), "31日", None),  # September has no 31st
    (at(2021, 1, 31), "月底", D(2021, 1, 31)),
    (at(2021, 12, 31), "年底", D(2021, 12, 31)),
    (at(2021, 12, 31), "明天", D(2022, 1, 1)),
    (at(2021, 10, 1), "第三季度", D(2021, 9, 30)),
    (at(2021, 9, 30), "第三季度", D(2021, 9, 30)),
    # working days skip the National Day holiday (chinese_calendar)
    (at(2021, 9, 30), "1个工作日内", D(2021, 10, 8)),
    # the date is taken in now's own time zone
    (datetime(2021, 7, 20, 23, 30, tzinfo=UTC), "今天", D(2021, 7, 20)),
    (datetime(2021, 7, 20, 23, 30, tzinfo=UTC).astimezone(SHANGHAI), "今天", D(2021, 7, 21)),
]


@pytest.mark.parametrize(("now", "text", "expected"), EDGE_CASES, ids=[f"{n:%Y-%m-%d}-{t}" for n, t, _ in EDGE_CASES])
def test_parse_deadline_relative_to_now(now: datetime, text: str, expected: date | None) -> None:
    assert parse_deadline(text, now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0), ("12", 12), ("１２", 12), ("〇", 0), ("零", 0), ("一", 1), ("两", 2), ("十", 10), ("十一", 11),
        ("十二", 12), ("二十", 20), ("三十一", 31), ("九十九", 99), ("一百", 100), ("一百零五", 105),
        ("一百一十", 110), ("两千零二十一", 2021), ("二〇二一", 2021), ("二零二一", 2021),
        ("", None), ("十十", None), ("一百五", None), ("零十", None), ("十零", None), ("abc", None),
        ("1二", None), ("三三三三十", None),
    ],
)
def test_cn_number(text: str, expected: int | None) -> None:
    assert cn_number(text) == expected


def test_month_end() -> None:
    assert month_end(2021, 2) == D(2021, 2, 28)
    assert month_end(2024, 2) == D(2024, 2, 29)
    assert month_end(1900, 2) == D(1900, 2, 28)
    assert month_end(2000, 2) == D(2000, 2, 29)
    assert month_end(2021, 12) == D(2021, 12, 31)
    assert month_end(2021, 4) == D(2021, 4, 30)


def test_format_date() -> None:
    assert format_date(D(2021, 12, 31)) == "2021年12月31日（周五）"
    assert format_date(D(2021, 12, 31), "zh") == "2021年12月31日（周五）"
    assert format_date(D(2021, 7, 25), "zh") == "2021年7月25日（周日）"
    assert format_date(D(2021, 12, 31), "en") == "Fri 31 Dec 2021"
    assert format_date(D(2021, 7, 5), "en") == "Mon 5 Jul 2021"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_format_date_round_trips(lang: str) -> None:
    start = D(2021, 1, 1)
    for offset in range(0, 800, 7):
        d = start + timedelta(days=offset)
        assert parse_deadline(format_date(d, lang), NOW) == d


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=40))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_deadline(text, NOW)
    assert result is None or abs((result - NOW.date()).days) <= 20 * 366


_DATEY = st.text(alphabet="0123456789年月日号周底末前后内上中下旬半季度个天本今明第Q.-/ 十一二三四五六七八九两〇", max_size=14)


@settings(max_examples=400, deadline=None)
@given(
    text=_DATEY,
    now=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(SHANGHAI)),
)
def test_date_like_text_stays_near_now(text: str, now: datetime) -> None:
    result = parse_deadline(text, now)
    assert result is None or abs((result - now.date()).days) <= 20 * 366


# One rule for every phrase without a year: the current year's, even when that has passed.
JUNE_END_PHRASES = ["6月底", "6月末", "六月底", "6月", "Q2", "q2", "二季度末", "第二季度", "2季度", "上半年", "上半年末", "年中",
                    "6月30日", "6.30", "6/30", "end of June", "June", "June 30", "30 June", "second quarter", "H1",
                    "first half"]


@pytest.mark.parametrize("text", JUNE_END_PHRASES)
def test_a_phrase_without_a_year_means_this_year_even_when_past(text: str) -> None:
    assert parse_deadline(text, NOW) == D(2021, 6, 30)
    assert parse_deadline(text, at(2021, 1, 5)) == D(2021, 6, 30)
    assert parse_deadline(text, at(2021, 12, 30)) == D(2021, 6, 30)


def test_a_past_deadline_is_echoed_with_a_warning() -> None:
    today = NOW.date()
    warning = past_note(D(2021, 6, 30), "zh", today)
    assert "该时限已过" in warning and "2021年7月20日" in warning and "2022.6.30" in warning
    assert "already passed" in past_note(D(2021, 6, 30), "en", today)
    assert past_note(today, "zh", today) == past_note(D(2021, 12, 31), "en", today) == ""
