"""What an import will do, as a message (used by /import and `progress-bot import`).

The preview also flags unit names that are probably one unit written two ways — an abbreviation
(区人社局 / 区人力社保局), a one-character typo (区城投集团 / 区域投集团), a name with and without its
bracketed alias (区商务局 / 区商务局(区菜办)) — among the table's new units and against the existing
ones (:func:`unit_pairs`, pure), so the admin can treat each pair as one unit before confirming.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.callbacks import IMPORT_PAIRS_AT_MOST as PAIRS_AT_MOST  # pairs shown (each gets a button)
from bot.tables import ParsedTable, TableItem
from bot.texts import esc, t
from db.imports import ImportPlan, ImportResult

LIST_AT_MOST = 30

_MIN_TYPO_LEN = 4  # shorter names (区委办 / 区府办) differ by one character and are two units
_MIN_SHORT_LEN = 4
_BRACKETS = re.compile(r"[（(][^（）()]*[）)]$")
# Characters mistaken for each other by shape (形近字, also what OCR of a scanned notice confuses). A one-character
# difference is a typo only between these: 区城投集团 / 区域投集团 is one unit, 区城投集团 / 区交投集团 are two.
_LOOKALIKES = [set(group) for group in (
    "城域", "己已巳", "未末", "戊戌戍", "人入八", "士土", "日曰", "侯候", "拨拔", "贷货", "崇祟", "析折", "栗粟",
    "徒徙", "免兔", "休体", "斤斥", "大太犬", "王玉主", "白自", "田由甲申", "木本术", "干千于", "天夫", "厂广",
    "刀力", "办为", "问间", "侍待", "倍陪", "晴睛", "清请情", "堤提", "辨辩辫", "管官", "委季", "区匹", "局届",
    "镇填", "街衔", "社杜", "宫官", "群郡", "部郡", "防坊", "体休", "设没", "货贷", "旅派", "经径", "庄压",
    "园圆", "员贝", "营管", "港巷", "桃挑", "横模", "沈沉", "门们", "岛鸟", "湾弯", "监盐", "督替", "察祭", "科料",
)]


@dataclass(frozen=True)
class UnitPair:
    """Two unit names that probably name one unit: ``name`` is new in the table, ``other`` is an existing unit
    (``existing``) or another of the table's names."""

    name: str
    other: str
    reason: str  # "alias" | "typo" | "short"
    existing: bool

    @property
    def checksum(self) -> int:
        """A checksum of the pair, carried by its button so a press on a preview since changed is recognised."""
        return zlib.crc32(f"{self.name}|{self.other}".encode())

    def choices(self, uses: Mapping[str, int]) -> list[tuple[str, str]]:
        """(merged, kept) ways to make the pair one unit: an existing unit keeps its name; else the name more
        items use, then the longer one; when nothing tells them apart (区城投集团 / 区域投集团), both ways."""
        if self.existing:
            return [(self.name, self.other)]
        first = (uses.get(self.name, 0), len(self.name))
        second = (uses.get(self.other, 0), len(self.other))
        if first == second:
            return [(self.other, self.name), (self.name, self.other)]
        return [(self.other, self.name) if first > second else (self.name, self.other)]


def _collective(name: str) -> bool:
    return name.startswith("各") or "、" in name


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


def near_duplicate(a: str, b: str) -> str | None:
    """Why two different unit names may be one unit ("alias", "typo", "short"), or None."""
    if a == b or _collective(a) or _collective(b):
        return None
    if _BRACKETS.sub("", a) == _BRACKETS.sub("", b):
        return "alias"
    if len(a) == len(b) >= _MIN_TYPO_LEN:
        differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        if len(differ) == 1 and any(set(differ[0]) <= group for group in _LOOKALIKES):
            return "typo"
    short, long = sorted((_BRACKETS.sub("", a), _BRACKETS.sub("", b)), key=len)
    if (len(short) >= _MIN_SHORT_LEN and len(long) > len(short) and short[0] == long[0]
            and short[-1] == long[-1] and _is_subsequence(short, long)):
        return "short"
    return None


def near_duplicate_units(new: Sequence[str], others: Sequence[str], existing: Collection[str]) -> list[UnitPair]:
    """Each new name's near-duplicates among the existing units, then among the table's other names;
    each pair once."""
    pairs: list[UnitPair] = []
    seen: set[frozenset[str]] = set()
    for name in new:
        for other in [*existing, *others]:
            reason = near_duplicate(name, other)
            if reason and frozenset((name, other)) not in seen:
                seen.add(frozenset((name, other)))
                pairs.append(UnitPair(name, other, reason, other in existing))
    return pairs


def unit_pairs(table: ParsedTable, plan: ImportPlan) -> list[UnitPair]:
    """The near-duplicate unit pairs of this import, leaving out names already treated as one."""
    merged = table.unit_merges
    names = list(dict.fromkeys(merged.get(n, n) for n in plan.unit_uses))
    return near_duplicate_units(plan.new_units, names, plan.existing_units)[:PAIRS_AT_MOST]


def unit_name(lang: str, name: str) -> str:
    """A unit's name in 「」, so a collective «各镇、街道、管委会» cannot read as three units."""
    return t(lang, "import.unit_name", name=esc(name))


def _pairs_line(lang: str, pairs: list[UnitPair]) -> str:
    shown = []
    for pair in pairs:
        reason = t(lang, f"import.near.{pair.reason}")
        if pair.existing:
            reason += t(lang, "list_sep") + t(lang, "import.near.existing")
        shown.append(t(lang, "import.near_pair", name=unit_name(lang, pair.name), other=unit_name(lang, pair.other),
                       reason=reason))
    return t(lang, "import.near_units", count=len(pairs), pairs=t(lang, "list_sep").join(shown))


def _list_line(lang: str, plan: ImportPlan) -> str:
    target = plan.target
    if target.list_id is None:
        return t(lang, "import.into_new", name=esc(target.name), year=target.year)
    return t(lang, "import.into_existing", name=esc(target.name), year=target.year, code=esc(target.code))


def _period_line(lang: str, table: ParsedTable, plan: ImportPlan) -> str:
    end = table.period_end or plan.period_day
    if end is None:
        return t(lang, "import.period_none", period=t(lang, "import.period_today"))
    period = t(lang, "period.month", year=end.year, month=end.month)
    if table.period_end is None:
        return t(lang, "import.period_none", period=period)
    return t(lang, "import.period", period=period, text=esc(table.period_text or ""))


CHANGES_SHOWN = 8  # changes and different tasks a preview lists; the rest are in the .xlsx sent with it


def _short(text: str, at_most: int = 40) -> str:
    return esc(text if len(text) <= at_most else text[:at_most - 1] + "…") if text else "—"


def _changes_lines(lang: str, plan: ImportPlan) -> list[str]:
    """The updated items' changes, old → new, then the rows kept apart as other tasks: a count and the first."""
    lines: list[str] = []
    if plan.changes:
        lines.append(t(lang, "import.changes", count=len(plan.changes),
                       items=len({c.number for c in plan.changes})))
        lines += [t(lang, "import.change", number=c.number, field=t(lang, f"import.field.{c.field}"),
                    old=_short(c.old), new=_short(c.new)) for c in plan.changes[:CHANGES_SHOWN]]
        if len(plan.changes) > CHANGES_SHOWN:
            lines.append(t(lang, "import.more_in_file", count=len(plan.changes) - CHANGES_SHOWN))
    if plan.different:
        lines.append(t(lang, "import.different", count=len(plan.different)))
        lines += [t(lang, "import.different_row", number=d.number, title=_short(d.title, 24),
                    existing=_short(d.existing, 24), new_number=d.new_number) for d in plan.different[:CHANGES_SHOWN]]
        if len(plan.different) > CHANGES_SHOWN:
            lines.append(t(lang, "import.more_in_file", count=len(plan.different) - CHANGES_SHOWN))
    return lines


def changes_workbook(lang: str, plan: ImportPlan) -> bytes | None:
    """Every change and every row kept apart, as an .xlsx to send with a preview too long to list them;
    None when the preview lists them all."""
    if len(plan.changes) <= CHANGES_SHOWN and len(plan.different) <= CHANGES_SHOWN:
        return None
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = t(lang, "import.file_changes")
    sheet.append([t(lang, f"import.col.{name}") for name in ("number", "field", "old", "new")])
    for c in plan.changes:
        sheet.append([c.number, t(lang, f"import.field.{c.field}"), c.old, c.new])
    apart = book.create_sheet(t(lang, "import.file_different"))
    apart.append([t(lang, f"import.col.{name}") for name in ("number", "existing", "title", "new_number")])
    for d in plan.different:
        apart.append([d.number, d.existing, d.title, d.new_number])
    for ws in (sheet, apart):
        for column, width in zip("ABCD", (8, 40, 40, 40), strict=True):
            ws.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _some(lang: str, values: list[str], *, escaped: bool = False) -> str:
    shown = t(lang, "list_sep").join(v if escaped else esc(v) for v in values[:LIST_AT_MOST])
    return shown + (t(lang, "import.and_more", count=len(values) - LIST_AT_MOST) if len(values) > LIST_AT_MOST else "")


def import_preview(lang: str, filename: str, table: ParsedTable, plan: ImportPlan) -> str:
    lines = [
        t(lang, "import.preview_title", file=esc(filename), sheet=esc(table.sheet or "—"), row=table.header_row),
        _list_line(lang, plan),
        t(lang, "import.counts", total=len(table.items), new=len(plan.new), updated=len(plan.updated),
          unchanged=len(plan.unchanged)),
    ]
    if plan.new_units:
        names = [unit_name(lang, n) for n in plan.new_units]
        lines.append(t(lang, "import.new_units", count=len(plan.new_units), names=_some(lang, names, escaped=True)))
    if table.unit_merges:
        merges = [t(lang, "import.merged_pair", merged=unit_name(lang, a), kept=unit_name(lang, b))
                  for a, b in table.unit_merges.items()]
        lines.append(t(lang, "import.merged_units", pairs=_some(lang, merges, escaped=True)))
    pairs = unit_pairs(table, plan)
    if pairs:
        lines.append(_pairs_line(lang, pairs))
    lines += _changes_lines(lang, plan)
    if table.merge_different:
        lines.append(t(lang, "import.different_merged"))
    if any(i.status or i.progress_text for i in table.items):
        lines.append(_period_line(lang, table, plan))
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
    with_milestones = [i for i in table.items if i.milestones]
    if with_milestones:
        lines.append(t(lang, "node.import_line", items=len(with_milestones),
                       count=sum(len(i.milestones) for i in with_milestones)))
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
    done = t(lang, "import.done", created=result.created, updated=result.updated, units=result.units_created,
             reports=result.reports)
    if result.list_name:
        done += t(lang, "import.done_into", name=esc(result.list_name), code=esc(result.list_code))
    return done + (t(lang, "import.done_separate", count=result.separate) if result.separate else "")


def _keys(lang: str) -> set[str]:
    from bot.texts import TEXTS

    return set(TEXTS.get(lang, TEXTS["zh"]))
