"""One calendar for every date rule: month ends are worked out once (db.facts), and every reading of a
written date in the bot passes the office's calendar (its /holiday overrides over the official one), so that "5个工作日内" means the same working
days in /add, /edit, the extension and instruction dialogues, /snooze, /holiday, the import and
`progress-bot parse-date`. Read with ast, like tests/test_layers.py: a call that leaves the calendar
out (and so silently counts on the official calendar alone) fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "jobs", "db")
# The readers of written dates, and the position (0-based) of their calendar argument; it may be
# given by keyword too.
READERS = {"parse_deadline": (2, "calendar"), "parse_day": (2, "cal"), "read_table": (None, "calendar"),
           "read_line": (2, "calendar"), "read_cell": (2, "calendar"), "row_milestones": (3, "calendar")}
# Calls in modules another helper is changing right now; the lead deletes an entry once that module
# passes its calendar (the test fails when an entry is no longer needed, so the list only shrinks).
PENDING: set[tuple[str, str]] = set()


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def calls_without_a_calendar(source: str) -> Iterator[tuple[str, int]]:
    """(reader, line) of each call in `source` that gives no calendar."""
    for node in ast.walk(ast.parse(source)):
        name = _name(node.func) if isinstance(node, ast.Call) else None
        if name not in READERS:
            continue
        assert isinstance(node, ast.Call) and name is not None
        position, keyword = READERS[name]
        if not (any(k.arg == keyword for k in node.keywords) or (position is not None and len(node.args) > position)):
            yield name, node.lineno


def test_every_date_reading_passes_the_office_calendar() -> None:
    missing: dict[tuple[str, str], int] = {}
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")):
        where, source = str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
        found = [*calls_without_a_calendar(source), *(month_arithmetic(source) if where != "db/facts.py" else ())]
        for name, line in found:
            missing.setdefault((where, name), line)
    unexpected = sorted(f"{where}:{line} {name}(…) without the office's calendar"
                        for (where, name), line in missing.items() if (where, name) not in PENDING)
    assert unexpected == []
    assert sorted(PENDING - set(missing)) == [], "these pass their calendar now: delete them from PENDING"


def month_arithmetic(source: str) -> Iterator[tuple[str, int]]:
    """("month end", line) of each month end worked out by hand: calendar.monthrange, a jump of 32 days to
    the next month, or a month number taken modulo 12 (db.facts.month_end and add_months do it once)."""
    for node in ast.walk(ast.parse(source)):
        by_hand = (isinstance(node, ast.Attribute) and node.attr == "monthrange") or (
            isinstance(node, ast.keyword) and node.arg == "days" and isinstance(node.value, ast.Constant)
            and node.value.value == 32) or (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.right, ast.Constant)
            and node.right.value == 12)
        if by_hand:
            yield "month end", node.lineno


def test_the_check_sees_a_call_without_a_calendar() -> None:
    source = ("parse_deadline(text, now)\nparse_deadline(text, now, cal)\ndates.parse_deadline(t, n, calendar=c)\n"
              "read_table(d, n, now=now)\nread_table(d, n, now=now, calendar=c)\nparse_day(t, now, past=True)\n")
    assert sorted(calls_without_a_calendar(source)) == [("parse_day", 6), ("parse_deadline", 1), ("read_table", 4)]
    by_hand = "import calendar\nlast = calendar.monthrange(y, m)[1]\nnext_ = d + timedelta(days=32)\nm = month % 12 + 1\n"
    assert sorted(line for _, line in month_arithmetic(by_hand)) == [2, 3, 4]
