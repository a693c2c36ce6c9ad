"""The I/O side of the points ledger (考核台账): derive a year's entries from the record with `jobs.points`,
write them idempotently (`db.ledger.replace_entries`), and read the ranking and a unit's entries back as
the chat and the dashboard show them. Called in a worker thread.

The flows that add events come in as `jobs.points.Event` (unit, item, day, on time or not, ref):
`closing_events` the year's confirmed 办结 (db.closing), `instruction_events` the answered instructions
(批示, db.instructions).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.context import Services
from bot.dates import format_date
from bot.settings import Settings
from bot.texts import esc, t
from db import closing, instructions, ledger, lists, units
from db import colours as colours_db
from db import items as items_db
from db import reports as reports_db
from db.facts import ItemFacts, item_label
from db.models import ListState, PointEntry
from jobs.history import _cell
from jobs.points import Event, Kind, LedgerRow, ReportEvent, Standing, Weights, ledger_entries, standings
from jobs.supervision import calendar, policy_of


def weights_of(settings: Settings) -> Weights:
    s = settings
    return Weights(on_time=s.points_on_time, late=s.points_late, missing=s.points_missing,
                   sent_back=s.points_sent_back, done_on_time=s.points_done_on_time, done_late=s.points_done_late,
                   answered=s.points_answered, answered_late=s.points_answered_late, base=s.points_base,
                   lead=s.points_lead_factor, co=s.points_co_factor)


def closing_events(session: Session, *, year: int) -> list[Event]:
    """The year's confirmed 办结 (`db.closing.closings`), one Event per unit of the item (its lead and its
    responsible units, weighed by their role), on time when by the deadline (the one in force: an approved
    extension moved it)."""
    return [Event(unit, c.item_id, c.closed_on, c.on_time, f"closing:{c.item_id}")
            for c in closing.closings(session, start=date(year, 1, 1), end=date(year, 12, 31))
            for unit in dict.fromkeys([*c.lead_unit_ids, *c.unit_ids])]


def instruction_events(session: Session, *, year: int, tz: ZoneInfo) -> list[Event]:
    """The year's answers to leaders' instructions (批示, `db.instructions.answered`), one Event per unit that
    answered, on time when by the date the instruction set (always, when it set none)."""
    since = datetime(year, 1, 1, tzinfo=tz)
    answers = instructions.answered(session, since=since, until=since.replace(year=year + 1))
    events = []
    for a in answers:
        day = a.answered_at.astimezone(tz).date()
        events.append(Event(a.unit_id, a.item_id, day, a.act_by is None or day <= a.act_by,
                            f"instruction:{a.instruction_id}"))
    return events


def year_facts(session: Session, *, year: int, today: date) -> list[ItemFacts]:
    """The items a year's ledger scores: those of the lists of that 考核年度, closed ones too (a closed list's
    record stays scored), and of an earlier year's list still active (its tasks run on); never a later
    year's list, whatever its items' creation dates (a list carried into in December asks nothing of it)."""
    scored = [x for x in lists.lists(session)
              if x.year == year or (x.year < year and x.state == ListState.ACTIVE.value)]
    return [f for task_list in scored
            for f in reports_db.item_facts(session, today=today, list_id=task_list.id, with_reports=False)]


def recompute_ledger(services: Services, year: int) -> ledger.Written:
    """Write a year's ledger as the record has it now (up to today, or the year's end for a past year)."""
    now = services.clock.now()
    today = min(now.date(), date(year, 12, 31))
    try:
        return _recompute(services, year, today)
    except IntegrityError:  # a recompute of the same year beside this one wrote first: go again over its rows
        return _recompute(services, year, today)


def _recompute(services: Services, year: int, today: date) -> ledger.Written:
    now = services.clock.now()
    tz = services.settings.tz
    with services.db.session() as session:
        facts = year_facts(session, year=year, today=today)
        reports = [ReportEvent(r.id, r.item_id, r.unit_id, r.period, r.created_at.astimezone(tz).date(), r.status,
                               None if r.returned_at is None else r.returned_at.astimezone(tz).date())
                   for r in ledger.ledger_reports(session, year=year)]
        entries = ledger_entries(facts, reports, year=year, today=today, policy=policy_of(services),
                                 cal=calendar(session), weights=weights_of(services.settings),
                                 closings=closing_events(session, year=year),
                                 instructions=instruction_events(session, year=year, tz=tz))
        rows = ({"unit_id": e.unit_id, "year": e.year, "month": e.month, "kind": e.kind.value, "item_id": e.item_id,
                 "ref": e.ref, "role": e.role.value, "points": e.points, "day": e.day} for e in entries)
        return ledger.replace_entries(session, year=year, entries=rows, now=now)


def ranked_units(services: Services, year: int, month: int | None, *, fresh: bool = True) -> list[Standing]:
    """The units ranked by their ledger for a month (or the year), after bringing the ledger up to date
    (unless `fresh` is False: the caller just did): every unit that reports on an item, or has an entry."""
    if fresh:
        recompute_ledger(services, year)
    with services.db.session() as session:
        rows = ledger.sums_of(session, year=year, month=month)
        names = units.unit_names(session)
        today = min(services.clock.now().date(), date(year, 12, 31))
        reporting = {u for f in year_facts(session, year=year, today=today) for u in f.reporting_unit_ids}
    scored = reporting | {r.unit_id for r in rows}
    ranked = {u: n for u, n in names.items() if u in scored}
    return standings([LedgerRow(r.unit_id, r.month, r.kind, r.points) for r in rows], ranked)


COUNTED = (Kind.ON_TIME, Kind.LATE, Kind.MISSING, Kind.SENT_BACK, Kind.DONE_ON_TIME, Kind.DONE_LATE, Kind.ANSWERED,
           Kind.ANSWERED_LATE)


def counts_text(lang: str, found: Mapping[str, int]) -> str:
    parts = [t(lang, "ledger.count", kind=t(lang, f"ledger.kind.{k.value}"), count=found[k.value])
             for k in COUNTED if found.get(k.value)]
    return t(lang, "list_sep").join(parts) or t(lang, "ledger.nothing")


def method_line(lang: str, weights: Weights) -> str:
    return t(lang, "ledger.method", base=f"{weights.base:g}", lead=f"{weights.lead:g}", co=f"{weights.co:g}",
             **{k.value: f"{weights.of(k):+g}" for k in COUNTED})


def ranking_lines(services: Services, lang: str, year: int, month: int | None) -> list[str]:
    """The ranking of a month (or with None the year so far) from the ledger: title, a line per unit, the
    method under the table."""
    weights = weights_of(services.settings)
    ranked = ranked_units(services, year, month)
    lines = [t(lang, "ranking.title", year=year, month=month) if month else t(lang, "ledger.year_title", year=year)]
    if not ranked:
        return [*lines, t(lang, "ranking.empty")]
    for s in ranked:
        lines.append(t(lang, "ledger.line", rank=s.rank, unit=esc(s.name), score=f"{s.score(weights.base):g}",
                       points=f"{s.points:+g}", detail=counts_text(lang, s.counts)))
    return [*lines, method_line(lang, weights)]


@dataclass(frozen=True)
class UnitLedger:
    unit_id: int
    name: str
    year: int
    entries: Sequence[PointEntry]
    numbers: dict[int, tuple[int | str, str]]  # item id → (number, or 民生12 across lists; title)

    @property
    def total(self) -> float:
        return round(sum(e.points for e in self.entries), 2)

    @property
    def on_time_rate(self) -> float | None:
        due = [e for e in self.entries if e.kind in (Kind.ON_TIME, Kind.LATE, Kind.MISSING)]
        return sum(e.kind == Kind.ON_TIME for e in due) / len(due) if due else None


def unit_ledger(services: Services, unit_id: int, year: int, *, fresh: bool = True) -> UnitLedger:
    """A unit's entries of a year, by day, with their items' numbers and titles."""
    if fresh:
        recompute_ledger(services, year)
    with services.db.session() as session:
        entries = ledger.entries_of(session, year=year, unit_id=unit_id)
        items = items_db.items_by_id(session, ids={e.item_id for e in entries})
        name = units.unit_names(session).get(unit_id, f"#{unit_id}")
        # Entries of several lists (a year's 民生 and 重点, closed ones too) name each item with its list.
        several = len({i.list_id for i in items.values()}) > 1 or lists.several_active(session)
        codes = lists.codes(session) if several else {}
    return UnitLedger(unit_id, name, year, entries, {
        i: (item_label(codes[item.list_id], item.number) if item.list_id in codes else item.number, item.title)
        for i, item in items.items()})


def entry_line(lang: str, found: UnitLedger, e: PointEntry) -> str:
    number, title = found.numbers.get(e.item_id, (0, "?"))
    return t(lang, "ledger.entry", date=format_date(e.day, lang), number=number, title=esc(title),
             kind=t(lang, f"ledger.kind.{e.kind}"), role=t(lang, f"ledger.role.{e.role}"), points=f"{e.points:+g}")


def unit_ledger_title(lang: str, found: UnitLedger, base: float) -> str:
    return t(lang, "ledger.unit_title", unit=esc(found.name), year=found.year, points=f"{found.total:+g}",
             score=f"{base + found.total:g}", base=f"{base:g}", count=len(found.entries))


@dataclass(frozen=True)
class UnitView:
    """What the dashboard's unit page shows of the ledger: the unit's place this month and last, its year's
    entries, and its items' colours kept month by month."""

    months: list[tuple[int, int, Standing | None, int]]  # year, month, the unit's standing, units ranked
    ledger: UnitLedger
    colours: dict[int, dict[str, str]]


def unit_view(services: Services, unit_id: int, item_ids: Sequence[int], today: date) -> UnitView:
    """The ledger brought up to date once per year shown, then read for one unit."""
    previous = (today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1)
    for year in sorted({today.year, previous[0]}):
        recompute_ledger(services, year)
    months = []
    for year, month in ((today.year, today.month), previous):
        ranked = ranked_units(services, year, month, fresh=False)
        months.append((year, month, next((s for s in ranked if s.unit_id == unit_id), None), len(ranked)))
    with services.db.session() as session:
        colours = colours_db.monthly_colours(session, item_ids=item_ids, year=today.year)
    return UnitView(months, unit_ledger(services, unit_id, today.year, fresh=False), colours)


LEDGER_COLUMNS = (("date", 16), ("number", 6), ("title", 40), ("kind", 14), ("role", 8), ("points", 8))


def ledger_workbook(lang: str, found: UnitLedger, base: float) -> bytes:
    """A unit's ledger of a year as an .xlsx: a title row, the header, one row per entry, the total."""
    # openpyxl on first use: most processes never write a workbook.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = t(lang, "ledger.sheet")
    ws.cell(row=1, column=1, value=_cell(t(lang, "ledger.file_title", unit=found.name, year=found.year))).font = \
        Font(bold=True, size=14)
    for c, (key, width) in enumerate(LEDGER_COLUMNS, start=1):
        ws.cell(row=2, column=c, value=t(lang, f"ledger.col.{key}")).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, e in enumerate(found.entries, start=3):
        number, title = found.numbers.get(e.item_id, (0, "?"))
        values = (e.day, number, _cell(title), t(lang, f"ledger.kind.{e.kind}"), t(lang, f"ledger.role.{e.role}"),
                  e.points)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a title starting with "=" stays text
    last = len(found.entries) + 3
    ws.cell(row=last, column=len(LEDGER_COLUMNS) - 1,
            value=t(lang, "ledger.col.total", base=f"{base:g}")).font = Font(bold=True)
    ws.cell(row=last, column=len(LEDGER_COLUMNS), value=round(base + found.total, 2)).font = Font(bold=True)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
