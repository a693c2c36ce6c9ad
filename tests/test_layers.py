"""The layers hold: every module's imports (read with ast, so the ones inside functions count too) point
down, never up.

From the bottom:
- `db.facts`: the facts db and the rules share; the standard library only.
- `db.*`: storage; imports only db (never telegram, bot, jobs or handlers).
- the rule modules of jobs (RULES): pure functions of their arguments; only db.facts, each other and
  the official holiday calendar; no telegram, no text (bot.texts), no database session.
- the bot library (every bot module but APPLICATION): texts, dates, tables, export, chart, settings …;
  db and the rule modules, never handlers or the rest of jobs.
- the rest of jobs (rounds, outbox sender, digest and reminder texts): anything below, never handlers
  nor the application modules.
- handlers: anything below, never the application modules that assemble them (bot.app, bot.cli).
- the application (APPLICATION): anything.
And no test module imports another: what tests share lives in tests/factories.py (and office, pg, conftest).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "db", "handlers", "jobs", "tests", "benchmarks")
RULES = {f"jobs.{name}" for name in ("rules", "policy", "warnings", "ranking", "workdays", "pacing", "points",
                                     "month_on_month")}
APPLICATION = {f"bot.{name}" for name in ("app", "cli", "demo", "ops", "simulator", "persistence", "webapp", "webhook")}
SHARED_TESTS = {"tests.factories", "tests.office", "tests.pg", "tests.conftest"}
# Imports another helper is removing right now (db.imports reads bot.tables' parsed table); the lead
# deletes an entry once its fix is merged.
PENDING: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


MODULES = project_modules()


def imports(name: str, path: Path) -> Iterator[str]:
    """Every module `name` imports: `from db import items` is db.items, a name from a module that
    module; relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in MODULES else base


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def wrong(importer: str, imported: str) -> str | None:
    """Why this import points the wrong way, or None."""
    top = imported.split(".")[0]
    if importer == "db.facts" and top not in sys.stdlib_module_names and top != "__future__":
        return "db.facts is the bottom: the standard library only"
    if under(importer, "db"):
        if under(imported, "telegram", "bot", "jobs", "handlers"):
            return "db imports only db"
    elif importer in RULES:
        if under(imported, "telegram", "bot", "handlers", "sqlmodel", "sqlalchemy") or (
                under(imported, "db", "jobs") and imported != "db.facts" and imported not in RULES):
            return "a rule module imports only db.facts and other rule modules"
    elif under(importer, "bot") and not under(importer, *APPLICATION):
        if under(imported, "handlers") or under(imported, *APPLICATION) or (
                under(imported, "jobs") and imported not in RULES):
            return "the bot library imports no handlers, no application module, and of jobs only the rules"
    elif under(importer, "jobs"):
        if under(imported, "handlers") or under(imported, *APPLICATION):
            return "jobs import no handlers and no application module"
    elif under(importer, "handlers"):
        if under(imported, "bot.app", "bot.cli"):
            return "handlers do not import what assembles them"
    elif under(importer, "tests"):
        if under(imported, "tests") and imported != "tests" and imported not in SHARED_TESTS:
            return "a test imports no other test; share through tests/factories.py"
    return None


def violations() -> list[str]:
    found = []
    for name, path in MODULES.items():
        for imported in set(imports(name, path)):
            reason = wrong(name, imported)
            if reason and (name, imported) not in PENDING:
                found.append(f"{name} → {imported}: {reason}")
    return sorted(found)


def test_every_import_points_down() -> None:
    assert violations() == []


@pytest.mark.parametrize(("importer", "imported"), [
    ("db.items", "jobs.rules"), ("db.outbox", "telegram"), ("db.facts", "sqlmodel"),
    ("jobs.warnings", "bot.texts"), ("jobs.policy", "db.models"), ("jobs.sender", "handlers.common"),
    ("jobs.digest", "bot.app"), ("bot.chart", "jobs.digest"), ("bot.texts", "handlers"),
    ("handlers.admin", "bot.cli"), ("tests.test_revise", "tests.test_send_back"),
])
def test_a_wrong_direction_is_caught(importer: str, imported: str) -> None:
    assert wrong(importer, imported)


@pytest.mark.parametrize(("importer", "imported"), [
    ("db.items", "db.facts"), ("jobs.policy", "jobs.workdays"), ("bot.export", "jobs.rules"),
    ("jobs.digest", "bot.texts"), ("handlers.admin", "jobs.outbox"), ("bot.app", "handlers.registry"),
    ("tests.test_revise", "tests.factories"),
])
def test_a_right_direction_passes(importer: str, imported: str) -> None:
    assert wrong(importer, imported) is None


def test_relative_and_submodule_imports_are_resolved(tmp_path: Path) -> None:
    assert "db.items" in set(imports("db.outbox", ROOT / "db" / "outbox.py"))
    assert "db.facts" in set(imports("db.reports", ROOT / "db" / "reports.py"))
