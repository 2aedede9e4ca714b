"""The Logs pane's histogram strip (`H`): lines per time bucket of the source shown, filled in a thread.

:class:`PaneHistogram` owns the strip widget and its fill: a plain thread reads the source's
lines a chunk at a time into :class:`m3tui.logs.histogram.Histogram` and hands a snapshot to the
strip at most every 0.1 s (``call_from_thread``), so the strip shows as it fills and the UI
thread only ever draws. A new source, or the tail replaced by the indexed file (line numbers
change), starts a new fill; the old one stops at its next chunk. enter on a bucket moves the
view's cursor to that bucket's first line.
"""

from __future__ import annotations

import threading
import time
from itertools import islice
from typing import TYPE_CHECKING

from m3tui.core.errors import M3tuiError
from m3tui.tui.widgets.histogram import HistogramStrip

if TYPE_CHECKING:
    from m3tui.logs.histogram import Histogram, HistogramSnapshot
    from m3tui.logs.sources import Source
    from m3tui.tui.panes.logs import LogsPane

#: Lines read per chunk (the stop flag and the snapshot are looked at between chunks).
CHUNK = 1024
#: Seconds the thread sleeps after each chunk: the GIL is free then, so the UI thread runs at
#: once instead of waiting out the switch interval at each of its many releases (a key press
#: took ~2 s while a thread counted without pause).
PAUSE = 0.002
#: Lines looked at from each end for the first and last timestamps (the buckets' span).
ENDS = 2000
#: Seconds between snapshots handed to the strip while filling.
EVERY = 0.1
#: New lines of a followed source counted on the UI thread; more start a new fill in the thread.
MORE_INLINE = 5000


class PaneHistogram:
    """The strip of the Logs pane and the thread that fills it."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.on = False
        self.strip = HistogramStrip(id="logs-histogram", classes="hidden")
        self.strip.on_jump = self.jump
        self._stop = threading.Event()
        self._for: tuple[int, bool, int] | None = None  # (id of the source, indexed, epoch) filled for
        self.fills = 0  # fills started (tests)
        self._done: tuple[Histogram, int] | None = None  # the finished fill's counts and the lines it counted

    def toggle(self) -> None:
        """Show the strip (focused, filled for the source shown) or hide it (back to the view)."""
        from m3tui.tui.panes.base import focus_now

        self.on = not self.on
        self.strip.set_class(not self.on, "hidden")
        if self.on:
            self.changed()
            focus_now(self.strip)
        else:
            self._stop.set()
            self._for = None
            focus_now(self.pane.view)

    def changed(self) -> None:
        """The source shown, or its numbering, may have changed: fill again if so (when shown)."""
        src = self.pane.source
        if not self.on:
            return
        if src is None:
            self._stop.set()
            self._for = None
            self.strip.show(None, "no source")
            return
        key = (id(src), src.indexed, getattr(src, "epoch", 0))
        if key == self._for:
            return
        self._for = key
        self._done = None
        self._stop.set()
        self._stop = stop = threading.Event()
        self.strip.cursor = -1
        self.strip.show(None, "reading timestamps…")
        columns = max(10, self.strip.size.width or self.pane.app.size.width - 2)
        self.fills += 1
        threading.Thread(target=self._fill, args=(src, columns, stop), name="logs-histogram", daemon=True).start()

    def _fill(self, src: Source, columns: int, stop: threading.Event) -> None:
        """In the thread: the span from both ends, then every line, snapshots on the way."""
        from m3tui.logs.histogram import Histogram
        from m3tui.logs.sources import line_rank
        from m3tui.logs.timeparse import line_time

        def post(snap: HistogramSnapshot | None, note: str, done: tuple[Histogram, int] | None = None) -> None:
            if not stop.is_set():
                try:
                    self.pane.app.call_from_thread(self._shown, snap, note, stop, done)
                except RuntimeError:  # the app is gone
                    stop.set()

        try:
            total = src.count()
            first = next((t for _, raw in src.iter_lines(0, min(total, ENDS)) if (t := line_time(raw)) is not None), None)
            tail = [t for _, raw in src.iter_lines(max(0, total - ENDS), total) if (t := line_time(raw)) is not None]
            last = tail[-1] if tail else None
            hist = Histogram.spanning(first, last, columns)
            note = "" if first is not None else "no timestamps at either end: one bucket"
            lines = src.iter_lines(0, total)
            shown_at = time.monotonic()
            while not stop.is_set():
                chunk = list(islice(lines, CHUNK))
                if not chunk:
                    break
                hist.add(chunk, line_time, line_rank)
                time.sleep(PAUSE)
                if time.monotonic() - shown_at >= EVERY:
                    shown_at = time.monotonic()
                    post(hist.snapshot(), f"filling {hist.lines / max(1, total):.0%}…")
            else:
                return
            post(hist.snapshot(done=True), note or f"{hist.lines:,} lines · enter jumps there", (hist, total))
        except (OSError, M3tuiError) as exc:  # an unreadable file: said in the strip
            post(None, f"histogram failed: {exc}")

    def _shown(self, snap: HistogramSnapshot | None, note: str, stop: threading.Event,
               done: tuple[Histogram, int] | None = None) -> None:  # fmt: skip
        if stop is self._stop:  # not a fill that a newer one replaced
            self.strip.show(snap, note)
            if done is not None:
                self._done = done
                if self.pane.source is not None:
                    self.grown(self.pane.source)  # lines followed in while it filled

    def grown(self, src: Source) -> None:
        """New lines followed into ``src``: counted into the finished strip (only the new ones), or,
        many of them or new line numbers (a tail not yet indexed), a new fill."""
        from m3tui.logs.sources import line_rank
        from m3tui.logs.timeparse import line_time

        if not self.on or src is not self.pane.source or self._done is None:
            return
        if not src.indexed or self._for != (id(src), src.indexed, getattr(src, "epoch", 0)):
            self._for = None
            self.changed()
            return
        hist, counted = self._done
        total = src.count()
        if total <= counted:
            return
        if total - counted > MORE_INLINE:
            self._for = None
            self.changed()
            return
        columns = max(10, self.strip.size.width or self.pane.app.size.width - 2)
        try:
            hist.add_more(list(src.iter_lines(counted, total)), line_time, line_rank, most=columns)
        except (OSError, M3tuiError) as exc:
            self.strip.show(None, f"histogram failed: {exc}")
            return
        self._done = (hist, total)
        self.strip.show(hist.snapshot(done=True), f"{hist.lines:,} lines · enter jumps there")

    def jump(self, line: int) -> None:
        """enter on a bucket: the view's cursor on ``line`` (or the closest line shown), focus on the view."""
        from m3tui.tui.panes.base import focus_now

        view = self.pane.view
        if view.source is None or line >= view.source.count():
            return
        view.move_to(view.row_of(line))
        focus_now(view)
        self.pane._update_status()
