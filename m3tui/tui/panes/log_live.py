"""The Logs pane on piped stdin as it comes (`go test -json ./... | m3tui logs -`).

cli/main.py copies the pipe into a spool in a thread (logs/livespool.py); when the pane shows
that spool it follows it at once, so the lines and the go test tree grow as the writer writes.
A copy that stopped early (the spool's size budget, a full disk) is said in the status line,
one line, until the app quits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
        """Why the copy into ``src`` stopped early ("" when it did not, or ``src`` is another source)."""
        live = self.live
        return live.error if live is not None and getattr(src, "path", None) == live.path else ""

    def shown(self, src: Source) -> None:
        """``src`` is now the pane's source: a live spool is followed from here on."""
        from m3tui.logs.livespool import live_spool
        from m3tui.logs.sources import FileSource

        if not isinstance(src, FileSource):
            return
        live = live_spool(src.path)
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
        from m3tui.logs.sources import FileSource

        src = self.pane.source
        if isinstance(src, FileSource) and src.path == live.path and self.pane.following:
            self.pane._caught_up(src)  # the last batch, should the watch have missed it
        self.pane._update_status()
