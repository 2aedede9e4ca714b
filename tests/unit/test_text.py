"""The text helpers both fronts print with."""

from __future__ import annotations

from m3tui.core.text import human_size


def test_human_size_in_powers_of_1024() -> None:
    assert [human_size(n) for n in (None, 0, 848, 12_595, 275_775_488, 3 * 1024**4)] == [
        "", "0 B", "848 B", "12.3 KiB", "263.0 MiB", "3.0 TiB"
    ]  # fmt: skip
