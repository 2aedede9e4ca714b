"""Lay a flame graph (`analysis.flame`) out on a grid of terminal columns (icicle: root on top).

Widths are integers proportional to value: a parent's children get `floor(width * sum / value)`
columns in all, shared by largest remainder, so they tile at most the parent's span, left to right
in the tree's order (value descending, then name). Boxes narrower than `min_width` are dropped with
their subtrees, which also bounds the work by the number of boxes drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from m3tui.profiles.pprof.analysis import FlameNode
from m3tui.profiles.pprof.model import ProfileError

__all__ = ["FlameBox", "FlameNode", "layout", "zoom"]


@dataclass(frozen=True, eq=False)
class FlameBox:
    x: int
    width: int
    node: FlameNode
    depth: int


def _split(width: int, values: list[int], total: int) -> list[int]:
    """Integer widths for values out of total within `width` columns, by largest remainder."""
    if total <= 0:
        return [0] * len(values)
    vals = [v if v > 0 else 0 for v in values]
    span = width * min(sum(vals), total) // total
    widths = []
    rems = []
    for i, v in enumerate(vals):
        q, r = divmod(width * v, total)
        widths.append(q)
        rems.append((-r, i))
    left = span - sum(widths)
    if left > 0:
        rems.sort()
        for _r, i in rems[:left]:
            widths[i] += 1
    return widths


def layout(root: FlameNode, width: int, *, min_width: int = 1) -> list[list[FlameBox]]:
    """Rows of boxes by depth (row 0 is the root, spanning `width` columns)."""
    if width <= 0 or root.value <= 0:
        return []
    min_width = max(1, min_width)
    if width < min_width:
        return []
    rows: list[list[FlameBox]] = [[FlameBox(0, width, root, 0)]]
    level = rows[0]
    depth = 0
    while level:
        depth += 1
        nxt: list[FlameBox] = []
        for box in level:
            kids = box.node.children
            if not kids:
                continue
            node_value = box.node.value
            widths = _split(box.width, [k.value for k in kids], node_value)
            x = box.x
            for kid, w in zip(kids, widths):
                if w >= min_width:
                    nxt.append(FlameBox(x, w, kid, depth))
                x += w
        if nxt:
            rows.append(nxt)
        level = nxt
    return rows


def zoom(root: FlameNode, path: tuple[str, ...]) -> FlameNode:
    """The subtree at `path` (names from root's children down; a leading "root" is skipped).

    The node returned is the new root: laid out, its value fills the whole width.
    """
    node = root
    names = tuple(path)
    if names and names[0] == root.name and not any(c.name == names[0] for c in root.children):
        names = names[1:]
    for name in names:
        for child in node.children:
            if child.name == name:
                node = child
                break
        else:
            raise ProfileError(f"no frame {name!r} under {node.name!r} in this flame graph")
    return node
