"""pprof's internal/graph at function granularity: the filters, a profile's stacks as strings of
function characters, and the nodes (flat, cum) and edges (weight, inline) they make.

Per-stack work runs in C: a stack is a `str` of site characters; it is translated to a string of
function characters (`chr(function << 1 | inlined)`), and samples are grouped by
`(leaf, frozenset(stack))` (nodes) or by the frozenset of caller/callee character pairs (edges;
an edge a stack meets both inlined and not takes the flag nearest the root, read off each stack).
Only the few distinct groups are visited in Python.

Split from :mod:`m3tui.profiles.pprof.analysis` (the reports); the underscored helpers are the
pprof package's own, shared by its reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from m3tui.profiles.pprof.goregexp import GoRegexp
from m3tui.profiles.pprof.model import Profile, ProfileError

__all__ = ["Filters", "check_regexp"]


@dataclass
class Filters:
    """pprof's -focus / -ignore / -hide (Go regular expressions, searched, not anchored).

    -show, -show_from, -tagfocus and -tagignore are applied by `pipeline.prepare` (the reports
    here do not read them); `active` lists them all, in pprof's order."""

    focus: str | None = None
    ignore: str | None = None
    hide: str | None = None
    show: str | None = None
    show_from: str | None = None
    tagfocus: str | None = None
    tagignore: str | None = None

    def active(self) -> list[str]:
        return [f"{k}={v}" for k, v in (("focus", self.focus), ("ignore", self.ignore),
                                         ("hide", self.hide), ("show", self.show),
                                         ("show_from", self.show_from), ("tagfocus", self.tagfocus),
                                         ("tagignore", self.tagignore)) if v]


_MAX_FUNC = 0x10FFFF >> 1


class _Funcs:
    def __init__(self, p: Profile) -> None:
        index: dict[str, int] = {}
        frame_func: list[int] = []
        for fr in p.frames:
            frame_func.append(index.setdefault(fr.function, len(index)))
        if len(index) > _MAX_FUNC:  # a function is a character (its number times 2, plus the inline bit)
            raise ProfileError(f"profile too large: more than {_MAX_FUNC:,} distinct functions")
        self.names = list(index)
        self.frame_func = frame_func
        self.site_fchar = [
            chr(frame_func[f] << 1 | inl) for f, inl in zip(p.site_frame, p.site_inline)
        ]
        self.inline_funcs = {
            frame_func[f] for f, inl in zip(p.site_frame, p.site_inline) if inl
        }


def _funcs(p: Profile) -> _Funcs:
    fc: tuple[int, _Funcs] | None = p.__dict__.get("_m3tui_funcs")
    if fc is None or fc[0] != len(p.site_frame):
        fc = (len(p.site_frame), _Funcs(p))
        p.__dict__["_m3tui_funcs"] = fc
    return fc[1]


def _compile(rx: str | None, what: str) -> GoRegexp | None:
    if not rx:
        return None
    return check_regexp(rx, what)


def check_regexp(rx: str, what: str) -> GoRegexp:
    """``rx`` compiled as pprof compiles it (Go's regexp: `goregexp`, RE2 itself), or a one-line
    `ProfileError` (invalid input) with Go's reason: ``focus regexp '(a': missing closing ): `(a` ``."""
    from m3tui.core.text import one_line
    from m3tui.profiles.pprof.goregexp import GoRegexpError, compile

    try:
        return compile(rx)
    except GoRegexpError as e:
        reason = str(e).removeprefix("error parsing regexp: ")
        raise ProfileError(f"{what} regexp {one_line(repr(rx))}: {reason}") from None


def _matching_sites(p: Profile, rx: GoRegexp) -> set[str]:
    """Sites whose function name or file name matches, or whose mapping's file does (pprof)."""
    frames_ok = [rx.search(f.function) or rx.search(f.file) for f in p.frames]
    maps_ok = [m is not None and rx.search(m) for m in p.mapping_files]
    sm = p.site_mapping or [0] * len(p.site_frame)
    return {chr(i) for i, (f, m) in enumerate(zip(p.site_frame, sm)) if frames_ok[f] or maps_ok[m]}


#: stacks as strings of function characters (leaf first), each with its value
_FStacks = list[tuple[str, int]]


def _function_stacks(p: Profile, si: int, filters: Filters | None) -> _FStacks:
    """The stacks kept by the filters, as function-character strings, with their nonzero value."""
    fn = _funcs(p)
    vals = p.values[si]
    stacks = p.site_stacks
    table = fn.site_fchar
    pairs = [(s, w) for s, w in zip(stacks, vals) if w and s]
    if filters is not None:
        focus = _compile(filters.focus, "focus")
        ignore = _compile(filters.ignore, "ignore")
        hide = _compile(filters.hide, "hide")
        if focus is not None:
            fs = _matching_sites(p, focus)
            pairs = [(s, w) for s, w in pairs if not fs.isdisjoint(s)]
        if ignore is not None:
            isites = _matching_sites(p, ignore)
            pairs = [(s, w) for s, w in pairs if isites.isdisjoint(s)]
        if hide is not None:
            hs = _matching_sites(p, hide)
            out: _FStacks = []
            for s, w in pairs:
                if hs.isdisjoint(s):
                    out.append((s.translate(table), w))
                else:
                    f = _hide_stack(p, fn, s, hs)
                    if f:
                        out.append((f, w))
            return out
    return [(s.translate(table), w) for s, w in pairs]


def _hide_stack(p: Profile, fn: _Funcs, s: str, hidden: set[str]) -> str:
    """Remove hidden lines from each location; a location's last remaining line is its caller."""
    out = []
    run: list[int] = []
    sf, si, ff = p.site_frame, p.site_inline, fn.frame_func
    for ch in s:
        site = ord(ch)
        if ch not in hidden:
            run.append(ff[sf[site]])
        if not si[site]:  # end of a location
            for j, f in enumerate(run):
                out.append(chr(f << 1 | (j != len(run) - 1)))
            run = []
    return "".join(out)


def _nodes(fstacks: Iterable[tuple[str, int]]) -> tuple[dict[int, int], dict[int, int]]:
    groups: dict[tuple[str, frozenset[str]], int] = {}
    get = groups.get
    for fs, w in fstacks:
        k = (fs[0], frozenset(fs))
        groups[k] = get(k, 0) + w
    flat: dict[int, int] = {}
    cum: dict[int, int] = {}
    for (leaf, chars), w in groups.items():
        lf = ord(leaf) >> 1
        flat[lf] = flat.get(lf, 0) + w
        for f in {ord(c) >> 1 for c in chars}:
            cum[f] = cum.get(f, 0) + w
    return flat, cum


def _edges(fstacks: Sequence[tuple[str, int]],
           drop: dict[int, None] | None) -> dict[tuple[int, int], list[int]]:
    """(child, parent) -> [weight, inline] over the stacks, nodes in `drop` removed first.

    pprof's newGraph (internal/graph/graph.go) walks each sample from the root to the leaf and
    adds an edge only the first time the sample meets it (`seenEdge`): the weight counts once
    per sample and the inline flag is that of the occurrence nearest the root; over the samples
    the flags are ANDed (AddToEdgeDiv). A stack's edges are grouped here as an unordered set, so
    a set holding one edge both inlined and not (recursion) marks the edge for `_rootmost_inline`.
    """
    groups: dict[frozenset[tuple[str, str]], int] = {}
    get = groups.get
    for fs, w in fstacks:
        if drop:
            fs = fs.translate(drop)
        if len(fs) < 2:
            continue
        k = frozenset(zip(fs, fs[1:]))
        groups[k] = get(k, 0) + w
    edges: dict[tuple[int, int], list[int]] = {}  # [weight, inline (a bool)]
    mixed: set[tuple[int, int]] = set()
    for pairs, w in groups.items():
        seen: dict[tuple[int, int], int] = {}  # 1: met not inlined, 2: met inlined, 3: both
        for c, par in pairs:
            oc, op = ord(c), ord(par) >> 1
            key = (oc >> 1, op)
            if key[0] == op:
                continue
            seen[key] = seen.get(key, 0) | (2 if oc & 1 else 1)
        for key, how in seen.items():
            if how == 3:
                mixed.add(key)
            inl = how != 1  # a mixed edge's flag: below, from each stack
            e = edges.get(key)
            if e is None:
                edges[key] = [w, inl]
            else:
                e[0] += w
                e[1] = e[1] and inl
    for key in mixed:
        e = edges[key]
        if e[1]:
            e[1] = _rootmost_inline(fstacks, drop, key)
    return edges


def _rootmost_inline(fstacks: Sequence[tuple[str, int]], drop: dict[int, None] | None,
                     key: tuple[int, int]) -> bool:
    """Whether every stack meeting the edge `key` (child, parent) meets it inlined nearest the
    root: pprof's flag for an edge some stack meets both inlined and not."""
    c, par = key
    c_no, c_in = chr(c << 1), chr(c << 1 | 1)
    p_no, p_in = chr(par << 1), chr(par << 1 | 1)
    no1, no2, in1, in2 = c_no + p_no, c_no + p_in, c_in + p_no, c_in + p_in
    for fs, _w in fstacks:
        # a stack is leaf first: its pair nearest the root is the last one
        if c_no in fs and c_in in fs:
            if drop:
                fs = fs.translate(drop)
            if max(fs.rfind(no1), fs.rfind(no2)) > max(fs.rfind(in1), fs.rfind(in2)):
                return False
    return True


def _sort_nodes(names: list[str], nodes: list[int], flat: dict[int, int], cum: dict[int, int],
                by_cum: bool) -> None:
    if by_cum:
        nodes.sort(key=lambda n: (-abs(cum.get(n, 0)), names[n], -abs(flat.get(n, 0))))
    else:
        nodes.sort(key=lambda n: (-abs(flat.get(n, 0)), names[n], -abs(cum.get(n, 0))))


def _function_stacks_keyed(p: Profile, si: int, filters: Filters) -> Iterator[tuple[int, int]]:
    """Indexes of the stacks that focus/ignore keep (hide does not drop whole stacks here)."""
    focus = _compile(filters.focus, "focus")
    ignore = _compile(filters.ignore, "ignore")
    fs = _matching_sites(p, focus) if focus else None
    isites = _matching_sites(p, ignore) if ignore else None
    for i, s in enumerate(p.site_stacks):
        if fs is not None and fs.isdisjoint(s):
            continue
        if isites is not None and not isites.isdisjoint(s):
            continue
        yield i, p.values[si][i]
