"""Flame graph layout on real profiles (tests/data/goprof under the real Go): integer widths
proportional to value, children inside parents, zoom, sorted children."""

from __future__ import annotations

import pytest

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.analysis import FlameNode
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.flame import FlameBox, layout, zoom
from m3tui.profiles.pprof.model import ProfileError


@pytest.fixture(scope="module")
def rp(real_profiles):
    return real_profiles


def _check_layout(root: FlameNode, width: int, min_width: int = 1) -> list[list[FlameBox]]:
    rows = layout(root, width, min_width=min_width)
    assert rows[0] == [rows[0][0]] and rows[0][0].x == 0 and rows[0][0].width == width
    assert rows[0][0].node is root
    boxes = {id(b.node): b for row in rows for b in row}
    for depth, row in enumerate(rows):
        assert all(b.depth == depth for b in row)
        assert all(b.width >= min_width for b in row)
        # x ranges disjoint and ordered
        for a, b in zip(row, row[1:]):
            assert a.x + a.width <= b.x
        assert row[-1].x + row[-1].width <= width
    for row in rows:
        for box in row:
            kids = [boxes[id(k)] for k in box.node.children if id(k) in boxes]
            # children inside the parent's span, tiling at most its width
            assert all(box.x <= k.x and k.x + k.width <= box.x + box.width for k in kids)
            assert sum(k.width for k in kids) <= box.width
            # proportional: within one column of the exact share
            for k in box.node.children:
                exact = box.width * k.value / box.node.value
                if id(k) in boxes:
                    assert abs(boxes[id(k)].width - exact) < 1, (k.name, exact)
                else:  # dropped: it would have been narrower than min_width
                    assert exact < min_width + 1, (k.name, exact)
            # all children's columns together are the floor of their exact total
            total = sum(k.value for k in box.node.children)
            if all(id(k) in boxes or box.width * k.value < box.node.value * min_width
                   for k in box.node.children) and min_width == 1:
                assert sum(k.width for k in kids) == box.width * total // box.node.value
    return rows


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("name", ["cpu", "mem"])
def test_layout_real_profile(rp, name, width):
    p = load_file(rp.by_name(name))
    root = analysis.flame(p, p.sample_index(None))
    rows = _check_layout(root, width)
    assert len(rows) > 5
    wide = _check_layout(root, width, min_width=3)
    assert sum(map(len, wide)) <= sum(map(len, rows))


def test_zoom(rp):
    p = load_file(rp.cpu)
    root = analysis.flame(p, 1)
    first = root.children[0]
    z = zoom(root, (first.name,))
    assert z is first
    assert zoom(root, ("root", first.name)) is first
    assert zoom(root, ()) is root
    if first.children:
        deeper = zoom(root, (first.name, first.children[0].name))
        rows = _check_layout(deeper, 80)
        assert rows[0][0].node is deeper and rows[0][0].width == 80
    with pytest.raises(ProfileError, match="no frame"):
        zoom(root, ("no.such.function",))


def test_children_sorted(rp):
    p = load_file(rp.mem)
    root = analysis.flame(p, 1)

    def walk(n):
        keys = [(-c.value, c.name) for c in n.children]
        assert keys == sorted(keys)
        assert sum(c.value for c in n.children) <= n.value
        for c in n.children:
            walk(c)

    walk(root)
