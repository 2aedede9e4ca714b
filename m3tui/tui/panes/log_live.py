"""The Logs pane on piped stdin as it comes (`go test -json ./... | m3tui logs -`).

cli/main.py copies the pipe into a spool in a thread (logs/livespool.py); when the pane shows
that spool it follows it at once, so the lines and the go test tree grow as the writer writes.
A copy that stopped early (the spool's size budget, a full disk) is said in the status line,
one line, until the app quits.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from textual.timer import Timer

    from m3tui.logs.livespool import LiveSpool
    from m3tui.logs.sources import Source
    from m3tui.tui.panes.logs import LogsPane

#: Seconds between looks at the copy's state while it runs.
EVERY = 0.25


class PaneLive:
    """Follows the live stdin spool when it is shown and says why its copy stopped, if it did."""

    def __init__(self, pane: LogsPane) -> None:
        self.pane = pane
        self.live: LiveSpool | None = None
        self._timer: Timer | None = None

    def error_for(self, src: Source) -> str:
        """Why the copy into ``src`` (or one of its merged files) stopped early ("" when it did not, or another source)."""
        live = self.live
        return live.error if live is not None and live.path in _paths(src) else ""

    def shown(self, src: Source) -> None:
        """``src`` is now the pane's source: a live spool (alone, or merged with files) is followed from here on."""
        from m3tui.logs.livespool import live_spool

        live = next((x for p in _paths(src) if (x := live_spool(p)) is not None), None)
        if live is None:
            return
        self.live = live
        if not self.pane.following:
            self.pane.action_follow()
        if self._timer is None:
            self._timer = self.pane.set_interval(EVERY, self._look)

    def _look(self) -> None:
        live = self.live
        if live is None or not live.done.is_set():
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        from m3tui.logs.merge import MergedSource
        from m3tui.logs.sources import FileSource

        src = self.pane.source
        if src is not None and live.path in _paths(src) and self.pane.following:  # the last batch, should the watch have missed it
            if isinstance(src, FileSource):
                self.pane._caught_up(src)
            elif isinstance(src, MergedSource):
                self.pane.merging.caught_up(src)
        if live.error:  # the whole line once (the status may only have room for "spool stopped")
            self.pane._say(live.error, title="stdin", severity="error", timeout=10)
        self.pane._update_status()


def _paths(src: Source) -> list[Path]:
    """The files ``src`` shows: its own, or a merged timeline's."""
    from m3tui.logs.sources import FileSource

    if isinstance(src, FileSource):
        return [src.path]
    merge = sys.modules.get("m3tui.logs.merge")  # not imported (a single file's first paint): no timeline exists
    if merge is not None and isinstance(src, merge.MergedSource):
        return [p.path for p in src.parts]
    return []
