"""The dashboard's HTML, rendered on the server: small functions returning escaped fragments.

Every text comes from `bot.texts` (keys `wa.*` and the chat's own); every value from the record is escaped
with `h`. Colours and marks are classes (`c-red`, `s-slow`), so the theme's CSS decides how they look.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.dates import format_date
from bot.texts import MARKS, t
from bot.webapp.table import PAGE_SIZE, Query, Row, Table
from db.models import ExtensionRequest, Milestone, ProgressReport, ReportVersion, Status
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
            f'<div class="tiles">{colours}</div></section>'
            + lists_section(lang, table, visible, overseer) + f'<nav class="actions">{extra}</nav>')


def lists_section(lang: str, table: Table, visible: Sequence[Row], overseer: bool) -> str:
    """The lists (清单) by year (考核年度), each with its items (those the viewer may see) and its state; an
    active list's name opens its items, a year the items of that year's lists. A contact sees the active
    lists their units have items in."""
    mine: dict[int, int] = {}
    for row in visible:
        mine[row.list_id] = mine.get(row.list_id, 0) + 1
    shown = [found for found in table.lists if overseer or mine.get(found.id)]
    body = []
    for year in dict.fromkeys(found.year for found in shown):
        cells = []
        for found in (f for f in shown if f.year == year):
            count = mine.get(found.id, 0) if found.active else found.count
            name = (f'<a href="{h(link("items", list=found.code))}">{h(found.name)}</a>' if found.active
                    else h(found.name))
            export = (f' <a class="chip" href="{h(link("export", list=found.code))}">{h(t(lang, "wa.list_export"))}</a>'
                      if overseer else "")
            state = "" if found.active else f' <span class="flag miss">{h(t(lang, "wa.list_closed"))}</span>'
            cells.append(f'<li data-list="{h(found.code)}">{name} <span class="code">{h(found.code)}</span>'
                         f'<span class="count">{h(t(lang, "wa.list_items", count=count))}</span>{state}{export}</li>')
        body.append(f'<h3><a href="{h(link("items", year=year))}">{h(t(lang, "wa.list_year", year=year))}</a></h3>'
                    f'<ul class="lists">{"".join(cells)}</ul>')
    return section(t(lang, "wa.lists"), "".join(body) or f'<p class="empty">{h(t(lang, "none"))}</p>')


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
    shown = [found for found in table.lists if found.active]
    choices = every + [(found.code, t(lang, "wa.list_option", name=found.name, code=found.code)) for found in shown]
    list_picker = _select("list", t(lang, "wa.list"), choices, query.list) if len(shown) > 1 or query.list else ""
    return (f'<form class="filters{" with-lists" if list_picker else ""}" data-view="items" role="search">'
            f'<label class="wide"><span>{h(t(lang, "wa.search"))}</span>'
            f'<input type="search" name="q" value="{h(query.search)}" placeholder="{h(t(lang, "wa.search_hint"))}"></label>'
            + list_picker
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
    chosen = table.list_of(query.list) if query.list else None
    title = chosen.name if chosen is not None else t(lang, "wa.list_name")
    return (f'<h1>{h(title)}</h1>' + filters_form(lang, table, query, unit_ids)
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
    if row.milestones_due:
        flags += f'<span class="flag due-node">{h(t(lang, "wa.milestones"))}</span>'
    return (f'<tr class="r-{row.colour}"><td class="num">{h(row.ref or str(row.number))}</td>'
            f'<td><a href="{h(link("item", id=row.id))}">{h(row.title)}</a>'
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
        body += decision_form(lang, "decide", ("request", request.id), token, ("comment", "wa.comment_label"),
                              ("approve", "ext.approve"), ("refuse", "ext.refuse"))
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
        body += decision_form(lang, "closing", ("review", review_id), token, ("reason", "wa.closing_reason"),
                              ("confirm", "close.confirm"), ("refuse", "close.refuse"))
    return f'<article class="closing">{body}</article>'


def adjustment_form(lang: str, adjustment_id: int, change: str, token: str) -> str:
    """An admin's decision on a pending adjustment (调整 / 取消), its change (the chat's escaped HTML) on top:
    approve or refuse, with a comment the requester is told."""
    return (f'<article class="adjustment"><p class="change">{h(t(lang, "wa.adjust_pending"))} {change}</p>'
            + decision_form(lang, "adjust", ("adjustment", adjustment_id), token, ("comment", "wa.comment_label"),
                            ("approve", "wa.adjust_approve"), ("refuse", "wa.adjust_refuse"))
            + "</article>")


def decision_form(lang: str, action: str, target: tuple[str, int], token: str, note: tuple[str, str],
                  yes: tuple[str, str], no: tuple[str, str]) -> str:
    """A decision's form: the target's id and the action token hidden, a note (its field and label key), and
    the two verdicts (value, button text key), the second one red."""
    (field, target_id), (name, label) = target, note
    return (f'<form class="action" data-action="{action}" method="post">'
            f'<input type="hidden" name="{field}" value="{target_id}"><input type="hidden" name="token" value="{h(token)}">'
            f'<label><span>{h(t(lang, label))}</span><input name="{name}" maxlength="1000"></label>'
            f'<div class="buttons"><button type="submit" name="verdict" value="{yes[0]}">{h(t(lang, yes[1]))}</button>'
            f'<button type="submit" name="verdict" value="{no[0]}" class="danger">{h(t(lang, no[1]))}</button></div></form>')


def milestones_html(lang: str, nodes: Sequence[Milestone], names: Mapping[int, str], today: date, tz: ZoneInfo) -> str:
    """The milestones in their order: title, deadline, own unit when it has one, and ✓ done (its day), due or
    overdue, each a class (`n-done`, `n-due`, `n-over`) the theme colours."""
    cells = []
    for position, node in enumerate(nodes, start=1):
        deadline = format_date(node.deadline, lang) if node.deadline else t(lang, "item.deadline_open")
        if node.done_at is not None:
            state, text = "done", t(lang, "node.mark_done", date=format_date(node.done_at.astimezone(tz).date(), lang))
        elif node.deadline is not None and node.deadline < today:
            state, text = "over", t(lang, "node.mark_overdue", deadline=deadline)
        else:
            state, text = "due", t(lang, "node.mark_due", deadline=deadline)
        unit = (f'<span class="sub"> · {h(names.get(node.unit_id, "?"))}</span>' if node.unit_id else "")
        cells.append(f'<li class="node n-{state}"><span class="pos">{position}</span>'
                     f'<span class="title">{h(node.title)}{unit}</span><span class="state">{h(text)}</span></li>')
    return f'<ol class="nodes">{"".join(cells)}</ol>'
