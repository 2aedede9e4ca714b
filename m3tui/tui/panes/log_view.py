"""The Logs pane's viewer: a virtual line view that renders only the rows on screen.

It reads straight from a :mod:`~m3tui.logs.sources` source, caches the styled text of the
lines it has drawn, and keeps a cursor; wrapping, horizontal panning, search-match highlights
and lint marks in the gutter are all computed for the visible rows only, so a 760 MB file
scrolls as fast as a short one. `enter` asks the pane for the record under the cursor.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from m3tui.core.errors import M3tuiError
from m3tui.logs.format import GoTestMark, columns, level_rank, parse_line
from m3tui.logs.lintmarks import LintMarks
from m3tui.logs.sources import Source, display_text


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

    class RecordWanted(Message):
        """`enter`: the pane shows the record under the cursor in full."""

    class CursorMoved(Message):
        """The cursor is on another line (or row): the pane says what it knows of it."""

    BINDINGS: ClassVar = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="logs.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="logs.down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="logs.page_up"),
        Binding("pagedown,ctrl+f,space", "page(1)", "Page down", show=False, id="logs.page_down"),
        Binding("home,g", "top", "Top", show=False, id="logs.top"),
        Binding("end,G", "bottom", "Bottom", show=False, id="logs.bottom"),
        Binding("left,h", "pan(-8)", "Left", show=False, id="logs.left"),
        Binding("right,l", "pan(8)", "Right", show=False, id="logs.right"),
        Binding("enter", "pretty", "Details", id="logs.pretty"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source: Source | None = None
        self.rows: array[int] | None = None  # display row -> source line (filtered), None: all lines
        self.cursor = 0
        self.wrap = False
        self.match_rx: re.Pattern[str] | None = None
        self.lint_marks = LintMarks()
        self.marks: Mapping[int, GoTestMark] = {}  # go test failures' lines (their level)
        self.hint = ""
        self._cache: OrderedDict[int, Text] = OrderedDict()
        self._strips: OrderedDict[int, tuple[Text, Strip]] = OrderedDict()  # line -> (its Text, that Text rendered)
        self._frame_style: Style | None = None  # the view's style while a frame is drawn (render_lines)
        self._max_width = 0
        self._frame_key: tuple[Any, ...] | None = None
        self._frame: list[tuple[int, int, Text]] = []
        self._said: tuple[int, int | None] = (-1, None)  # (row, line) the last CursorMoved was for
        self._anchor: tuple[int, bool] | None = None  # (line, at the end) of the cursor when last on a line

    # --- model -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        if self.source is None:
            return 0
        return len(self.rows) if self.rows is not None else self.source.count()

    def line_at(self, row: int) -> int:
        return self.rows[row] if self.rows is not None else row

    def row_of(self, line: int) -> int:
        """The display row showing ``line``, or the one showing the line closest to it (the
        one after it on a tie)."""
        rows = self.rows
        if rows is None:
            return line
        r = bisect.bisect_left(rows, line)
        if r >= len(rows):
            return max(0, len(rows) - 1)
        if r > 0 and rows[r] != line and line - rows[r - 1] < rows[r] - line:
            return r - 1
        return r

    @property
    def cursor_line(self) -> int | None:
        if not self.count:
            return None
        return self.line_at(min(self.cursor, self.count - 1))

    def gutter_width(self) -> int:
        if self.source is None:
            return 0
        n = self.source.count() if self.source.indexed else 0
        return 1 + (len(str(n)) + 1 if n else 0) + self.mark_width()

    def mark_width(self) -> int:
        """Columns of the source marks: a merged timeline (log_merge.py) or a trace (log_trace.py) names each line's file."""
        src = self.source
        if src is None or src.kind not in ("merged", "trace"):  # (no import of the merge for a single file's frames)
            return 0
        from m3tui.logs.merge import MergedSource
        from m3tui.logs.trace import TraceSource
        from m3tui.tui.panes.log_merge import MARK_WIDTH

        if not isinstance(src, (MergedSource, TraceSource)) or not src.short_names:
            return 0
        return min(MARK_WIDTH, max(len(n) for n in src.short_names)) + 1

    def invalidate(self) -> None:
        self._cache.clear()
        self._strips.clear()
        self._frame_key = None
        self._update_virtual()
        self.refresh()

    @property
    def text_width(self) -> int:
        """Columns the lines are drawn in: the view's width less its scrollbar."""
        return self.scrollable_content_region.width

    def _update_virtual(self) -> None:
        if self.wrap:  # room below for the rows the last screenful's lines wrap onto
            count, height = self.count, self.size.height
            extra = sum(self._rows_of(r) - 1 for r in range(max(0, count - height), count)) if self.source else 0
            self.virtual_size = Size(self.text_width, count + extra)
        else:
            self.virtual_size = Size(self.gutter_width() + self._max_width, self.count)

    @property
    def at_bottom(self) -> bool:
        return self.count == 0 or self.cursor >= self.count - 1

    def set_source(self, source: Source | None) -> None:
        self.source = source
        self._anchor = None
        self.rows = None
        self.lint_marks = LintMarks()
        self.marks = {}
        self._max_width = 0
        self.scroll_to(x=0, animate=False, immediate=True)
        self.invalidate()
        self.to_bottom()

    def set_rows(self, rows: array[int] | None) -> None:
        """Show only ``rows`` (None: every line), the cursor on its line or the closest shown
        (where it was before a filter that showed nothing)."""
        line, bottom = self._anchor if not self.count and self._anchor is not None else (self.cursor_line, self.at_bottom)
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
        except IndexError:  # the file shrank under the index: the next refresh re-reads it
            raw, full = b"", 0
        except M3tuiError as exc:  # the read failed (an I/O error): said in the line, not a crash
            raw, full = f"({exc})".encode(), 0
        s = display_text(raw, full)
        rec = parse_line(s)
        mark = self.marks.get(line)
        style = level_style(mark.level if mark is not None and level_rank(mark.level) > level_rank(rec.level) else rec.level)
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

    def _body_strip(self, line: int) -> Strip:
        """``line`` rendered once, not on every frame (Rich's render is most of a frame's cost); kept
        with the Text it came from, so a new Text (the text cache cleared, a new style) renders anew."""
        text = self.text_of(line)
        hit = self._strips.get(line)
        if hit is not None and hit[0] is text:
            return hit[1]
        strip = Strip(list(text.render(self.app.console)))
        self._strips[line] = (text, strip)
        if len(self._strips) > 1000:
            self._strips.popitem(last=False)
        return strip

    def _gutter(self, line: int, first: bool) -> Strip:
        width = self.gutter_width()
        if not width:
            return Strip([])
        gstyle = self.get_component_rich_style("logview--gutter", partial=True)
        mark = first and line in self.lint_marks
        segs = [Segment("▌", self.get_component_rich_style("logview--lint", partial=True)) if mark else Segment(" ", gstyle)]
        marks = self.mark_width()
        if width - marks > 1:
            segs.append(Segment(f"{line + 1:>{width - marks - 2}} " if first else " " * (width - marks - 1), gstyle))
        if marks:
            segs.append(self._mark(line, marks) if first else Segment(" " * marks, gstyle))
        return Strip(segs, width)

    def _mark(self, line: int, width: int) -> Segment:
        """The short name of the file ``line`` of a merged timeline (or a trace) comes from, in its colour."""
        from rich.style import Style

        from m3tui.logs.merge import MergedSource
        from m3tui.logs.trace import TraceSource
        from m3tui.tui.panes.log_merge import MARK_COLOURS

        src = self.source
        assert isinstance(src, (MergedSource, TraceSource))
        try:
            k = src.origin(line)
        except IndexError:
            return Segment(" " * width)
        name = src.short_names[k]
        name = name if len(name) < width else name[: width - 2] + "…"
        return Segment(f"{name:<{width - 1}} ", Style.parse(MARK_COLOURS[k % len(MARK_COLOURS)]))

    def _strip(self, text: Text, width: int) -> Strip:
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, self.rich_style) if width >= 0 else Strip(segments)

    def _wrap_frame(self) -> list[tuple[int, int, Text]]:
        width = max(1, self.text_width - self.gutter_width())
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
        width = max(1, self.text_width - self.gutter_width())
        return max(1, len(self.text_of(self.line_at(row)).wrap(self.app.console, width)))

    def render_lines(self, crop: Region) -> list[Strip]:
        """The view's style is looked up once a frame, not once a row: Textual's ``rich_style`` walks
        the ancestors' styles on every call, which was most of a frame's cost."""
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        width = self.text_width
        base = self._frame_style or self.rich_style
        blank = Strip.blank(width, base)
        if self.source is None or not self.count:
            hint = self.hint if self.source is None else self.empty_hint()
            if y == 0 and hint:
                text = Text(hint, style=self.get_component_rich_style("logview--hint"), no_wrap=True, end="")
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
            body = self._body_strip(line).crop_extend(scroll_x, scroll_x + body_width, base)
        return Strip.join([gutter, body]).apply_style(base)

    def empty_hint(self) -> str:
        """What an empty view says: the source has no line yet, or the filters hide them all."""
        if self.source is not None and self.source.count() and self.rows is not None:
            return "no line shown: the filters hide them all (v: level, F: search filter)"
        return "no lines yet · f follows the file as it grows" if self.source is not None and self.source.kind == "file" else "no lines"

    def visible_lines(self) -> list[str]:
        """The plain text of the rows on screen (what the tests read)."""
        return [s.text for s in (self.render_line(y) for y in range(self.size.height))]

    # --- moving ----------------------------------------------------------------------------

    def move_to(self, row: int) -> None:
        n = self.count
        self.cursor = max(0, min(row, n - 1)) if n else 0
        if n:
            self._anchor = (self.line_at(self.cursor), self.cursor >= n - 1)
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
        # force: until a layout has shown the scrollbar, Textual does not "allow" a vertical scroll
        # (`m3tui logs FILE`: the tail shown right after the first paint stayed at its top)
        self.scroll_to(y=sy, animate=False, immediate=True, force=True)
        self._frame_key = None
        self.refresh()
        self.cursor_moved()

    def cursor_moved(self) -> None:
        """Tell the pane when the cursor is on another line than it last said."""
        said = (self.cursor, self.cursor_line)
        if said != self._said:
            self._said = said
            self.post_message(self.CursorMoved())

    def reveal_match(self) -> None:
        """Pan so that the cursor line's first search match is on screen (not when wrapping)."""
        line = self.cursor_line
        if self.wrap or self.match_rx is None or line is None:
            return
        m = self.match_rx.search(self.text_of(line).plain)
        if m is None:
            return
        x, room = self.scroll_offset.x, max(1, self.text_width - self.gutter_width())
        if m.start() < x or m.end() > x + room:
            self.scroll_to(x=max(0, min(m.start() - 8, m.end() - room + 8)), animate=False, immediate=True)

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
        self.post_message(self.RecordWanted())

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
