"""pprof's node values (flat, cum) of a big profile, vectorised with numpy.

`analysis.top` asks `nodes` first; None means "not covered here": the exact pure-Python path
(`graph._function_stacks` + `graph._nodes`) runs instead. Covered: a profile of at least
`BIG_STACKS` distinct stacks, no filter or -focus/-ignore/-hide (hidden sites taken out of
each stack's set of functions, its leaf the first site not hidden), values whose absolute sum is
below 2**53 (the sums are then exact in float64: every partial sum
is an integer a float holds exactly). The result is the same dicts, key for key, as the pure path
gives: flat per leaf function, cum once per stack per function (recursion counted once).

numpy is imported only here, and only for a big profile: a small one never pays its import.
The stacks are laid flat once per profile (site ids of every stack end to end, as uint32, with
each stack's start), and kept on the profile like `graph._funcs`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from m3tui.profiles.pprof.graph import Filters, _compile, _funcs, _matching_sites
from m3tui.profiles.pprof.model import Profile, StackArrays

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    _Ints = npt.NDArray[np.int64]

__all__ = ["BIG_STACKS", "is_big", "kept", "nodes"]

#: From this many distinct stacks on, numpy (imported once, ~0.1 s) beats the pure path.
BIG_STACKS = 100_000
#: float64 sums of integers are exact below this
_EXACT = 1 << 53
#: with at most 64 × this many distinct sites, a stack's set of sites is a bitset
_MAX_WORDS = 4
#: frames per chunk of the bitset pass
_CHUNK = 1 << 18


def is_big(p: Profile) -> bool:
    return p.stack_count() >= BIG_STACKS


class _Flat:
    """A profile's stacks, laid out once for every query on it.

    The stacks end to end (`sites`, with `lens` and `starts`), each stack's leaf site, and the
    distinct SETS of sites the stacks hold: `inv` maps a stack to its set; a set's sites and its
    functions are (set, site) and (set, function) pairs, each pair once. A query (sample type,
    focus, ignore) is then a few `bincount`s over stacks and pairs, not over every frame.
    """

    def __init__(self, p: Profile, arrays: StackArrays | None) -> None:
        import numpy as np

        self.values: dict[int, _Ints | None] = {}
        self.arrays = arrays
        if arrays is not None:  # the decoder's arrays (a big profile): as they are, values too
            sites, starts = arrays.sites, arrays.starts
            n = len(starts) - 1
            lens = np.diff(starts)
            for si in range(arrays.values.shape[1]):
                self.values[si] = _checked(arrays.values[:, si])
        else:
            stacks = p.site_stacks
            n = len(stacks)
            sites = np.frombuffer("".join(stacks).encode("utf-32-le", "surrogatepass"), dtype="<u4")
            lens = np.fromiter(map(len, stacks), dtype=np.int64, count=n)
            starts = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lens, out=starts[1:])
        self.lens, self.sites, self.starts = lens, sites, starts
        nonempty = np.flatnonzero(lens)
        self.leaf = np.zeros(n, dtype=np.int64)  # an empty stack's 0 is never used: never kept
        self.leaf[nonempty] = sites[starts[nonempty]]
        ns = len(p.site_frame)
        site_func = np.array(_funcs(p).frame_func, dtype=np.int64)[np.array(p.site_frame, dtype=np.int64)] \
            if ns else np.zeros(0, dtype=np.int64)
        self.site_func = site_func
        words = (ns + 63) // 64
        if 0 < words <= _MAX_WORDS:
            self._sets_by_bits(sites, starts, nonempty, words)
        else:
            self._sets_by_sort(sites, lens, ns)
        # (set, function) pairs, each once
        nf = len(_funcs(p).names)
        key = np.unique(self.set_of_site * max(nf, 1) + site_func[self.site_of_set])
        self.set_of_func, self.func_of_set = key // max(nf, 1), key % max(nf, 1)

    def _sets_by_bits(self, sites: Any, starts: Any, nonempty: Any, words: int) -> None:
        """Few distinct sites: a stack's set is a bitset of `words` uint64, made with reduceat."""
        import numpy as np

        n = len(self.lens)
        masks = np.zeros((n, words), dtype=np.uint64)
        firsts = starts[nonempty]
        # a chunk of whole stacks at a time: small temporaries, reused (a fresh array of every
        # frame costs more in page faults than the arithmetic on it)
        bounds = [0]
        while bounds[-1] < len(nonempty):
            lo = bounds[-1]
            hi = int(np.searchsorted(firsts, firsts[lo] + _CHUNK, side="right"))
            bounds.append(max(hi, lo + 1))
        shift = np.empty(0, dtype=np.uint32)
        buf = np.empty(0, dtype=np.uint64)
        for lo, hi in zip(bounds, bounds[1:]):
            p0 = int(firsts[lo])
            p1 = int(starts[nonempty[hi - 1] + 1])
            if len(shift) < p1 - p0:
                shift = np.empty(p1 - p0, dtype=np.uint32)
                buf = np.empty(p1 - p0, dtype=np.uint64)
            x, sh, bt = sites[p0:p1], shift[:p1 - p0], buf[:p1 - p0]
            local = firsts[lo:hi] - p0
            which = nonempty[lo:hi]
            for k in range(words):
                np.subtract(x, np.uint32(64 * k), out=sh)  # below 0 wraps: shifted out, 0
                np.left_shift(np.uint64(1), sh, out=bt, casting="unsafe")
                masks[which, k] = np.bitwise_or.reduceat(bt, local)
        if words == 1:  # the sets as numbers: sorted as such, far faster than as bytes (void)
            uniq, inv = np.unique(masks[:, 0], return_inverse=True)
        else:
            rows = np.ascontiguousarray(masks).view(np.dtype((np.void, 8 * words))).ravel()
            uniq, inv = np.unique(rows, return_inverse=True)
        self.inv = inv.reshape(-1)
        self.nsets = len(uniq)
        umasks = uniq.view(np.uint64).reshape(-1, words)
        shifts = np.arange(64, dtype=np.uint64)
        bits = (umasks[:, :, None] >> shifts) & np.uint64(1)  # sets × words × 64
        set_i, word, bit = np.nonzero(bits)
        self.set_of_site = set_i.astype(np.int64)
        self.site_of_set = word.astype(np.int64) * 64 + bit.astype(np.int64)

    def _sets_by_sort(self, sites: Any, lens: Any, ns: int) -> None:
        """Many distinct sites: each stack is its own set; its sites deduplicated by sorting the
        frames by site (stable: a stack's frames of one site stay side by side)."""
        import numpy as np

        n = len(lens)
        self.inv = np.arange(n, dtype=np.int64)
        self.nsets = n
        sid = np.repeat(np.arange(n, dtype=np.int64), lens)
        order = np.argsort(sites.astype(np.uint16) if ns <= 1 << 16 else sites, kind="stable")
        ss, st = sid[order], sites[order]
        new = np.ones(len(ss), dtype=bool)
        new[1:] = (ss[1:] != ss[:-1]) | (st[1:] != st[:-1])
        self.set_of_site = ss[new]
        self.site_of_set = st[new].astype(np.int64)

    def column(self, p: Profile, si: int) -> _Ints | None:
        """Sample type `si`'s values as int64, or None when they do not fit or sum past 2**53."""
        import numpy as np

        if si not in self.values:
            col: _Ints | None
            try:
                col = np.array(p.values[si], dtype=np.int64)
            except OverflowError:
                col = None
            self.values[si] = _checked(col)
        return self.values[si]


def _checked(col: _Ints | None) -> _Ints | None:
    """`col`, or None when its absolute values sum past what float64 sums exactly."""
    import numpy as np

    if col is not None and float(np.abs(col.astype(np.float64)).sum()) >= _EXACT / 2:
        return None
    return col


def _flat(p: Profile, merged: bool = False) -> _Flat:
    """The profile laid out, kept on it; from the decoder's arrays as they are (a stack may come
    twice: sums do not care) unless `merged`."""
    arrays = p.merged_arrays() if merged else p.stack_arrays()
    key: tuple[int, ...] = (id(arrays), len(p.site_frame))
    if arrays is None:
        key = (id(p.site_stacks), p.stack_count(), id(p.values), len(p.site_frame))
    slot = "_m3tui_flat_merged" if merged else "_m3tui_flat"
    got: tuple[tuple[int, ...], _Flat] | None = p.__dict__.get(slot)
    if got is None or got[0] != key:
        got = (key, _Flat(p, arrays))
        p.__dict__[slot] = got
    return got[1]


def kept(p: Profile, si: int, filters: Filters | None) -> tuple[_Flat, Any, Any] | None:
    """The profile laid out, sample type `si`'s values (int64) and which stacks the filters keep
    (nonzero, not empty, -focus met, -ignore not); None when not covered here (-hide, which
    rewrites the stacks: `nodes` takes it on these)."""
    if not is_big(p) or (filters is not None and filters.hide):
        return None
    try:
        import numpy as np
    except ImportError:  # a dependency, but an install without it still works, slower
        return None

    fl = _flat(p)
    w = fl.column(p, si)
    if w is not None and fl.arrays is not None and not fl.arrays.merged and bool((w < 0).any()):
        fl = _flat(p, merged=True)  # twin stacks that cancel out are not kept: merged first
        w = fl.column(p, si)
    if w is None:
        return None
    keep = (w != 0) & (fl.lens > 0)
    if filters is not None:
        for rx_text, what, want in ((filters.focus, "focus", True), (filters.ignore, "ignore", False)):
            rx = _compile(rx_text, what)
            if rx is None:
                continue
            ok = np.zeros(len(fl.site_func), dtype=np.float64)
            ok[[ord(c) for c in _matching_sites(p, rx)]] = 1.0
            meets = np.bincount(fl.set_of_site, weights=ok[fl.site_of_set], minlength=fl.nsets) > 0
            keep &= meets[fl.inv] if want else ~meets[fl.inv]
    return fl, w, keep


def nodes(p: Profile, si: int, filters: Filters | None) -> tuple[dict[int, int], dict[int, int]] | None:
    """(flat, cum) per function id, as `graph._nodes(graph._function_stacks(...))` gives them;
    None when the profile is small or an option is not covered here."""
    hide = filters.hide if filters is not None else None
    got = kept(p, si, replace(filters, hide=None) if filters is not None and hide else filters)
    if got is None:
        return None
    import numpy as np

    fl, w, keep = got
    nf = len(_funcs(p).names)
    leaf_site, set_of_func, func_of_set = fl.leaf, fl.set_of_func, fl.func_of_set
    rx = _compile(hide, "hide")
    if rx is not None:  # -hide: the hidden sites taken out of every stack (graph._hide_stack)
        hidden = np.zeros(len(fl.site_func), dtype=bool)
        hidden[[ord(c) for c in _matching_sites(p, rx)]] = True
        if hidden.any():
            shown = ~hidden[fl.site_of_set]  # the (set, site) pairs left
            left = np.bincount(fl.set_of_site[shown], minlength=fl.nsets) > 0
            keep = keep & left[fl.inv]  # a stack of hidden sites only is left out
            key = np.unique(fl.set_of_site[shown] * max(nf, 1) + fl.site_func[fl.site_of_set[shown]])
            set_of_func, func_of_set = key // max(nf, 1), key % max(nf, 1)
            redo = np.flatnonzero(keep & hidden[fl.leaf])
            if len(redo):  # the leaf is the first site not hidden
                leaf_site = fl.leaf.copy()
                leaf_site[redo] = _first_shown(fl, hidden, redo)
    if not keep.any():
        return {}, {}
    kf = keep.astype(np.float64)
    wk = np.where(keep, w, 0).astype(np.float64)
    leaf = fl.site_func[leaf_site]
    flat_v = np.bincount(leaf, weights=wk, minlength=nf)
    leaf_set = np.bincount(leaf, weights=kf, minlength=nf) > 0
    set_w = np.bincount(fl.inv, weights=wk, minlength=fl.nsets)
    set_k = np.bincount(fl.inv, weights=kf, minlength=fl.nsets)
    cum_v = np.bincount(func_of_set, weights=set_w[set_of_func], minlength=nf)
    present = np.bincount(func_of_set, weights=set_k[set_of_func], minlength=nf) > 0
    return _as_dict(flat_v, leaf_set), _as_dict(cum_v, present)


def _first_shown(fl: _Flat, hidden: Any, which: Any) -> Any:
    """The first site not hidden of each stack in `which` (each has one, its leaf hidden): one
    frame further up per step, for the stacks not there yet."""
    import numpy as np

    out = np.empty(len(which), dtype=np.int64)
    idx = np.arange(len(which))
    pos = fl.starts[which] + 1
    while len(idx):
        s = fl.sites[pos]
        h = hidden[s]
        out[idx[~h]] = s[~h]
        idx, pos = idx[h], pos[h] + 1
    return out


def _as_dict(values: Any, present: Any) -> dict[int, int]:
    import numpy as np

    keys = np.flatnonzero(present)
    return dict(zip(keys.tolist(), np.rint(values[keys]).astype(np.int64).tolist()))
