"""Month-on-month (环比): what changed since the previous month, as the published three-colour notices say it
("与上月相比：转为红色 2 项（#12 …、#35 …），由红转黄 1 项……"). Pure functions of the two months' facts.

`done_ids` is the one place deciding what counts as done (办结) for "newly done": today a done report; when
closing on review lands, it becomes the confirmed 办结.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from db.facts import ItemFacts
from jobs.rules import Colour, is_done


def done_ids(items: Iterable[ItemFacts]) -> frozenset[int]:
    """The items that count as done in a month's facts: confirmed 办结 (a unit's 已完成 awaiting review
    counts as ★, `db.facts.counted_mark`), or done in the office's own imported table."""
    return frozenset(item.id for item in items if is_done(item.declared))


@dataclass(frozen=True)
class MonthFacts:
    """A month as the comparison needs it: each item's colour (kept, or so far), the overdue and done items,
    and the items reported during the month."""

    colours: Mapping[int, Colour] = field(default_factory=dict)
    overdue: frozenset[int] = frozenset()
    done: frozenset[int] = frozenset()
    reported: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Changes:
    """Item ids of each change, in item number order."""

    to_red: tuple[int, ...] = ()
    red_to_yellow: tuple[int, ...] = ()
    green_to_yellow: tuple[int, ...] = ()
    to_green: tuple[int, ...] = ()
    overdue: tuple[int, ...] = ()
    done: tuple[int, ...] = ()
    reported: tuple[int, ...] = ()

    @property
    def colours_moved(self) -> bool:
        return bool(self.to_red or self.red_to_yellow or self.green_to_yellow or self.to_green)


COLOUR_CHANGES = ("to_red", "red_to_yellow", "green_to_yellow", "to_green")
ALL_CHANGES = (*COLOUR_CHANGES, "overdue", "done", "reported")


def compare(before: MonthFacts, after: MonthFacts, order: Mapping[int, int]) -> Changes:
    """What changed from `before` (the previous month) to `after`. An item with no colour the month before
    (new this month) turned nothing; `order` is each item's number, to list them as the table does."""
    moved: dict[str, list[int]] = {name: [] for name in COLOUR_CHANGES}
    for item_id, now in after.colours.items():
        was = before.colours.get(item_id)
        if was is None or was == now:
            continue
        if now == Colour.RED:
            moved["to_red"].append(item_id)
        elif now == Colour.YELLOW:
            moved["red_to_yellow" if was == Colour.RED else "green_to_yellow"].append(item_id)
        else:
            moved["to_green"].append(item_id)

    def ordered(ids: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted(ids, key=lambda i: (order.get(i, 0), i)))

    return Changes(**{name: ordered(ids) for name, ids in moved.items()},
                   overdue=ordered(after.overdue - before.overdue - after.done),
                   done=ordered(after.done - before.done), reported=ordered(after.reported))
