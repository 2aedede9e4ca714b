"""Flame graph layout on hand-made and synthetic trees (real profiles, zoom:
tests/integration/test_pprof_flame_real.py)."""

from __future__ import annotations

import time

from m3tui.profiles.pprof.analysis import FlameNode
from m3tui.profiles.pprof.flame import layout


def test_layout_small_tree_exact():
    leaf = FlameNode("c", 1)
    tree = FlameNode("root", 10, [FlameNode("a", 6, [FlameNode("x", 3)]),
                                  FlameNode("b", 3, [leaf])])
    rows = layout(tree, 10)
    assert [(b.x, b.width, b.node.name) for b in rows[1]] == [(0, 6, "a"), (6, 3, "b")]
    assert [(b.x, b.width, b.node.name) for b in rows[2]] == [(0, 3, "x"), (6, 1, "c")]
    # largest remainder: 3 x 1/3 of 10 columns -> 4, 3, 3
    thirds = FlameNode("root", 3, [FlameNode("a", 1), FlameNode("b", 1), FlameNode("c", 1)])
    assert [b.width for b in layout(thirds, 10)[1]] == [4, 3, 3]
    # narrow boxes go, with their subtrees
    tiny = FlameNode("root", 1000, [FlameNode("big", 999), FlameNode("small", 1, [FlameNode("s", 1)])])
    rows = layout(tiny, 80)
    assert [b.node.name for b in rows[1]] == ["big"] and len(rows) == 2
    assert layout(FlameNode("root", 0), 80) == [] and layout(tree, 0) == []


def _synthetic(n_leaves: int) -> FlameNode:
    """A deep, bushy tree with about n_leaves leaves (what 100,000 distinct samples give)."""
    import random

    rnd = random.Random(7)

    def build(depth: int, budget: int, name: str) -> FlameNode:
        if depth == 0 or budget <= 1:
            return FlameNode(name, rnd.randint(1, 50))
        k = rnd.randint(2, 6)
        kids = [build(depth - 1, budget // k, f"{name}.{i}") for i in range(k)]
        kids.sort(key=lambda c: (-c.value, c.name))
        return FlameNode(name, sum(c.value for c in kids) + rnd.randint(0, 5), kids)

    return build(14, n_leaves, "root")


def test_layout_is_fast():
    root = _synthetic(100_000)
    layout(root, 200)
    t = time.perf_counter()
    layout(root, 200)
    assert time.perf_counter() - t < 0.5  # the benchmark holds the 100 ms target
