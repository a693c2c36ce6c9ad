"""What an import will do, as a message (used by /import and `progress-bot import`)."""

from __future__ import annotations

from bot.tables import ParsedTable, TableItem
from bot.texts import esc, t
from db.imports import ImportPlan, ImportResult

LIST_AT_MOST = 30


def _some(lang: str, values: list[str]) -> str:
    shown = t(lang, "list_sep").join(esc(v) for v in values[:LIST_AT_MOST])
    return shown + (t(lang, "import.and_more", count=len(values) - LIST_AT_MOST) if len(values) > LIST_AT_MOST else "")


def import_preview(lang: str, filename: str, table: ParsedTable, plan: ImportPlan) -> str:
    lines = [
        t(lang, "import.preview_title", file=esc(filename), sheet=esc(table.sheet or "—"), row=table.header_row),
        t(lang, "import.counts", total=len(table.items), new=len(plan.new), updated=len(plan.updated),
          unchanged=len(plan.unchanged)),
    ]
    if plan.new_units:
        lines.append(t(lang, "import.new_units", count=len(plan.new_units), names=_some(lang, plan.new_units)))
    if plan.skipped:
        reasons = [t(lang, "import.skipped_row", row=row, reason=t(lang, f"import.reason.{reason}")
                     if f"import.reason.{reason}" in _keys(lang) else esc(reason)) for row, reason in plan.skipped]
        lines.append(t(lang, "import.skipped", count=len(plan.skipped), rows=_some(lang, reasons)))
    if plan.bad_deadlines:
        bad = [t(lang, "import.bad_deadline_row", row=row, text=esc(text)) for row, text in plan.bad_deadlines]
        lines.append(t(lang, "import.bad_deadlines", count=len(bad), rows=_some(lang, bad)))
    if plan.without_units:
        titles = [f"{i.title[:30]}" for i in plan.without_units]
        lines.append(t(lang, "import.without_units", count=len(titles), items=_some(lang, titles)))
    indicators = [i for i in table.items if i.target_value is not None]
    if indicators:
        lines.append(t(lang, "import.indicators", count=len(indicators),
                       binding=sum(1 for i in indicators if i.binding is True),
                       expected=sum(1 for i in indicators if i.binding is False),
                       examples=_some_indicators(lang, indicators)))
    lines.append(t(lang, "import.confirm" if plan.writes else "import.nothing"))
    return "\n".join(lines)


def _some_indicators(lang: str, items: list[TableItem], shown: int = 3) -> str:
    """The first few indicators as "标准：9720 → 14000元/年", so the admin sees the numbers were read right."""
    examples = [t(lang, "import.indicator", title=esc(i.title[:30]), unit=esc(i.indicator_unit or ""),
                  baseline="—" if i.baseline_value is None else f"{i.baseline_value:g}", target=f"{i.target_value:g}")
                for i in items[:shown]]
    more = t(lang, "import.and_more", count=len(items) - shown) if len(items) > shown else ""
    return t(lang, "list_sep").join(examples) + more


def import_done(lang: str, result: ImportResult) -> str:
    return t(lang, "import.done", created=result.created, updated=result.updated, units=result.units_created,
             reports=result.reports)


def _keys(lang: str) -> set[str]:
    from bot.texts import TEXTS

    return set(TEXTS.get(lang, TEXTS["zh"]))
