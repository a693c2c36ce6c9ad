"""Deadlines as offices write them, in Chinese or English, turned into dates.

``parse_deadline`` runs a hand-written front end first (compiled regexes, Chinese
numerals, the conventions of 督查督办 documents: "11月底", "三季度末", "10月下旬",
"下周三", "5个工作日内" ...).  Only Latin-script text that the front end does not know
is handed to dateparser, and its answer is kept only if every number and word of the
input is accounted for by the date it returned.  A confident wrong deadline is worse
than none, so anything doubtful yields ``None``.

Conventions:
* a period alone means its last day: a month, a quarter, a half year, a year, a week
  (weeks run Monday to Sunday);
* "前/之前/以前" ("before") are inclusive: "10月15日前" is 15 October;
* one rule for every form without a year ("6月底", "7月19日", "10.15", "Q2", "二季度末",
  "上半年", "年中", "end of June"): the current year, as task tables write their deadlines, even
  when that date has passed; callers echo a past deadline with a warning before saving it
  (`is_past`), rather than the parser silently moving it a year on. Forms shorter than a year
  keep to their own period: "周五" is the first Friday not in the past, "15日" the first 15th,
  "本周五" and "月中" this week's and this month's even when passed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from db.facts import add_months as _add_months
from db.facts import month_end
from jobs.workdays import WorkCalendar

__all__ = ["cn_number", "format_date", "month_end", "parse_deadline", "past_note"]

MAX_YEARS_AWAY = 10
_MAX_TEXT_LEN = 80

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- helpers


def _quarter_end(year: int, quarter: int) -> date:
    return month_end(year, quarter * 3)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _week_monday(d: date, weeks: int = 0) -> date:
    return d - timedelta(days=d.weekday()) + timedelta(weeks=weeks)


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ASCII_DIGITS = re.compile(r"[0-9]+")


def cn_number(text: str) -> int | None:
    """Read an Arabic (also full-width) or Chinese numeral: "12", "１２", "十二", "二〇二一", "两".

    Returns ``None`` for anything that is not exactly one well-formed number.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if _ASCII_DIGITS.fullmatch(text):
        return int(text)
    if text in ("〇", "零"):
        return 0
    if len(text) > 1 and all(c in _CN_DIGITS and c != "两" for c in text):
        # Digit by digit, as years are written: 二〇二一.
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    return _cn_with_units(text)


def _cn_with_units(text: str) -> int | None:
    total, digit, last_unit, zero_seen = 0, None, 10_000, False
    for ch in text:
        if ch in "〇零":
            if digit is not None or not total:  # a zero only fills a gap after a unit: 一百零五
                return None
            zero_seen = True
        elif ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                if total or zero_seen:  # a bare 十 only opens a number: 十二, not 一百十
                    return None
                digit = 1
            total, digit, last_unit, zero_seen = total + digit * unit, None, unit, False
        else:
            return None
    if digit is not None:
        # 一百五 is colloquially 150, not 105: refuse rather than guess.
        if last_unit in (100, 1000) and not zero_seen:
            return None
        total += digit
    elif zero_seen:  # 十零
        return None
    return total or None


# "5个工作日内" counts the office's working days: the calendar of the parse (the admins' /holiday
# overrides, handed to parse_deadline) or, without one, the official calendar alone.
_OFFICIAL = WorkCalendar()
_CALENDAR: ContextVar[WorkCalendar] = ContextVar("calendar", default=_OFFICIAL)


def _add_workdays(d: date, n: int) -> date:
    return _CALENDAR.get().nth_workday_after(d, n) if n > 0 else d


# --------------------------------------------------------------------------- normalisation

_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_SPACE = re.compile(r"\s+(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])\s+")
_SPACES = re.compile(r"\s+")
_TIME_OF_DAY = re.compile(r"\s*(?:[01]?[0-9]|2[0-4])[:点时][0-5][0-9](?::[0-5][0-9])?(?:分)?\s*$")
# A weekday written after a full date, "2021年12月31日（周五）": checked, then dropped.
_ZH_WEEKDAY_TAIL = re.compile(r"(?<=[0-9日号])\s*\(?\s*(?:周|星期|礼拜)([一二三四五六日天])\s*\)?$")
_EN_ABBR_DOT = re.compile(r"(?<=[a-z])\.")
_EDGE_PUNCT = " .,;:!?。！，；：、~-"

_ZH_PREFIXES = sorted(
    (
        "自即日起至", "即日起至", "即日起到", "截止日期", "截止时间", "完成时间", "完成时限", "完成期限", "办结时限", "办理时限", "时间节点",
        "时限", "期限", "截止到", "截至到", "截止于", "截至于", "截止", "截至", "最迟于", "最迟在", "最迟",
        "最晚于", "最晚在", "最晚", "不晚于", "不迟于", "务必于", "务必在", "务必", "须于", "需于", "应于",
        "请于", "请在", "要求于", "要求在", "力争于", "力争在", "力争", "争取于", "争取在", "争取",
        "计划于", "计划在", "计划", "预计于", "预计在", "预计", "确保于", "确保在", "确保", "于", "在", "到", "至",
    ),
    key=len,
    reverse=True,
)
_ZH_SUFFIXES = sorted(
    (
        "前完成", "之前完成", "以前完成", "完成", "之前", "以前", "前", "截止", "为止", "止", "前后", "左右",
        "结束", "办结", "完毕", "到期", "报送", "上报", "提交", "(含)", "的",
    ),
    key=len,
    reverse=True,
)
# Strip one label at a time, never the whole text ("完成" alone stays and is refused).
_ZH_PREFIX = re.compile(rf"^(?:{'|'.join(map(re.escape, _ZH_PREFIXES))})(?=.)")
_ZH_SUFFIX = re.compile(rf"(?<=.)(?:{'|'.join(map(re.escape, _ZH_SUFFIXES))})$")
_EN_PREFIX = re.compile(
    r"^(?:(?:deadline|due(?: date)?|due by|due on|complete by|finish by|by|before|on|until|till|"
    r"no later than|not later than)\s*:?\s+)+"
)
_EN_SUFFIX = re.compile(r"\s+(?:at the latest|latest)$")


def _normalize(text: str) -> tuple[str, int | None]:
    """NFKC, lower case, CJK-adjacent spaces removed, time of day and labels stripped.

    Returns the core text and the weekday written after the date, if any.
    """
    s = unicodedata.normalize("NFKC", text).lower()
    s = _EN_ABBR_DOT.sub("", s).replace(",", " ")
    s = _CJK_SPACE.sub("", _SPACES.sub(" ", s).strip())
    weekday = None
    previous = None
    while s != previous:
        previous = s
        s = _TIME_OF_DAY.sub("", s.strip(_EDGE_PUNCT))
        m = _ZH_WEEKDAY_TAIL.search(s)
        if m and weekday is None:
            weekday = _ZH_WEEKDAYS.index(m.group(1).replace("天", "日"))
            s = s[: m.start()]
        s = _ZH_PREFIX.sub("", s, count=1)
        s = _ZH_SUFFIX.sub("", s, count=1)
        s = _EN_SUFFIX.sub("", _EN_PREFIX.sub("", s))
    return s, weekday


# --------------------------------------------------------------------------- Chinese / numeric front end

_N = r"(?:[0-9]{1,2}|[〇零一二三四五六七八九十]{1,3})"  # month or day; 两月 is "two months"
_DAY_END = r"(?:[日号]|(?<=[0-9]))"  # 日/号 may be left out after Arabic digits only: 10月15
_NC = r"(?:[0-9]{1,4}|[〇零一二两三四五六七八九十百千]{1,6}|半)"  # a count
_Y4 = r"(?:[0-9]{4}|[〇零一二三四五六七八九]{4})"
# Year prefix: 2021年 / 二〇二一年 / 21年 / 今年 / 明年 ..., 年度 allowed.
_YP = rf"(?:(?P<y>{_Y4}|[0-9]{{2}})年度?|(?P<ry>今|本|当|明|来|次|后|去)年度?)"
_REL = r"(?P<rel>下下个?|下一?个?|上上个?|上一?个?|本|这一?个?|当|次)"
_MONTH_PART = r"(?P<part>底|末|末尾|内|中|初|上旬|中旬|下旬)"

_REL_YEARS = {"今": 0, "本": 0, "当": 0, "明": 1, "来": 1, "次": 1, "后": 2, "去": -1}
_DAY_WORDS = {
    "今天": 0, "今日": 0, "当天": 0, "当日": 0, "明天": 1, "明日": 1, "次日": 1, "翌日": 1, "后天": 2, "大后天": 3,
}
_NO_MATCH = object()


def _rel_offset(rel: str | None) -> int:
    if not rel or rel[0] in "本这当":
        return 0
    if rel.startswith(("下下", "上上")):
        return 2 if rel[0] == "下" else -2
    return 1 if rel[0] in "下次" else -1


def _year_of(m: re.Match[str], today: date) -> int | None:
    """The year named in a match, ``None`` if none was named; -1 if it is malformed."""
    groups = m.groupdict()
    if groups.get("y"):
        y = cn_number(groups["y"])
        if y is None:
            return -1
        return 2000 + y if len(groups["y"]) == 2 else y
    if groups.get("ry"):
        return today.year + _REL_YEARS[groups["ry"]]
    return None


def _day_in_month(year: int, month: int, part: str | None) -> date:
    if part == "中":
        return date(year, month, 15)
    if part in ("初", "上旬"):
        return date(year, month, 10)
    if part == "中旬":
        return date(year, month, 20)
    return month_end(year, month)


def _ymd(year: int | None, month: int | None, day: int | None, today: date) -> date | None:
    """A full date; without a year, this year's."""
    if month is None or day is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return _safe_date(today.year if year is None else year, month, day)


def _h_numeric_ymd(m: re.Match[str], today: date) -> date | None:
    return _ymd(int(m["y"]), int(m["m"]), int(m["d"]), today)


def _h_numeric_ym(m: re.Match[str], today: date) -> date | None:
    month = int(m["m"])
    return month_end(int(m["y"]), month) if 1 <= month <= 12 else None


def _h_numeric_md(m: re.Match[str], today: date) -> date | None:
    return _ymd(None, int(m["m"]), int(m["d"]), today)


def _h_zh_ymd(m: re.Match[str], today: date) -> date | None:
    year = _year_of(m, today)
    if year == -1:
        return None
    return _ymd(year, cn_number(m["m"]), cn_number(m["d"]), today)


def _h_zh_month(m: re.Match[str], today: date) -> date | None:
    year, month, part = _year_of(m, today), cn_number(m["m"]), m["part"]
    if year == -1 or month is None or not 1 <= month <= 12:
        return None
    return _day_in_month(today.year if year is None else year, month, part)


def _h_zh_year(m: re.Match[str], today: date) -> date | None:
    year = _year_of(m, today)
    if year is None or year == -1:
        return None
    return date(year, 6, 30) if m["part"] == "中" else date(year, 12, 31)


def _h_this_year(m: re.Match[str], today: date) -> date | None:
    return date(today.year, 6, 30) if m.group(0) == "年中" else date(today.year, 12, 31)


def _h_half_year(m: re.Match[str], today: date) -> date | None:
    year = _year_of(m, today)
    if year == -1:
        return None
    year = today.year if year is None else year
    return date(year, 6, 30) if m["h"] == "上" else date(year, 12, 31)


def _h_quarter(m: re.Match[str], today: date) -> date | None:
    q = cn_number(m["q"])
    year = _year_of(m, today)
    if q is None or not 1 <= q <= 4 or year == -1:
        return None
    return _quarter_end(today.year if year is None else year, q)


def _h_rel_quarter(m: re.Match[str], today: date) -> date | None:
    if not m["rel"] and not m["part"]:
        return None
    q0 = (today.month - 1) // 3 + _rel_offset(m["rel"])
    y, q = divmod(q0, 4)
    return _quarter_end(today.year + y, q + 1)


def _h_rel_month(m: re.Match[str], today: date) -> date | None:
    if not m["rel"] and not m["part"]:
        return None
    first = _add_months(today.replace(day=1), _rel_offset(m["rel"]))
    return _day_in_month(first.year, first.month, m["part"])


def _h_rel_month_day(m: re.Match[str], today: date) -> date | None:
    first = _add_months(today.replace(day=1), _rel_offset(m["rel"]))
    day = cn_number(m["d"])
    return _safe_date(first.year, first.month, day) if day else None


def _h_day_of_month(m: re.Match[str], today: date) -> date | None:
    day = cn_number(m["d"])
    if day is None or not 1 <= day <= 31:
        return None
    first = today.replace(day=1) if day >= today.day else _add_months(today.replace(day=1), 1)
    return _safe_date(first.year, first.month, day)


def _weekday_date(today: date, rel: int | None, weekday: int) -> date:
    """``rel`` weeks away (Monday-based weeks); ``None``: first such day not in the past."""
    if rel is None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return _week_monday(today, rel) + timedelta(days=weekday)


def _h_zh_weekday(m: re.Match[str], today: date) -> date | None:
    wd = m["wd"]
    weekday = int(wd) - 1 if wd.isdigit() else _ZH_WEEKDAYS.index(wd.replace("天", "日"))
    return _weekday_date(today, _rel_offset(m["rel"]) if m["rel"] else None, weekday)


def _h_zh_week(m: re.Match[str], today: date) -> date | None:
    if not m["rel"] and not m["part"]:
        return None
    return _week_monday(today, _rel_offset(m["rel"])) + timedelta(days=6)


def _h_day_word(m: re.Match[str], today: date) -> date | None:
    return today + timedelta(days=_DAY_WORDS[m.group(0)])


_ZH_UNITS = {"天": "d", "日": "d", "工作日": "w", "周": "wk", "星期": "wk", "礼拜": "wk", "月": "m", "年": "y"}


def _h_zh_duration(m: re.Match[str], today: date) -> date | None:
    unit = m["unit"].removeprefix("个")
    if m["n"] == "半":
        if unit == "月":
            return today + timedelta(days=15)
        return _add_months(today, 6) if unit == "年" else None
    n = cn_number(m["n"])
    if n is None or (unit == "月" and not m["unit"].startswith("个")):
        return None  # "3月后" is "after March", not "in 3 months"
    return _shift(today, n, _ZH_UNITS[unit])


def _shift(today: date, n: int, unit: str) -> date | None:
    """``n`` days (d), working days (w), weeks (wk), months (m) or years (y) after today."""
    limits = {"d": 3700, "w": 2600, "wk": 530, "m": 122, "y": MAX_YEARS_AWAY}
    if n > limits[unit]:
        return None
    if unit == "d":
        return today + timedelta(days=n)
    if unit == "w":
        return _add_workdays(today, n)
    if unit == "wk":
        return today + timedelta(weeks=n)
    return _add_months(today, n * (12 if unit == "y" else 1))


_Handler = Callable[[re.Match[str], date], date | None]

_FRONT: list[tuple[re.Pattern[str], _Handler]] = [
    (re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-./])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"), _h_numeric_ymd),
    (re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"), _h_numeric_ymd),
    (re.compile(r"(?P<y>[0-9]{4})[-./](?P<m>[0-9]{1,2})"), _h_numeric_ym),
    (re.compile(r"(?P<m>[0-9]{1,2})[-./](?P<y>[0-9]{4})"), _h_numeric_ym),
    # "10-15" could be a range of days, so only "." and "/" here.
    (re.compile(r"(?P<m>[0-9]{1,2})[./](?P<d>[0-9]{1,2})"), _h_numeric_md),
    (re.compile(rf"{_YP}?(?P<m>{_N})月(?P<d>{_N}){_DAY_END}"), _h_zh_ymd),
    (re.compile(rf"{_YP}?(?P<m>{_N})月份?{_MONTH_PART}?"), _h_zh_month),
    (re.compile(rf"{_YP}(?P<part>底|末|终|内|中)?"), _h_zh_year),
    (re.compile(r"年度?(?:底|末|终|内)|年中|全年|年度"), _h_this_year),
    (re.compile(rf"{_YP}?(?P<h>上|下)半年(?:末|底)?"), _h_half_year),
    (re.compile(rf"{_YP}?第?(?P<q>[1-4一二三四])季度?(?:末|底)?"), _h_quarter),
    (re.compile(r"(?:(?P<y>[0-9]{4})\s?年?\s?[-/]?\s?)?q(?P<q>[1-4])"), _h_quarter),
    (re.compile(r"q(?P<q>[1-4])\s?[-/]?\s?(?P<y>[0-9]{4})"), _h_quarter),
    (re.compile(rf"{_REL}?季度?(?P<part>末|底|内)?"), _h_rel_quarter),
    (re.compile(rf"{_REL}月(?P<d>{_N})[日号]"), _h_rel_month_day),
    (re.compile(rf"{_REL}?月份?{_MONTH_PART}?"), _h_rel_month),
    (re.compile(rf"(?P<d>{_N})[日号]"), _h_day_of_month),
    (re.compile(rf"{_REL}?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"), _h_zh_weekday),
    (re.compile(rf"{_REL}?(?:周|星期|礼拜)(?P<part>末|内)?"), _h_zh_week),
    (re.compile("|".join(sorted(_DAY_WORDS, key=len, reverse=True))), _h_day_word),
    (
        re.compile(rf"(?P<n>{_NC})(?P<unit>个?工作日|天|日|周|个?星期|个?礼拜|个?月|年)(?:后|之后|以后|内|以内|之内)"),
        _h_zh_duration,
    ),
]


# --------------------------------------------------------------------------- English front end

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_EN_COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MON = rf"(?P<mon>{_alt(_EN_MONTHS)})"
_WD = rf"(?P<wd>{_alt(_EN_WEEKDAYS)})"
_OPT_WD = rf"(?:(?P<pwd>{_alt(_EN_WEEKDAYS)}) )?"
_ORD = r"(?:st|nd|rd|th)?"
_EN_REL = r"(?P<rel>this|next|the|current|the next|the current)"


def _en_year(m: re.Match[str]) -> int | None:
    return int(m["y"]) if m["y"] else None


def _en_check_weekday(m: re.Match[str], d: date | None) -> date | None:
    pwd = m.groupdict().get("pwd")
    if d is not None and pwd and _EN_WEEKDAYS[pwd] != d.weekday():
        return None
    return d


def _h_en_day_month(m: re.Match[str], today: date) -> date | None:
    return _en_check_weekday(m, _ymd(_en_year(m), _EN_MONTHS[m["mon"]], int(m["d"]), today))


def _h_en_month(m: re.Match[str], today: date) -> date | None:
    month, year = _EN_MONTHS[m["mon"]], _en_year(m)
    part = {"mid": "中", "middle of": "中", "early": "上旬", "late": None, "end of": None, None: None}[m["pre"]]
    return _day_in_month(today.year if year is None else year, month, part)


def _h_en_weekday(m: re.Match[str], today: date) -> date | None:
    rel = {"this": 0, "next": 1, None: None, "coming": None, "the coming": None}[m["rel"]]
    return _weekday_date(today, rel, _EN_WEEKDAYS[m["wd"]])


def _period_end(today: date, unit: str, offset: int) -> date:
    if unit == "week":
        return _week_monday(today, offset) + timedelta(days=6)
    if unit == "month":
        first = _add_months(today.replace(day=1), offset)
        return month_end(first.year, first.month)
    if unit == "quarter":
        y, q = divmod((today.month - 1) // 3 + offset, 4)
        return _quarter_end(today.year + y, q + 1)
    return date(today.year + offset, 12, 31)


def _h_en_period(m: re.Match[str], today: date) -> date | None:
    groups = m.groupdict()
    offset = 1 if groups.get("rel") and "next" in groups["rel"] else 0
    unit = {"w": "week", "m": "month", "q": "quarter", "y": "year"}.get(m["unit"], m["unit"])
    return _period_end(today, unit, offset)


def _h_en_quarter(m: re.Match[str], today: date) -> date | None:
    q = int(m["q"]) if m["q"].isdigit() else _EN_ORDINALS[m["q"]]
    year = _en_year(m)
    return _quarter_end(today.year if year is None else year, q)


def _h_en_half(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    year = int(g["y"] or g.get("y2") or today.year)
    return date(year, 6, 30) if (g["h"] or g.get("h2")) in ("1", "first") else date(year, 12, 31)


def _h_en_duration(m: re.Match[str], today: date) -> date | None:
    raw, unit = m["n"], m["unit"]
    if raw.startswith("half"):
        return today + timedelta(days=15) if unit == "month" else (_add_months(today, 6) if unit == "year" else None)
    n = int(raw) if raw.isdigit() else _EN_COUNTS[raw]
    key = {"day": "d", "working day": "w", "business day": "w", "week": "wk", "month": "m", "year": "y"}[unit]
    return _shift(today, n, key)


def _h_en_day_word(m: re.Match[str], today: date) -> date | None:
    word = m.group(0)
    return today + timedelta(days=2 if "after" in word else (1 if word.startswith("tom") or word == "tmr" else 0))


_EN_UNITS = r"(?P<unit>working day|business day|day|week|month|year)s?"
_EN_COUNT = rf"(?P<n>[0-9]{{1,4}}|half an?|{_alt(_EN_COUNTS)})"

_ENGLISH: list[tuple[re.Pattern[str], _Handler]] = [
    (re.compile(rf"{_OPT_WD}(?P<d>[0-9]{{1,2}}){_ORD} (?:of )?{_MON}(?: (?P<y>[0-9]{{4}}))?"), _h_en_day_month),
    (re.compile(rf"{_OPT_WD}{_MON} (?P<d>[0-9]{{1,2}}){_ORD}(?: (?P<y>[0-9]{{4}}))?"), _h_en_day_month),
    (re.compile(rf"(?:(?:the )?(?P<pre>end of|middle of|mid|early|late)[ -])?{_MON}(?: (?P<y>[0-9]{{4}}))?"),
     _h_en_month),
    (re.compile(rf"(?:(?P<rel>this|next|coming|the coming) )?{_WD}"), _h_en_weekday),
    (re.compile(rf"(?:(?:the )?end of )?{_EN_REL} (?P<unit>week|month|quarter|year)"), _h_en_period),
    (re.compile(r"(?:the )?end of (?:the )?(?P<unit>week|month|quarter|year)"), _h_en_period),
    (re.compile(r"(?P<unit>week|month|quarter|year)[- ]end"), _h_en_period),
    (re.compile(r"(?:(?P<rel>this|next) )?(?P<unit>week) ?end"), _h_en_period),
    (re.compile(r"eo(?P<unit>[wmqy])"), _h_en_period),
    (re.compile(rf"(?:the )?(?:end of (?:the )?)?(?P<q>{_alt(_EN_ORDINALS)}) quarter(?: (?:of )?(?P<y>[0-9]{{4}}))?"),
     _h_en_quarter),
    (re.compile(r"(?:(?P<y>[0-9]{4}) )?h(?P<h>[12])|h(?P<h2>[12]) (?P<y2>[0-9]{4})"), _h_en_half),
    (re.compile(r"(?:the )?(?P<h>first|second) half(?: (?:of )?(?:the year|(?P<y>[0-9]{4})))?"),
     _h_en_half),
    (re.compile(r"(?:the )?day after tomorrow|today|tonight|eod|end of (?:the )?day|tomorrow|tmrw?"), _h_en_day_word),
    (re.compile(rf"(?:in|within) {_EN_COUNT} {_EN_UNITS}(?: time)?"), _h_en_duration),
    (re.compile(rf"{_EN_COUNT} {_EN_UNITS} (?:later|from now|from today)"), _h_en_duration),
]


# --------------------------------------------------------------------------- dateparser fallback

_DP_TOKEN = re.compile(r"([0-9]+)(?:st|nd|rd|th)?|([a-z]+)")
_DP_FILLERS = frozenset({"of", "the", "on"})
_DP_NUMERIC = re.compile(rf"(?:{_alt(_EN_WEEKDAYS)} )?[0-9]{{1,2}}([./-])[0-9]{{1,2}}\1[0-9]{{4}}")
_DP_SETTINGS = {
    "TIMEZONE": "UTC",  # an explicit zone: dateparser warns when it cannot find the local one
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DATES_FROM": "future",
    "PREFER_DAY_OF_MONTH": "last",
    "RETURN_TIME_AS_PERIOD": True,
    "REQUIRE_PARTS": ["month", "year"],
    "PARSERS": ["absolute-time"],  # no Unix timestamps, no "3 days ago"
}


def _dateparser_fallback(s: str, today: date) -> date | None:
    """Absolute Latin-script dates the front end does not know ("2021 december 31", "31-dec-2021").

    Kept only if every token is a month or weekday name, a filler word, or a number that
    is the result's day, its four-digit year, or (in an unambiguous d.m.yyyy / m/d/yyyy)
    its month; and a weekday, if written, must be the result's.
    """
    numbers = [int(n) for n, _ in _DP_TOKEN.findall(s) if n]
    words = [w for _, w in _DP_TOKEN.findall(s) if w]
    months = [_EN_MONTHS[w] for w in words if w in _EN_MONTHS]
    weekdays = [_EN_WEEKDAYS[w] for w in words if w in _EN_WEEKDAYS]
    years = [n for n in numbers if n >= 1000]
    small = [n for n in numbers if n < 100]
    if len(months) + len(weekdays) + sum(w in _DP_FILLERS for w in words) != len(words):
        return None
    if len(months) > 1 or len(weekdays) > 1 or len(years) != 1 or len(years) + len(small) != len(numbers):
        return None
    if not months and not _DP_NUMERIC.fullmatch(s):
        return None
    import dateparser  # its data loads on first use: only pay for it here

    settings = {**_DP_SETTINGS, "RELATIVE_BASE": datetime(today.year, today.month, today.day)}
    try:
        data = dateparser.DateDataParser(languages=["en"], settings=settings).get_date_data(s)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if years != [d.year] or months not in ([], [d.month]) or weekdays not in ([], [d.weekday()]):
        return None
    if data.period == "month":
        return month_end(d.year, d.month) if months and not small and not weekdays else None
    if data.period != "day":
        return None
    if months:
        return d if small == [d.day] else None
    # Numbers only: day and month both written, and impossible to swap.
    return d if sorted(small) == sorted([d.day, d.month]) and (d.day > 12 or d.day == d.month) else None


# --------------------------------------------------------------------------- public API


def _run(table: list[tuple[re.Pattern[str], _Handler]], s: str, today: date) -> object:
    for pattern, handler in table:
        m = pattern.fullmatch(s)
        if m:
            try:
                return handler(m, today)
            except (ValueError, OverflowError, KeyError):
                return None
    return _NO_MATCH


def parse_deadline(text: str, now: datetime, calendar: WorkCalendar | None = None) -> date | None:
    """The deadline written in ``text``, relative to ``now``; working days counted on ``calendar``
    (pass the office's, with its /holiday overrides), else on the official calendar."""
    token = _CALENDAR.set(calendar or _OFFICIAL)
    try:
        return _parse_deadline(text, now)
    finally:
        _CALENDAR.reset(token)


def _parse_deadline(text: str, now: datetime) -> date | None:
    """The deadline written in ``text``, relative to ``now`` (aware; its own time zone), or ``None``.

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2021, 7, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    >>> parse_deadline("十一月底前完成", now), parse_deadline("下周三", now), parse_deadline("长期", now)
    (datetime.date(2021, 11, 30), datetime.date(2021, 7, 28), None)
    """
    if not isinstance(text, str) or not text.strip() or len(text) > _MAX_TEXT_LEN:
        return None
    today = now.date()
    s, weekday = _normalize(text)
    if not s:
        return None
    result = _run(_FRONT, s, today)
    if result is _NO_MATCH:
        if _CJK.search(s):
            return None  # Chinese we cannot read: dateparser only misreads it
        result = _run(_ENGLISH, s, today)
        if result is _NO_MATCH:
            result = _dateparser_fallback(s, today)
    if not isinstance(result, date):
        return None
    if abs(result.year - today.year) > MAX_YEARS_AWAY:
        return None
    if weekday is not None and result.weekday() != weekday:
        return None  # "2021年12月31日（周四）": the text contradicts itself
    return result


def format_date(d: date, lang: str = "zh") -> str:
    """zh: "2021年12月31日（周五）"; en: "Fri 31 Dec 2021"."""
    if lang.lower().startswith("zh"):
        return f"{d.year}年{d.month}月{d.day}日（周{_ZH_WEEKDAYS[d.weekday()]}）"
    return f"{_EN_WEEKDAY_ABBR[d.weekday()]} {d.day} {_EN_MONTH_ABBR[d.month - 1]} {d.year}"


def past_note(d: date, lang: str, today: date) -> str:
    """The warning that follows a deadline echoed before it is saved, when it has already passed ("" if not):
    a deadline written without a year is this year's, and this shows where the writer meant next year's."""
    if d >= today:
        return ""
    from bot.texts import t  # texts are the handlers' business; only this echo needs them here

    return t(lang, "deadline.past", today=format_date(today, lang), example=f"{d.year + 1}.{d.month}.{d.day}")
