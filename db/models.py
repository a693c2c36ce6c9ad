"""Every table of the bot, in one module (SQLModel).

Times are aware datetimes stored as UTC; dates (deadlines) are plain dates in the office's
time zone. Telegram ids are 64-bit, hence BigInteger.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, false
from sqlalchemy import text as sql_text  # the reports' own `text` field shadows it in their class
from sqlmodel import Field, SQLModel

# The marks and cycles are facts the rules share (db.facts); importing them from here still works.
from db.facts import ReportCycle as ReportCycle
from db.facts import Status as Status
from db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    LEAD = "lead"  # 牵头单位
    RESPONSIBLE = "responsible"  # 责任单位


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Person(SQLModel, table=True):
    """Anyone who talked to the bot; remembers their language."""

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    full_name: str = ""
    username: str | None = None
    language: str | None = None
    created_at: datetime = _when(default_factory=utcnow)


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = _when(default_factory=utcnow)


class Contact(SQLModel, table=True):
    """A Telegram user who reports for a unit."""

    __table_args__ = (UniqueConstraint("telegram_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    reachable: bool = True
    # A backup contact (备用联络员) gets a reminder only when the unit's contacts have not acknowledged it.
    backup: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = _when(default_factory=utcnow)


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id")
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when()
    used_at: datetime | None = _when(default=None)
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    backup: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ListState(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # at the year's end: read-only, no reminders, everything kept


class TaskList(SQLModel, table=True):
    """A list of tasks (清单) for one assessment year (考核年度), e.g. 2021年民生实事; items are numbered within it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = ""  # the office's own word: 重点工作, 民生实事, …
    year: int  # 考核年度: entered or read from the table's title, never guessed from deadlines
    code: str = Field(unique=True, index=True)  # short, for typing: 民生12
    state: str = Field(default=ListState.ACTIVE.value, index=True)
    created_at: datetime = _when(default_factory=utcnow)
    closed_at: datetime | None = _when(default=None)


class ChatList(SQLModel, table=True):
    """The list a chat works in (picked with /list): a bare #12 there means that list's item 12."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    list_id: int = Field(foreign_key="tasklist.id")
    updated_at: datetime = _when(default_factory=utcnow)


class Item(SQLModel, table=True):
    """One task of the year's table (年度目标任务 / 重点工作 / 民生实事)."""

    __table_args__ = (UniqueConstraint("list_id", "number", name="uq_item_list_id_number"),)
    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="tasklist.id", index=True)
    number: int = Field(index=True)  # within its list
    carried_from_id: int | None = Field(default=None, foreign_key="item.id")  # 结转: last year's item
    title: str
    domain: str | None = Field(default=None, index=True)
    deadline: date | None = None
    deadline_text: str | None = None
    start_date: date
    investment: float | None = None  # 万元
    fiscal_investment: float | None = None  # 万元
    report_cycle: str = ReportCycle.MONTHLY.value
    # A numeric indicator (指标), as in a five-year plan: a report may then give the current value.
    indicator_unit: str | None = None  # e.g. "%", "万人", "公里"
    baseline_value: float | None = None
    target_value: float | None = None
    binding: bool | None = None  # 约束性 (True) or 预期性 (False)
    archived: bool = Field(default=False, index=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    # ---- review: 办结 on review and cancellation (db.closing). "" open, requested (a unit reported 已完成,
    # awaiting review), closed (办结, confirmed), cancelled (an approved 取消: out of every total).
    closing_state: str = Field(default="", index=True, sa_column_kwargs={"server_default": ""})
    closed_on: date | None = None
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    closing_note: str | None = None


class ItemUnit(SQLModel, table=True):
    """Which units lead an item and which are responsible for it."""

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
    role: str = Field(primary_key=True)
    position: int = 0


class ProgressReport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    reporter_id: int | None = Field(default=None, sa_type=BigInteger)
    period: str = Field(index=True)
    created_at: datetime = _when(default_factory=utcnow, index=True)
    text: str
    percent: int | None = None
    current_value: float | None = None  # for indicator items
    status: str
    problems: str | None = None
    evidence: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    source: str = "chat"
    # 退办: a returned report stays in the history but no longer counts as reported.
    returned_at: datetime | None = _when(default=None)
    returned_by: int | None = Field(default=None, sa_type=BigInteger)
    return_reason: str | None = None
    # Corrected within REPORT_EDIT_HOURS: the row is the current version, earlier ones are ReportVersions.
    version: int = Field(default=1, sa_column_kwargs={"server_default": sql_text("1")})
    edited_at: datetime | None = _when(default=None)
    # The dialogue's draft it came from: a second submit of the same draft (after a restart) stores nothing.
    draft_id: str | None = Field(default=None, unique=True, index=True)


class ReportVersion(SQLModel, table=True):
    """An earlier version of a corrected report, as it stood until it was replaced."""

    __table_args__ = (UniqueConstraint("report_id", "version", name="uq_reportversion_report_id_version"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="progressreport.id", index=True)
    version: int
    saved_at: datetime = _when()  # when this version was written
    replaced_at: datetime = _when()
    replaced_by: int | None = Field(default=None, sa_type=BigInteger)
    text: str
    percent: int | None = None
    current_value: float | None = None
    status: str
    problems: str | None = None
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the correction's dialogue


class ExtensionRequest(SQLModel, table=True):
    """A unit's request to move an item's deadline (延期申请), and the admins' decision."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    requested_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)
    original_deadline: date | None = None  # the deadline when the request was made
    requested_deadline: date
    requested_text: str
    reason: str
    status: str = Field(default="pending", index=True)  # pending → approved | refused
    decided_at: datetime | None = _when(default=None)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    comment: str | None = None
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the request's dialogue


class MonthlyColour(SQLModel, table=True):
    """An item's warning colour (三色预警) for a month, kept so its course over the year can be shown."""

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    month: str = Field(primary_key=True)  # 2021-07
    colour: str  # green, yellow, red
    percent: int | None = None
    time_progress: int | None = None
    missed: int = 0
    recorded_at: datetime = _when(default_factory=utcnow)


class Absence(SQLModel, table=True):
    """A contact away (请假) for some days, and the colleague of the same unit standing in."""

    __table_args__ = (Index("ix_absence_unit_id_ends", "unit_id", "ends"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    unit_id: int = Field(foreign_key="unit.id")
    stand_in_id: int = Field(foreign_key="contact.id")
    starts: date
    ends: date  # inclusive
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)
    cancelled_at: datetime | None = _when(default=None)


class Reminder(SQLModel, table=True):
    """One item due for one unit, for one reason and period: written once, sent once."""

    __table_args__ = (UniqueConstraint("item_id", "unit_id", "reason", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    reason: str
    period: str
    created_at: datetime = _when(default_factory=utcnow)
    status: str = Field(default="pending", index=True)  # pending → sent, or expired when stale
    sent_at: datetime | None = _when(default=None)
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")


class SentMessage(SQLModel, table=True):
    """A reminder or digest message as delivered, so replies can find what they answer."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    chat_id: int = Field(sa_type=BigInteger, index=True)
    message_id: int
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    item_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    sent_at: datetime = _when(default_factory=utcnow)


class DigestLog(SQLModel, table=True):
    """A scheduled digest already posted for a chat and week."""

    __table_args__ = (UniqueConstraint("chat_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    period: str
    sent_at: datetime = _when(default_factory=utcnow)


class BotSetting(SQLModel, table=True):
    """Settings changed from the chat (e.g. the digest group set by /setgroup)."""

    key: str = Field(primary_key=True)
    value: str


class Outbox(SQLModel, table=True):
    """A message to send, written before it is sent: claimed, sent and marked, never lost."""

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)  # e.g. reminder:<unit>:<reason>:<period>
    kind: str  # reminder, digest, escalation, notice
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", index=True)  # pending, claimed, sent, failed, expired
    attempts: int = 0
    created_at: datetime = _when(default_factory=utcnow)
    not_before: datetime = _when(default_factory=utcnow)
    claimed_at: datetime | None = _when(default=None)
    claimed_by: str | None = None
    sent_at: datetime | None = _when(default=None)
    last_error: str | None = None
    # The 收到 button of a reminder: who pressed it, when.
    acked_at: datetime | None = _when(default=None)
    acked_by: int | None = Field(default=None, sa_type=BigInteger)


class Lease(SQLModel, table=True):
    """Who sends the outbox now: one process at a time, so replicas keep one pace between them and
    none takes back rows another is still sending. Held while draining, renewed every few seconds."""

    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime = _when()


class Snooze(SQLModel, table=True):
    """An item left out of a unit's reminders until a day."""

    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    unit_id: int = Field(foreign_key="unit.id")
    until: date
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)


class CalendarOverride(SQLModel, table=True):
    """An admin's correction of the official calendar: a day off or an extra working day."""

    day: date = Field(primary_key=True)
    workday: bool
    note: str | None = None
    created_by: int | None = Field(default=None, sa_type=BigInteger)


class BotState(SQLModel, table=True):
    """PTB persistence kept in the database: conversations, user and chat data."""

    namespace: str = Field(primary_key=True)  # conversation:<name>, user_data, chat_data, bot_data, callback_data
    key: str = Field(primary_key=True)
    value: Any = Field(default=None, sa_type=JSON)
    updated_at: datetime = _when(default_factory=utcnow)


# ---- review: 办结 on review, adjustments and cancellations (db.closing)


class ClosingReview(SQLModel, table=True):
    """One request to close an item (申请办结: a unit's 已完成 report, or an admin closing it directly) and its
    decision: the item's history of requests, refusals and confirmations."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    requested_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)
    status: str = Field(default="requested", index=True)  # requested → closed | refused
    decided_at: datetime | None = _when(default=None)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = None  # why it was sent back, or the admin's note on a direct close
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the decision's dialogue


class Adjustment(SQLModel, table=True):
    """A unit's request to change an item's title, target or units, or to cancel it (调整 / 取消), with the
    item as it was and as asked, and the admins' decision."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    requested_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _when(default_factory=utcnow)
    kind: str  # title, target, units, cancel
    before: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    after: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reason: str
    status: str = Field(default="pending", index=True)  # pending → approved | refused
    decided_at: datetime | None = _when(default=None)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    comment: str | None = None
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the request's dialogue


class Milestone(SQLModel, table=True):
    """A milestone (节点) of an item: a step with its own deadline and, when it differs, its own unit."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    position: int = 0
    title: str
    deadline: date | None = None
    deadline_text: str | None = None
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # else the item's responsible units
    done_at: datetime | None = _when(default=None)
    done_report_id: int | None = Field(default=None, foreign_key="progressreport.id")
    created_at: datetime = _when(default_factory=utcnow)
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the /node confirmation it came from


# ---- instructions: leaders' instructions (领导批示)


class Instruction(SQLModel, table=True):
    """A leader's instruction on an item (领导批示), as an admin recorded it."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    leader: str  # who gave it, as written: "区长 张三"
    given_on: date
    text: str
    act_by: date | None = None  # the day by which the units must act (承办期限), when the leader set one
    act_by_text: str | None = None  # as the admin wrote it ("8月底前")
    recorded_by: int = Field(sa_type=BigInteger)
    recorded_at: datetime = _when(default_factory=utcnow)
    draft_id: str | None = Field(default=None, unique=True, index=True)  # the /instruct dialogue's


class InstructionAck(SQLModel, table=True):
    """One unit an instruction went to: written when it is recorded, then acknowledged (收到) once by one
    of the unit's contacts, and answered by the unit's next report on the item."""

    __table_args__ = (UniqueConstraint("instruction_id", "unit_id", name="uq_instructionack_instruction_id_unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    instruction_id: int = Field(foreign_key="instruction.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str  # the unit's role on the item when the instruction was recorded (lead / responsible)
    acked_by: int | None = Field(default=None, sa_type=BigInteger)
    acked_at: datetime | None = _when(default=None)
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")  # the report that answered it
    answered_at: datetime | None = _when(default=None)


# ---- ledger: the points ledger (考核台账)
class PointEntry(SQLModel, table=True):
    """One entry of a unit's points ledger, tied to the event that caused it (`ref`, e.g. "report:123"):
    derived from the record by `jobs.points` and kept here so a ranking is their sum."""

    __table_args__ = (UniqueConstraint("unit_id", "kind", "ref", name="uq_pointentry_unit_id_kind_ref"),
                      Index("ix_pointentry_year_month", "year", "month"))
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    month: int
    kind: str  # on_time, late, missing, sent_back, done_on_time, done_late, answered, answered_late
    item_id: int = Field(foreign_key="item.id")
    ref: str
    role: str  # lead, co
    points: float
    day: date  # the event's day (office time): the due day, the send-back's, the 办结's
    created_at: datetime = _when(default_factory=utcnow)
