"""One calendar for every date rule: every reading of a written date in the bot passes the office's
calendar (its /holiday overrides over the official one), so that "5个工作日内" means the same working
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
PENDING = {("handlers/history.py", "parse_day"), ("handlers/away.py", "parse_day"),
           ("handlers/instructions.py", "parse_day"), ("handlers/milestones.py", "read_line")}


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
        for name, line in calls_without_a_calendar(path.read_text(encoding="utf-8")):
            missing.setdefault((str(path.relative_to(ROOT)), name), line)
    unexpected = sorted(f"{where}:{line} {name}(…) without the office's calendar"
                        for (where, name), line in missing.items() if (where, name) not in PENDING)
    assert unexpected == []
    assert sorted(PENDING - set(missing)) == [], "these pass their calendar now: delete them from PENDING"


def test_the_check_sees_a_call_without_a_calendar() -> None:
    source = ("parse_deadline(text, now)\nparse_deadline(text, now, cal)\ndates.parse_deadline(t, n, calendar=c)\n"
              "read_table(d, n, now=now)\nread_table(d, n, now=now, calendar=c)\nparse_day(t, now, past=True)\n")
    assert sorted(calls_without_a_calendar(source)) == [("parse_day", 6), ("parse_deadline", 1), ("read_table", 4)]
