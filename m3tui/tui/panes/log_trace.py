"""Follow a trace in the Logs pane (`t`): the lines of the cursor line's ``trace_id`` from every open source.

:class:`PaneTrace` reads the cursor's line's trace id, collects that trace's lines from every
open file (and the source shown) in a thread (:func:`m3tui.logs.trace.collect_trace`), and shows
them as one in-memory source, in time order. esc goes back to the source it came from, where
the cursor was; `t` on a line of the trace view follows that line's trace instead.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m3tui.logs.sources import Source
    from m3tui.logs.trace import TraceSource
    from m3tui.tui.panes.logs import LogsPane


class PaneTrace:
    """The trace view of a Logs pane, and the way back from it."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.src: TraceSource | None = None  # the trace shown (while it is)
        self._back: tuple[Source, str] | None = None  # (source, row key) esc returns to
        self._stop = threading.Event()

    @property
    def shown(self) -> bool:
        return self.src is not None and self.pane.source is self.src

    def follow(self) -> None:
        """`t`: the trace of the cursor's line, from every open source."""
        from m3tui.logs.trace import trace_of

        pane = self.pane
        view, src = pane.view, pane.source
        line = view.cursor_line
        if src is None or line is None:
            return
        raw, _ = src.raw(line)
        found = trace_of(raw)
        if found is None:
            pane.app.notify("no trace_id on this line (t follows a JSON or logfmt line's trace)", title="trace", timeout=4)
            return
        self._stop.set()
        self._stop = stop = threading.Event()
        pane.run_worker(self._collect(found[0], found[1], stop), group="logs-trace", exclusive=True)

    async def _collect(self, key: str, value: str, stop: threading.Event) -> None:
        from m3tui.logs.index import one_line
        from m3tui.logs.trace import TraceSource, collect_trace

        pane = self.pane
        origin, origin_key = pane.source, pane._shown_key
        if origin is None:
            return
        back = self._back if self.shown and self._back is not None else (origin, origin_key)
        sources: list[Source] = list(pane._all_files())  # a file still being indexed: its tail
        if back[0] not in sources:
            sources.append(back[0])  # a command's output, a merged timeline
        pane._busy = f"collecting trace {one_line(value)[:16]}…"
        pane._update_status()
        try:
            lines = await asyncio.to_thread(collect_trace, sources, key, value, stop)
        finally:
            pane._busy = ""
        if stop.is_set() or pane.source is not origin:
            pane._update_status()
            return
        names = sorted({sources[t.source].name for t in lines})
        count = f"{len(lines):,} line{'' if len(lines) == 1 else 's'}"
        name = f"trace {one_line(value)} ({count} from {', '.join(names) or 'no source'})"
        self._back = back
        self.src = TraceSource(name, lines, sources)  # each line's source marked in the gutter
        pane._show(self.src, f"trace:{value}")
        pane.view.move_to(0)
        pane.refresh_bindings()  # esc (back) in the footer
        reading = [one_line(x.name) for x in sources if not x.indexed]  # a file whose index is not built yet: its tail only
        note = f" · {', '.join(reading)}: still being read, only its last lines searched (t again once read)" if reading else ""
        pane.app.notify(f"{count} of trace {one_line(value)} · esc goes back{note}", title="trace", timeout=6 if note else 4)

    def back(self) -> bool:
        """esc in the trace view: the source it came from, where the cursor was. False: not in one."""
        if not self.shown or self._back is None:
            self.src = None
            return False
        src, key = self._back
        self._back = self.src = None
        self._stop.set()
        self.pane._selected_key = key
        self.pane._show(src, key)
        self.pane.refresh_bindings()
        return True
