"""The digest's picture: items per domain as horizontal bars, stacked by status.

Rendered with matplotlib's Agg backend on a `Figure` of its own (no pyplot, no global state),
1080 px wide with large type so it reads on a phone. Chinese is set in Noto Sans CJK SC from the
`noto-cjk-sans-otc` package, registered by its path and face: the machine's own fonts are
never consulted, so no label turns into empty boxes on a server without CJK fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontPath, FontProperties
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from bot.texts import t
from jobs.rules import Assessed, by_domain

STATUS_ORDER = ("ahead", "good", "average", "slow")
# Shades of one blue, darkest for done, palest (and hatched) for slow: the digest beside the picture speaks
# in red, yellow and green of its three-colour warnings (三色预警), so no status may wear those colours.
COLOURS = {"ahead": "#08306B", "good": "#2F6EB5", "average": "#85B6DC", "slow": "#D4E4F4"}
LABEL_COLOURS = {"ahead": "white", "good": "white", "average": "#10243F", "slow": "#10243F"}
HATCHES = {"slow": "///"}
EDGE = "#4A6F96"  # outline of the pale shades, and the hatching
SC_FACE = 2  # the collection's faces: JP, KR, SC, TC, HK, then the Mono ones
WIDTH_PX, DPI = 1080, 100
MAX_LABEL = 8  # characters of a domain name per line

Rows = list[tuple[str, dict[str, int]]]


@lru_cache(maxsize=1)
def cjk_font_path() -> FontPath:
    """The packaged Noto Sans CJK collection, pointing at its Simplified Chinese face."""
    from noto_cjk_sans_otc import FONT_PATH

    return FontPath(str(FONT_PATH), SC_FACE)


def cjk_font(size: float) -> FontProperties:
    """Noto Sans CJK SC at `size` points, by file: matplotlib looks nothing up by family name."""
    return FontProperties(fname=cjk_font_path(), size=size)


def domain_status_rows(assessed: Sequence[Assessed]) -> Rows:
    """(domain, {status: count}) per domain, domains in the order of their first item ("" for none)."""
    rows: Rows = []
    for domain, entries in by_domain(assessed).items():
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for entry in entries:
            counts[entry.status.value] += 1
        rows.append((domain or "", counts))
    return rows


def _wrap(label: str) -> str:
    """A long domain name on two lines, so the bars keep their width."""
    if len(label) <= MAX_LABEL + 2:
        return label
    cut = (len(label) + 1) // 2
    return label[:cut] + "\n" + label[cut:]


def status_chart_png(rows: Rows, *, title: str, lang: str) -> bytes:
    """A PNG of one horizontal bar per domain, stacked ahead → good → average → slow, counts labelled."""
    bars_px = 78 * max(1, len(rows))
    fig = Figure(figsize=(WIDTH_PX / DPI, (bars_px + 330) / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    head, ax = fig.subplots(2, 1, height_ratios=[110, bars_px])
    fig.suptitle(title, fontproperties=cjk_font(26))
    _legend(head, lang)
    _draw_bars(ax, rows)
    _style_axes(ax, rows, lang)
    out = io.BytesIO()
    # Light compression: a tenth of the drawing time saved for 5 % more bytes (Telegram recompresses photos).
    fig.savefig(out, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _legend(head, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The status names and colours, in a strip of their own between the title and the bars."""
    head.axis("off")
    handles = [Patch(facecolor=COLOURS[s], edgecolor=EDGE, hatch=HATCHES.get(s), label=t(lang, f"chart.status.{s}"))
               for s in STATUS_ORDER]
    # Centred on the picture rather than on the bars, and left out of the layout so it does not
    # push the domain names aside.
    centre = blended_transform_factory(head.figure.transFigure, head.transAxes)
    legend = head.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, 0.5), bbox_transform=centre, ncols=2,
                         frameon=False, prop=cjk_font(22), handlelength=1.4, columnspacing=2.0,
                         title=t(lang, "chart.legend_title"), title_fontproperties=cjk_font(18))
    legend.get_title().set_color("#444444")
    legend.set_in_layout(False)


def _style_axes(ax, rows: Rows, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Domain names on the left, the first on top; whole-number ticks; a light grid; no frame."""
    longest = max((sum(c.values()) for _, c in rows), default=0)
    ax.set_xlim(0, max(1, longest) * 1.1)
    ax.set_ylim(max(1, len(rows)) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), [_wrap(domain or t(lang, "digest.no_domain")) for domain, _ in rows])
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(cjk_font(22))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(cjk_font(18))
    ax.set_xlabel(t(lang, "chart.axis"), fontproperties=cjk_font(20))
    ax.tick_params(axis="y", length=0, pad=10)
    ax.xaxis.grid(True, color="#DDDDDD", linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _draw_bars(ax, rows: Rows) -> None:  # type: ignore[no-untyped-def]
    """The stacked segments, each labelled with its count when it is wide enough to hold it."""
    longest = max((sum(c.values()) for _, c in rows), default=0) or 1
    left = [0] * len(rows)
    for status in STATUS_ORDER:
        counts = [c.get(status, 0) for _, c in rows]
        ax.barh(range(len(rows)), counts, left=left, height=0.66, color=COLOURS[status], hatch=HATCHES.get(status),
                edgecolor=EDGE if status in HATCHES else "white", linewidth=1.5)
        for y, (count, start) in enumerate(zip(counts, left, strict=True)):
            if count and count / longest >= 0.028 * len(str(count)) + 0.01:  # room for the digits
                ax.text(start + count / 2, y, str(count), ha="center", va="center", color=LABEL_COLOURS[status],
                        fontproperties=cjk_font(20))
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in enumerate(left):
        ax.text(total + longest * 0.015, y, str(total), ha="left", va="center", color="#333333",
                fontproperties=cjk_font(20))


def chart_title(lang: str, day: date) -> str:
    """ "分领域进展情况（截至 2021年7月31日）": short enough for one line of the picture."""
    return t(lang, "chart.title", year=day.year, month=day.month, day=day.day)


def digest_chart(assessed: Sequence[Assessed], *, today: date, lang: str) -> bytes:
    """The digest's picture for the items as assessed on `today` (what /chart and the weekly digest send)."""
    return status_chart_png(domain_status_rows(assessed), title=chart_title(lang, today), lang=lang)
