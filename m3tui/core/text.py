"""Small text helpers that the CLI and the TUI both print with."""

from __future__ import annotations


def human_size(n: int | None) -> str:
    """Bytes for people, in powers of 1024: "848 B", "12.3 KiB", "263.0 MiB"; "" when unknown."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            break
        size /= 1024
    return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
