"""The flame tree of a big profile, grown with numpy as it is looked at.

`analysis.flame` asks `flame` first; None means "not covered here" (a small profile, -hide, a
negative value, sums that do not fit): the pure path runs. The tree is the pure path's, node for
node: a node is the set of kept stacks whose root-first function path starts with its own; its
children group those stacks by their next function (a stable sort), their values summed as
int64; stacks that end at the node count in its value, not in a child. Only the nodes a layout
opens are grouped, so the first screen of a 1,000,000-stack profile costs a few passes over the
stacks, not a sort of every path.
"""

from __future__ import annotations

from typing import Any

from m3tui.profiles.pprof import fastagg
from m3tui.profiles.pprof.analysis import FlameNode, _FlameSource
from m3tui.profiles.pprof.graph import Filters, _funcs
from m3tui.profiles.pprof.model import Profile

__all__ = ["flame"]


def flame(p: Profile, si: int, filters: Filters | None) -> FlameNode | None:
    got = fastagg.kept(p, si, filters)
    if got is None:
        return None
    import numpy as np

    fl, w, keep = got
    idx = np.flatnonzero(keep)
    if bool((w[idx] < 0).any()) or float(np.abs(w[idx].astype(np.float64)).sum()) >= 2.0**62:
        return None  # paths that cancel out lose their box: the pure path groups them
    src = _Grower(fl, w, _funcs(p).names)
    total = int(w[idx].sum())
    if len(idx) == 0:
        return FlameNode("root", 0)
    return FlameNode("root", total, _src=(src, 0, src.add(idx), 0))


class _Grower(_FlameSource):
    """Children of a node made from its stacks (kept in `subsets` until the node is opened)."""

    def __init__(self, fl: fastagg._Flat, w: Any, names: list[str]) -> None:
        super().__init__([], [], names)
        self.fl, self.w = fl, w
        self.subsets: dict[int, Any] = {}
        self.made = 0

    def add(self, stacks: Any) -> int:
        """A node's stacks, by a number its `_src` range carries."""
        self.made += 1
        self.subsets[self.made] = stacks
        return self.made

    def expand(self, depth: int, lo: int, hi: int) -> list[FlameNode]:
        import numpy as np

        fl = self.fl
        stacks = self.subsets.pop(lo)
        stacks = stacks[fl.lens[stacks] > depth]  # the ones that go on below this node
        if len(stacks) == 0:
            return []
        # the function `depth` frames below the root, in each stack (stacks are leaf first)
        at = fl.starts[stacks] + fl.lens[stacks] - 1 - depth
        func = fl.site_func[fl.sites[at]]
        order = np.argsort(func.astype(np.uint16) if len(self.names) <= 1 << 16 else func, kind="stable")
        func, stacks = func[order], stacks[order]
        cut = np.flatnonzero(func[1:] != func[:-1]) + 1
        firsts = np.concatenate(([0], cut))
        sums = np.add.reduceat(self.w[stacks], firsts)
        ends = np.concatenate((cut, [len(stacks)]))
        kids = [FlameNode(self.names[f], v, _src=(self, depth + 1, self.add(stacks[a:b]), 0))
                for f, v, a, b in zip(func[firsts].tolist(), sums.tolist(), firsts.tolist(), ends.tolist())]
        kids.sort(key=lambda x: (-x.value, x.name))
        return kids
