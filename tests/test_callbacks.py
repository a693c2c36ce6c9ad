"""The registry of callback kinds: each kind's data round-trips, and anything else parses to None."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import KINDS, MAX_BYTES, Confirm, Report, ReportPercent, SnoozeFor, parse_any

TOKEN = "0123456789abcdef"


@pytest.mark.parametrize("kind", sorted(KINDS.values(), key=lambda k: k.prefix), ids=lambda k: k.__name__)
def test_every_kind_round_trips(kind: type[callbacks.Callback]) -> None:
    example = kind.example()
    data = example.encode()
    assert len(data.encode()) <= MAX_BYTES
    assert kind.parse(data) == example == parse_any(data)
    assert kind.matches(data)
    assert not kind.matches(data + ":1") and not kind.matches(data + "x")


@pytest.mark.parametrize("data", [
    "ri:0", "ri:-1", "ri:01", "ri:1.0", "ri:１", "ri: 1", "ri:1234567890123", "ri:", "ri", "ri:1:2",
    f"rpp:{TOKEN}:101", f"rpp:{TOKEN}:999", f"rpp:{TOKEN[:-1]}:50", f"rpp:{TOKEN.upper()}:50", "szd:3:999",
    "szd:3:5", "szd:3:0", f"rps:{TOKEN}:great", f"cf:{TOKEN}:yes", "cf:ext:y", "cf:edit:deadbeef:y",
    "ri:1; DROP TABLE item", None, 7, "x" * 65,
])
def test_altered_data_parses_to_nothing(data: object) -> None:
    assert parse_any(data) is None


def test_values_are_typed_and_bounded() -> None:
    assert Report.parse("ri:42") == Report(42)
    assert ReportPercent.parse(f"rpp:{TOKEN}:100") == ReportPercent(TOKEN, 100)
    assert SnoozeFor.parse("szd:3:14") == SnoozeFor(3, 14)
    assert Confirm.parse(f"cf:{TOKEN}:n") == Confirm(TOKEN, "n") and not Confirm(TOKEN, "n").yes
    with pytest.raises(ValueError):
        ReportPercent(TOKEN, 101)
