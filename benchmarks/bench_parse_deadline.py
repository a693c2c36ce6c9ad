"""Benchmark: bot.dates.parse_deadline against plain dateparser.parse.

Run with ``.venv/bin/python benchmarks/bench_parse_deadline.py``.  Both parse the same
phrases relative to the same moment (Tue 2021-07-20 09:30, Asia/Shanghai); the script
prints µs per call for each, their ratio, and how many answers each got right, how many
it declined (None) and how many were confidently wrong.  "cold" is a fresh interpreter's
first pass over all phrases, imports and dateparser's language data included.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = datetime(2021, 7, 20, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
D = date

# Phrase -> the deadline it means at NOW (None: no deadline can be read from it).
EXPECTED: dict[str, date | None] = {
    "2021.8": D(2021, 8, 31),
    "2021年12月": D(2021, 12, 31),
    "11月底": D(2021, 11, 30),
    "十一月底": D(2021, 11, 30),
    "下周三": D(2021, 7, 28),
    "本周五": D(2021, 7, 23),
    "5天后": D(2021, 7, 25),
    "两周后": D(2021, 8, 3),
    "1个月后": D(2021, 8, 20),
    "明天": D(2021, 7, 21),
    "第四季度": D(2021, 12, 31),
    "三季度末": D(2021, 9, 30),
    "10月15日前": D(2021, 10, 15),
    "10.15": D(2021, 10, 15),
    "10月下旬": D(2021, 10, 31),
    "2021/10/8": D(2021, 10, 8),
    "2021年10月8日": D(2021, 10, 8),
    "20211008": D(2021, 10, 8),
    "今年底": D(2021, 12, 31),
    "下月底": D(2021, 8, 31),
    "3月底": D(2021, 3, 31),  # without a year: this year's, even when past
    "7月19日": D(2021, 7, 19),
    "截止2021年9月30日": D(2021, 9, 30),
    "14月": None,
    "2月31日": None,
    "2021.13": None,
    "持续推进": None,
    "31 Dec 2021": D(2021, 12, 31),
    "December 2021": D(2021, 12, 31),
    "end of November": D(2021, 11, 30),
    "next Wednesday": D(2021, 7, 28),
    "in 5 days": D(2021, 7, 25),
    "Q4": D(2021, 12, 31),
    "2021 December 31": D(2021, 12, 31),  # goes through parse_deadline's dateparser fallback
}

# "Plain": the settings one would write for deadlines, nothing tuned for this data.
PLAIN_SETTINGS = {
    "RELATIVE_BASE": NOW.replace(tzinfo=None),
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "TIMEZONE": "Asia/Shanghai",  # explicit, else dateparser 1.5 may warn about the local zone
}
# Also tried with "a month alone means its last day", which helps "2021.8" but turns
# "1个月后" into a month end.
TUNED_SETTINGS = {**PLAIN_SETTINGS, "PREFER_DAY_OF_MONTH": "last"}

Parser = Callable[[str], "date | None"]


def ours(text: str) -> date | None:
    from bot.dates import parse_deadline

    return parse_deadline(text, NOW)


def dateparser_with(settings: dict) -> Parser:
    def parse(text: str) -> date | None:
        import dateparser

        result = dateparser.parse(text, languages=["zh", "en"], settings=settings)
        return result.date() if result else None

    return parse


PARSERS: dict[str, Parser] = {
    "parse_deadline": ours,
    "dateparser.parse": dateparser_with(PLAIN_SETTINGS),
    "dateparser.parse+last": dateparser_with(TUNED_SETTINGS),
}


def cold_start_ms(name: str) -> float:
    """Import plus one pass over the phrases, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--cold", name], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip())


def us_per_call(fn: Parser, text: str, budget_s: float = 0.05) -> float:
    fn(text)
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < budget_s:
        fn(text)
        calls += 1
    return elapsed / calls * 1e6


def mark(got: date | None, expected: date | None) -> str:
    if got == expected:
        return "ok"
    return "none" if got is None else f"WRONG {got}"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--cold":
        start = time.perf_counter()
        for text in EXPECTED:
            PARSERS[sys.argv[2]](text)
        print((time.perf_counter() - start) * 1e3)
        return

    answers = {name: {t: fn(t) for t in EXPECTED} for name, fn in PARSERS.items()}
    timings = {name: {t: us_per_call(fn, t) for t in EXPECTED} for name, fn in PARSERS.items()}

    print(f"now = {NOW.isoformat()}; {len(EXPECTED)} phrases; µs per call, warm\n")
    print(f"{'phrase':<20}{'expected':<12}{'parse_deadline':<24}{'dateparser.parse':<26}dateparser.parse+last")
    for t, e in EXPECTED.items():
        cells = [f"{timings[n][t]:7.1f} {mark(answers[n][t], e)}" for n in PARSERS]
        pad = 20 - sum(2 if ord(c) > 0x2E7F else 1 for c in t)  # CJK is double width
        print(f"{t}{' ' * max(pad, 1)}{e!s:<12}{cells[0]:<24}{cells[1]:<26}{cells[2]}")

    print()
    mean = {n: statistics.fmean(timings[n].values()) for n in PARSERS}
    for name in PARSERS:
        got = answers[name]
        right = sum(got[t] == e for t, e in EXPECTED.items())
        declined = sum(got[t] is None and e is not None for t, e in EXPECTED.items())
        wrong = sum(got[t] is not None and got[t] != e for t, e in EXPECTED.items())
        print(
            f"{name:<22} mean {mean[name]:7.1f} µs  median {statistics.median(timings[name].values()):7.1f} µs  "
            f"cold {cold_start_ms(name):6.0f} ms   right {right}/{len(EXPECTED)}  declined {declined}  "
            f"confident wrong {wrong}"
        )
    print(f"\nmean time ratio dateparser.parse / parse_deadline: {mean['dateparser.parse'] / mean['parse_deadline']:.1f}x")


if __name__ == "__main__":
    main()
