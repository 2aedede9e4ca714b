"""Logs pane: every go command's output, m3tui's own log, and any log file, followed live.

A thin front over the log services: :class:`~m3tui.logs.index.LineIndex` (mmap'd files,
tail at once, index in a thread), :mod:`~m3tui.logs.format` (levels, JSON columns),
:mod:`~m3tui.logs.lint`, :mod:`~m3tui.logs.follow` and
:mod:`~m3tui.core.cmdlog`, reached through :class:`LogsBackend` so tests can swap in fixed
data. The viewer (:class:`LogView`) is a virtual line view: it reads only the lines on screen.
Everything that touches more than a screenful of lines runs in a thread.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from m3tui.tui.panes.base import Pane

if TYPE_CHECKING:
    from m3tui.logs.index import LineIndex

# The log services, bound when the pane is first built (not at start-up: see _load_services).
columns = is_error = level_rank = parse_line = pretty = safe_text = LineIndex = None  # type: ignore[assignment]


def _load_services() -> None:
    """Import the log services on first use: m3tui's first paint should not pay for a hidden pane."""
    global columns, is_error, level_rank, parse_line, pretty, safe_text, LineIndex
    if LineIndex is None:
        from m3tui.logs import format as logformat, index as logindex

        columns, is_error, level_rank = logformat.columns, logformat.is_error, logformat.level_rank
        parse_line, pretty = logformat.parse_line, logformat.pretty
        safe_text, LineIndex = logindex.safe_text, logindex.LineIndex

#: Lines read at once from the end of a file before its index exists.
TAIL_LINES = 2000
#: Characters shown of one line (the rest is summarised as "… (N more bytes)").
MAX_CHARS = 2000
#: Bytes read of one line (enough for MAX_CHARS characters of UTF-8).
LINE_LIMIT = MAX_CHARS * 4
#: Lines scanned inline (on the UI thread) when a followed file grows; more go to a thread.
INLINE_SCAN = 2000
LEVEL_FILTERS = (("all", 0), ("info+", 20), ("warn+", 30), ("error", 40))
_MORE = re.compile(r" … \((\d+) more bytes\)$")
#: Cheap pre-filter for error lines (confirmed with parse_line): never misses an error line.
_ERROR_HINT = re.compile(rb"(?i)err|fatal|panic|crit|fail|emerg|alert|^[EF]\d{4}|\"(?:level|severity|lvl)\":\s*\d", re.M)


#: Seconds between showing a file's tail and starting its full index (let the first frames through).
INDEX_DELAY = 0.3


class LogsBackend:
    """The services the pane uses; the real ones by default."""

    def commands(self) -> list[Any]:
        """CommandRecords, newest first."""
        from m3tui.core import cmdlog

        return list(reversed(cmdlog.recent()))

    def own_log(self) -> Path | None:
        from m3tui.core import cmdlog

        path = cmdlog.own_log_path()
        return path if path.is_file() else None

    def lint_config(self) -> Any:
        from m3tui.logs.lint import load_lint_config

        config, _warnings = load_lint_config()
        return config


# --- sources -------------------------------------------------------------------------------


class MemSource:
    """Lines held in memory (a command's output)."""

    kind = "command"
    indexed = True
    progress = 1.0

    def __init__(self, name: str, lines: list[bytes]) -> None:
        self.name = name
        self._lines = lines

    def count(self) -> int:
        return len(self._lines)

    def raw(self, i: int) -> tuple[bytes, int]:
        b = self._lines[i]
        return b[:LINE_LIMIT], len(b)

    def iter_lines(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]:
        lines = self._lines
        for i in range(start, len(lines) if stop is None else min(stop, len(lines))):
            yield i, lines[i]

    def search(self, rx: re.Pattern[bytes], start: int, reverse: bool = False) -> int | None:
        lines = self._lines
        rng = range(min(start, len(lines)) - 1, -1, -1) if reverse else range(max(0, start), len(lines))
        for i in rng:
            if rx.search(lines[i]):
                return i
        return None


class FileSource:
    """A log file: its tail (by byte offset) until the index is built, then indexed lines."""

    kind = "file"

    def __init__(self, path: Path, name: str, index: LineIndex, tail: list[tuple[int, bytes]]) -> None:
        self.path = path
        self.name = name
        self.index = index
        self.tail = tail
        self.indexed = False
        self.progress = 0.0
        self.stop = threading.Event()
        self.builds = 0  # index builds running (an old one may still be stopping)

    @property
    def building(self) -> bool:
        return self.builds > 0

    def count(self) -> int:
        return self.index.line_count if self.indexed else len(self.tail)

    def raw(self, i: int) -> tuple[bytes, int]:
        if not self.indexed:
            b = self.tail[i][1]
            return b, len(b)  # tail() already cut it at LINE_LIMIT
        idx = self.index
        b = idx.line(i, limit=LINE_LIMIT)
        if len(b) < LINE_LIMIT:
            return b, len(b)
        start = idx.line_offset(i)
        end = idx.line_offset(i + 1) - 1 if i + 1 < idx.line_count else idx.size
        return b, end - start

    def iter_lines(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]:
        if not self.indexed:
            tail = self.tail
            for i in range(start, len(tail) if stop is None else min(stop, len(tail))):
                yield i, tail[i][1]
            return
        i = start
        step = 512
        while True:
            end = self.index.line_count if stop is None else min(stop, self.index.line_count)
            if i >= end:
                return
            chunk = self.index.lines(i, min(end, i + step), limit=LINE_LIMIT)
            if not chunk:
                return
            for b in chunk:
                yield i, b
                i += 1

    def search(self, rx: re.Pattern[bytes], start: int, reverse: bool = False) -> int | None:
        if self.indexed:
            return self.index.search(rx, max(0, start), reverse=reverse)
        tail = self.tail
        rng = range(min(start, len(tail)) - 1, -1, -1) if reverse else range(max(0, start), len(tail))
        for i in rng:
            if rx.search(tail[i][1]):
                return i
        return None

    def retail(self) -> None:
        self.tail = self.index.tail(TAIL_LINES, limit=LINE_LIMIT)


Source = MemSource | FileSource


def display_text(raw: bytes, full: int) -> str:
    """``raw`` (the head of a line ``full`` bytes long) as one safe display line."""
    text = safe_text(raw, MAX_CHARS)
    if full > len(raw):
        m = _MORE.search(text)
        shown = len(raw) - (int(m.group(1)) if m else 0)
        text = (text[: m.start()] if m else text) + f" … ({full - shown} more bytes)"
    return text


def level_style(level: str | None) -> str:
    rank = level_rank(level)
    if rank >= 50:
        return "bold red"
    if rank >= 40:
        return "red"
    if rank >= 30:
        return "yellow"
    if 0 < rank <= 10:
        return "dim"
    return ""


def line_rank(raw: bytes) -> int:
    return level_rank(parse_line(safe_text(raw, 400)).level)


def line_is_error(raw: bytes) -> bool:
    return is_error(parse_line(safe_text(raw, 400)))


def make_pattern(query: str) -> tuple[re.Pattern[bytes], re.Pattern[str]]:
    """`/re/` is a regular expression, anything else plain text; lower-case means any case."""
    regex = len(query) >= 2 and query.startswith("/") and query.endswith("/")
    body = query[1:-1] if regex else query
    flags = re.MULTILINE | (re.IGNORECASE if body == body.lower() else 0)
    pat = body if regex else re.escape(body)
    return re.compile(pat.encode("utf-8", "surrogateescape"), flags), re.compile(pat, flags)


# --- the viewer ----------------------------------------------------------------------------


class LogView(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtual line view: renders only the rows on screen, straight from the source."""

    COMPONENT_CLASSES: ClassVar = {"logview--cursor", "logview--gutter", "logview--lint", "logview--match", "logview--hint"}
    DEFAULT_CSS = """
    LogView > .logview--cursor { background: $primary 35%; }
    LogView:blur > .logview--cursor { background: $primary 15%; }
    LogView > .logview--gutter { color: $text-muted; }
    LogView > .logview--lint { color: $error; text-style: bold; }
    LogView > .logview--match { background: $warning 60%; color: $text; }
    LogView > .logview--hint { color: $text-muted; }
    """

    BINDINGS: ClassVar = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="logs.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="logs.down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="logs.page_up"),
        Binding("pagedown,ctrl+f,space", "page(1)", "Page down", show=False, id="logs.page_down"),
        Binding("home,g", "top", "Top", show=False, id="logs.top"),
        Binding("end,G", "bottom", "Bottom", show=False, id="logs.bottom"),
        Binding("left,h", "pan(-8)", "Left", show=False, id="logs.left"),
        Binding("right,l", "pan(8)", "Right", show=False, id="logs.right"),
        Binding("enter", "pretty", "Record", id="logs.pretty"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source: Source | None = None
        self.rows: array | None = None  # display row -> source line (filtered), None: all lines
        self.cursor = 0
        self.wrap = False
        self.match_rx: re.Pattern[str] | None = None
        self.lint_marks: set[int] = set()
        self.hint = ""
        self._cache: OrderedDict[int, Text] = OrderedDict()
        self._max_width = 0
        self._frame_key: tuple[Any, ...] | None = None
        self._frame: list[tuple[int, int, Text]] = []

    # --- model -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        if self.source is None:
            return 0
        return len(self.rows) if self.rows is not None else self.source.count()

    def line_at(self, row: int) -> int:
        return self.rows[row] if self.rows is not None else row

    def row_of(self, line: int) -> int:
        """The display row showing ``line``, or the nearest one after it (before, at the end)."""
        if self.rows is None:
            return line
        r = bisect.bisect_left(self.rows, line)
        return min(r, max(0, len(self.rows) - 1))

    @property
    def cursor_line(self) -> int | None:
        if not self.count:
            return None
        return self.line_at(min(self.cursor, self.count - 1))

    def gutter_width(self) -> int:
        if self.source is None:
            return 0
        n = self.source.count() if self.source.indexed else 0
        return 1 + (len(str(n)) + 1 if n else 0)

    def invalidate(self) -> None:
        self._cache.clear()
        self._frame_key = None
        self._update_virtual()
        self.refresh()

    def _update_virtual(self) -> None:
        width = self.size.width if self.wrap else self.gutter_width() + self._max_width
        self.virtual_size = Size(width, self.count)

    @property
    def at_bottom(self) -> bool:
        return self.count == 0 or self.cursor >= self.count - 1

    def set_source(self, source: Source | None) -> None:
        self.source = source
        self.rows = None
        self.lint_marks = set()
        self._max_width = 0
        self.scroll_to(x=0, animate=False, immediate=True)
        self.invalidate()
        self.to_bottom()

    def set_rows(self, rows: array | None) -> None:
        line = self.cursor_line
        bottom = self.at_bottom
        self.rows = rows
        self.invalidate()
        if bottom or line is None:
            self.to_bottom()
        else:
            self.move_to(self.row_of(line))

    # --- rendering -------------------------------------------------------------------------

    def text_of(self, line: int) -> Text:
        cached = self._cache.get(line)
        if cached is not None:
            self._cache.move_to_end(line)
            return cached
        assert self.source is not None
        try:
            raw, full = self.source.raw(line)
        except IndexError:
            raw, full = b"", 0
        s = display_text(raw, full)
        rec = parse_line(s)
        style = level_style(rec.level)
        if rec.is_json:
            level, when, msg = columns(rec)
            text = Text(no_wrap=not self.wrap, end="")
            text.append(f"{level:<5}", style=f"bold {style}".strip())
            text.append(" │ ", style="dim")
            if when:
                text.append(when, style="cyan")
                text.append(" │ ", style="dim")
            text.append(msg, style=style)
        else:
            text = Text(s, no_wrap=not self.wrap, end="")
            if style:
                text.stylize(style)  # a span, not the base style: render() ignores that
        text.expand_tabs(4)
        if self.match_rx is not None:
            match_style = self.get_component_rich_style("logview--match", partial=True)
            for m in self.match_rx.finditer(text.plain):
                if m.end() > m.start():
                    text.stylize(match_style, m.start(), m.end())
        if text.cell_len > self._max_width and not self.wrap:
            self._max_width = text.cell_len
            self.call_after_refresh(self._update_virtual)
        self._cache[line] = text
        if len(self._cache) > 1000:
            self._cache.popitem(last=False)
        return text

    def _gutter(self, line: int, first: bool) -> Strip:
        width = self.gutter_width()
        if not width:
            return Strip([])
        gstyle = self.get_component_rich_style("logview--gutter", partial=True)
        mark = first and line in self.lint_marks
        segs = [Segment("▌", self.get_component_rich_style("logview--lint", partial=True)) if mark else Segment(" ", gstyle)]
        if width > 1:
            segs.append(Segment(f"{line + 1:>{width - 2}} " if first else " " * (width - 1), gstyle))
        return Strip(segs, width)

    def _strip(self, text: Text, width: int) -> Strip:
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, self.rich_style) if width >= 0 else Strip(segments)

    def _wrap_frame(self) -> list[tuple[int, int, Text]]:
        width = max(1, self.size.width - self.gutter_width())
        _, sy = self.scroll_offset
        key = (sy, width, self.size.height, self.count)
        if key == self._frame_key:
            return self._frame
        frame: list[tuple[int, int, Text]] = []
        row = sy
        console = self.app.console
        while len(frame) < self.size.height and row < self.count:
            line = self.line_at(row)
            pieces = self.text_of(line).wrap(console, width) or [Text("")]
            for k, piece in enumerate(pieces):
                frame.append((row, k, piece))
            row += 1
        self._frame_key, self._frame = key, frame
        return frame

    def _rows_of(self, row: int) -> int:
        width = max(1, self.size.width - self.gutter_width())
        return max(1, len(self.text_of(self.line_at(row)).wrap(self.app.console, width)))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        blank = Strip.blank(width, base)
        if self.source is None or not self.count:
            if y == 0 and self.hint:
                text = Text(self.hint, style=self.get_component_rich_style("logview--hint"), no_wrap=True, end="")
                return self._strip(text, width).apply_style(base)
            return blank
        scroll_x, scroll_y = self.scroll_offset
        if self.wrap:
            frame = self._wrap_frame()
            if y >= len(frame):
                return blank
            row, k, piece = frame[y]
        else:
            row, k, piece = scroll_y + y, 0, None
            if row >= self.count:
                return blank
        line = self.line_at(row)
        if row == self.cursor:
            base = base + self.get_component_rich_style("logview--cursor")
        gutter = self._gutter(line, k == 0)
        body_width = width - gutter.cell_length
        if piece is not None:
            body = Strip(list(piece.render(self.app.console))).crop_extend(0, body_width, base)
        else:
            body = Strip(list(self.text_of(line).render(self.app.console)))
            body = body.crop_extend(scroll_x, scroll_x + body_width, base)
        return Strip.join([gutter, body]).apply_style(base)

    def visible_lines(self) -> list[str]:
        """The plain text of the rows on screen (what the tests read)."""
        return [s.text for s in (self.render_line(y) for y in range(self.size.height))]

    # --- moving ----------------------------------------------------------------------------

    def move_to(self, row: int) -> None:
        n = self.count
        self.cursor = max(0, min(row, n - 1)) if n else 0
        self._frame_key = None
        height = max(1, self.size.height)
        _, sy = self.scroll_offset
        if self.wrap:
            if self.cursor < sy:
                sy = self.cursor
            else:
                frame = self._wrap_frame()
                shown = {r for r, _, _ in frame}
                if self.cursor not in shown or (frame and frame[-1][0] == self.cursor and len(frame) >= height and self.cursor != sy):
                    top, used = self.cursor, self._rows_of(self.cursor)
                    while top > 0 and used + self._rows_of(top - 1) <= height:
                        top -= 1
                        used += self._rows_of(top)
                    sy = max(sy, top) if self.cursor in shown else top
        else:
            if self.cursor < sy:
                sy = self.cursor
            elif self.cursor >= sy + height:
                sy = self.cursor - height + 1
        self._update_virtual()
        self.scroll_to(y=sy, animate=False, immediate=True)
        self._frame_key = None
        self.refresh()

    def to_bottom(self) -> None:
        self.move_to(self.count - 1)
        self.call_after_refresh(lambda: self.move_to(self.count - 1) if self.at_bottom else None)

    def grown(self, stick: bool) -> None:
        """The source has more lines (or was re-read): keep the bottom in view when asked."""
        self._frame_key = None
        self._update_virtual()
        if stick:
            self.to_bottom()
        else:
            self.refresh()

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_top(self) -> None:
        self.move_to(0)

    def action_bottom(self) -> None:
        self.move_to(self.count - 1)

    def action_pan(self, delta: int) -> None:
        if not self.wrap:
            self.scroll_to(x=max(0, self.scroll_offset.x + delta), animate=False, immediate=True)

    def action_pretty(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, LogsPane)), None)
        if pane is not None:
            pane.action_pretty()

    def on_click(self, event: events.Click) -> None:
        if self.wrap:
            frame = self._wrap_frame()
            if 0 <= event.y < len(frame):
                self.move_to(frame[event.y][0])
        else:
            self.move_to(self.scroll_offset.y + event.y)

    def on_resize(self, event: events.Resize) -> None:
        self._frame_key = None
        self._update_virtual()

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._frame_key = None
        super().watch_scroll_y(old, new)


class RecordScreen(ModalScreen[None]):
    """One record, pretty-printed; escape closes."""

    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    #logs-record-box {
        width: 90%; max-width: 120; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #logs-record-box > Static { width: 1fr; }
    """
    BINDINGS: ClassVar = [Binding("escape,enter,q", "dismiss", "Close", id="logs.close_record")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        box = VerticalScroll(Static(Text(self._body), id="logs-record-text"), id="logs-record-box")
        box.border_title = self._title
        box.border_subtitle = "esc closes"
        yield box

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


# --- the pane ------------------------------------------------------------------------------


class LogsPane(Pane):
    PANE_ID = "logs"
    BACKEND_ATTR = "logs_backend"
    TITLE = "Logs"
    SUMMARY = "Every command's output and any log file, live: follow, filter, search, lint."

    BINDINGS: ClassVar = [
        Binding("o", "open", "Open file", id="logs.open"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match(False)", "Next match", show=False, id="logs.next"),
        Binding("N", "next_match(True)", "Previous match", show=False, id="logs.previous"),
        Binding("F", "filter", "Filter", id="logs.filter"),
        Binding("v", "level", "Level", id="logs.level"),
        Binding("e", "next_error(False)", "Next error", show=False, id="logs.next_error"),
        Binding("E", "next_error(True)", "Previous error", show=False, id="logs.previous_error"),
        Binding("f", "follow", "Follow", id="logs.follow"),
        Binding("w", "wrap", "Wrap", show=False, id="logs.wrap"),
        Binding("c", "copy", "Copy line", show=False, id="logs.copy"),
        Binding("L", "lint", "Lint", id="logs.lint"),
        Binding("r", "reload", "Reload sources", show=False, id="logs.reload"),
        Binding("escape", "cancel", "Cancel", show=False, id="logs.cancel"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backend = LogsBackend()
        self.source: Source | None = None
        self.files: dict[str, FileSource] = {}  # path -> source, newest last
        self.commands: list[Any] = []
        self.own: Path | None = None
        self._own_source: FileSource | None = None
        self._pending: list[Path] = []
        self._opening = 0  # files being opened: until they are shown, no other source is picked
        self._prompt = ""  # "open" or "search" while the input is shown
        self.query_text = ""
        self._rx: re.Pattern[bytes] | None = None
        self.matches: array | None = None  # source lines matching the search (None: not known yet)
        self.filtering = False
        self.level = 0  # index into LEVEL_FILTERS
        self.following = False
        self._follow_stop: asyncio.Event | None = None
        self.lint_on = False
        self.lint_summary = ""
        self._gen = 0  # bumped on every change that makes background results stale
        self._busy = ""  # what a background scan is doing, for the status line
        self._status_text = ""
        self._ticker: Any = None
        self._selected_key = ""

    # --- layout ----------------------------------------------------------------------------

    def _make_body(self) -> Widget:
        self.built = True
        _load_services()
        table = DataTable(id="logs-sources", cursor_type="row", show_header=False, zebra_stripes=False)
        table.add_columns("source", "status", "took")
        self.backend = getattr(self.app, "logs_backend", None) or self.backend
        self._reload_lists()
        self._fill_sources(table)  # now, not after the first refresh: the first paint shows the list
        prompt = Input("", id="logs-input", classes="hidden")
        view = LogView(id="logs-view")
        view.hint = "o opens a log file · enter on a command shows its output"
        return Vertical(table, prompt, Static(Text("no source", style="dim"), id="logs-status"), view, id="logs-body")

    def focus_target(self) -> Widget:
        return self.query_one(LogView)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def _load(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self.open_paths(pending)
        elif self.source is None and not self._opening:
            table = self.query_one("#logs-sources", DataTable)
            if table.row_count:
                table.move_cursor(row=0)
                self._select(str(table.coordinate_to_cell_key((0, 0)).row_key.value))
        self._update_status()

    def on_unmount(self) -> None:
        if self._follow_stop is not None:
            self._follow_stop.set()
        for src in self.files.values():
            src.stop.set()

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

    def _fill_sources(self, table: DataTable | None = None) -> None:
        if table is None:
            if not self.built:
                return
            table = self.query_one("#logs-sources", DataTable)
        table.clear()
        for key, src in reversed(list(self.files.items())):
            size = src.index.size
            table.add_row(Text(src.name, style="bold"), Text("file", style="cyan"), _size(size), key=f"file:{key}")
        if self.own is not None:
            table.add_row(Text("m3tui log", style="bold"), Text("log", style="cyan"), "", key="own")
        for i, rec in enumerate(self.commands):
            table.add_row(_argv(rec.argv), _exit(rec), f"{rec.duration_s:.2f} s", key=f"cmd:{i}")
        if not table.row_count:
            table.add_row(Text("no commands yet · o opens a file", style="dim"), "", "", key="none")
        keys = [str(k.value) for k in table.rows]
        if self._selected_key in keys:
            table.move_cursor(row=keys.index(self._selected_key), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "logs-sources":
            event.stop()
            self._select(str(event.row_key.value))
            self.view.focus()

    def _select(self, key: str) -> None:
        if key.startswith("file:"):
            src = self.files.get(key[5:])
            if src is not None:
                self._selected_key = key
                self._show(src)
        elif key == "own" and self.own is not None:
            self._selected_key = key
            self._open_file(self.own, "m3tui log", own=True)
        elif key.startswith("cmd:"):
            rec = self.commands[int(key[4:])]
            self._selected_key = key
            self._show(MemSource(_argv(rec.argv), _command_lines(rec)))

    # --- opening files ---------------------------------------------------------------------

    def open_paths(self, paths: list[Path]) -> None:
        """Open each path (the last one is shown); before the pane is built, when it is."""
        if not self.built:
            self._pending.extend(Path(p) for p in paths)
            return
        for p in paths:
            p = Path(p)
            name = "stdin" if p.name.startswith("stdin-") and p.parent.name == "tmp" else p.name
            self._selected_key = f"file:{p}"  # claimed now: _load must not show another source meanwhile
            self._opening += 1
            self._open_file(p, name)

    def action_open(self) -> None:
        self._ask("open", "path of a log file (.gz too)", "")

    @work(group="logs-open")
    async def _open_file(self, path: Path, name: str, own: bool = False) -> None:
        key = str(path)
        existing = self._own_source if own else self.files.get(key)
        if existing is not None:
            if not own:
                self._opening = max(0, self._opening - 1)
            self._show(existing)
            return

        def opener() -> FileSource:
            index = LineIndex.open(path)
            return FileSource(path, name, index, index.tail(TAIL_LINES, limit=LINE_LIMIT))

        try:
            src = await asyncio.to_thread(opener)
        except (OSError, ValueError) as exc:
            self.app.notify(f"cannot open {path.name}: {getattr(exc, 'strerror', None) or exc}", title="logs",
                            severity="error")  # fmt: skip
            return
        finally:
            if not own:
                self._opening = max(0, self._opening - 1)
        if own:
            self._own_source = src
        else:
            self.files.pop(key, None)
            self.files[key] = src
            self._selected_key = f"file:{key}"
            self._fill_sources()
        self._show(src)
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
        except (OSError, ValueError) as exc:
            self.app.notify(f"{src.name}: {exc}", title="logs", severity="error")
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
        if not any(s.building for s in self._all_files()):
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None

    def _all_files(self) -> list[FileSource]:
        return [*self.files.values(), *([self._own_source] if self._own_source else [])]

    # --- showing a source ------------------------------------------------------------------

    def _show(self, src: Source) -> None:
        if self.following:
            self._stop_follow()
        self.source = src
        self._gen += 1
        self.matches = None
        self.lint_summary = ""
        view = self.view
        view.set_source(src)
        self._recompute()
        self._update_status()

    def _recompute(self) -> None:
        """Start the background scans the current settings need (matches, filter, lint)."""
        self._gen += 1
        view = self.view
        view._cache.clear()
        if self._rx is not None and self.source is not None:
            self._scan(self._gen)
        elif self.level:
            self._scan(self._gen)
        else:
            view.set_rows(None)
        if self.lint_on and self.source is not None:
            self._lint(self._gen)
        self._update_status()

    @work(group="logs-scan", exclusive=True)
    async def _scan(self, gen: int) -> None:
        src, rx, min_rank = self.source, self._rx, LEVEL_FILTERS[self.level][1]
        if src is None:
            return
        stop = threading.Event()
        self._busy = "searching…" if rx is not None else "filtering…"
        self._update_status()
        try:
            matches, rows = await asyncio.to_thread(_scan_lines, src, rx, min_rank, self.filtering, stop, 0, None)
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
        prompt = self.query_one("#logs-input", Input)
        self._prompt = mode
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.border_title = mode
        prompt.remove_class("hidden")
        prompt.focus()

    def _close_prompt(self) -> None:
        self._prompt = ""
        prompt = self.query_one("#logs-input", Input)
        prompt.add_class("hidden")
        self.view.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "logs-input":
            return
        event.stop()
        mode, value = self._prompt, event.value.strip()
        self._close_prompt()
        if mode == "open" and value:
            self.open_paths([Path(value).expanduser()])
        elif mode == "search":
            self.set_search(value)

    def action_cancel(self) -> None:
        if self._prompt:
            self._close_prompt()
        elif not self.view.has_focus:
            self.view.focus()

    # --- search and filters ----------------------------------------------------------------

    def action_search(self) -> None:
        self._ask("search", "text, or /regex/ · lower case matches any case", self.query_text)

    def set_search(self, query: str) -> None:
        """Search for ``query`` (empty clears it) and jump to the first match from the cursor."""
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
            self.app.notify(f"bad regular expression: {exc}", title="search", severity="error")
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
            self.app.notify(f"no match for {self.query_text}", title="search", severity="warning")
            return
        if view.rows is not None and not _shown(view.rows, found):
            self.app.notify("the match is hidden by the level filter", title="search", severity="warning")
        view.move_to(view.row_of(found))
        if wrapped:
            self.app.notify("search wrapped", title="search", timeout=2)
        self._update_status()

    def action_filter(self) -> None:
        if self._rx is None and not self.filtering:
            self.app.notify("search first (/), then F shows only the matching lines", title="filter")
            return
        self.filtering = not self.filtering
        self._recompute()

    def action_level(self) -> None:
        self.level = (self.level + 1) % len(LEVEL_FILTERS)
        self._recompute()

    @work(group="logs-find", exclusive=True)
    async def action_next_error(self, reverse: bool) -> None:
        view, src = self.view, self.source
        if src is None or not view.count:
            return
        row = view.cursor
        self._busy = "looking for errors…"
        self._update_status()
        try:
            found = await asyncio.to_thread(_find_error, src, view.rows, row, reverse)
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
        src = self.source
        if self.following:
            self._stop_follow()
        elif isinstance(src, FileSource):
            if src.index.compressed:
                self.app.notify("a compressed file does not grow: nothing to follow", title="follow")
                return
            self.following = True
            self._follow_stop = asyncio.Event()
            self._follow(src, self._follow_stop)
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
    async def _follow(self, src: FileSource, stop: asyncio.Event) -> None:
        from m3tui.logs.follow import follow

        try:
            await follow(src.path, lambda _lines: self._caught_up(src), stop=stop)
        except OSError as exc:
            self.app.notify(f"cannot follow {src.name}: {exc}", title="follow", severity="error")
            if self._follow_stop is stop:
                self.following = False
                self._update_status()

    def _caught_up(self, src: FileSource) -> None:
        """New data in a followed file: extend the index (or re-read the tail) and show it."""
        before = src.count()
        try:
            state = src.index.refresh()
        except OSError:
            return
        if state == "same":
            return
        if state == "reset":
            src.indexed = False
            src.progress = 0.0
            src.retail()
            if src is self.source:
                self.view.rows = None
                self.view.invalidate()
            self.app.notify(f"{src.name} was rotated or truncated: reading the new file", title="follow", timeout=3)
            self._build_index(src)
            if src is self.source:
                self._recompute()
                self.view.to_bottom()
            self._update_status()
            return
        if not src.indexed:
            src.retail()
        if src is not self.source:
            return
        view = self.view
        stick = self.following or view.at_bottom
        after = src.count()
        if src.indexed and (self._rx is not None or self.level):
            if after - before <= INLINE_SCAN:
                matches, rows = _scan_lines(src, self._rx, LEVEL_FILTERS[self.level][1], self.filtering, None, before, after)
                if self.matches is not None and matches is not None:
                    self.matches.extend(matches)
                if view.rows is not None and rows is not None:
                    view.rows.extend(rows)
            else:
                self._recompute()
        if self.lint_on and src.indexed and after - before <= INLINE_SCAN:
            self._lint_more(src, before, after)
        elif not src.indexed:
            view._cache.clear()
        view.grown(stick)
        self._update_status()

    # --- lint ------------------------------------------------------------------------------

    def action_lint(self) -> None:
        self.lint_on = not self.lint_on
        if not self.lint_on:
            self.view.lint_marks = set()
            self.lint_summary = ""
            self.view.invalidate()
            self._update_status()
            return
        self._lint(self._gen)

    @work(group="logs-lint", exclusive=True)
    async def _lint(self, gen: int) -> None:
        from m3tui.logs.lint import lint_lines

        src = self.source
        if src is None:
            return
        try:
            config = self.backend.lint_config()
        except Exception:  # noqa: BLE001 - a bad config: the defaults
            config = None
        self.lint_summary = "linting…"
        self._update_status()

        stop = threading.Event()

        def texts() -> Iterator[str]:
            for n, (_, b) in enumerate(src.iter_lines()):
                if n % 4096 == 0 and stop.is_set():
                    return
                yield b.decode("utf-8", "replace")

        try:
            report = await asyncio.to_thread(lambda: lint_lines(texts(), config=config))
        finally:
            stop.set()
        if gen != self._gen or src is not self.source or not self.lint_on:
            return
        self._lint_report = report
        self._lint_config = config
        self.view.lint_marks = {v.line - 1 for v in report.violations}
        self.lint_summary = _lint_summary(report, len(self.view.lint_marks))
        self.view.refresh()
        self._update_status()

    def _lint_more(self, src: Source, start: int, stop: int) -> None:
        from m3tui.logs.lint import lint_lines

        report = getattr(self, "_lint_report", None)
        if report is None:
            return
        lines = [b.decode("utf-8", "replace") for _, b in src.iter_lines(start, stop)]
        more = lint_lines(lines, config=getattr(self, "_lint_config", None))
        for v in more.violations:
            self.view.lint_marks.add(start + v.line - 1)
            report.violations.append(v)
            report.counts[v.rule] = report.counts.get(v.rule, 0) + 1
        report.checked += more.checked
        report.non_json += more.non_json
        self.lint_summary = _lint_summary(report, len(self.view.lint_marks))

    # --- other keys ------------------------------------------------------------------------

    def action_wrap(self) -> None:
        view = self.view
        row = view.cursor
        view.wrap = not view.wrap
        view.scroll_to(x=0, animate=False, immediate=True)
        view.invalidate()
        view.move_to(row)
        self._update_status()

    def action_copy(self) -> None:
        view, src = self.view, self.source
        line = view.cursor_line
        if src is None or line is None:
            return
        raw, full = src.raw(line)
        self.app.copy_to_clipboard(display_text(raw, full))
        self.app.notify(f"copied line {line + 1}" if src.indexed else "copied the line", title="logs", timeout=2)

    def action_pretty(self) -> None:
        view, src = self.view, self.source
        line = view.cursor_line
        if src is None or line is None:
            return
        raw, full = src.raw(line)
        record = parse_line(display_text(raw, full))
        where = f"{src.name} · line {line + 1}" if src.indexed else src.name
        self.app.push_screen(RecordScreen(where, pretty(record)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters belong to the input while it has focus (it keeps enter and esc)."""
        if isinstance(self.app.focused, Input) and action != "cancel":
            return False
        return True

    # --- status ----------------------------------------------------------------------------

    def _update_status(self) -> None:
        if not self.built:
            return
        src, view = self.source, self.view
        parts: list[tuple[str, str]] = []
        if src is None:
            parts.append(("no source", "dim"))
        else:
            parts.append((src.name, "bold"))
            if isinstance(src, FileSource) and not src.indexed:
                parts.append((f"indexing {src.progress:.0%}… (last {len(src.tail):,} lines)", "yellow"))
            else:
                n = src.count()
                parts.append((f"{n:,} line{'s' if n != 1 else ''}", ""))
            if view.rows is not None:
                parts.append((f"{len(view.rows):,} shown", "cyan"))
            parts.append(("following" if self.following else "follow off", "green" if self.following else "dim"))
            if self.level:
                parts.append((f"level {LEVEL_FILTERS[self.level][0]}", "cyan"))
            if self.query_text:
                found = "" if self.matches is None else f": {len(self.matches):,} match{'es' if len(self.matches) != 1 else ''}"
                parts.append((f"/{self.query_text}{found}" if not self.query_text.startswith("/") else f"{self.query_text}{found}", "magenta"))
            if self.filtering:
                parts.append(("filter on", "cyan"))
            if self.lint_summary:
                parts.append((self.lint_summary, "red" if view.lint_marks else "green"))
            if view.wrap:
                parts.append(("wrap", "dim"))
            if self._busy:
                parts.append((self._busy, "yellow"))
        text = Text()
        for i, (part, style) in enumerate(parts):
            if i:
                text.append(" · ", style="dim")
            text.append(part, style=style)
        self._status_text = text.plain
        self.query_one("#logs-status", Static).update(text)


# --- helpers (plain functions: the scans run in threads) -----------------------------------


def _scan_lines(
    src: Source,
    rx: re.Pattern[bytes] | None,
    min_rank: int,
    filtering: bool,
    stop: threading.Event | None,
    start: int,
    end: int | None,
) -> tuple[array | None, array | None]:
    """(matching lines, shown lines) of lines [start, end); None where not asked for."""
    matches: array | None = None
    if rx is not None:
        matches = array("Q")
        if isinstance(src, FileSource) and src.indexed:
            i = start
            limit = src.index.line_count if end is None else end
            while i < limit and not (stop is not None and stop.is_set()):
                j = src.index.search(rx, i)
                if j is None or j >= limit:
                    break
                matches.append(j)
                i = j + 1
        else:
            matches.extend(i for i, b in src.iter_lines(start, end) if rx.search(b))
    if not (filtering and matches is not None) and not min_rank:
        return matches, None
    rows = array("Q")
    candidates: Iterator[tuple[int, bytes]]
    if filtering and matches is not None:
        candidates = ((i, src.raw(i)[0]) for i in matches)
        if not min_rank:
            rows.extend(matches)
            return matches, rows
    else:
        candidates = src.iter_lines(start, end)
    for n, (i, b) in enumerate(candidates):
        if stop is not None and n % 4096 == 0 and stop.is_set():
            break
        rank = line_rank(b)
        if (rank or 20) >= min_rank:
            rows.append(i)
    return matches, rows


def _find_error(src: Source, rows: array | None, row: int, reverse: bool) -> int | None:
    """The display row of the next (previous) error line after (before) ``row``.

    Going back, go test's closing ``FAIL`` lines lead to the ``--- FAIL`` block they close.
    """
    found = _find_error_line(src, rows, row, reverse)
    if found is None or not reverse:
        return found
    line = rows[found] if rows is not None else found
    if not _is_fail_summary(src.raw(line)[0]):
        return found
    for back in range(found - 1, max(-1, found - 200), -1):
        raw = src.raw(rows[back] if rows is not None else back)[0]
        if raw.lstrip().startswith(b"--- FAIL"):
            return back
        if not (_is_fail_summary(raw) or raw.startswith((b" ", b"\t")) or not raw.strip()):
            break
    return found


def _is_fail_summary(raw: bytes) -> bool:
    """`FAIL`, `FAIL\tpkg 0.01s`, `exit status 1`: go test's closing lines, not the failure itself."""
    text = raw.strip()
    return text == b"FAIL" or text.startswith((b"FAIL\t", b"exit status "))


def _find_error_line(src: Source, rows: array | None, row: int, reverse: bool) -> int | None:
    if rows is not None:
        rng = range(row - 1, -1, -1) if reverse else range(row + 1, len(rows))
        for r in rng:
            if line_is_error(src.raw(rows[r])[0]):
                return r
        return None
    if reverse:
        for i in range(row - 1, -1, -1):
            b = src.raw(i)[0]
            if _ERROR_HINT.search(b) and line_is_error(b):
                return i
        return None
    i = row + 1
    while True:
        j = src.search(_ERROR_HINT, i)
        if j is None:
            return None
        if line_is_error(src.raw(j)[0]):
            return j
        i = j + 1


def _shown(rows: array, line: int) -> bool:
    r = bisect.bisect_left(rows, line)
    return r < len(rows) and rows[r] == line


def _lint_summary(report: Any, lines: int) -> str:
    if not report.violations:
        return f"lint ok: {report.checked:,} records"
    rules = ", ".join(f"{name} {n}" for name, n in report.counts.items() if n)
    return f"lint: {len(report.violations)} violations on {lines} lines ({rules})"


def _argv(argv: list[str]) -> str:
    if not argv:
        return ""
    first = Path(argv[0]).name
    if first.startswith("python"):
        first = "python"
    return " ".join([first, *argv[1:]])


def _exit(rec: Any) -> Text:
    if rec.timed_out:
        return Text("timed out", style="red")
    if rec.cancelled:
        return Text("cancelled", style="yellow")
    if rec.returncode == 0:
        return Text("ok", style="green")
    return Text(f"exit {rec.returncode}", style="bold red")


def _command_lines(rec: Any) -> list[bytes]:
    out = [f"$ {' '.join(rec.argv)}".encode("utf-8", "surrogateescape")]
    out += [s.encode("utf-8", "surrogateescape") for s in rec.stdout_tail]
    if rec.stderr_tail:
        if rec.stdout_tail:
            out.append(b"-- stderr --")
        out += [s.encode("utf-8", "surrogateescape") for s in rec.stderr_tail]
    status = "timed out" if rec.timed_out else "cancelled" if rec.cancelled else f"exit status {rec.returncode}"
    out.append(f"-- {status} in {rec.duration_s:.2f} s".encode())
    return out


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


__all__ = ["LogView", "LogsBackend", "LogsPane", "RecordScreen"]
