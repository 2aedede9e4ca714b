"""A flame graph (icicle: the root on top) drawn with coloured cells, keyboard-first.

Layout is :func:`m3tui.profiles.pprof.flame.layout` (pure, tested on its own); this widget only
paints the boxes and moves a selection: ←/→ along a row, ↑ to the caller, ↓ to the biggest callee,
enter zooms into the selected frame, backspace (or escape) zooms back out, home returns to the root.

One scrolling widget (a ScrollView: one scrollbar), and the view follows the selection: the
selected frame is always on screen, so enter zooms into a frame the user sees.

Only the rows on screen are drawn (Textual's line API), each row's strip kept until the layout,
the selection in that row, the width or the style changes; the layout of a big tree can be made
off the event loop (:meth:`rows_for`, then :meth:`show` with them).
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from m3tui.profiles.pprof.analysis import FlameNode
    from m3tui.profiles.pprof.flame import FlameBox

# Warm colours for code, like pprof's flame graph; the hue comes from the function's package.
PALETTE = ("#d9534f", "#e8743b", "#f0a030", "#e0b040", "#c8553d", "#f28f3b", "#d96c3a", "#e3a72f")
#: The selected frame: the same in every theme (tests find it on screen by this style).
SELECTED = Style.parse("bold black on white")
EMPTY = "no samples to draw (nothing matched, or the profile is empty)"


def colour_for(name: str) -> str:
    package = name.rsplit(".", 1)[0] if "." in name else name
    return PALETTE[zlib.crc32(package.encode()) % len(PALETTE)]


@lru_cache(maxsize=4096)
def _box_style(name: str) -> Style:
    return Style.parse(f"black on {colour_for(name)}")


class FlameGraph(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows a FlameNode tree; ``root`` is replaced with :meth:`show`."""

    DEFAULT_CSS = """
    FlameGraph { height: 1fr; min-height: 3; overflow-x: hidden; overflow-y: auto; }
    """
    BINDINGS: ClassVar = [
        Binding("left,h", "move(-1)", "Left", show=False, id="flame.left"),
        Binding("right,l", "move(1)", "Right", show=False, id="flame.right"),
        Binding("up,k", "up", "Caller", show=False, id="flame.up"),
        Binding("down,j", "down", "Callee", show=False, id="flame.down"),
        Binding("enter", "zoom", "Zoom in", id="flame.zoom"),
        Binding("backspace,escape", "unzoom", "Zoom out", id="flame.unzoom"),
        Binding("home", "root", "Back to the root (unzoomed)", show=False, id="flame.root"),
    ]

    class Selected(Message):
        """The selection moved: the pane shows the frame's numbers."""

        def __init__(self, graph: FlameGraph, node: FlameNode, path: tuple[str, ...]) -> None:
            super().__init__()
            self.graph = graph
            self.node = node
            self.path = path

    selected: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.full_root: FlameNode | None = None
        self.root: FlameNode | None = None
        self.zoom_path: tuple[str, ...] = ()
        self._zooms: list[tuple[str, ...]] = []  # earlier zoom paths: backspace returns to them
        self.rows: list[list[FlameBox]] = []
        self.total = 0
        self._laid_out_for = (0, 0)  # (width, height) the rows were laid out for
        # depth -> (selected index in that row or -1, width, base style, strip): rows drawn before
        self._strips: dict[int, tuple[int, int, Style, Strip]] = {}

    def show(self, root: FlameNode | None, laid_out: tuple[tuple[int, int], list[list[FlameBox]]] | None = None) -> None:
        """Show `root`; `laid_out` is `rows_for(root)`'s answer, when made off the event loop."""
        self.full_root = root
        self.zoom_path = ()
        self._zooms = []
        self._set_root(root, laid_out)

    def rows_for(self, root: FlameNode | None, size: tuple[int, int] | None = None) -> tuple[tuple[int, int], list[list[FlameBox]]]:
        """The layout of `root` at `size` (the widget's now), and that size: pure (grows the tree's
        children, reads the size), so a worker thread may call it for a tree nothing else holds."""
        size = size or (self.size.width, self.size.height)
        return size, self._layout(root, size)

    def _layout(self, root: FlameNode | None, size: tuple[int, int]) -> list[list[FlameBox]]:
        from m3tui.profiles.pprof.flame import layout

        if root is None or root.value <= 0:
            return []
        rows = layout(root, self._width(0, size))
        if len(rows) > size[1]:  # a scrollbar takes its columns
            rows = layout(root, self._width(len(rows), size))
        return rows

    def _set_root(self, root: FlameNode | None, laid_out: tuple[tuple[int, int], list[list[FlameBox]]] | None = None) -> None:
        self.root = root
        self.total = root.value if root is not None else 0
        if laid_out is not None and laid_out[0] == (self.size.width, self.size.height):
            self._use_rows(laid_out[1])
        else:
            self._relayout()
        self.selected = (0, 0)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._announce()

    def _width(self, rows: int, size: tuple[int, int] | None = None) -> int:
        """Columns for the boxes: the whole width, less the scrollbar when the rows need one."""
        width, height = size if size is not None else (self.size.width, self.size.height)
        width = width or 80
        if rows > height:
            width -= self.styles.scrollbar_size_vertical
        return max(10, width)

    def _relayout(self) -> None:
        self._use_rows(self._layout(self.root, (self.size.width, self.size.height)))

    def _use_rows(self, rows: list[list[FlameBox]]) -> None:
        self.rows = rows
        self._strips = {}
        self._laid_out_for = (self.size.width, self.size.height)
        width = max((b.x + b.width for row in self.rows for b in row), default=0)
        self.virtual_size = Size(width, len(self.rows) if self.rows else 1)
        self.refresh()

    def on_resize(self) -> None:
        if self.root is not None and self._laid_out_for != (self.size.width, self.size.height):
            keep = self._path_of(self.selected)
            self._relayout()
            self.selected = self._find(keep)
            self._reveal()

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        depth = y + self.scroll_offset.y
        if not self.rows:
            text = EMPTY[:width] if y == 0 else ""
            return Strip([Segment(text.ljust(width), base + Style(dim=True))], width)
        if depth >= len(self.rows):
            return Strip.blank(width, base)
        sel_depth, sel_index = self.selected
        mark = sel_index if depth == sel_depth else -1
        kept = self._strips.get(depth)
        if kept is not None and kept[:3] == (mark, width, base):
            return kept[3]
        strip = self._draw_row(depth, mark, width, base)
        self._strips[depth] = (mark, width, base, strip)
        return strip

    def _draw_row(self, depth: int, mark: int, width: int, base: Style) -> Strip:
        segments: list[Segment] = []
        x = 0
        for i, box in enumerate(self.rows[depth]):
            if box.x > x:
                segments.append(Segment(" " * (box.x - x), base))
            label = box.node.name
            share = f" {100 * box.node.value / self.total:.1f}%" if self.total else ""
            text = (label + share)[: max(0, box.width - 1)].ljust(box.width - 1) if box.width > 1 else ""
            style = SELECTED if i == mark else _box_style(label)
            segments.append(Segment(text if box.width > 1 else " ", style))
            if box.width > 1:
                segments.append(Segment(" ", base))  # a gap between neighbours
            x = box.x + box.width
        if x < width:
            segments.append(Segment(" " * (width - x), base))
        return Strip(segments).crop(0, width)

    # --- selection --------------------------------------------------------------------------

    def _path_of(self, at: tuple[int, int]) -> tuple[str, ...]:
        depth, index = at
        if not self.rows or depth >= len(self.rows) or index >= len(self.rows[depth]):
            return ()
        box = self.rows[depth][index]
        path = [box.node.name]
        x = box.x
        for d in range(depth - 1, -1, -1):
            parent = next((b for b in self.rows[d] if b.x <= x < b.x + b.width), None)
            if parent is None:
                break
            path.append(parent.node.name)
        return tuple(reversed(path))

    def _find(self, path: tuple[str, ...]) -> tuple[int, int]:
        if not path or not self.rows:
            return (0, 0)
        lo, hi = 0, self._width(len(self.rows))
        found = (0, 0)
        for depth, name in enumerate(path):
            if depth >= len(self.rows):
                break
            match = next(((i, b) for i, b in enumerate(self.rows[depth]) if b.node.name == name and lo <= b.x < hi), None)
            if match is None:
                break
            found = (depth, match[0])
            lo, hi = match[1].x, match[1].x + match[1].width
        return found

    def selected_node(self) -> FlameNode | None:
        depth, index = self.selected
        if not self.rows:
            return None
        return self.rows[depth][index].node

    def watch_selected(self) -> None:
        self.refresh()

    def _selected_region(self) -> Region:
        depth, index = self.selected
        if not self.rows:
            return Region(0, 0, 1, 1)
        box = self.rows[depth][index]
        return Region(box.x, depth, max(1, box.width), 1)

    def selection_visible(self) -> bool:
        """Whether the selected frame's row is inside the scrolled window."""
        depth = self.selected[0]
        top = self.scroll_offset.y
        return top <= depth < top + max(1, self.scrollable_content_region.height)

    def _reveal(self) -> None:
        """Scroll just enough that the selected frame is on screen."""
        self.scroll_to_region(self._selected_region(), animate=False, immediate=True, force=True)

    def _select(self, at: tuple[int, int]) -> None:
        self.selected = at
        self._reveal()
        self._announce()

    def _announce(self) -> None:
        node = self.selected_node()
        if node is not None:
            self.post_message(self.Selected(self, node, self.zoom_path + self._path_of(self.selected)[1:]))

    def action_move(self, step: int) -> None:
        depth, index = self.selected
        if self.rows:
            self._select((depth, max(0, min(len(self.rows[depth]) - 1, index + step))))

    def action_up(self) -> None:
        depth, index = self.selected
        if depth == 0 or not self.rows:
            return
        x = self.rows[depth][index].x
        parent = next((i for i, b in enumerate(self.rows[depth - 1]) if b.x <= x < b.x + b.width), 0)
        self._select((depth - 1, parent))

    def action_down(self) -> None:
        depth, index = self.selected
        if not self.rows or depth + 1 >= len(self.rows):
            return
        box = self.rows[depth][index]
        children = [(i, b) for i, b in enumerate(self.rows[depth + 1]) if box.x <= b.x < box.x + box.width]
        if children:
            self._select((depth + 1, max(children, key=lambda c: c[1].width)[0]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unzoom":  # nothing to zoom out of: escape is the pane's again (stop, clear)
            return bool(self._zooms)
        return True

    def action_zoom(self) -> None:
        """Zoom into the selected frame; one the user cannot see is first scrolled into view."""
        from m3tui.profiles.pprof.flame import zoom

        if not self.selection_visible():
            self._reveal()
            return
        path = self._path_of(self.selected)
        if len(path) <= 1 or self.full_root is None:
            return
        self._zooms.append(self.zoom_path)
        self.zoom_path = self.zoom_path + path[1:]
        self._set_root(zoom(self.full_root, self.zoom_path))

    def action_unzoom(self) -> None:
        from m3tui.profiles.pprof.flame import zoom

        if not self._zooms or self.full_root is None:
            return
        self.zoom_path = self._zooms.pop()
        self._set_root(zoom(self.full_root, self.zoom_path) if self.zoom_path else self.full_root)

    def action_root(self) -> None:
        """The whole graph again: unzoomed, the root selected, scrolled to the top."""
        self.zoom_path = ()
        self._zooms = []
        self._set_root(self.full_root)
