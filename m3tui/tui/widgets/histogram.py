"""The histogram strip: lines per time bucket above the log, coloured by level (like lnav's).

It draws a :class:`~m3tui.logs.histogram.HistogramSnapshot` (handed in as it fills, from the
pane's thread), two rows of bars, one column per bucket, and under them what the selected bucket
holds. ←/→ pick a bucket; enter hands that bucket's first line to ``on_jump`` (the pane's view moves there).
Drawing is a few hundred cells: it never holds the UI back, however big the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from m3tui.logs.histogram import ERROR, WARN, HistogramSnapshot

BLOCKS = " ▁▂▃▄▅▆▇█"
ROWS = 2  # rows of bars: 16 heights


class HistogramStrip(Widget, can_focus=True):
    """Bars of lines per bucket; the selected bucket is drawn reversed while focused."""

    DEFAULT_CSS = """
    HistogramStrip { height: 4; border-top: solid $panel; }
    HistogramStrip:focus { border-top: solid $primary; }
    HistogramStrip.hidden { display: none; }
    """

    BINDINGS: ClassVar = [
        Binding("left,h", "move(-1)", "Earlier bucket", show=False, id="histogram.left"),
        Binding("right,l", "move(1)", "Later bucket", show=False, id="histogram.right"),
        Binding("home,g", "move(-1000000)", "First bucket", show=False, id="histogram.first"),
        Binding("end,G", "move(1000000)", "Last bucket", show=False, id="histogram.last"),
        Binding("enter", "jump", "Jump there", id="histogram.jump"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.snapshot: HistogramSnapshot | None = None
        self.cursor = -1  # the selected bucket; -1: the last one with lines, once there is one
        self.note = ""  # what the strip is doing ("filling 40%…", "no timestamps")
        self.on_jump: Callable[[int], None] | None = None  # enter: the owner shows the log from that line

    def show(self, snapshot: HistogramSnapshot | None, note: str = "") -> None:
        self.snapshot = snapshot
        self.note = note
        if snapshot is not None and self.cursor >= len(snapshot.counts):
            self.cursor = len(snapshot.counts) - 1
        self.refresh()

    def _selected(self) -> int:
        snap = self.snapshot
        if snap is None or not snap.counts:
            return -1
        if self.cursor >= 0:
            return self.cursor
        filled = [b for b in range(len(snap.counts)) if snap.total(b)]
        return filled[-1] if filled else 0

    def action_move(self, delta: int) -> None:
        snap = self.snapshot
        if snap is None or not snap.counts:
            return
        self.cursor = max(0, min(len(snap.counts) - 1, self._selected() + delta))
        self.refresh()

    def action_jump(self) -> None:
        snap, b = self.snapshot, self._selected()
        if snap is None or b < 0:
            return
        line = snap.first_lines[b]
        if line < 0:  # an empty bucket: the next one with lines (else the one before)
            later = [x for x in snap.first_lines[b:] if x >= 0]
            earlier = [x for x in snap.first_lines[:b] if x >= 0]
            line = later[0] if later else earlier[-1] if earlier else -1
        if line >= 0 and self.on_jump is not None:
            self.on_jump(line)

    def render(self) -> Text:
        snap = self.snapshot
        width = max(1, self.size.width)
        if snap is None:
            return Text(self.note or "histogram: no source", style="dim", no_wrap=True)
        n = len(snap.counts)
        first = max(0, min(self._selected() - width // 2, n - width)) if n > width else 0
        shown = range(first, min(n, first + width))
        peak = max((snap.total(b) for b in shown), default=0) or 1
        rows = [Text(no_wrap=True, end="") for _ in range(ROWS)]
        sel = self._selected()
        steps = ROWS * (len(BLOCKS) - 1)
        for b in shown:
            total = snap.total(b)
            height = 0 if not total else max(1, round(total / peak * steps))
            counts = snap.counts[b]
            style = "red" if counts[ERROR] else "yellow" if counts[WARN] else "green"
            if b == sel and self.has_focus:
                style += " reverse"
            for r in range(ROWS):  # r = 0 is the top row
                level = max(0, min(len(BLOCKS) - 1, height - (ROWS - 1 - r) * (len(BLOCKS) - 1)))
                rows[r].append(BLOCKS[level], style=style)
        label = Text(no_wrap=True, end="")
        if 0 <= sel < n:
            start = snap.start + sel * snap.width
            fmt = "%Y-%m-%d %H:%M:%S" if snap.width < 86400 else "%Y-%m-%d"
            c = snap.counts[sel]
            label.append(time.strftime(fmt, time.localtime(start)) if snap.width > 1 or start else "no time", style="cyan")
            label.append(f" +{_span(snap.width)} · {sum(c):,} lines", style="")
            if c[ERROR] or c[WARN]:
                label.append(f" ({c[ERROR]:,} error, {c[WARN]:,} warn)", style="red" if c[ERROR] else "yellow")
        label.append(f" · {self.note}" if self.note else "", style="dim")
        return Text("\n").join([*rows, label])


def _span(seconds: float) -> str:
    s = int(seconds)
    if s % 86400 == 0:
        return f"{s // 86400}d"
    if s % 3600 == 0:
        return f"{s // 3600}h"
    if s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"
