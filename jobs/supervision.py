"""The I/O side of supervision: today's colours, the colours kept for each month, the monthly ranking
(from the points ledger, `jobs.ledger`), what the digest says of them, and the digest's text and chart as read from the database (called in a
worker thread: with 10,000 items each takes most of a second). The rules themselves are pure
(`jobs.rules`, `jobs.warnings`, `jobs.ranking`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot.context import Services
from bot.dates import format_date
from bot.texts import esc, t
from db import calendar as calendar_db
from db import closing, colours, contacts, extensions, lists, outbox, reports, units
from db.facts import ItemFacts, month_end, period_key, shift_period
from db.models import MonthlyColour
from jobs.digest import ListPart, Supervision, build_digest, lists_notice
from jobs.policy import Policy
from jobs.rules import Assessed, assess
from jobs.warnings import Warning, warnings_for
from jobs.workdays import WorkCalendar

ACK_DAYS = 7  # the digest counts the receipts of the last week's reminders


def calendar(session: Session) -> WorkCalendar:
    return WorkCalendar(calendar_db.calendar_overrides(session))


def policy_of(services: Services) -> Policy:
    s = services.settings
    return Policy(lead_days=tuple(s.reminder_lead_days), report_day=s.report_day, weekly_day=s.weekly_report_day,
                  before_due_days=tuple(s.report_reminder_days), missed_followups=tuple(s.missed_followup_workdays),
                  escalate_after=s.escalate_after_misses)


def warnings_on(services: Services, session: Session, facts: Sequence[ItemFacts], today: date) -> dict[int, Warning]:
    """Each item's colour on a day, from facts as they stood then."""
    return warnings_for(facts, today, policy_of(services), calendar(session), services.settings.warning_thresholds)


def month_of(day: date) -> str:
    return period_key("monthly", day)


def month_cutoff(services: Services, year: int, month: int) -> tuple[date, datetime]:
    """A month's last day and the instant after it (midnight, office time)."""
    last = month_end(year, month)
    return last, datetime.combine(last + timedelta(days=1), time(0), services.settings.tz)


def month_warnings(services: Services, session: Session, year: int, month: int,
                   today: date) -> tuple[list[ItemFacts], dict[int, Warning], date]:
    """The items and their colours at the end of a month (today, for the current month), from the reports
    written by then."""
    last, cutoff = month_cutoff(services, year, month)
    as_of = min(today, last)
    facts = reports.item_facts(session, today=as_of, before=cutoff if as_of == last else None)
    return facts, warnings_on(services, session, facts, as_of), as_of


def record_month_colours(services: Services, year: int, month: int, *, overwrite: bool) -> int:
    """Keep each item's colour for a month (as of its end, or so far for the current month); the monthly
    job writes a finished month over what was kept, on demand only what is missing is written. Returns how
    many colours were written."""
    now = services.clock.now()
    with services.db.session() as session:
        _, warnings, _ = month_warnings(services, session, year, month, now.date())
        rows = [MonthlyColour(item_id=w.item_id, month=f"{year}-{month:02d}", colour=w.colour.value,
                              percent=w.percent, time_progress=None if w.progress is None else round(w.progress * 100),
                              missed=w.missed, recorded_at=now) for w in warnings.values()]
        return colours.save_monthly_colours(session, month=f"{year}-{month:02d}", rows=rows, overwrite=overwrite)


def month_missing(services: Services, year: int, month: int) -> bool:
    """Whether no colour of that month was kept (the bot was down on the first working day after it)."""
    with services.db.session() as session:
        return not colours.month_kept(session, month=f"{year}-{month:02d}")


def previous_month(day: date) -> tuple[int, int]:
    earlier = shift_period("monthly", day, -1)
    return earlier.year, earlier.month


def first_workday_of_month(day: date, cal: WorkCalendar) -> bool:
    return cal.is_workday(day) and cal.next_workday(day.replace(day=1)) == day


def ranking_text_lines(services: Services, lang: str, year: int, month: int) -> list[str]:
    """The month's ranking as /ranking and the monthly digest print it: from the points ledger."""
    # Imported here: jobs.ledger reads this module's calendar and policy.
    from jobs.ledger import ranking_lines as ledger_lines

    return ledger_lines(services, lang, year, month)


def digest_supervision(services: Services, session: Session, facts: Sequence[ItemFacts], today: date, *,
                       ranking: Sequence[str] = (), changes: Sequence[str] = ()) -> Supervision:
    """Colours, extensions and receipts for the digest of today."""
    since = services.clock.now() - timedelta(days=ACK_DAYS)
    return Supervision(
        warnings=warnings_on(services, session, facts, today),
        extended=extensions.extended_items(session, item_ids=[f.id for f in facts]),
        acks=outbox.ack_counts(session, since=since), ack_days=ACK_DAYS, ranking=ranking, changes=changes,
        cancelled=closing.cancelled_items(session),
    )


def chart_png(services: Services, today: date) -> bytes:
    from bot.chart import digest_chart  # matplotlib on first use: most processes never draw

    return digest_chart(statuses(services, today), today=today, lang=services.settings.language)


def statuses(services: Services, today: date) -> list[Assessed]:
    """Every item assessed on `today`, read without who reported lately (the statuses do not need it)."""
    with services.db.session() as session:
        facts = reports.item_facts(session, today=today, with_reports=False)
    return assess(facts, today, services.settings.slow_margin)


def digest_text(services: Services, lang: str, *, ranking_month: tuple[int, int] | None = None) -> str:
    """The digest of today; with `ranking_month`, the monthly ranking of that month and its month-on-month
    (环比) follow."""
    from jobs.monthly import month_on_month_lines  # imported here: jobs.monthly reads this module's months

    now = services.clock.now()
    ranking = ranking_text_lines(services, lang, *ranking_month) if ranking_month else []
    changes = month_on_month_lines(services, lang, *ranking_month)[1:] if ranking_month else []
    with services.db.session() as session:
        facts = reports.item_facts(session, today=now.date())
        names = units.unit_names(session)
        unreachable = contacts.unreachable_contacts(session)
        unbound = contacts.units_without_contacts(session, unit_ids=names)
        extra = digest_supervision(services, session, facts, now.date(), ranking=ranking, changes=changes)
        active = lists.lists(session, active_only=True)
    if len(active) > 1:
        parts = [ListPart(x.name, x.kind, [f for f in facts if f.list_id == x.id]) for x in active]
        return lists_notice(lang, parts, names, now.date(), margin=services.settings.slow_margin,
                            unreachable=unreachable, unbound=unbound, supervision=extra)
    # One list: the notice is titled by it ("2021年民生实事进展情况通报"), as the office titles its own.
    title = t(lang, "digest.title_list", name=esc(active[0].name), date=format_date(now.date(), lang)) if active else None
    return build_digest(lang, facts, names, now.date(), margin=services.settings.slow_margin,
                        unreachable=unreachable, unbound=unbound, supervision=extra, title=title)
