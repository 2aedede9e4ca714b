"""A flame graph (icicle: the root on top) drawn with coloured cells, keyboard-first.

Layout is :func:`m3tui.profiles.pprof.flame.layout` (pure, tested on its own); this widget only
paints the boxes and moves a selection: ←/→ along a row, ↑ to the caller, ↓ to the biggest callee,
enter zooms into the selected frame, backspace (or escape) zooms back out.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from m3tui.profiles.pprof.analysis import FlameNode
    from m3tui.profiles.pprof.flame import FlameBox

# Warm colours for code, like pprof's flame graph; the hue comes from the function's package.
PALETTE = ("#d9534f", "#e8743b", "#f0a030", "#e0b040", "#c8553d", "#f28f3b", "#d96c3a", "#e3a72f")


def colour_for(name: str) -> str:
    package = name.rsplit(".", 1)[0] if "." in name else name
    return PALETTE[zlib.crc32(package.encode()) % len(PALETTE)]


class FlameGraph(Widget, can_focus=True):
    """Shows a FlameNode tree; ``root`` is replaced with :meth:`show`."""

    DEFAULT_CSS = """
    FlameGraph { height: auto; min-height: 3; }
    """
    BINDINGS: ClassVar = [
        Binding("left,h", "move(-1)", "Left", show=False, id="flame.left"),
        Binding("right,l", "move(1)", "Right", show=False, id="flame.right"),
        Binding("up,k", "up", "Caller", show=False, id="flame.up"),
        Binding("down,j", "down", "Callee", show=False, id="flame.down"),
        Binding("enter", "zoom", "Zoom in", id="flame.zoom"),
        Binding("backspace,escape", "unzoom", "Zoom out", id="flame.unzoom"),
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

    def show(self, root: FlameNode | None) -> None:
        self.full_root = root
        self.zoom_path = ()
        self._zooms = []
        self._set_root(root)

    def _set_root(self, root: FlameNode | None) -> None:
        self.root = root
        self.total = root.value if root is not None else 0
        if root is None:
            self.rows = []
            self.refresh(layout=True)
            return
        self._relayout()
        self.selected = (0, 0)
        self._announce()

    def _relayout(self) -> None:
        from m3tui.profiles.pprof.flame import layout

        width = max(10, self.size.width or 80)
        self.rows = layout(self.root, width) if self.root is not None and self.root.value > 0 else []
        self.styles.height = max(3, len(self.rows))
        self.refresh(layout=True)

    def on_resize(self) -> None:
        if self.root is not None:
            keep = self._path_of(self.selected)
            self._relayout()
            self.selected = self._find(keep)

    def render(self) -> Text:
        if not self.rows:
            return Text("no samples to draw (nothing matched, or the profile is empty)", style="dim")
        width = max(10, self.size.width)
        out = Text()
        sel_depth, sel_index = self.selected
        for depth, row in enumerate(self.rows):
            line = [" "] * width
            spans: list[tuple[int, int, str]] = []
            for i, box in enumerate(row):
                label = box.node.name
                share = f" {100 * box.node.value / self.total:.1f}%" if self.total else ""
                text = (label + share)[: max(0, box.width - 1)]
                for k, ch in enumerate(text.ljust(box.width)):
                    if box.x + k < width:
                        line[box.x + k] = ch
                chosen = (depth, i) == (sel_depth, sel_index)
                style = "bold black on white" if chosen else f"black on {colour_for(label)}"
                spans.append((box.x, min(width, box.x + box.width), style))
            row_text = Text("".join(line))
            for start, end, style in spans:
                row_text.stylize(style, start, max(start, end - 1) if end - start > 1 else end)
            out.append_text(row_text)
            if depth < len(self.rows) - 1:
                out.append("\n")
        return out

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
        lo, hi = 0, max(10, self.size.width)
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

    def _announce(self) -> None:
        node = self.selected_node()
        if node is not None:
            self.post_message(self.Selected(self, node, self.zoom_path + self._path_of(self.selected)[1:]))

    def action_move(self, step: int) -> None:
        depth, index = self.selected
        if self.rows:
            self.selected = (depth, max(0, min(len(self.rows[depth]) - 1, index + step)))
            self._announce()

    def action_up(self) -> None:
        depth, index = self.selected
        if depth == 0 or not self.rows:
            return
        x = self.rows[depth][index].x
        parent = next((i for i, b in enumerate(self.rows[depth - 1]) if b.x <= x < b.x + b.width), 0)
        self.selected = (depth - 1, parent)
        self._announce()

    def action_down(self) -> None:
        depth, index = self.selected
        if not self.rows or depth + 1 >= len(self.rows):
            return
        box = self.rows[depth][index]
        children = [(i, b) for i, b in enumerate(self.rows[depth + 1]) if box.x <= b.x < box.x + box.width]
        if children:
            self.selected = (depth + 1, max(children, key=lambda c: c[1].width)[0])
            self._announce()

    def action_zoom(self) -> None:
        from m3tui.profiles.pprof.flame import zoom

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
