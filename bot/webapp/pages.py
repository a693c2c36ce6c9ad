"""The dashboard's HTML, rendered on the server: small functions returning escaped fragments.

Every text comes from `bot.texts` (keys `wa.*` and the chat's own); every value from the record is escaped
with `h`. Colours and marks are classes (`c-red`, `s-slow`), so the theme's CSS decides how they look.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.dates import format_date
from bot.texts import MARKS, t
from bot.webapp.table import PAGE_SIZE, Query, Row, Table
from db.models import ExtensionRequest, ProgressReport, ReportVersion, Status
from jobs.reminders import period_label
from jobs.rules import COLOUR_ORDER
from jobs.warnings import DOTS


def h(value: object) -> str:
    return html.escape("" if value is None else str(value))


def link(view: str, **params: object) -> str:
    """A link within the Mini App: the shell reads its query and asks the server for the view."""
    values = {"v": view, **{k: v for k, v in params.items() if v not in ("", None)}}
    return "?" + urlencode(values)


def dot(colour: str) -> str:
    return f'<span class="dot c-{h(colour)}" aria-hidden="true"></span>'


def mark(lang: str, status: str) -> str:
    return f'<span class="mark s-{h(status)}">{h(MARKS[status])} {h(t(lang, f"status.{status}"))}</span>'


def when(moment: datetime, lang: str, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


def units_text(lang: str, ids: Sequence[int], names: Mapping[int, str]) -> str:
    return t(lang, "list_sep").join(names.get(i, "?") for i in ids) or t(lang, "none")


def refusal_page(lang: str, key: str) -> str:
    return f'<section class="refusal"><h2>{h(t(lang, "wa.refused_title"))}</h2><p>{h(t(lang, key))}</p></section>'


def message(lang: str, key: str, kind: str = "ok", **values: object) -> str:
    return f'<p class="notice {kind}" role="status">{h(t(lang, key, **values))}</p>'


def bar(lang: str, overseer: bool) -> str:
    """The navigation on top of every view, in the viewer's language, with the overseers' pages for them."""
    views = [("home", "wa.nav_home"), ("items", "wa.nav_items")]
    if overseer:
        views += [("chart", "wa.nav_chart"), ("units", "wa.nav_units"), ("export", "wa.nav_export")]
    links = "".join(f'<a href="{h(link(v))}" data-nav="{v}">{h(t(lang, key))}</a>' for v, key in views)
    return f'<nav class="bar">{links}</nav>'


def stale_note(lang: str, stale: bool) -> str:
    """Above a table served while its newer version is built: the page asks again shortly."""
    return f'<p class="notice stale" data-refresh="1200">{h(t(lang, "wa.stale"))}</p>' if stale else ""


# ---------------------------------------------------------------- home: the lists and their years


def home_page(lang: str, table: Table, visible: list[Row], overseer: bool) -> str:
    counts = {c.value: 0 for c in COLOUR_ORDER}
    for row in visible:
        counts[row.colour] += 1
    years = "".join(f'<a class="chip" href="{h(link("items", year=y))}">{y}</a>' for y in table.years)
    colours = "".join(f'<a class="tile c-{c}" href="{h(link("items", colour=c))}"><b>{n}</b>'
                      f'<span>{h(t(lang, f"colour.{c}"))}</span></a>' for c, n in counts.items())
    extra = ""
    if overseer:
        extra = (f'<a class="button" href="{h(link("chart"))}">{h(t(lang, "wa.nav_chart"))}</a>'
                 f'<a class="button" href="{h(link("units"))}">{h(t(lang, "wa.nav_units"))}</a>'
                 f'<a class="button" href="{h(link("export"))}">{h(t(lang, "wa.nav_export"))}</a>')
    return (f'<h1>{h(t(lang, "wa.title"))}</h1>'
            f'<section class="card"><h2><a href="{h(link("items"))}">{h(t(lang, "wa.list_name"))}</a></h2>'
            f'<p>{h(t(lang, "wa.list_count", count=len(visible), date=format_date(table.today, lang)))}</p>'
            f'<div class="tiles">{colours}</div>'
            f'<p class="years">{h(t(lang, "wa.years"))} {years or h(t(lang, "none"))}</p></section>'
            f'<nav class="actions">{extra}</nav>')


# ---------------------------------------------------------------- the item table


def _select(name: str, label: str, options: Sequence[tuple[str, str]], chosen: str) -> str:
    cells = "".join(f'<option value="{h(v)}"{" selected" if v == chosen else ""}>{h(text)}</option>'
                    for v, text in options)
    return f'<label><span>{h(label)}</span><select name="{name}">{cells}</select></label>'


def _check(name: str, label: str, on: bool) -> str:
    return f'<label class="check"><input type="checkbox" name="{name}" value="1"{" checked" if on else ""}>{h(label)}</label>'


def filters_form(lang: str, table: Table, query: Query, unit_ids: Sequence[int]) -> str:
    every = [("", t(lang, "wa.any"))]
    units = every + [(str(i), table.names.get(i, "?")) for i in unit_ids]
    domains = every + [(d, d) for d in table.domains]
    statuses = every + [(s.value, f"{MARKS[s.value]} {t(lang, f'status.{s.value}')}") for s in Status]
    colours = every + [(c.value, f"{DOTS[c]} {t(lang, f'colour.{c.value}')}") for c in COLOUR_ORDER]
    years = every + [(str(y), str(y)) for y in table.years]
    return (f'<form class="filters" data-view="items" role="search">'
            f'<input type="hidden" name="list" value="{h(query.list)}">'
            f'<label class="wide"><span>{h(t(lang, "wa.search"))}</span>'
            f'<input type="search" name="q" value="{h(query.search)}" placeholder="{h(t(lang, "wa.search_hint"))}"></label>'
            + _select("unit", t(lang, "wa.unit"), units, str(query.unit or ""))
            + _select("domain", t(lang, "wa.domain"), domains, query.domain)
            + _select("status", t(lang, "wa.status"), statuses, query.status)
            + _select("colour", t(lang, "wa.colour"), colours, query.colour)
            + _select("year", t(lang, "wa.year"), years, str(query.year or ""))
            + '<div class="checks">'
            + _check("overdue", t(lang, "wa.overdue"), query.overdue)
            + _check("unreported", t(lang, "wa.unreported"), query.unreported)
            + _check("milestones", t(lang, "wa.milestones"), query.milestones)
            + f'</div><button type="submit">{h(t(lang, "wa.apply"))}</button>'
            f'<a class="reset" href="{h(link("items"))}">{h(t(lang, "wa.reset"))}</a></form>')


def _header(lang: str, query: Query, sort: str, key: str, css: str = "") -> str:
    descending = not query.descending if query.sort == sort else False
    arrow = (" ▼" if query.descending else " ▲") if query.sort == sort else ""
    href = link("items", **query.params(sort=sort if sort != "number" else "", dir="desc" if descending else ""))
    return f'<th class="{css}"><a href="{h(href)}">{h(t(lang, key))}{arrow}</a></th>'


def items_page(lang: str, table: Table, query: Query, rows: Sequence[Row], total: int, pages: int,
               unit_ids: Sequence[int]) -> str:
    body = "".join(_item_row(lang, table, row) for row in rows)
    if not rows:
        body = f'<tr><td colspan="6" class="empty">{h(t(lang, "wa.no_items"))}</td></tr>'
    page = min(query.page, pages)
    nav = []
    if page > 1:
        nav.append(f'<a rel="prev" href="{h(link("items", **query.params(page=page - 1)))}">‹ {h(t(lang, "wa.prev"))}</a>')
    nav.append(f'<span>{h(t(lang, "wa.page", page=page, pages=pages))}</span>')
    if page < pages:
        nav.append(f'<a rel="next" href="{h(link("items", **query.params(page=page + 1)))}">{h(t(lang, "wa.next"))} ›</a>')
    milestones = (f'<p class="hint">{h(t(lang, "wa.milestones_none"))}</p>' if query.milestones else "")
    return (f'<h1>{h(t(lang, "wa.list_name"))}</h1>' + filters_form(lang, table, query, unit_ids) + milestones
            + f'<p class="count">{h(t(lang, "wa.found", count=total, size=PAGE_SIZE))}</p>'
            f'<table class="items"><thead><tr>'
            + _header(lang, query, "number", "wa.col_number", "num")
            + _header(lang, query, "title", "wa.col_title")
            + _header(lang, query, "deadline", "wa.col_deadline", "wide-only")
            + _header(lang, query, "status", "wa.col_status", "wide-only")
            + _header(lang, query, "percent", "wa.col_percent", "num")
            + _header(lang, query, "colour", "wa.col_colour")
            + f'</tr></thead><tbody>{body}</tbody></table><nav class="pager">{"".join(nav)}</nav>')


def _item_row(lang: str, table: Table, row: Row) -> str:
    deadline = format_date(row.deadline, lang) if row.deadline else t(lang, "item.deadline_open")
    percent = "—" if row.percent is None else f"{row.percent}%"
    progress = "" if row.progress is None else f'<small>{h(t(lang, "wa.time_progress_short", progress=row.progress))}</small>'
    flags = ""
    if row.overdue_days:
        flags += f'<span class="flag over">{h(t(lang, "wa.overdue_days", days=row.overdue_days))}</span>'
    if row.unreported:
        flags += f'<span class="flag miss">{h(t(lang, "wa.unreported"))}</span>'
    return (f'<tr class="r-{row.colour}"><td class="num">{h(row.ref or str(row.number))}</td>'
            f'<td><a href="{h(link("item", n=row.ref or row.number))}">{h(row.title)}</a>'
            f'<div class="sub">{h(units_text(lang, row.lead_unit_ids, table.names))}'
            f'<span class="narrow-only"> · {h(deadline)}</span> {flags}'
            f'<span class="narrow-only status">{mark(lang, row.status)}</span></div></td>'
            f'<td class="wide-only">{h(deadline)}</td><td class="wide-only">{mark(lang, row.status)}</td>'
            f'<td class="num">{h(percent)}{progress}</td>'
            f'<td>{dot(row.colour)}<span class="sr">{h(t(lang, f"colour.{row.colour}"))}</span></td></tr>')


# ---------------------------------------------------------------- the item card


def month_cells(lang: str, kept: Mapping[str, str], year: int, current: tuple[str, str] | None) -> str:
    cells = []
    for month in range(1, 13):
        key = f"{year}-{month:02d}"
        colour = current[1] if current is not None and current[0] == key else kept.get(key)
        cells.append(f'<li class="m c-{h(colour or "none")}"><span>{h(t(lang, "wa.month", month=month))}</span></li>')
    return f'<ol class="months" aria-label="{h(t(lang, "wa.months", year=year))}">{"".join(cells)}</ol>'


def evidence_html(lang: str, report: ProgressReport) -> str:
    cells = []
    for index, entry in enumerate(report.evidence or []):
        src = f"api/file?r={report.id}&i={index}"
        if entry.get("type") == "photo":
            cells.append(f'<figure><img data-src="{h(src)}" alt="{h(t(lang, "wa.photo", index=index + 1))}"'
                         f' loading="lazy"></figure>')
        else:
            name = entry.get("name") or t(lang, "wa.file", index=index + 1)
            cells.append(f'<a class="file" data-download="{h(src)}" data-link="for=file&amp;r={report.id}&amp;i={index}"'
                         f' data-name="{h(name)}" href="#">📎 {h(name)}</a>')
    return f'<div class="evidence">{"".join(cells)}</div>' if cells else ""


def report_html(lang: str, report: ProgressReport, names: Mapping[int, str], people: Mapping[int, str],
                versions: Sequence[ReportVersion], tz: ZoneInfo) -> str:
    percent = "" if report.percent is None else f'<span class="pct">{report.percent}%</span>'
    parts = [f'<header>{mark(lang, report.status)}{percent}'
             f'<time>{h(when(report.created_at, lang, tz))}</time></header>',
             f'<p class="who">{h(names.get(report.unit_id or 0, t(lang, "wa.office")))} · '
             f'{h(people.get(report.reporter_id or 0, ""))} · {h(period_label(lang, report.period))}</p>',
             f'<p class="text">{h(report.text)}</p>']
    if report.problems:
        parts.append(f'<p class="problems"><b>{h(t(lang, "wa.problems"))}</b> {h(report.problems)}</p>')
    parts.append(evidence_html(lang, report))
    for old in versions:
        parts.append(f'<details class="version"><summary>{h(t(lang, "wa.version", version=old.version, when=when(old.saved_at, lang, tz)))}'
                     f'</summary><p>{mark(lang, old.status)} {h(old.text)}</p></details>')
    if report.returned_at is not None:
        parts.append(f'<p class="returned">{h(t(lang, "wa.returned", when=when(report.returned_at, lang, tz), person=people.get(report.returned_by or 0, ""), reason=report.return_reason or ""))}</p>')
    css = "report returned-report" if report.returned_at is not None else "report"
    return f'<article class="{css}" id="report-{report.id}">{"".join(parts)}</article>'


def send_back_form(lang: str, report: ProgressReport, token: str) -> str:
    return (f'<form class="action" data-action="sendback" method="post">'
            f'<input type="hidden" name="report" value="{report.id}"><input type="hidden" name="token" value="{h(token)}">'
            f'<label><span>{h(t(lang, "wa.send_back_reason"))}</span>'
            f'<textarea name="reason" required maxlength="3000" rows="3"></textarea></label>'
            f'<button type="submit" class="danger">{h(t(lang, "sb.button"))}</button></form>')


def extension_html(lang: str, request: ExtensionRequest, people: Mapping[int, str], tz: ZoneInfo,
                   token: str | None) -> str:
    status = t(lang, f"ext.status.{request.status}")
    text = t(lang, "wa.extension", deadline=format_date(request.requested_deadline, lang),
             person=people.get(request.requested_by, ""), when=when(request.created_at, lang, tz), status=status)
    body = f'<p>{h(text)}</p><p class="reason">{h(request.reason)}</p>'
    if request.comment:
        body += f'<p class="comment">{h(t(lang, "wa.comment", comment=request.comment))}</p>'
    if token is not None:
        body += (f'<form class="action" data-action="decide" method="post">'
                 f'<input type="hidden" name="request" value="{request.id}"><input type="hidden" name="token" value="{h(token)}">'
                 f'<label><span>{h(t(lang, "wa.comment_label"))}</span><input name="comment" maxlength="1000"></label>'
                 f'<div class="buttons"><button type="submit" name="verdict" value="approve">{h(t(lang, "ext.approve"))}</button>'
                 f'<button type="submit" name="verdict" value="refuse" class="danger">{h(t(lang, "ext.refuse"))}</button></div></form>')
    return f'<article class="extension x-{h(request.status)}">{body}</article>'


def plain_table(lang: str, columns: Sequence[tuple[str, bool]], rows: str) -> str:
    """A small table: (text key, numeric) per column, numeric ones aligned right."""
    head = "".join(f'<th class="{"num" if numeric else ""}">{h(t(lang, key))}</th>' for key, numeric in columns)
    return f'<table class="plain"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def section(title: str, body: str) -> str:
    return f'<section class="card"><h2>{h(title)}</h2>{body}</section>'


# ---- review: 办结 on review and adjustments on the item card


def closing_html(lang: str, lines: Sequence[str], review_id: int | None, token: str | None) -> str:
    """The card's lines on closing and adjustments (as the chat's card says them), and, for an overseer while a
    办结 awaits review, its form: confirm, or send back with a reason."""
    body = "".join(f"<p>{line}</p>" for line in lines)  # the lines are the chat's HTML, escaped already
    if token is not None and review_id is not None:
        body += (f'<form class="action" data-action="closing" method="post">'
                 f'<input type="hidden" name="review" value="{review_id}"><input type="hidden" name="token" value="{h(token)}">'
                 f'<label><span>{h(t(lang, "wa.closing_reason"))}</span><input name="reason" maxlength="1000"></label>'
                 f'<div class="buttons"><button type="submit" name="verdict" value="confirm">{h(t(lang, "close.confirm"))}</button>'
                 f'<button type="submit" name="verdict" value="refuse" class="danger">{h(t(lang, "close.refuse"))}</button></div></form>')
    return f'<article class="closing">{body}</article>'
