"""Progress of long headless work (installs, downloads, tools, fetches, benchmark runs) on stderr:
on a terminal a Rich progress bar (`m3tui/tui/progress.py`: only tui imports Rich), otherwise
(piped, redirected, ``CI`` set, ``TERM=dumb``) nothing here: the caller prints its plain lines,
as logs, CI and the tests read them."""

from __future__ import annotations

import os
import sys
from typing import Literal, Protocol

#: What a bar counts: bytes (size, rate, ETA), seconds (n/total s) or items (n/total, elapsed).
Unit = Literal["bytes", "seconds", "items"]


class Bar(Protocol):
    def update(self, description: str, completed: float, total: float | None, info: str = "") -> None:
        """Redraw: ``description`` at the left, ``completed`` of ``total`` (None: unknown), ``info`` after.
        A new ``description`` is a new step: its rate and time start again."""

    def log(self, line: str) -> None:
        """A line printed above the bar (a finished step, a warning), kept on screen."""

    def close(self) -> None:
        """The bar's last state left on screen, the cursor below it; idempotent."""


def fancy() -> bool:
    """A bar, not lines: stderr is a terminal, ``CI`` is not set (or false) and ``TERM`` is not dumb."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced stderr
        return False


def bar(unit: Unit) -> Bar | None:
    """A started Rich bar on a terminal; None otherwise (say it in plain lines)."""
    if not fancy():
        return None
    from m3tui.tui.progress import RichBar

    return RichBar(unit)
