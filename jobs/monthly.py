"""Month-on-month (环比) as read from the database and said in the notices: a month's facts (colours kept
or so far, overdue, done, reported) and the sentence of `jobs.month_on_month.compare`. Called in a worker
thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from sqlmodel import Session

from bot.context import Services
from bot.dates import format_date
from bot.texts import esc, t
from db import colours as colours_db
from db import ledger
from db.facts import ItemFacts, shown
from jobs.month_on_month import ALL_CHANGES, Changes, MonthFacts, compare, done_ids
from jobs.rules import Colour
from jobs.supervision import month_cutoff, month_warnings, previous_month

NAMED = 10  # items named per change; beyond that "等 N 项"
TITLE_CHARS = 14


def month_facts(services: Services, session: Session, year: int, month: int) -> tuple[MonthFacts, list[ItemFacts]]:
    """A month as it stood at its end (so far, for the current month): a finished month's colours are those
    kept for it (MonthlyColour), the current month's are today's."""
    now = services.clock.now()
    facts, warnings, as_of = month_warnings(services, session, year, month, now.date())
    last, cutoff = month_cutoff(services, year, month)
    kept = colours_db.colours_of_month(session, month=f"{year}-{month:02d}") if as_of == last else {}
    colours = {i: Colour(kept.get(i, w.colour.value)) for i, w in warnings.items()}
    start = datetime.combine(last.replace(day=1), time(0), services.settings.tz)
    reported = ledger.items_reported_between(session, start=start, end=min(cutoff, now))
    known = {f.id for f in facts}
    return MonthFacts(colours=colours, overdue=frozenset(i for i, w in warnings.items() if w.overdue_days),
                      done=done_ids(facts), reported=frozenset(reported & known)), facts


def month_changes(services: Services, year: int, month: int) -> tuple[Changes, dict[int, tuple[str, str]]]:
    """What changed in a month since the one before; the items as messages name them ("12", "民生12") and
    their titles."""
    before_year, before_month = previous_month(date(year, month, 1))
    with services.db.session() as session:
        before, _ = month_facts(services, session, before_year, before_month)
        after, facts = month_facts(services, session, year, month)
    items = {f.id: (f.ref, f.title) for f in facts}
    return compare(before, after, {f.id: f.number for f in facts}), items


def short_name(ref: str | int, title: str) -> str:
    title = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + "…"
    return f"{shown(ref)} {esc(title)}"


def names_text(lang: str, ids: Sequence[int], items: Mapping[int, tuple[str, str]]) -> str:
    named = t(lang, "list_sep").join(short_name(*items.get(i, ("?", "?"))) for i in ids[:NAMED])
    return named + (t(lang, "mom.more", count=len(ids)) if len(ids) > NAMED else "")


def changes_line(lang: str, changes: Changes, items: Mapping[int, tuple[str, str]]) -> str:
    """One sentence: "与上月相比：转为红色 2 项（#12 …、#35 …），新办结 3 项（…），新报送 40 项。"."""
    parts = [t(lang, f"mom.{name}", count=len(ids), names=names_text(lang, ids, items))
             for name in ALL_CHANGES if (ids := getattr(changes, name))]
    if not changes.colours_moved:
        parts.insert(0, t(lang, "mom.colours_same"))
    return t(lang, "mom.summary", parts=t(lang, "mom.sep").join(parts))


def month_on_month_lines(services: Services, lang: str, year: int, month: int) -> list[str]:
    """The 环比 of a month: a title and the sentence (for /status 环比 and the first notice of a month)."""
    changes, items = month_changes(services, year, month)
    today = services.clock.now().date()
    title = t(lang, "mom.title", year=year, month=month)
    if (today.year, today.month) == (year, month):
        title += t(lang, "mom.so_far", date=format_date(today, lang))
    return [title, changes_line(lang, changes, items)]
