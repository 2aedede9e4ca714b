"""Small text helpers that the CLI and the TUI both print with."""

from __future__ import annotations

import os

# C0 controls and DEL as \xNN, C1 controls and the Unicode line separators as \uNNNN (a terminal
# may act on any of them), surrogate-escaped undecodable bytes as U+FFFD.
_CONTROL = (
    {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}
    | {c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), 0x2028, 0x2029)}
    | dict.fromkeys(range(0xDC80, 0xDD00), "\ufffd")
)


def one_line(text: str | os.PathLike[str]) -> str:
    """A path or message as one line a terminal shows as it is: control characters escaped."""
    return os.fspath(text).translate(_CONTROL)


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
