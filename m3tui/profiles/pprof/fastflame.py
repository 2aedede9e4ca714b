"""The flame tree of a big profile, grown with numpy as it is looked at.

`analysis.flame` asks `flame` first; None means "not covered here" (a small profile, a negative
value, sums that do not fit): the pure path runs; -hide skips the hidden frames as nodes open.
The tree is the pure path's, node for node: a node is the set of kept stacks whose root-first function path starts with its own; its
children group those stacks by their next function (a stable sort), their values summed as
int64; stacks that end at the node count in its value, not in a child. Only the nodes a layout
opens are grouped, so the first screen of a 1,000,000-stack profile costs a few passes over the
stacks, not a sort of every path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from m3tui.profiles.pprof import fastagg
from m3tui.profiles.pprof.analysis import FlameNode, _FlameSource
from m3tui.profiles.pprof.graph import Filters, _compile, _funcs, _matching_sites
from m3tui.profiles.pprof.model import Profile

__all__ = ["FLAME_STACKS", "flame"]

#: From this many distinct stacks on: below, the pure path's sorted paths lay out faster (each
#: node opened here is a few numpy calls; a 100,000-stack profile's first layout opens ~1,300)
FLAME_STACKS = 300_000


def flame(p: Profile, si: int, filters: Filters | None) -> FlameNode | None:
    if p.stack_count() < FLAME_STACKS:
        return None
    hide = filters.hide if filters is not None else None
    got = fastagg.kept(p, si, replace(filters, hide=None) if filters is not None and hide else filters)
    if got is None:
        return None
    import numpy as np

    fl, w, keep = got
    hidden = None
    rx = _compile(hide, "hide") if hide else None
    if rx is not None:  # -hide: those frames skipped as the tree grows (graph._hide_stack)
        hidden = np.zeros(len(fl.site_func), dtype=bool)
        hidden[[ord(c) for c in _matching_sites(p, rx)]] = True
        if hidden.any():
            shown = ~hidden[fl.site_of_set]
            keep = keep & (np.bincount(fl.set_of_site[shown], minlength=fl.nsets) > 0)[fl.inv]  # none shown: left out
        else:
            hidden = None
    idx = np.flatnonzero(keep)
    if bool((w[idx] < 0).any()) or float(np.abs(w[idx].astype(np.float64)).sum()) >= 2.0**62:
        return None  # paths that cancel out lose their box: the pure path groups them
    if len(idx) == 0:
        return FlameNode("root", 0)
    src = _Grower(fl, _funcs(p).names, hidden)
    # per kept stack: where its root frame is, how many frames it has, its value
    top = fl.starts[idx] + fl.lens[idx] - 1
    node = src.add((top, fl.lens[idx], w[idx]))
    return FlameNode("root", int(w[idx].sum()), _src=(src, 0, node, 0))


class _Grower(_FlameSource):
    """Children of a node made from its stacks, kept in `subsets` until the node is opened: for
    each stack, the position of its frame at the node's depth (one below per level), the frames
    left from there, and its value."""

    def __init__(self, fl: fastagg._Flat, names: list[str], hidden: Any = None) -> None:
        super().__init__([], [], names)
        self.fl = fl
        self.hidden = hidden  # -hide: per site, whether its frames are skipped
        self.subsets: dict[int, tuple[Any, Any, Any]] = {}
        self.made = 0

    def add(self, stacks: tuple[Any, Any, Any]) -> int:
        """A node's stacks, by a number its `_src` range carries."""
        self.made += 1
        self.subsets[self.made] = stacks
        return self.made

    def expand(self, depth: int, lo: int, hi: int) -> list[FlameNode]:
        import numpy as np

        at, left, w = self.subsets.pop(lo)
        if self.hidden is not None:  # hidden frames skipped: each stack's next frame shown
            while True:
                h = np.flatnonzero((left > 0) & self.hidden[self.fl.sites.take(at)])
                if not len(h):
                    break
                at[h] -= 1  # (in place: the arrays are this node's alone, or its own slice of its parent's)
                left[h] -= 1
        on = left > 0  # the stacks that go on below this node
        if not on.all():
            at, left, w = at[on], left[on], w[on]
        if len(at) == 0:
            return []
        func = self.fl.site_func.take(self.fl.sites.take(at))
        if bool((func == func[0]).all()):  # one child (the common case deep down): no sort
            at -= 1  # this node's arrays are its child's now: moved down in place
            left -= 1
            f = int(func[0])
            return [FlameNode(self.names[f], int(w.sum()), _src=(self, depth + 1, self.add((at, left, w)), 0))]
        order = np.argsort(func.astype(np.uint16) if len(self.names) <= 1 << 16 else func, kind="stable")
        func, w, at, left = func.take(order), w.take(order), at.take(order), left.take(order)
        at -= 1
        left -= 1
        cut = np.flatnonzero(func[1:] != func[:-1]) + 1
        firsts = np.concatenate(([0], cut))
        sums = np.add.reduceat(w, firsts)
        ends = np.concatenate((cut, [len(w)]))
        kids = [FlameNode(self.names[f], v, _src=(self, depth + 1, self.add((at[a:b], left[a:b], w[a:b])), 0))
                for f, v, a, b in zip(func[firsts].tolist(), sums.tolist(), firsts.tolist(), ends.tolist())]
        kids.sort(key=lambda x: (-x.value, x.name))
        return kids
