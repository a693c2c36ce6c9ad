"""The plain data a task table is read into (by ``bot.tables``) and stored from (by ``db.imports``).

Standard library only, so the storage layer can take a parsed table without importing the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

STATUSES = ("ahead", "good", "average", "slow")


@dataclass
class TableItem:
    number: int | None  # 序号; None when the table has no number column (then the caller numbers them)
    title: str
    domain: str | None
    deadline: date | None
    deadline_text: str | None  # as written, for echoing back
    lead_units: list[str]
    responsible_units: list[str]
    investment: float | None  # 万元
    fiscal_investment: float | None  # e.g. 其中：区财政安排(万元)
    status: str | None  # one of STATUSES
    progress_text: str | None
    problems: str | None
    rows: list[int]  # 1-based source rows
    # A numeric indicator (指标) of a plan table: 单位, 基期值, 目标值, 属性 (约束性 / 预期性).
    indicator_unit: str | None = None
    baseline_value: float | None = None
    target_value: float | None = None
    binding: bool | None = None  # 约束性 True, 预期性 False
    # Milestones (节点): (title, deadline, deadline as written), from a 节点安排 column or numbered lines in a cell.
    milestones: list[tuple[str, date | None, str | None]] = field(default_factory=list)


@dataclass
class ListTarget:
    """The task list a table goes into: an existing one (`list_id`), or a new one of that name, year, kind."""

    list_id: int | None = None
    name: str = ""
    year: int = 0
    kind: str = ""
    code: str = ""  # an existing list's; a new list's is chosen when it is created


@dataclass
class ParsedTable:
    items: list[TableItem]
    skipped: list[tuple[int, str]]  # (row, reason key: "total", "legend", "empty", "section", "no_title", ...)
    bad_deadlines: list[tuple[int, str]]  # (row, text)
    header_row: int
    columns: dict[str, str]  # field name -> header text found (spaces removed, for matching and messages)
    title: str | None  # the title row text, if any
    sheet: str | None
    # field name -> the column's header as the office wrote it ("其中：区财政安排(万元)"), for the export
    headers: dict[str, str] = field(default_factory=dict)
    # The period the table's progress covers, read from its title or a header ("1—7月", "半年度", "前三季度"):
    # its last day, and the words it was read from; None when the table does not say.
    period_end: date | None = None
    period_text: str | None = None
    file_name: str | None = None  # the uploaded file's name, for the preview shown again after an edit
    # Unit names the admin chose to treat as one: merged name -> the name kept (the other becomes an alias).
    unit_merges: dict[str, str] = field(default_factory=dict)
    read_on: date | None = None  # the day it was read: its progress's period when the table names none
    # The admin merged the rows whose title is another task than the item with their number (not the default).
    merge_different: bool = False
    target: ListTarget | None = None  # the list it goes into; None: the one the title proposes (db.imports)

