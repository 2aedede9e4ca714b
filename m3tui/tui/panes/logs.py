"""Logs pane: every go command's output, m3tui's own log, and any log file, followed live.

The pane holds the state (which source, search, level filter, follow, lint) and the keys; the
lines come from :mod:`m3tui.logs.sources` (files read with pread and indexed in a thread, tail first),
are drawn by :class:`~m3tui.tui.panes.log_view.LogView` (only the rows on screen), the sources
are listed by :class:`~m3tui.tui.panes.log_sources.SourceList`, lint runs in
:class:`~m3tui.tui.panes.log_lint.PaneLint`, the status is worded by :mod:`m3tui.logs.status`,
and a record opens in :class:`~m3tui.tui.panes.log_record.RecordScreen`. The commands list and lint rules come through
the :class:`~m3tui.logs.backend.LogsBackend` Protocol, so tests can swap in fixed data.
Everything that touches more than a screenful of lines runs in a thread.

The cursor is the user's place: it stays on its line when the file grows (unless it is at the
end: following), when a filter changes (the closest line shown when its own is hidden), and
each source keeps its own when another is shown. With lint on, the line under the status says
what is wrong with the cursor's line (`]`/`[` jump between violations; `enter` says it all).

The log services (and the viewer that uses them) are imported when the pane is first built,
not at start-up: m3tui's first paint should not pay for a hidden pane. Hence the imports
inside methods below.

Long because: it is one state machine. The source shown, the search, the level filter, the
follow loop and a running index build all act on each other and on the cursor (a new source
restarts the scans; a grown or rotated file extends or redoes them; each background result is
dropped when a newer change made it stale). Split across modules, that one state would be read
and written from several places; what is not that state (the lines, the scans, the drawing,
the source list, lint with its own state, the status's wording, the record view) lives elsewhere.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import threading
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from m3tui.core.errors import M3tuiError
from m3tui.tui.panes.base import Pane, focus_now
from m3tui.tui.panes.log_lint import PaneLint
from m3tui.tui.panes.log_live import PaneLive
from m3tui.tui.panes.log_tests import PaneTests
from m3tui.tui.panes.log_merge import PaneMerge
from m3tui.tui.panes.log_where import PaneWhere
from m3tui.tui.panes.log_sources import NONE_KEY, OWN_KEY, SourceList, file_key
from m3tui.tui.panes.log_trace import PaneTrace

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.notifications import SeverityLevel

    from m3tui.core.cmdlog import CommandRecord
    from m3tui.logs.backend import LogsBackend
    from m3tui.logs.sources import FileSource, MemSource, Source
    from m3tui.tui.backends import Backends
    from m3tui.tui.panes.log_histogram import PaneHistogram
    from m3tui.tui.panes.log_view import LogView

#: Lines scanned inline (on the UI thread) when a followed file grows; more go to a thread.
INLINE_SCAN = 2000
LEVEL_FILTERS = (("all", 0), ("info+", 20), ("warn+", 30), ("error", 40))
#: Seconds between showing a file's tail and starting its full index (let the first frames through).
INDEX_DELAY = 0.3


class LogsPane(Pane):
    PANE_ID = "logs"
    TITLE = "Logs"
    SUMMARY = "Every command's output and any log file, live: follow, filter, search, lint."

    BINDINGS: ClassVar = [
        Binding("o", "open", "Open", id="logs.open"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match(False)", "Next match", show=False, id="logs.next"),
        Binding("N", "next_match(True)", "Previous match", show=False, id="logs.previous"),
        Binding("F", "filter", "Filter", show=False, id="logs.filter"),
        Binding("v", "level", "Level", show=False, id="logs.level"),
        Binding("ampersand", "where", "Filter by fields", show=False, id="logs.where"),  # as in less (log_where.py)
        Binding("e", "next_error(False)", "Next error", show=False, id="logs.next_error"),
        Binding("E", "next_error(True)", "Previous error", show=False, id="logs.previous_error"),
        Binding("f", "follow", "Follow", id="logs.follow"),
        Binding("w", "wrap", "Wrap", show=False, id="logs.wrap"),
        Binding("c", "copy", "Copy line", show=False, id="logs.copy"),
        Binding("L", "lint", "Lint", id="logs.lint"),
        Binding("H", "histogram", "Histogram", show=False, id="logs.histogram"),
        Binding("t", "trace", "Follow trace", show=False, id="logs.trace"),
        Binding("right_square_bracket", "next_violation(False)", "Next lint violation", show=False, id="logs.next_violation"),
        Binding("left_square_bracket", "next_violation(True)", "Previous lint violation", show=False,
                id="logs.previous_violation"),  # fmt: skip
        Binding("r", "reload", "Reload sources", show=False, id="logs.reload"),
        Binding("T", "tests", "Tests tree / lines", show=False, id="logs.tests"),  # go test output as tests
        Binding("escape", "cancel", "Cancel", id="logs.cancel"),  # shown while there is something to leave
    ]

    def __init__(self, backends: Backends, **kwargs: Any) -> None:
        super().__init__(backends, **kwargs)
        self.backend: LogsBackend = backends.logs
        self._view: LogView | None = None
        self.source: Source | None = None
        self.files: dict[str, FileSource] = {}  # path -> source, newest last
        self.commands: list[CommandRecord] = []
        self.own: Path | None = None
        self._own_source: FileSource | None = None
        self._pending: list[Path] = []
        self._opening = 0  # files being opened: until they are shown, no other source is picked
        self._prompt = ""  # "open" or "search" while the input is shown
        self.query_text = ""
        self._rx: re.Pattern[bytes] | None = None
        self.matches: array[int] | None = None  # source lines matching the search (None: not known yet)
        self.filtering = False
        self.level = 0  # index into LEVEL_FILTERS
        self.following = False
        self._follow_stop: asyncio.Event | None = None
        self.follow_ready: asyncio.Event | None = None  # set once the current follow watches its file
        self.lint = PaneLint(self)
        self.tests = PaneTests(self)  # go test output as a tree of tests (T)
        self.where = PaneWhere(self)  # the & field filter (log_where.py)
        self.merging = PaneMerge(self)  # several files as one timeline (log_merge.py)
        self._histogram: PaneHistogram | None = None  # H: lines per time bucket (log_histogram.py), made on first use
        self._rest = False  # the prompt and the lint line mounted (after the first paint: _mount_rest)
        self.trace = PaneTrace(self)  # t: one trace across the sources (log_trace.py)
        self.live = PaneLive(self)  # piped stdin followed as it comes (log_live.py)
        self._gen = 0  # bumped on every change that makes background results stale
        self._busy = ""  # what a background scan is doing, for the status line
        self._status_text = ""
        self._ticker: Timer | None = None
        self._selected_key = ""  # the source list's row of the source shown (or being opened)
        self._shown_key = ""  # the row key of self.source
        self._places: dict[str, tuple[bool, int]] = {}  # row key -> (indexed, cursor line) when left, not at its end
        self._cmd_sources: dict[str, MemSource] = {}

    # --- layout ----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        self.built = True
        table = SourceList(id="logs-sources")
        self._reload_lists()
        self._fill_sources(table)  # now, not after the first refresh: the first paint shows the list
        from m3tui.tui.panes.log_view import LogView

        self._view = view = LogView(id="logs-view")
        view.hint = "o opens a log file · enter on a command shows its output"
        status = Static(Text("no source", style="dim"), id="logs-status")
        # + the prompt and the lint line once the first paint is out, the histogram strip and the
        # tests tree on first use
        return Vertical(table, status, view, id="logs-body")

    def _mount_rest(self) -> None:
        """The hidden parts (the o and / prompt, the lint line), mounted once the first paint is out:
        nothing shows them before a key, and styling and mounting them (an Input) held back the
        first screen of `m3tui logs FILE`. A key that needs them before then mounts them itself."""
        if self._rest or not self.built:
            return
        self._rest = True
        body = self.query_one("#logs-body")
        prompt = Horizontal(Static("", id="logs-prompt-label"), Input("", id="logs-input"), id="logs-prompt", classes="hidden")
        body.mount(prompt, after=self.query_one(SourceList))
        body.mount(Static("", id="logs-lint", classes="hidden"), after=self.query_one("#logs-status"))

    @property
    def histogram(self) -> PaneHistogram:
        """H's strip and the thread that fills it, made (the strip mounted above the log) on first use."""
        if self._histogram is None:
            from m3tui.tui.panes.log_histogram import PaneHistogram

            self._histogram = PaneHistogram(self)
            self.query_one("#logs-body").mount(self._histogram.strip, before=self.view)
        return self._histogram

    def histogram_changed(self, src: Source | None = None) -> None:
        """The strip, if made, follows the source shown (``src``: it grew by new lines)."""
        if self._histogram is not None:
            if src is None:
                self._histogram.changed()
            else:
                self._histogram.grown(src)

    def focus_target(self) -> Widget:
        return self.tests.tree if self.tests.on else self.view

    def open_at_start(self, path: Path) -> None:
        """`m3tui logs FILE`, before the pane is built: a plain file's tail is read now and shown
        when the pane mounts, so the first paint has it (the app's open_paths then finds it open)."""
        name = "stdin" if path.name.startswith("stdin-") and path.parent.name == "tmp" else path.name
        src = self.backend.open_now(path, name)
        if src is not None:
            self.files[str(path)] = src
            self._selected_key = file_key(path)

    def on_mount(self) -> None:
        super().on_mount()
        src = self.files.get(self._selected_key[5:]) if self._selected_key.startswith("file:") else None
        if src is not None and self.source is None:
            self._fill_sources()
            self._show(src, self._selected_key)
            self.set_timer(INDEX_DELAY, lambda: self._build_index(src))

    @property
    def view(self) -> LogView:
        assert self._view is not None, "the Logs pane is not built yet"
        return self._view

    def on_log_view_record_wanted(self, event: LogView.RecordWanted) -> None:
        event.stop()
        self.action_pretty()

    def on_log_view_cursor_moved(self, event: LogView.CursorMoved) -> None:
        event.stop()
        self._update_status()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._update_status)  # the status is fitted to the new width
        self.call_after_refresh(self._fill_sources)  # and the source names

    def _load(self) -> None:
        self._mount_rest()
        pending, self._pending = self._pending, []
        if pending:
            self.open_paths(pending)
        elif self.source is None and not self._opening:
            table = self.query_one(SourceList)
            if table.row_count:
                table.move_cursor(row=0)
                self._select(str(table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value))
        self._update_status()

    def on_unmount(self) -> None:
        """The app ends: stop the follower and the index builds, close the files (a .gz's spool goes)."""
        if self._follow_stop is not None:
            self._follow_stop.set()
        self.merging.stop_all()
        for src in self._all_files():
            src.stop.set()
            src.index.close()

    def _say(self, message: str, *, title: str = "logs", severity: SeverityLevel = "information", timeout: float | None = None) -> None:
        """A notification of text that may hold a path or a query: shown as it is, never as markup."""
        from m3tui.logs.index import one_line

        self.app.notify(one_line(message), title=title, severity=severity, timeout=timeout, markup=False)

    # --- the source list -------------------------------------------------------------------

    def action_reload(self) -> None:
        self._reload_lists()
        self._fill_sources()

    def _reload_lists(self) -> None:
        try:
            self.commands = self.backend.commands()
        except Exception:  # noqa: BLE001 - an unreadable history is an empty one
            self.commands = []
        try:
            self.own = self.backend.own_log()
        except Exception:  # noqa: BLE001
            self.own = None

    def _fill_sources(self, table: SourceList | None = None) -> None:
        if table is None:
            if not self.built:
                return
            table = self.query_one(SourceList)
        table.fill(self.files, self.own, self.commands, self._selected_key, merged=self.merging.sources)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "logs-sources":
            event.stop()
            self._select(str(event.row_key.value))
            focus_now(self.view)

    def _select(self, key: str) -> None:
        from m3tui.logs.sources import command_source

        if key.startswith("merged:"):
            merged = self.merging.sources.get(key)
            if merged is not None:
                self._selected_key = key
                self._show(merged, key)
        elif key.startswith("file:"):
            src = self.files.get(key[5:])
            if src is not None:
                self._selected_key = key
                self._show(src, key)
        elif key == OWN_KEY and self.own is not None:
            self._selected_key = key
            self._open_file(self.own, "m3tui log", own=True)
        elif key != NONE_KEY:
            rec = self.query_one(SourceList).commands.get(key)
            if rec is not None:
                self._selected_key = key
                cached = self._cmd_sources.get(key)
                self._cmd_sources[key] = cached or command_source(rec)
                self._show(self._cmd_sources[key], key)

    # --- opening files ---------------------------------------------------------------------

    def open_paths(self, paths: list[Path]) -> None:
        """Open each path (the last one is shown); before the pane is built, when it is."""
        if not self.built:
            self._pending.extend(Path(p) for p in paths)
            return
        if self.merging.merge and len(paths) > 1:  # one timeline (--no-merge: a source each)
            self.merging.open([Path(p) for p in paths])
            return
        for p in paths:
            p = Path(p)
            name = "stdin" if p.name.startswith("stdin-") and p.parent.name == "tmp" else p.name
            self._selected_key = file_key(p)  # claimed now: _load must not show another source meanwhile
            self._opening += 1
            self._open_file(p, name)

    def action_open(self) -> None:
        self._ask("open", "path of a log file (.gz too)", "")

    def decompress_progress(self, name: str) -> Callable[[float], None]:
        """What a compressed file's decompression into the cache says as it goes (from its thread):
        the status line's busy part, until the file is shown."""

        def say(fraction: float) -> None:
            self._busy = f"decompressing {name} {fraction:.0%}…" if fraction < 1.0 else ""
            try:
                self.app.call_from_thread(self._update_status)
            except RuntimeError:  # the app is gone, or this is its own thread
                pass

        return say

    @work(group="logs-open")
    async def _open_file(self, path: Path, name: str, own: bool = False) -> None:
        key = str(path)
        row_key = OWN_KEY if own else file_key(key)
        existing = self._own_source if own else self.files.get(key)
        if existing is not None:
            if not own:
                self._opening = max(0, self._opening - 1)
            if existing is not self.source and self._selected_key == row_key:  # (the file opened at start is shown already)
                self._show(existing, row_key)
            return

        try:
            src = await self.backend.open(path, name, progress=self.decompress_progress(name))
        except M3tuiError as exc:  # missing, a FIFO or directory, unreadable, corrupt gzip, too big to spool
            self._busy = ""  # (a decompression that failed says so itself)
            self._say(str(exc), severity="error")
            return
        except OSError as exc:
            self._busy = ""
            self._say(f"cannot open {path}: {exc.strerror or exc}", severity="error")
            return
        finally:
            if not own:
                self._opening = max(0, self._opening - 1)
        # Shown only if still the one claimed: of several opened at once (--no-merge) the last is
        # shown whichever finishes last, and a source picked meanwhile is not taken away.
        claimed = self._selected_key == row_key
        if own:
            self._own_source = src
        else:
            self.files.pop(key, None)
            self.files[key] = src
            self._fill_sources()
        if claimed:
            self._show(src, row_key)
        # The tail is on screen within a frame or two; only then start indexing (it competes for the GIL).
        self.set_timer(INDEX_DELAY, lambda: self._build_index(src))

    @work(group="logs-index")
    async def _build_index(self, src: FileSource) -> None:
        src.stop.set()  # a build still running on this source (before a rotation) gives way
        stop = src.stop = threading.Event()
        src.builds += 1
        if self._ticker is None:
            self._ticker = self.set_interval(0.2, self._tick)

        def progress(fraction: float) -> None:
            if not stop.is_set():
                src.progress = fraction

        try:
            done = await asyncio.to_thread(src.index.build, progress, stop)
        except (OSError, M3tuiError) as exc:
            self._say(f"{src.name}: {exc}", severity="error")
            done = False
        finally:
            src.builds -= 1
        if done and stop is src.stop and not stop.is_set():
            self._indexed(src)

    def _indexed(self, src: FileSource) -> None:
        """The index is complete: switch from the tail to numbered lines, keeping the place."""
        view = self.view
        was_current = src is self.source
        bottom = view.at_bottom or self.following
        offset = None
        if was_current and not src.indexed and view.count and not bottom and view.rows is None:
            offset = src.tail[view.cursor][0]
        src.indexed = True
        src.progress = 1.0
        src.tail = []
        if not was_current:
            return
        view.rows = None
        view.marks = {}
        self._classify(src)
        self.tests.shown(src)  # all the lines now, not the tail's
        self.histogram_changed()  # line numbers now: the strip's jumps are by them
        view.invalidate()
        if offset is not None:
            try:
                view.move_to(src.index.line_of(offset))
            except IndexError:
                view.to_bottom()
        else:
            view.to_bottom()
        self._recompute()
        self._update_status()

    def _tick(self) -> None:
        self._update_status()
        if not any(s.building for s in self._all_files()) and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _all_files(self) -> list[FileSource]:
        return [*self.files.values(), *([self._own_source] if self._own_source else [])]

    # --- showing a source ------------------------------------------------------------------

    def _show(self, src: Source, key: str) -> None:
        """Show ``src`` (the source list's row ``key``), where its cursor was when it was left."""
        view = self.view
        if self.following:
            self._stop_follow()
        if self.source is not None and self._shown_key:
            line = view.cursor_line
            if line is None or view.at_bottom:
                self._places.pop(self._shown_key, None)
            else:
                self._places[self._shown_key] = (self.source.indexed, line)
        self.source = src
        self._shown_key = key
        self._gen += 1
        self.matches = None
        self.lint.summary = ""
        view.set_source(src)
        place = self._places.get(key)
        if place is not None and place[0] == src.indexed and place[1] < src.count():
            view.move_to(place[1])
        self.call_after_refresh(self._classify, src)  # (its thread once the screen is out: go test marks are rare)
        self.tests.shown(src)
        self._recompute()
        self._update_status()
        self.histogram_changed()
        self.live.shown(src)

    @work(group="logs-marks")
    async def _classify(self, src: Source) -> None:
        """Which lines belong to a go test failure (they are drawn as errors): in a thread."""
        from m3tui.logs.sources import go_test_marks

        marks = await asyncio.to_thread(go_test_marks, src)
        if src is self.source and (marks or self.view.marks):
            self.view.marks = marks
            self.view.invalidate()

    def _recompute(self) -> None:
        """Start the background scans the current settings need (matches, filter, lint)."""
        self._gen += 1
        view = self.view
        view._cache.clear()
        if (self._rx is not None and self.source is not None) or self.level or self.where.filter:
            self._scan(self._gen)
        else:
            view.set_rows(None)
        if self.lint.on and self.source is not None:
            self.lint.start(self._gen)
        self._update_status()

    @work(group="logs-scan", exclusive=True)
    async def _scan(self, gen: int) -> None:
        from m3tui.logs.sources import scan_lines

        src, rx, min_rank, where = self.source, self._rx, LEVEL_FILTERS[self.level][1], self.where.filter
        if src is None:
            return
        stop = threading.Event()
        self._busy = "searching…" if rx is not None else "filtering…"
        self._update_status()
        def scan() -> tuple[array[int] | None, array[int] | None]:
            from m3tui.logs.sources import go_test_marks

            marks = go_test_marks(src) if min_rank else None
            return scan_lines(src, rx, min_rank, self.filtering, stop, 0, None, marks, where)

        try:
            matches, rows = await asyncio.to_thread(scan)
        finally:
            stop.set()
        if gen != self._gen or src is not self.source:
            return
        self._busy = ""
        self.matches = matches
        self.view.set_rows(rows)
        self._update_status()

    # --- the prompt ------------------------------------------------------------------------

    def _ask(self, mode: str, placeholder: str, value: str) -> None:
        self._mount_rest()
        prompt = self.query_one("#logs-input", Input)
        self._prompt = mode
        prompt.placeholder = placeholder
        prompt.value = value
        self.query_one("#logs-prompt-label", Static).update(f"{mode} ›")
        self.query_one("#logs-prompt").remove_class("hidden")
        focus_now(prompt)
        self.refresh_bindings()

    def _close_prompt(self) -> None:
        self._prompt = ""
        self.query_one("#logs-prompt").add_class("hidden")
        focus_now(self.view)
        self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "logs-input":
            return
        event.stop()
        mode, value = self._prompt, event.value.strip()
        self._close_prompt()
        if mode == "open" and value:
            from m3tui.tui.panes.log_merge import prompt_paths

            self.open_paths(prompt_paths(value))  # several paths (or a glob): merged
        elif mode == "search":
            self.set_search(value)

    def action_cancel(self) -> None:
        if self._prompt:
            self._close_prompt()
        elif not self.view.has_focus:
            focus_now(self.view)
        elif not self.trace.back() and self.where.filter is not None:  # the trace view: back where t was pressed
            self.where.apply("")  # else esc clears the & field filter

    # --- search and filters ----------------------------------------------------------------

    def action_search(self) -> None:
        self._ask("search", "text, or /regex/ · lower case matches any case", self.query_text)

    def set_search(self, query: str) -> None:
        """Search for ``query`` (empty clears it) and jump to the first match from the cursor."""
        from m3tui.logs.sources import make_pattern

        self.query_text = query
        if not query:
            self._rx = None
            self.view.match_rx = None
            self.filtering = False
            self._recompute()
            return
        try:
            self._rx, self.view.match_rx = make_pattern(query)
        except re.error as exc:
            self._say(f"bad regular expression: {exc}", title="search", severity="error")
            return
        self.matches = None
        self._recompute()
        self._find(False, from_cursor=True)

    def action_next_match(self, reverse: bool) -> None:
        if self._rx is None:
            self.action_search()
            return
        self._find(reverse)

    @work(group="logs-find", exclusive=True)
    async def _find(self, reverse: bool, from_cursor: bool = False) -> None:
        from m3tui.logs.sources import shown

        view, src, rx = self.view, self.source, self._rx
        if src is None or rx is None:
            return
        line = view.cursor_line
        line = 0 if line is None else line
        start = line if (reverse or from_cursor) else line + 1
        wrapped = False
        if self.matches is not None:
            m = self.matches
            if not len(m):
                found = None
            elif reverse:
                k = bisect.bisect_left(m, start) - 1
                wrapped = k < 0
                found = m[k]
            else:
                k = bisect.bisect_left(m, start)
                wrapped = k >= len(m)
                found = m[0] if wrapped else m[k]
        else:
            found = await asyncio.to_thread(src.search, rx, start, reverse)
            if found is None:
                wrapped = True
                found = await asyncio.to_thread(src.search, rx, src.count() if reverse else 0, reverse)
        if src is not self.source:
            return
        if found is None:
            self._say(f"no match for {self.query_text}", title="search", severity="warning")
            return
        if view.rows is not None and not shown(view.rows, found):
            self.app.notify("the match is hidden by the level filter", title="search", severity="warning")
        view.move_to(view.row_of(found))
        view.reveal_match()
        if wrapped:
            self.app.notify("search wrapped", title="search", timeout=2)
        self._update_status()

    def action_filter(self) -> None:
        if self._rx is None and not self.filtering:
            self.app.notify("search first (/), then F shows only the matching lines", title="filter")
            return
        self.filtering = not self.filtering
        self._recompute()

    def action_where(self) -> None:
        self.where.ask()

    def action_level(self) -> None:
        self.level = (self.level + 1) % len(LEVEL_FILTERS)
        self._recompute()

    @work(group="logs-find", exclusive=True)
    async def action_next_error(self, reverse: bool) -> None:
        from m3tui.logs.sources import find_error

        view, src = self.view, self.source
        if src is None or not view.count:
            return
        row = view.cursor
        self._busy = "looking for errors…"
        self._update_status()
        try:
            found = await asyncio.to_thread(find_error, src, view.rows, row, reverse)
        finally:
            self._busy = ""
        if src is not self.source:
            return
        if found is None:
            self.app.notify("no more errors" if reverse else "no errors below", title="logs", timeout=3)
        else:
            view.move_to(found)
        self._update_status()

    # --- follow ----------------------------------------------------------------------------

    def action_follow(self) -> None:
        from m3tui.logs.sources import FileSource

        from m3tui.logs.merge import MergedSource

        src = self.source
        if self.following:
            self._stop_follow()
        elif isinstance(src, MergedSource):
            self.merging.follow(src)
        elif isinstance(src, FileSource):
            if src.index.compressed:
                self.app.notify("a compressed file does not grow: nothing to follow", title="follow")
                return
            self.following = True
            self._follow_stop = asyncio.Event()
            self.follow_ready = asyncio.Event()  # set once the watch is in place
            self._follow(src, self._follow_stop, self.follow_ready)
            self._caught_up(src)
            self.view.to_bottom()
        else:
            self.app.notify("follow works on files: this command has finished (r reloads the list)", title="follow")
        self._update_status()

    def _stop_follow(self) -> None:
        self.following = False
        if self._follow_stop is not None:
            self._follow_stop.set()
            self._follow_stop = None
        self._update_status()

    @work(group="logs-follow", exclusive=True)
    async def _follow(self, src: FileSource, stop: asyncio.Event, ready: asyncio.Event) -> None:
        try:
            await self.backend.follow(src.path, lambda _lines: self._caught_up(src), stop, ready)
        except (OSError, M3tuiError) as exc:
            self._say(f"cannot follow {src.name}: {exc}", title="follow", severity="error")
            if self._follow_stop is stop:
                self.following = False
                self._update_status()

    def _caught_up(self, src: FileSource) -> None:
        """New data in a followed file: extend the index (or re-read the tail) and show it. The
        view follows the end when its cursor is there; moved up, the cursor stays on its line."""
        from m3tui.logs.sources import scan_lines

        stick = src is self.source and self.view.at_bottom
        before = src.count()
        try:
            state = src.index.refresh()
        except (OSError, M3tuiError) as exc:  # replaced by what cannot be read (a FIFO, no permission)
            self._say(f"cannot follow {src.name}: {exc}", title="follow", severity="error")
            if src is self.source and self.following:
                self._stop_follow()
            return
        if state == "same":
            return
        if state == "reset":
            src.indexed = False
            src.progress = 0.0
            src.retail()
            if src is self.source:
                self.view.rows = None
                self.view.marks = {}
                self.view.invalidate()
            self._say(f"{src.name} was rotated or truncated: reading the new file", title="follow", timeout=3)
            self._build_index(src)
            if src is self.source:
                self._recompute()
                self.view.to_bottom()
            self._update_status()
            return
        if not src.indexed:
            src.retail()  # new line numbers: the marks found so far are for the old ones
        self.query_one(SourceList).show_size(file_key(src.path), src.index.size)
        if src is not self.source:
            return
        if not src.indexed:
            self.view.marks = {}
        view = self.view
        after = src.count()
        go_test = src.go_test is not None and src.go_test.is_go_test is not False
        if go_test:
            self._classify(src)  # a test's --- FAIL line makes its earlier lines errors
        self.tests.refresh(src)  # the tests tree grows (a file that began empty may turn out to be go test output)
        if src.indexed and (self._rx is not None or self.level or self.where.filter):
            if after - before <= INLINE_SCAN and not (go_test and self.level):
                matches, rows = scan_lines(src, self._rx, LEVEL_FILTERS[self.level][1], self.filtering, None, before, after,
                                           where=self.where.filter)
                if self.matches is not None and matches is not None:
                    self.matches.extend(matches)
                if view.rows is not None and rows is not None:
                    view.rows.extend(rows)
            else:
                self._recompute()
        if self.lint.on and src.indexed and after - before <= INLINE_SCAN:
            self.lint.more(src, before, after)
        elif self.lint.on:
            self.lint.start(self._gen)  # many new lines (or the tail re-read): lint again, in a thread
        if not src.indexed:
            view._cache.clear()
        view.grown(stick)
        self.histogram_changed(src)  # the strip counts the new lines
        self._update_status()

    # --- other keys ------------------------------------------------------------------------

    def action_tests(self) -> None:
        self.tests.toggle()

    def action_lint(self) -> None:
        self.lint.toggle()

    def action_histogram(self) -> None:
        self.histogram.toggle()

    def action_trace(self) -> None:
        self.trace.follow()

    def action_next_violation(self, reverse: bool) -> None:
        self.lint.jump(reverse)

    def action_wrap(self) -> None:
        view = self.view
        row = view.cursor
        view.wrap = not view.wrap
        view.scroll_to(x=0, animate=False, immediate=True)
        view.invalidate()
        view.move_to(row)
        self._update_status()

    def action_copy(self) -> None:
        from m3tui.logs.sources import display_text

        view, src = self.view, self.source
        line = view.cursor_line
        if src is None or line is None:
            return
        raw, full = src.raw(line)
        self.app.copy_to_clipboard(display_text(raw, full))
        self.app.notify(f"copied line {line + 1}" if src.indexed else "copied the line", title="logs", timeout=2)

    def action_pretty(self) -> None:
        """`enter`: the record under the cursor in full, with what lint and go test say of it."""
        from m3tui.logs.format import parse_line, pretty
        from m3tui.logs.sources import display_text
        from m3tui.tui.panes.log_record import RecordScreen

        view, src = self.view, self.source
        line = view.cursor_line
        if src is None or line is None:
            return
        raw, full = src.raw(line)
        body = pretty(parse_line(display_text(raw, full)))
        if line in view.lint_marks:
            body += "\n\nlint:\n" + "\n".join(f"  ⚠ {reason}" for reason in view.lint_marks.reasons(line))
        if line in view.marks:
            body += "\n\n" + self._failure_text(src, line)
        where = f"{src.name} · line {line + 1}" if src.indexed else src.name
        self.app.push_screen(RecordScreen(where, body))

    def _failure_text(self, src: Source, line: int, most: int = 200) -> str:
        """The go test failure ``line`` belongs to, all its lines (its message, its trace)."""
        from m3tui.logs.sources import display_text

        marks = self.view.marks
        first = last = line
        while first > 0 and first - 1 in marks and not marks[first].first and line - first < most:
            first -= 1
        while last + 1 in marks and not marks[last + 1].first and last - first < most:
            last += 1
        test = marks[line].test
        head = f"go test: the failure of {test}" if test else "go test: a package's failure"
        lines = "\n".join(display_text(*src.raw(i)) for i in range(first, last + 1))
        return f"{head} (lines {first + 1}–{last + 1}):\n{lines}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters belong to the input while it has focus (it keeps enter and esc); esc is there
        (and in the footer) while there is a prompt to close or the lines to go back to."""
        if action == "cancel":
            shown = self.trace.shown or self.where.filter is not None  # esc goes back from t, clears &
            return bool(self._prompt) or not (self.built and self.view.has_focus) or shown
        return not isinstance(self.app.focused, Input)

    # --- status ----------------------------------------------------------------------------

    def _update_status(self) -> None:
        from m3tui.logs.sources import FileSource
        from m3tui.logs.status import StatusFacts, fit_status, status_parts

        if not self.built:
            return
        src, view = self.source, self.view
        status = self.query_one("#logs-status", Static)
        width = status.size.width or max(20, self.app.size.width - 2)
        if src is None:
            facts = StatusFacts(None)
        else:
            tail = src.kind in ("file", "merged") and not src.indexed
            facts = StatusFacts(
                src.name, lines=src.count(), indexing=src.progress if tail else None,
                tail_lines=len(src.tail) if isinstance(src, FileSource) else src.count() if tail else 0,
                shown=len(view.rows) if view.rows is not None else None,
                following=self.following, paused=self.following and not view.at_bottom,
                level=LEVEL_FILTERS[self.level][0] if self.level else "", query=self.query_text, where=self.where.text,
                matches=None if self.matches is None else len(self.matches), filtering=self.filtering,
                lint=self.lint.short if self.lint.on else "", lint_problems=bool(view.lint_marks),
                wrap=view.wrap, busy=self._busy, spool_error=self.live.error_for(src),
            )  # fmt: skip
        text = Text()
        for i, part in enumerate(fit_status(status_parts(facts), width)):
            if i:
                text.append(" · ", style="dim")
            text.append(part.text, style=part.style)
        self._status_text = text.plain
        status.update(text)
        if self.lint.on:
            self.query_one("#logs-lint", Static).update(self.lint.line_text(width))
