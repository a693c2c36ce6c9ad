"""Read an office's task table (年度目标任务表) from .xlsx, .xls/.et, .ods, a Word .docx or .csv into plain data.

``read_table`` turns the bytes of an uploaded file into a :class:`ParsedTable`: one
:class:`TableItem` per task, plus what was skipped, which deadlines could not be read, the
table's title, its headers as written and the period its progress covers ("1—7月", "半年度",
"前三季度": ``period_end``).  ``bot.table_files`` reads each format into the same grid of
cells; the rules below work on that grid.  Nothing here touches the database or Telegram.

Offices lay their tables out in many ways, so nothing is assumed about positions:

* the header row is found by its labels (序号/主要领域/年度目标任务/牵头单位/责任单位/
  完成时限/形象进度 and their many synonyms, and English ones: No./Task/Lead units/Responsible units/
  Deadline/Progress/Status, see ``_FIELD_RULES``) among the first rows;
  title rows above it give ``ParsedTable.title``; a second header row below it
  (年度投资 split into 合计 / 其中：财政) is folded in;
* merged cells are filled with their anchor's value (so a 主要领域 or 牵头单位 cell that
  covers a group of rows applies to each row); in a CSV, where merges are lost, only the
  domain is carried down over empty cells;
* total rows (合计/总计/小计), legend rows (备注：□提前完成 …, which also teach the
  table's own status symbols), repeated headers, notes and section-heading rows
  ("一、住房安居" alone in a row: the domain of the rows below) are skipped and reported;
* one item spread over several rows (same 序号, a merged 序号 cell, or rows without a
  序号 below a numbered one) becomes one item: texts joined, units united;
* units written inside the task text ("…（牵头单位：区教育局；责任单位：六横镇）") are
  extracted and removed from the title.

Indicator tables (a five-year plan's 主要指标: 指标 | 单位 | 2020年/基期值 | 2025年/目标值 | 属性) fill
``TableItem.indicator_unit``, ``baseline_value``, ``target_value`` and ``binding`` (约束性 True, 预期性
False). Two bare year columns are baseline and target, earlier and later; a bare 单位 column is the
indicator's unit only beside a target column; the unit may also stand in the name ("…（元/年）");
"——" is no value; a "其中：…" row with its own target is an indicator of its own.

Number-typed deadlines: Excel stores "2021.10" typed into a General cell as the number
2021.1, which reads as January.  It is read as October when the cell's number format
shows two decimals, or when any deadline in the same column writes its month with two
digits ("2021.06"): such a writer would have typed January as "2021.01".  Otherwise
2021.1 stays January (and ``deadline_text`` echoes "2021.1" so the user can spot it).

Status symbols (after a legend row, the legend's own symbols win):

* ahead ("提前完成"): □ ■ ☐ ▢ ◻ ◼ ▫ ▪ ⬜ ⬛ 口 囗, and 卍 ☞ ☺ which PDF copies of the
  Putuo notice produce for □;
* good ("推进良好"): ★ ☆ ✩ ✪ ✫ ✬ ✭ ✮ ✯ ✰ ⭐ * ＊;
* average ("一般或难以评价"): — ― – - ‐ ‑ ‒ − － ﹣ ━ ─ 一 ⸺ ⸻;
* slow ("较为缓慢"): ▲ △ ◆ ◇ ▴ ▵ ▼ ▽ ⚠;
* 🟢 / 🟡 / 🔴 and 绿/黄/红(灯) are good / average / slow;
* words: slow (缓慢 滞后 落后 未完成 未启动 未开工) before average (一般 难以评价
  无法评价) before good (良好 正常 顺利 序时 有序 按计划 按期 基本完成 较好) before
  ahead (提前 完成 完工 超额 办结), so "未完成" is slow and "基本完成" good.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from bot.dates import parse_deadline
from bot.milestone_text import last_deadline, row_milestones
from bot.table_files import MAX_BYTES, TableError, read_grids
from bot.table_files import Grid as _Grid
from db.facts import month_end
from db.table_types import STATUSES, ParsedTable, TableItem
from jobs.workdays import WorkCalendar

__all__ = [
    "MAX_BYTES",
    "STATUSES",
    "ParsedTable",
    "TableError",
    "TableItem",
    "parse_amount",
    "parse_status",
    "read_table",
    "split_units",
]

_HEADER_SCAN = 30
_MAX_LABEL = 30


# --------------------------------------------------------------------------- text helpers

_CJK = r"\u3400-\u9fff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\xa0]+(?=[{_CJK}])")
_WS = re.compile(r"\s+")
_NIL = frozenset({"无", "暂无", "没有", "/", "-", "—", "——", "无。", "无问题"})


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _label_key(text: str) -> str:
    """A header label reduced for matching: NFKC, no whitespace, lower case."""
    return _WS.sub("", _nfkc(text)).lower()


def _squash(text: str) -> str:
    """Drop spaces between two CJK characters (PDF copies insert them: "住房 安居")."""
    return _CJK_GAP.sub("", text).strip()


def _one_line(text: str) -> str:
    """A title on one line: line breaks vanish between CJK characters, become spaces elsewhere."""
    text = re.sub(rf"(?<=[{_CJK}，。；、：）》”])\s*\n\s*(?=[{_CJK}（《“])", "", text.strip())
    return re.sub(r"\s*\n\s*", " ", text)


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class _Rule:
    field: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None
    whole: bool = False  # the pattern must match the whole label


def _rule(field_name: str, pattern: str, exclude: str | None = None, whole: bool = False) -> _Rule:
    return _Rule(field_name, re.compile(pattern), re.compile(exclude) if exclude else None, whole)


# Tried in this order on the normalised label: the more specific fields first, the task
# title last, since "任务"/"工作" also occur in other headers (工作进展, 任务来源…).
_FIELD_RULES: tuple[_Rule, ...] = (
    _rule("number", r"序号|编号|序|no\.?|#|项目编号|任务编号|排序|number|itemno\.?|serialno\.?", whole=True),
    _rule("fiscal_investment", r"财政|fiscal|governmentfund"),
    _rule("investment", r"投资|^(年度|计划)?(资金|金额)(\(.*\))?$|^(annual)?(investment|budget)", exclude=r"完成|累计|来源"),
    _rule("lead_units", r"牵头|主办|主责|^lead(ing)?(unit|department|dept|agenc|bod|organi|$)", exclude=r"(领导|人|负责人)$"),
    _rule("responsible_units", r"责任单位|责任部门|配合|协办|协同|协作|参与单位|承办|实施单位|责任主体"
          r"|^(responsible|supporting|cooperating|partner|other)(unit|department|dept|agenc|bod|organi)"),
    _rule("progress_text", r"完成情况|进展|推进情况|进度情况|(?:目前|当前|最新|实际)进度|执行情况|落实情况|工作成效|实施情况|^progress(report|made|todate)?$"
          r"|^(workdone|achievements?|completion(todate)?|update)$"),
    _rule("milestones", r"节点安排|节点计划|进度安排|计划节点|进度计划|阶段目标|里程碑|^milestones?$"),
    _rule("deadline", r"时限|时间|期限|截止|日期|节点|^(deadline|duedate|due|timelimit|completiondate)$"),
    _rule("problems", r"问题|困难|^(problems?|issues?|difficult)"),
    _rule("status", r"形象进度|进度|评价|状态|等级|亮灯|^(status|rating|progressstatus|progressrating|mark)$",
          exclude=r"安排|计划"),
    _rule("binding", r"属性|指标性质|指标类型|约束性|预期性"),
    _rule("indicator_unit", r"计量单位|指标单位"),
    _rule("bare_unit", r"单位", whole=True),  # an indicator's unit only beside a target column
    _rule("target_value", r"目标值|预期值|规划值|目标数"),
    _rule("baseline_value", r"基期|基数|基准值|基准年|现状值|实际值|现状水平"),
    _rule("year", r"(?:19|20)[0-9]{2}年?(?:底|末)?(?:值|数)?", whole=True),  # see _indicator_columns
    _rule("domain", r"领域|类别|板块|分类|类型|专项|方面|篇章|^(domain|area|field|category|sector|theme)s?$"),
    _rule("title", r"任务|工作|项目|内容|事项|目标|名称|实事|举措|措施|指标|^(task|item|project|title|description"
          r"|goal|measure|work|keytask|action)", exclude=r"来源|分解|编号"),
)
_MULTI_FIELDS = frozenset({"responsible_units", "year"})


def _field_of(label: str) -> str | None:
    key = _label_key(label)
    if not key or len(key) > _MAX_LABEL:
        return None
    for rule in _FIELD_RULES:
        hit = rule.pattern.fullmatch(key) if rule.whole else rule.pattern.search(key)
        if hit and not (rule.exclude and rule.exclude.search(key)):
            return rule.field
    return None


@dataclass
class _Header:
    first: int  # grid row of the (first) header row
    last: int  # grid row of the last header row (a sub-header row below the first)
    cols: dict[str, list[int]]
    labels: dict[str, str]
    factors: dict[str, Decimal]  # money columns whose label names the unit (亿元, 元, 万元)
    keys: dict[int, str] = field(default_factory=dict)  # column -> normalised label, to spot repeated headers
    written: dict[str, str] = field(default_factory=dict)  # field -> label as the office wrote it, on one line


def _row_fields(grid: _Grid, r: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, value in enumerate(grid.rows[r]):
        if isinstance(value, str):
            f = _field_of(value)
            if f and f not in found:
                found[f] = c
    return found


def _find_header(grid: _Grid) -> _Header | None:
    best, best_score = -1, 1
    for r in range(min(_HEADER_SCAN, len(grid.rows))):
        fields = _row_fields(grid, r)
        if "title" in fields and len(fields) > best_score:
            best, best_score = r, len(fields)
    if best < 0:
        return None
    labels = _column_labels(grid, best)
    header = _Header(best, best, {}, {}, {})
    if best + 1 < len(grid.rows) and _is_subheader(grid, best):
        header.last = best + 1
        labels = _column_labels(grid, best, best + 1)
    _assign_columns(header, labels)
    _indicator_columns(header)
    return header


def _indicator_columns(header: _Header) -> None:
    """Settle the columns that depend on their neighbours: bare years ("2020年 | 2025年": the
    earlier is the baseline, the later the target) and a bare 单位 (an indicator's unit only in a
    table with a target; elsewhere it may name units of work, so it is left alone)."""
    years = sorted(header.cols.pop("year", []), key=lambda c: header.keys.get(c, ""))
    header.labels.pop("year", None)
    if years and "target_value" not in header.cols:
        _set_column(header, "target_value", years.pop())
    if years and "baseline_value" not in header.cols:
        _set_column(header, "baseline_value", years[0])
    bare = header.cols.pop("bare_unit", [])
    header.labels.pop("bare_unit", None)
    if bare and "target_value" in header.cols and "indicator_unit" not in header.cols:
        _set_column(header, "indicator_unit", bare[0])


def _set_column(header: _Header, name: str, col: int) -> None:
    header.cols[name] = [col]
    header.labels[name] = header.keys.get(col, "")


def _column_labels(grid: _Grid, r: int, sub: int | None = None) -> list[list[str]]:
    """Candidate labels per column, most specific first."""
    out: list[list[str]] = []
    for c in range(len(grid.rows[r])):
        parent = grid.get(r, c)
        parent_text = _to_text(parent) if parent is not None else ""
        child = grid.own(sub, c) if sub is not None else None
        child_text = _to_text(child) if child is not None else ""
        if child_text and parent_text and child_text != parent_text:
            out.append([child_text, parent_text + child_text])
        else:
            out.append([t for t in (child_text or parent_text,) if t])
    return out


def _is_subheader(grid: _Grid, r: int) -> bool:
    """Does the row below the header label the parts of spanning header cells (合计 / 其中：财政)?"""
    cells = grid.own_cells(r + 1)
    if not cells:
        return False
    for c, value in cells:
        if not isinstance(value, str) or len(_label_key(value)) > _MAX_LABEL or _HEADING.match(value):
            return False
        if not (_spans(grid, r, c) or _spans(grid, r, c - 1)):
            return False
    labels = _column_labels(grid, r, r + 1)
    return any(_field_of(t) for c, _ in cells for t in labels[c])


def _spans(grid: _Grid, r: int, c: int) -> bool:
    """Is header cell (r, c) part of a cell spanning several columns (or empty)?"""
    if c < 0 or c + 1 >= len(grid.rows[r]):
        return c >= 0 and grid.rows[r][c] is None
    right = grid.rows[r][c + 1]
    return grid.rows[r][c] is None or right is None or grid.copies.get((r, c + 1)) == r


def _assign_columns(header: _Header, labels: list[list[str]]) -> None:
    for c, candidates in enumerate(labels):
        for text in candidates:
            f = _field_of(text)
            if f is None:
                continue
            if f not in header.cols or (f in _MULTI_FIELDS and c not in header.cols[f]):
                shown = _WS.sub("", text)
                header.cols.setdefault(f, []).append(c)
                header.labels[f] = f"{header.labels[f]} / {shown}" if f in header.labels else shown
                as_written = _one_line(text)
                header.written[f] = f"{header.written[f]} / {as_written}" if f in header.written else as_written
                header.keys[c] = _label_key(text)
                factor = _unit_factor(text)
                if factor is not None:
                    header.factors[f] = factor
            break


def _unit_factor(text: str) -> Decimal | None:
    key = _label_key(text)
    if "亿元" in key or key.endswith("亿"):
        return Decimal(10000)
    if re.search(r"[(:：]元\)?$|\(元\)", key):
        return Decimal("0.0001")
    if "万元" in key:
        return Decimal(1)
    return None


def _table_title(grid: _Grid, header: _Header) -> tuple[str | None, Decimal | None]:
    """The title among the rows above the header, and a "单位：亿元" line's factor."""
    title, factor = None, None
    for r in range(header.first):
        texts = {_to_text(v) for _, v in grid.own_cells(r)}
        for text in texts:
            if re.match(r"^(金额)?单位[:：]", text):
                factor = _unit_factor(text) or factor
        if len(texts) == 1:
            text = _one_line(texts.pop())
            if not re.match(r"^(附件|附表|单位[:：]|金额单位)", text) and len(text) > len(title or ""):
                title = text
    return title, factor


# --------------------------------------------------------------------------- units

_UNIT_SUFFIXES = (
    "街道", "管委会", "委员会", "办公室", "办事处", "集团", "公司", "中心", "分局", "大队", "支队", "中队",
    "社区", "园区", "开发区", "功能区", "景区", "新区", "大学", "学院", "学校", "医院", "银行", "分行",
    "支行", "指挥部", "小组", "政府", "管理处", "总站",
)
_UNIT_LAST_CHARS = "局委办镇乡院所站社会队行部处联协厅署校馆厂村室团司台场组科股"
_GENERIC_PIECE = re.compile(
    r"(?:区属|区级|县属|市属|所属|全区|各有关|各|有关|相关|其他|其它)*"
    r"(?:镇|乡|乡镇|街道|管委会|功能区|开发区|园区|部门|单位|村|社区|村社|企业|学校|医院|银行|"
    r"人民政府|政府|办事处|管理区|景区|[()（）])+"
)
_SUFFIX_PIECE = re.compile(r"(?:局|委|办|街道|镇|乡|办事处|管委会|委员会|办公室|分局|有限公司|公司|集团|中心|大队|支队)")
_HARD_SEPS = "、，,;；/／|｜\n\t"
_OPEN, _CLOSE = "（([【", "）)]】"
_TRAILING_PAREN = re.compile(r"[（(][^（）()]*[）)]$")
_LIST_NUMBER = re.compile(r"^(?:[0-9]{1,2}[.、．]|[（(][0-9]{1,2}[)）])")
_NO_UNIT = _NIL | {"待定", "略"}


def _split_top(text: str, seps: str) -> list[str]:
    """Split at separators outside brackets: "区商务局(区菜办、区供销社)" stays whole."""
    parts, buf, depth = [], [], 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in seps:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _has_unit_suffix(name: str) -> bool:
    core = _TRAILING_PAREN.sub("", name)
    return len(core) >= 2 and (core.endswith(_UNIT_SUFFIXES) or core[-1] in _UNIT_LAST_CHARS)


def _space_splits(a: str, b: str) -> bool:
    """Does a space between ``a`` and ``b`` separate two units ("沈家门街道 东港街道")
    rather than sit inside one name ("区 住建局", "东港街道 办事处")?"""
    if "各" in a or (_GENERIC_PIECE.fullmatch(a) and _GENERIC_PIECE.fullmatch(b)):
        return True  # "各镇 街道 管委会": split, the collective step joins it again
    if _SUFFIX_PIECE.fullmatch(b) or len(b) < 2:
        return False
    if _has_unit_suffix(a) and (len(_TRAILING_PAREN.sub("", a)) >= 3 or _has_unit_suffix(b)):
        return True
    return len(a) >= 3 and b[0] in "区市省县各" and _has_unit_suffix(b)


def _split_spaced(chunk: str) -> list[str]:
    words = [w for w in _split_top(chunk, " \u3000\xa0") if w]
    out: list[str] = []
    for word in words:
        if out and not _space_splits(out[-1], word):
            out[-1] += word
        else:
            out.append(word)
    return out


def _clean_unit(name: str) -> str:
    name = _LIST_NUMBER.sub("", _WS.sub("", name))
    name = re.sub(r"^(?:牵头单位|责任单位|配合单位|协办单位|主办单位|牵头|责任|配合)[:：]", "", name)
    return name.strip(":：。.·,，;；")


def split_units(text: str | None) -> list[str]:
    """Unit names in a cell, in order, without duplicates.

    Separators are 、，,;；/ and line breaks, and spaces where both sides look like whole
    unit names ("沈家门街道 东港街道") rather than fragments ("区 住建局" → 区住建局).
    Collectives stay whole: "各镇、街道、管委会" is one unit, since an item containing 各
    absorbs the generic items (街道, 管委会, 镇, 乡, 部门, 单位 …) that follow it.
    """
    if not text:
        return []
    return list(_split_units_cached(str(text)))


@lru_cache(maxsize=4096)  # unit cells repeat row after row
def _split_units_cached(text: str) -> tuple[str, ...]:
    text = _nfkc_spaces(text)
    # PDF copies drop the separator before a collective: "区气象局各镇、街道、管委会".
    text = re.sub(rf"(?<=[{_UNIT_LAST_CHARS}])(?=各)", "、", text)
    names: list[str] = []
    for chunk in _split_top(text, _HARD_SEPS):
        for word in _split_spaced(chunk.strip()):
            name = _clean_unit(word)
            if name and name not in _NO_UNIT and _has_content(name):
                names.append(name)
    return tuple(_dedupe(_join_collectives(names)))


def _nfkc_spaces(text: str) -> str:
    return text.replace("\u3000", " ").replace("\xa0", " ").replace("\r", "\n")


def _join_collectives(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if out and "各" in out[-1] and not name.startswith("各") and _GENERIC_PIECE.fullmatch(name):
            out[-1] = f"{out[-1]}、{name}"
        else:
            out.append(name)
    return out


def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    return [n for n in names if not (n in seen or seen.add(n))]


_LEAD_LABELS = r"牵头领导单位|牵头单位|牵头部门|主办单位|主责单位|牵头"
_RESP_LABELS = r"责任单位|责任部门|配合单位|配合部门|协办单位|参与单位|协同单位|实施单位|责任主体|配合"
_UNIT_LABEL = re.compile(rf"({_LEAD_LABELS}|{_RESP_LABELS})\s*[:：]")
_LEAD_LABEL = re.compile(rf"(?:{_LEAD_LABELS})")
_X_LEADS = re.compile(
    r"[（(]([^（）()：:]{2,60}?)牵头(?:[，,、；;]\s*([^（）()：:]{2,60}?)(?:配合|参与|协办|协助|负责))?[)）][。.]?$"
)


def _labelled_units(segment: str) -> tuple[list[str], list[str]]:
    """Units in "牵头单位：区教育局；责任单位：六横镇"."""
    lead: list[str] = []
    resp: list[str] = []
    matches = list(_UNIT_LABEL.finditer(segment))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(segment)
        names = split_units(segment[m.end() : end].strip(" ；;，,。"))
        (lead if _LEAD_LABEL.fullmatch(m.group(1)) else resp).extend(names)
    return lead, resp


def _closing(text: str, opened: int) -> int:
    """Where the bracket opened at `opened` closes, brackets inside it ("各镇（街道）") counted; the end if never."""
    depth = 0
    for i in range(opened, len(text)):
        depth += (text[i] in _OPEN) - (text[i] in _CLOSE)
        if depth == 0:
            return i
    return len(text)


def _units_from_title(title: str) -> tuple[str, list[str], list[str]]:
    """Strip "（牵头单位：…；责任单位：…）", a trailing "牵头单位：…" or "（X牵头，Y配合）"."""
    m = _UNIT_LABEL.search(title)
    if m:
        opened = max(title.rfind("（", 0, m.start()), title.rfind("(", 0, m.start()))
        closed = max(title.rfind("）", 0, m.start()), title.rfind(")", 0, m.start()))
        if opened > closed:
            close = _closing(title, opened)
            lead, resp = _labelled_units(title[opened + 1 : close])
            rest = title[:opened] + title[close + 1 :]
        else:
            lead, resp = _labelled_units(title[m.start() :])
            rest = title[: m.start()]
        return rest.strip(" ，,；;。\n"), lead, resp
    m = _X_LEADS.search(title)
    if m:
        lead, resp = split_units(m.group(1)), split_units(m.group(2))
        if lead and all(_has_unit_suffix(n) or "各" in n for n in lead + resp):
            return title[: m.start()].strip(" ，,；;。"), lead, resp
    return title, [], []


def _lead_markers(names: list[str]) -> tuple[list[str], list[str]]:
    """Split "区教育局（牵头）" out of a unit list: (leads, others)."""
    lead, rest = [], []
    for name in names:
        m = re.fullmatch(r"(.+?)[（(]牵头[)）]", name)
        (lead if m else rest).append(m.group(1) if m else name)
    return lead, rest


# --------------------------------------------------------------------------- statuses

_SYMBOLS: dict[str, str] = {}
for _status, _chars in (
    ("ahead", "□■☐▢◻◼▫▪⬜⬛口囗卍☞☺"),
    ("good", "★☆✩✪✫✬✭✮✯✰⭐*＊"),
    ("average", "—―–-‐‑‒−－﹣━─一⸺⸻"),
    ("slow", "▲△◆◇▴▵▼▽⚠"),
):
    _SYMBOLS.update(dict.fromkeys(_chars, _status))
_SYMBOLS.update({"🟢": "good", "🟡": "average", "🔴": "slow"})
_COLOURS = {"绿": "good", "黄": "average", "红": "slow"}
_STATUS_WORDS = (
    ("slow", ("缓慢", "滞后", "落后", "未完成", "未启动", "未开工", "较慢",
              "slow", "behind", "delayed", "late", "notstarted", "notcompleted", "incomplete", "overdue")),
    ("average", ("一般", "难以评价", "无法评价", "难以判断", "average", "fair", "moderate", "unclear")),
    ("good", ("良好", "正常", "顺利", "序时", "有序", "按计划", "按期", "基本完成", "较好", "较快",
              "good", "ontrack", "onschedule", "normal", "asplanned")),
    ("ahead", ("提前", "完成", "完工", "超额", "办结", "ahead", "done", "completed", "complete", "finished")),
)


def _status_from_words(text: str) -> str | None:
    for status, words in _STATUS_WORDS:
        if any(w in text for w in words):
            return status
    return None


def parse_status(text: str | None, legend: dict[str, str] | None = None) -> str | None:
    """One of STATUSES for a 形象进度 cell (symbol or words), else None."""
    if text is None:
        return None
    s = _WS.sub("", str(text))
    if not s:
        return None
    colour = re.fullmatch(r"([绿黄红])(?:灯|色|牌)?", s)
    if colour:
        return _COLOURS[colour.group(1)]
    by_words = _status_from_words(s.lower())
    if by_words:
        return by_words
    for ch in s:
        if legend and ch in legend:
            return legend[ch]
        if ch in _SYMBOLS:
            return _SYMBOLS[ch]
        if not (ch.isspace() or ch in "（）()[]【】"):
            break
    return None


_LEGEND_PAIR = re.compile(r"([^\w\s，,。；;：:、（）()“”\"'])\s*(?:为|表示|代表|[:：=])?\s*([\u4e00-\u9fff]{2,16})")


def _legend_symbols(text: str) -> dict[str, str]:
    """{symbol: status} from "□为提前完成全年目标，★为推进情况良好…"."""
    out: dict[str, str] = {}
    for m in _LEGEND_PAIR.finditer(text):
        status = _status_from_words(m.group(2))
        if status:
            out.setdefault(m.group(1), status)
    return out


# --------------------------------------------------------------------------- amounts and numbers

_AMOUNT_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(亿|千万|百万|万|千)?(元)?")
_AMOUNT_UNIT = {"亿": Decimal(10000), "千万": Decimal(1000), "百万": Decimal(100), "万": Decimal(1),
                "千": Decimal("0.1")}
_PLAIN_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,6})?")
_AMOUNT_FILLERS = re.compile(r"约|计划|总投资|投资|共计|合计|共|人民币|左右|以上|余|多|[¥￥:：]")


def _amount(value: Any, factor: Decimal) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            return None
        return number if factor == 1 else round(float(Decimal(str(number)) * factor), 6)
    if not isinstance(value, str):
        return None
    if _PLAIN_NUMBER.fullmatch(value):
        return _amount(float(value), factor)
    text = _AMOUNT_FILLERS.sub("", re.sub(r"(?<=[0-9]),(?=[0-9]{3})", "", _WS.sub("", _nfkc(value))))
    parts = list(_AMOUNT_PART.finditer(text))
    if not parts or "".join(m.group(0) for m in parts) != text or len(text) > 40:
        return None
    total = Decimal(0)
    try:
        for m in parts:
            unit = _AMOUNT_UNIT.get(m.group(2) or "")
            if unit is None:
                unit = Decimal("0.0001") if m.group(3) else factor
            total += Decimal(m.group(1)) * unit
    except InvalidOperation:
        return None
    return round(float(total), 6)


def parse_amount(value: Any) -> float | None:
    """An amount in 万元: numbers as they are, "1.2亿" → 12000, "500万元" → 500, "3000元" → 0.3."""
    return _amount(value, Decimal(1))


_INT_TEXT = re.compile(r"(?:no\.?|第)?[(（]?([0-9]{1,6})[)）]?[、.．]?")
_CN_ORDINAL = re.compile(r"[（(]?[一二三四五六七八九十百零〇]+[)）]?[、.．]?")


def _parse_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**7 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value < 1e7 else None
    if isinstance(value, str):
        m = _INT_TEXT.fullmatch(_label_key(value))
        return int(m.group(1)) if m else None
    return None


# --------------------------------------------------------------------------- row kinds

_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇0-9]+[部分章节篇类项]*[、.．:：\s]*"
    r"|[一二三四五六七八九十百零〇]+\s*[、.．:：]"
    r"|[（(]\s*[一二三四五六七八九十百零〇0-9]+\s*[)）][、.．]?"
    r"|[0-9]{1,2}\s*[、．]|[0-9]{1,2}\.(?![0-9])"
    r"|[①-⑳]|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+[、.．]?)\s*"
)
_CN_HEADING = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇]+|[一二三四五六七八九十百零〇]+\s*[、.．:：]|[（(]\s*[一二三四五六七八九十]+\s*[)）])")
_SECTION_ENDING = re.compile(r"(领域|板块|类|方面|篇|专项|部分)(\s*[（(].*[)）])?$")
_COUNT_TAIL = re.compile(r"\s*[（(]\s*(?:共)?[0-9]+\s*[项个件条]\s*[)）]\s*$")
_TOTAL = re.compile(r"(?:合计|总计|小计|共计|总合计|全区合计|全市合计|全县合计|汇总)(?:\(.*\)|[:：]?[0-9.]*[项个件]?)")
_LEGEND = re.compile(r"^(?:备注|注|说明|附注|图例|填表说明|填报说明|形象进度说明|进度说明|状态说明)\s*[0-9]?\s*[:：]")
_NOTE = re.compile(r"^(?:填报单位|填报人|填表人|制表|审核|审核人|联系人|联系电话|报送单位|签发|负责人)")


@lru_cache(maxsize=1024)
def _clean_domain(text: str) -> str | None:
    text = _COUNT_TAIL.sub("", _squash(_one_line(text)))
    text = _HEADING.sub("", text, count=1).strip(" :：、.．")
    return text or None


@dataclass
class _Section:
    domain: str | None
    lead: list[str]
    resp: list[str]


def _section_of(grid: _Grid, r: int, h: _Header) -> _Section | None:
    """The domain heading a row carries ("一、住房安居"), if the row is one."""
    cells = [(c, _to_text(v)) for c, v in grid.own_cells(r)]
    number_col = _col(h, "number")
    if len(cells) == 2 and number_col is not None and cells[0][0] == number_col:
        if not _CN_ORDINAL.fullmatch(_label_key(cells[0][1])):
            return None
        cells = cells[1:]  # "一 | 住房安居领域": a Chinese ordinal in the 序号 column
    if len(cells) != 1:
        return None
    c, text = cells[0]
    if _parse_number(text) is not None or len(text) > 80 or c not in _left_columns(h):
        return None
    headed = _CN_HEADING.match(text) or (c != _col(h, "title") and _HEADING.match(text))
    if not (headed or _SECTION_ENDING.search(text) or c != _col(h, "title")):
        return None
    body, lead, resp = _units_from_title(text)
    return _Section(_clean_domain(body), lead, resp)


def _left_columns(h: _Header) -> set[int]:
    """Columns where a section heading or 合计 can stand: up to the title column, and 序号/领域."""
    title = _col(h, "title") or 0
    return set(range(title + 1)) | {c for f in ("number", "domain") for c in h.cols.get(f, [])}


def _col(h: _Header, name: str) -> int | None:
    cols = h.cols.get(name)
    return cols[0] if cols else None


def _row_kind(grid: _Grid, r: int, h: _Header) -> str | None:
    """A skip reason for rows that are not items ("total", "legend", …), None for item rows."""
    cells = [(c, _to_text(v)) for c, v in grid.own_cells(r)]
    if not any(_has_content(t) for _, t in cells):
        return "empty"
    if _repeats_header(cells, h):
        return "header"
    left = _left_columns(h)
    if any(c in left and t[:1] in "合总小共全汇" and _TOTAL.fullmatch(_label_key(t[:20])) for c, t in cells):
        return "total"
    if len(cells) > 2 or _parse_number(grid.get(r, _col(h, "number"))) is not None:
        return None
    first = _label_key(cells[0][1][:20])
    if _LEGEND.match(first) or len(_legend_symbols(cells[0][1])) >= 2:
        return "legend"
    return "note" if _NOTE.match(first) else None


def _same_label(text: str, key: str) -> bool:
    return text[:1].lower() == key[:1] and len(text) - len(key) < 6 and _label_key(text) == key


def _repeats_header(cells: list[tuple[int, str]], h: _Header) -> bool:
    """A header repeated further down (tables pasted page by page from a PDF)."""
    repeats = sum(1 for c, t in cells if c in h.keys and _same_label(t, h.keys[c]))
    return repeats >= 3 or (repeats >= 2 and repeats == len(cells))


# --------------------------------------------------------------------------- items


@dataclass
class _Draft:
    item: TableItem
    statuses: list[str] = field(default_factory=list)
    section: int = 0


@dataclass
class _Context:
    grid: _Grid
    header: _Header
    now: datetime
    factor: Decimal  # a "单位：亿元" line above the table
    padded_months: bool
    numbered: bool
    skipped: list[tuple[int, str]] = field(default_factory=list)
    bad_deadlines: list[tuple[int, str]] = field(default_factory=list)
    legend: dict[str, str] = field(default_factory=dict)
    deadline_cache: dict[str, date | None] = field(default_factory=dict)
    # The office's working days (its /holiday overrides), for deadlines such as "10个工作日内".
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


def _cell_text(ctx: _Context, r: int, name: str) -> str | None:
    value = ctx.grid.get(r, _col(ctx.header, name))
    return _to_text(value) if value is not None else None


def _free_text(ctx: _Context, r: int, name: str) -> str | None:
    """A progress or problems cell; "无", "/" and the like mean nothing."""
    text = _cell_text(ctx, r, name)
    return None if text is None or text in _NIL else text


def _units(ctx: _Context, r: int, name: str) -> list[str]:
    out: list[str] = []
    for c in ctx.header.cols.get(name, []):
        value = ctx.grid.get(r, c)
        if value is not None:
            out.extend(split_units(_to_text(value)))
    return out


def _money(ctx: _Context, r: int, name: str) -> float | None:
    factor = ctx.header.factors.get(name, ctx.factor)
    return _amount(ctx.grid.get(r, _col(ctx.header, name)), factor)


def _decimals(number_format: str) -> int:
    m = re.search(r"\.(0+)", number_format)
    return len(m.group(1)) if m else 0


def _deadline_as_text(ctx: _Context, r: int, c: int, value: Any) -> str | date | None:
    """A deadline cell as the text to parse, or a date for date cells."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            n = int(value)
            if 20000 < n < 80000:  # an Excel date serial shown as a number
                from openpyxl.utils.datetime import from_excel

                return from_excel(n).date()
            return f"{n}年" if 1990 <= n <= 2100 else str(n)
        fmt = ctx.grid.number_format(r, c) if ctx.grid.number_format else "General"
        places = _decimals(fmt)
        text = f"{value:.{places}f}" if places >= 2 else repr(float(value))
    else:
        text = _to_text(value)
    if ctx.padded_months and re.fullmatch(r"[0-9]{4}[.．]1", text):
        text += "0"  # see the module docstring: 2021.1 → 2021.10
    return text


def _deadline(ctx: _Context, r: int) -> tuple[date | None, str | None]:
    c = _col(ctx.header, "deadline")
    value = ctx.grid.get(r, c)
    if value is None or c is None:
        return None, None
    parsed = _deadline_as_text(ctx, r, c, value)
    if isinstance(parsed, date):
        return parsed, parsed.isoformat()
    shown = parsed if isinstance(parsed, str) else _to_text(value)
    result = _parse_deadline_text(ctx, shown) if parsed else None
    if result is None and _has_content(shown):
        ctx.bad_deadlines.append((ctx.grid.row_no[r], shown))
    return result, shown


def _parse_deadline_text(ctx: _Context, text: str) -> date | None:
    if text not in ctx.deadline_cache:
        try:
            ctx.deadline_cache[text] = parse_deadline(_squash(text), ctx.now, ctx.calendar)
        except Exception:  # a misbehaving date parser must not sink the whole import
            ctx.deadline_cache[text] = None
    return ctx.deadline_cache[text]


def _padded_months(grid: _Grid, h: _Header) -> bool:
    c = _col(h, "deadline")
    if c is None:
        return False
    for r in range(h.last + 1, len(grid.rows)):
        value = grid.own(r, c)
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}[.．]0[1-9]", value.strip()):
            return True
        if isinstance(value, float) and grid.number_format and _decimals(grid.number_format(r, c)) >= 2:
            if f"{value:.2f}".split(".")[1].startswith("0"):
                return True
    return False


def _new_draft(ctx: _Context, r: int, domain: str | None, section: _Section | None, serial: int) -> _Draft:
    title_raw = _cell_text(ctx, r, "title") or ""
    title, t_lead, t_resp = _units_from_title(_one_line(title_raw))
    lead_marked, resp = _lead_markers(_units(ctx, r, "responsible_units"))
    lead = _dedupe(_units(ctx, r, "lead_units") + lead_marked + t_lead)
    resp = _dedupe(resp + t_resp)
    if section and not lead:
        lead = list(section.lead)
    if section and not resp:
        resp = list(section.resp)
    deadline, deadline_text = _deadline(ctx, r)
    number = _parse_number(ctx.grid.get(r, _col(ctx.header, "number"))) if ctx.numbered else None
    item = TableItem(
        number=number,
        title=title,
        domain=domain,
        deadline=deadline,
        deadline_text=deadline_text,
        lead_units=lead,
        responsible_units=resp,
        investment=_money(ctx, r, "investment"),
        fiscal_investment=_money(ctx, r, "fiscal_investment"),
        status=None,
        progress_text=_free_text(ctx, r, "progress_text"),
        problems=_free_text(ctx, r, "problems"),
        rows=[ctx.grid.row_no[r]],
    )
    _add_indicator(ctx, r, item)
    _add_milestones(ctx, r, item)
    draft = _Draft(item, section=serial)
    _add_status(ctx, draft, r)
    return draft


def _add_milestones(ctx: _Context, r: int, item: TableItem) -> None:
    """节点 (bot.milestone_text); numbered lines in the deadline's cell give the item the last one's deadline."""
    item.milestones = row_milestones(_cell_text(ctx, r, "milestones"), item.deadline_text, ctx.now, ctx.calendar)
    last = last_deadline(item.milestones) if item.deadline is None else None
    if last is not None and item.deadline_text:
        if (ctx.grid.row_no[r], item.deadline_text) in ctx.bad_deadlines:
            ctx.bad_deadlines.remove((ctx.grid.row_no[r], item.deadline_text))
        item.deadline, item.deadline_text = last


_UNIT_TAIL = re.compile(r"[（(]\s*([^（）()\s]{1,8}?)\s*[)）]\s*$")
_VALUE_FILLERS = re.compile(r"[≥≤><＞＜=约达到以上以下左右力争不低于不高于超过%‰,，\s]")


def _indicator_value(value: Any) -> float | None:
    """A 基期值 or 目标值 cell as a number: 9720, "54.17", "≥95%", "1,000"; "——" and words are None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = _VALUE_FILLERS.sub("", _nfkc(str(value)))
    return float(text) if re.fullmatch(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?", text) else None


def _binding(text: str | None) -> bool | None:
    """约束性 → True, 预期性 → False."""
    if not text:
        return None
    return True if "约束" in text else False if "预期" in text else None


def _add_indicator(ctx: _Context, r: int, item: TableItem) -> None:
    """Fill the indicator fields of a plan table's row; the unit may stand in the name: "…（元/年）"."""
    item.target_value = _indicator_value(ctx.grid.get(r, _col(ctx.header, "target_value")))
    item.baseline_value = _indicator_value(ctx.grid.get(r, _col(ctx.header, "baseline_value")))
    item.binding = _binding(_cell_text(ctx, r, "binding"))
    item.indicator_unit = _cell_text(ctx, r, "indicator_unit")
    if item.indicator_unit is None and _col(ctx.header, "target_value") is not None:
        m = _UNIT_TAIL.search(item.title)
        if m and not re.search(r"牵头|责任|配合|单位", m.group(1)):
            item.indicator_unit = m.group(1)


def _own_target(ctx: _Context, r: int) -> bool:
    c = _col(ctx.header, "target_value")
    return c is not None and _indicator_value(ctx.grid.own(r, c)) is not None


def _add_status(ctx: _Context, draft: _Draft, r: int) -> None:
    text = _cell_text(ctx, r, "status")
    if text:
        draft.statuses.append(text)


def _join(old: str | None, new: str | None, sep: str) -> str | None:
    if not new or (old and new in old):
        return old
    if not old:
        return new
    if sep == "；" and old[-1] in "。；;，,：:、":
        sep = ""
    return old + sep + new


def _extend(ctx: _Context, draft: _Draft, r: int) -> None:
    """Fold a continuation row into its item: texts joined, units united."""
    more = _new_draft(ctx, r, draft.item.domain, None, draft.section)
    item, extra = draft.item, more.item
    item.title = _join(item.title, extra.title, "；") or ""
    item.lead_units = _dedupe(item.lead_units + extra.lead_units)
    item.responsible_units = _dedupe(item.responsible_units + extra.responsible_units)
    item.progress_text = _join(item.progress_text, extra.progress_text, "\n")
    item.problems = _join(item.problems, extra.problems, "\n")
    if extra.deadline and (item.deadline is None or extra.deadline > item.deadline):
        item.deadline, item.deadline_text = extra.deadline, extra.deadline_text
    item.deadline_text = item.deadline_text or extra.deadline_text
    item.investment = item.investment if item.investment is not None else extra.investment
    if item.fiscal_investment is None:
        item.fiscal_investment = extra.fiscal_investment
    for name in ("indicator_unit", "baseline_value", "target_value", "binding"):
        if getattr(item, name) is None:
            setattr(item, name, getattr(extra, name))
    item.rows.append(ctx.grid.row_no[r])
    draft.statuses.extend(more.statuses)


def _continues(ctx: _Context, r: int, prev: _Draft | None, serial: int) -> bool:
    """Is row ``r`` more of the previous item rather than a new one?"""
    if prev is None or prev.section != serial:
        return False
    grid, h = ctx.grid, ctx.header
    number_col, title_col = _col(h, "number"), _col(h, "title")
    if prev.item.target_value is not None and _own_target(ctx, r) and (
            number_col is None or grid.own(r, number_col) is None):
        return False  # "其中：…" under a numbered indicator is an indicator of its own
    if ctx.numbered and number_col is not None:
        if grid.is_copy(r, number_col):
            return True  # a merged 序号 cell
        own = grid.own(r, number_col)
        if own is not None:
            n = _parse_number(own)
            return n is not None and n == prev.item.number
        return True
    if title_col is not None and grid.get(r, title_col) is not None:
        return grid.is_copy(r, title_col)
    return True


def _worst(statuses: list[str | None]) -> str | None:
    known = [s for s in statuses if s]
    return max(known, key=STATUSES.index) if known else None


def _parse_rows(ctx: _Context) -> list[TableItem]:
    grid, h = ctx.grid, ctx.header
    drafts: list[_Draft] = []
    domain: str | None = None
    section: _Section | None = None
    serial = 0
    domain_col = _col(h, "domain")
    for r in range(h.last + 1, len(grid.rows)):
        kind = _row_kind(grid, r, h)
        if kind == "legend":
            ctx.legend.update(_legend_symbols(" ".join(_to_text(v) for _, v in grid.own_cells(r))))
        if kind:
            ctx.skipped.append((grid.row_no[r], kind))
            continue
        heading = _section_of(grid, r, h)
        if heading:
            section, serial = heading, serial + 1
            domain = heading.domain or domain
            ctx.skipped.append((grid.row_no[r], "section"))
            continue
        if domain_col is not None and grid.get(r, domain_col) is not None:
            new_domain = _clean_domain(_to_text(grid.get(r, domain_col)))
            if new_domain != domain:
                serial += 1
            domain = new_domain
        prev = drafts[-1] if drafts else None
        if _continues(ctx, r, prev, serial) and prev is not None:
            _extend(ctx, prev, r)
        else:
            drafts.append(_new_draft(ctx, r, domain, section, serial))
    return _finish(ctx, drafts)


def _finish(ctx: _Context, drafts: list[_Draft]) -> list[TableItem]:
    items: list[TableItem] = []
    statuses: dict[str, str | None] = {}
    for draft in drafts:
        if not draft.item.title:
            ctx.skipped.extend((row, "no_title") for row in draft.item.rows)
            continue
        for text in draft.statuses:
            if text not in statuses:
                statuses[text] = parse_status(text, ctx.legend)
        draft.item.status = _worst([statuses[s] for s in draft.statuses])
        items.append(draft.item)
    ctx.skipped.sort()
    return items


def _numbered(grid: _Grid, h: _Header) -> bool:
    c = _col(h, "number")
    if c is None:
        return False
    return any(_parse_number(grid.own(r, c)) is not None for r in range(h.last + 1, len(grid.rows)))


def _fill_lost_merges(grid: _Grid, h: _Header) -> None:
    """Where a file lost its merges (a Word table whose merged cells come back empty), a 牵头单位 written
    once at the top of a 主要领域 block applies to the rows below it with an empty domain and lead cell,
    as the merge did. A row with a domain label of its own starts a new block."""
    domain, lead, title = _col(h, "domain"), _col(h, "lead_units"), _col(h, "title")
    if not grid.merges_lost or domain is None or lead is None:
        return
    anchor: int | None = None
    for r in range(h.last + 1, len(grid.rows)):
        if grid.own(r, domain) is not None:
            anchor = r if grid.own(r, lead) is not None else None
        elif grid.own(r, lead) is not None:
            anchor = None  # a lead of its own below an empty domain: the column is not merged here
        elif anchor is not None and title is not None and grid.get(r, title) is not None:
            grid.rows[r][lead] = grid.rows[anchor][lead]
            grid.copies[(r, lead)] = anchor


# --------------------------------------------------------------------------- the table's own period

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}
_MONTH = r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_PERIODS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = (
    # "1—7月", "1-7月份", "1至7月", "一至七月"
    (re.compile(rf"{_MONTH}\s*(?:月份?)?\s*[-—–－~～至到]\s*{_MONTH}\s*月"), lambda m: _month_number(m.group(2))),
    # "前三季度", "第三季度", "三季度", "Q3"
    (re.compile(r"(?:前|第)?([一二三四1-4])\s*季度|\bQ([1-4])\b", re.I),
     lambda m: 3 * _month_number(m.group(1) or m.group(2))),
    (re.compile(r"上半年|半年度|半年|年中|\bH1\b|first\s*half|mid-?year", re.I), lambda m: 6),
    # "全年完成情况", "2021年全年工作推进情况" (not a legend's "完成全年目标")
    (re.compile(r"全年(?=.*(?:进展|完成情况|推进|工作情况|进度))|\b(?:full|whole)[\s-]*year\b", re.I), lambda m: 12),
    # "截至7月底", "7月份进展情况", "7月底前完成情况"
    (re.compile(rf"(?:截至|截止)?\s*{_MONTH}\s*月(?:份|底|末)?(?=.*(?:进展|完成|推进|工作|情况|进度))"),
     lambda m: _month_number(m.group(1))),
)
_TITLE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年")


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS[text]


def _table_period(texts: list[str], now: datetime) -> tuple[date | None, str | None]:
    """The last day of the period the table's progress covers, and the words it was read from.

    The title is read first, then the progress column's header, then the other headers ("1—7月份完成情况",
    "半年度完成情况", "前三季度"). The year is the title's ("2021年…"), else the latest year in which that
    period has ended or is ending by ``now`` (a "1-7月" table sent in February is last year's, on 20 July this
    year's: offices collect a month's progress before it ends).
    """
    year_match = next((m for m in (_TITLE_YEAR.search(t) for t in texts[:1]) if m), None)
    for text in texts:
        squashed = _squash(_nfkc(text)).replace("年份", "年")
        for pattern, month_of in _PERIODS:
            m = pattern.search(squashed)
            if not m:
                continue
            month = month_of(m)
            if not 1 <= month <= 12:
                continue
            year = int(year_match.group(1)) if year_match else now.year
            end = month_end(year, month)
            if year_match is None and end > month_end(now.year, now.month):  # a month to come
                end = month_end(year - 1, month)
            return end, m.group(0).strip()
    return None, None


def _parse_grid(grid: _Grid, header: _Header, sheet: str | None, now: datetime, calendar: WorkCalendar) -> ParsedTable:
    _fill_lost_merges(grid, header)
    title, factor = _table_title(grid, header)
    headers = {f: header.written.get(f, label) for f, label in header.labels.items()}
    above = [_to_text(v) for r in range(header.first) for _, v in grid.own_cells(r)]
    progress_first = sorted(headers.items(), key=lambda kv: kv[0] != "progress_text")
    period_end, period_text = _table_period(
        [title or "", *above, *(label for f, label in progress_first if f not in ("deadline", "title"))], now)
    ctx = _Context(grid, header, now, factor or Decimal(1), _padded_months(grid, header), _numbered(grid, header),
                   calendar=calendar)
    items = _parse_rows(ctx)
    if not items:
        raise TableError("empty", "a header but no task rows")
    return ParsedTable(
        items=items,
        skipped=ctx.skipped,
        bad_deadlines=ctx.bad_deadlines,
        header_row=grid.row_no[header.first],
        columns=dict(header.labels),
        title=title,
        sheet=sheet,
        headers=headers,
        period_end=period_end,
        period_text=period_text,
    )


# --------------------------------------------------------------------------- entry point


def read_table(data: bytes, filename: str, *, now: datetime, calendar: WorkCalendar | None = None,
               max_rows: int = 50_000) -> ParsedTable:
    """Parse an uploaded task table (.xlsx, .xls/.et, .ods, .docx, or CSV in UTF-8/UTF-8-BOM/GBK/GB18030/UTF-16);
    deadlines counted in working days are counted on `calendar`, the office's (the bot and the command line
    always pass it; none is the official calendar alone).

    Raises TableError("too_large" | "not_spreadsheet" | "no_header" | "empty").
    """
    if len(data) > MAX_BYTES:
        raise TableError("too_large", f"{len(data)} bytes, more than {MAX_BYTES}")
    if not data.strip():
        raise TableError("empty", "empty file")
    grids = read_grids(data, filename, max_rows)
    seen_content = False
    for sheet, grid in grids:
        seen_content = seen_content or bool(grid.rows)
        header = _find_header(grid)
        if header is not None:
            table = _parse_grid(grid, header, sheet, now, calendar or WorkCalendar())
            table.file_name, table.read_on = filename, now.date()
            return table
    if not seen_content:
        raise TableError("empty", "no cells with content")
    raise TableError("no_header", "no row with recognisable column labels (任务/牵头单位/完成时限 …)")
