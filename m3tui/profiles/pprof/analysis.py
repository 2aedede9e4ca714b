"""Aggregate a decoded `Profile` exactly like `go tool pprof` (the Go toolchain's vendored copy).

The rules come from github.com/google/pprof: internal/graph (newGraph: cum counted once per
sample, flat to the leaf, edges and their inline flag; node sort orders), internal/report
(newTrimmedGraph: node fraction/count trimming, edge trimming, output unit selection; the text,
peek and header formats) and internal/measurement (Scale, ScaledLabel, Percentage).

Granularity is pprof's default for these reports, "functions": a node is a function name.

This module holds the reports (top, peek, the flame tree, the source listing). The graph they
are drawn from is built in :mod:`~m3tui.profiles.pprof.graph`, values are scaled and labelled
in :mod:`~m3tui.profiles.pprof.measure`, and ``-diff_base`` is :mod:`~m3tui.profiles.pprof.diff`.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from m3tui.profiles.pprof import fastagg
from m3tui.profiles.pprof.graph import (
    Filters,
    _compile,
    _edges,
    _function_stacks,
    _funcs,
    _nodes,
    _sort_nodes,
)
from m3tui.profiles.pprof.measure import ReportUnit, format_value, percentage, scale
from m3tui.profiles.pprof.model import Profile, ProfileError
from m3tui.profiles.pprof.nomatch import no_match_warnings

__all__ = [
    "FlameNode",
    "PeekEntry",
    "SourceFile",
    "SourceLine",
    "TopReport",
    "TopRow",
    "flame",
    "header_lines",
    "peek",
    "peek_lines",
    "source_listing",
    "top",
    "top_lines",
]

DEFAULT_NODE_FRACTION = 0.005
DEFAULT_EDGE_FRACTION = 0.001

# ---------------------------------------------------------------------------------------------
# result types


@dataclass
class TopRow:
    name: str
    flat: int
    cum: int
    inline: str = ""  # "", "(inline)" or "(partial-inline)"
    total: int = 0
    flat_sum: int = 0  # running sum of flat down to this row (pprof's sum%)

    def _pct(self, v: int) -> float:
        return abs(v / self.total) * 100 if self.total else 0.0

    @property
    def flat_pct(self) -> float:
        return self._pct(self.flat)

    @property
    def cum_pct(self) -> float:
        return self._pct(self.cum)

    @property
    def sum_pct(self) -> float:
        return self._pct(self.flat_sum)


@dataclass
class TopReport:
    rows: list[TopRow]
    total: int
    shown: int
    dropped_nodes: int
    #: the sample type's unit ("nanoseconds", "bytes", "count"), as a `ReportUnit`:
    #: `format_value(v, report.unit)` formats like pprof does in this report
    unit: str
    sample_type: str
    output_unit: str = "auto"  # the unit pprof shows this report's values in ("s", "MB", ...)
    orig_count: int = 0  # nodes left after the node fraction, before the node count
    node_fraction: float = DEFAULT_NODE_FRACTION
    filters: Filters | None = None
    profile: Profile | None = field(default=None, repr=False)
    #: pprof's stderr lines about these filters ("Focus expression matched no samples", `nomatch`)
    warnings: list[str] = field(default_factory=list)

    def format(self, value: int) -> str:
        """A value as pprof prints it in this report."""
        return format_value(value, self.unit, self.output_unit)


@dataclass
class PeekEntry:
    name: str
    flat: int
    cum: int
    callers: list[tuple[str, int]]
    callees: list[tuple[str, int]]
    inline_callers: set[str] = field(default_factory=set)
    inline_callees: set[str] = field(default_factory=set)


class FlameNode:
    """A node of the flame graph: a function on a root-first call path and its value.

    `children` (value descending, then name) of a tree made by `flame` are built on first use:
    a 1,000,000-sample profile has millions of paths, a terminal shows a few hundred boxes.
    """

    __slots__ = ("name", "value", "_children", "_src")

    def __init__(self, name: str, value: int, children: list[FlameNode] | None = None,
                 *, _src: _FlameRange | None = None) -> None:
        self.name = name
        self.value = value
        self._children = list(children) if children is not None else (None if _src else [])
        self._src = _src

    @property
    def children(self) -> list[FlameNode]:
        if self._children is None:
            assert self._src is not None  # a node is made with its children or with their source
            src, depth, lo, hi = self._src
            self._children = src.expand(depth, lo, hi)
            self._src = None
        return self._children

    @children.setter
    def children(self, value: list[FlameNode]) -> None:
        self._children = list(value)
        self._src = None

    def __repr__(self) -> str:
        return f"FlameNode({self.name!r}, {self.value})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlameNode):
            return NotImplemented
        return (self.name, self.value, self.children) == (other.name, other.value, other.children)

    __hash__ = None  # type: ignore[assignment]


@dataclass
class SourceLine:
    number: int
    text: str
    flat: int
    cum: int


@dataclass
class SourceFile:
    path: str
    function: str
    lines: list[SourceLine]
    missing: bool = False
    flat: int = 0
    cum: int = 0
    error: str = ""  # why the file could not be read, as pprof says it ("open PATH: no such file or directory")


# ---------------------------------------------------------------------------------------------
# top


def _output_unit(unit: str, total: int, values: list[tuple[int, int]]) -> str:
    """report.selectOutputUnit for the "minimum" default."""
    if not values:
        return "minimum"
    min_value = 0
    for f, c in values:
        m = abs(f) or abs(c)
        if m > 0 and (min_value == 0 or m < min_value):
            min_value = m
    max_value = total
    if min_value == 0:
        min_value = max_value
    _, min_unit = scale(min_value, unit, "minimum")
    _, max_unit = scale(max_value, unit, "minimum")
    out = min_unit
    if min_unit != max_unit and min_value * 100 < max_value:
        _, out = scale(100 * min_value, unit, "minimum")
    return out if out != "" else unit


def top(
    profile: Profile,
    sample_index: int,
    filters: Filters | None = None,
    *,
    nodecount: int | None = None,
    sort: str = "flat",
    node_fraction: float = DEFAULT_NODE_FRACTION,
    edge_fraction: float = DEFAULT_EDGE_FRACTION,
) -> TopReport:
    """`go tool pprof -top` (function granularity) with pprof's trimming defaults.

    nodecount None or 0 shows every node left after the node fraction (pprof's default for -top).
    """
    if sort not in ("flat", "cum"):
        raise ProfileError(f"unknown sort order {sort!r}: use flat or cum")
    p = profile
    if not 0 <= sample_index < len(p.sample_types):
        raise ProfileError(f"sample_index {sample_index} is outside the range "
                           f"[0..{len(p.sample_types) - 1}]")
    fn = _funcs(p)
    names = fn.names
    st = p.sample_types[sample_index]
    total = p.total(sample_index)
    fast = fastagg.nodes(p, sample_index, filters)  # a big profile: numpy; else None
    fstacks = _function_stacks(p, sample_index, filters) if fast is None else []
    flat, cum = _nodes(fstacks) if fast is None else fast
    # the graph's nodes; in a diff, nodes whose values net to zero are left out of the list but
    # (like pprof's, which still have their edges) stay in the call chains until a trim rebuilds
    nodes = [n for n in cum if flat.get(n, 0) or cum[n]]
    graph_nodes = len(nodes)
    total_value = sum(flat.values())
    node_cutoff = abs(int(float(total_value) * node_fraction))
    edge_cutoff = abs(int(float(total_value) * edge_fraction))
    dropped = 0
    if node_cutoff > 0:
        kept = [n for n in nodes if abs(cum[n]) >= node_cutoff]
        dropped = len(nodes) - len(kept)
        nodes = kept
    orig_count = len(nodes)
    _sort_nodes(names, nodes, flat, cum, sort == "cum")
    if nodecount and nodecount > 0 and nodecount < len(nodes):
        nodes = nodes[:nodecount]

    labels: dict[int, str] = {}
    if fn.inline_funcs.intersection(nodes):
        kept_set = set(nodes)
        drop: dict[int, None] | None = None
        # pprof rebuilds the graph from the kept nodes only when the node fraction or count
        # removed some of its nodes; then every other node, zero ones included, is cut out
        if len(nodes) < graph_nodes:
            drop = {}
            for n in cum:
                if n not in kept_set:
                    drop[n << 1] = None
                    drop[n << 1 | 1] = None
        if fast is not None:
            fstacks = _function_stacks(p, sample_index, filters)
        edges = _edges(fstacks, drop)
        inl: dict[int, list[bool]] = {}
        for (c, _par), (w, is_inline) in edges.items():
            if abs(w) < edge_cutoff:
                continue
            flags = inl.setdefault(c, [False, False])
            flags[0 if is_inline else 1] = True
        for n, (yes, no) in inl.items():
            if yes:
                labels[n] = "(partial-inline)" if no else "(inline)"

    out_unit = _output_unit(st.unit, total, [(flat.get(n, 0), cum[n]) for n in nodes])
    rows: list[TopRow] = []
    running = 0
    for n in nodes:
        f = flat.get(n, 0)
        running += f
        rows.append(TopRow(names[n], f, cum[n], labels.get(n, ""), total, running))
    return TopReport(
        rows=rows,
        total=total,
        shown=running,
        dropped_nodes=dropped,
        unit=ReportUnit(st.unit, out_unit),
        sample_type=st.type,
        output_unit=out_unit,
        orig_count=orig_count,
        node_fraction=node_fraction,
        filters=filters,
        profile=p,
        warnings=no_match_warnings(p, filters),
    )


def profile_labels(p: Profile, sample_index: int, total: int, fmt: Callable[[int], str],
                   binary: str | None = None) -> list[str]:
    """report.ProfileLabels: File, Build ID, comments, Type, Time, Duration.

    `binary`: the executable given to pprof on the command line, which replaces the profile's
    main mapping file (pprof does so when the build IDs agree).
    """
    out: list[str] = []
    if p.mapping_file or binary:
        out.append("File: " + os.path.basename(binary or p.mapping_file))
    if p.build_id:
        out.append("Build ID: " + p.build_id)
    out.extend(c for c in p.comments if not c.startswith("#"))
    out.append("Type: " + p.sample_types[sample_index].type)
    if p.time_nanos:
        t = time.localtime(p.time_nanos // 1_000_000_000)
        out.append("Time: " + time.strftime("%Y-%m-%d %H:%M:%S %Z", t))
    if p.duration_ns:
        duration = format_value(p.duration_ns, "nanoseconds")
        total_ns, total_unit = scale(total, p.sample_types[sample_index].unit, "nanoseconds")
        ratio = ""
        if total_unit == "ns" and total_ns != 0:
            ratio = "(" + percentage(int(total_ns), p.duration_ns) + ")"
        out.append(f"Duration: {duration}, Total samples = {fmt(total)} {ratio}")
    return out


def _report_labels(p: Profile | None, si: int, total: int, shown: int, fmt: Callable[[int], str],
                   filters: Filters | None, dropped: int, node_fraction: float, count: int,
                   orig: int, binary: str | None = None) -> list[str]:
    out = profile_labels(p, si, total, fmt, binary) if p is not None else []
    active = filters.active() if filters is not None else []
    if active:
        out.append("Active filters:")
        out.extend("   " + (s[:80] + "…" if len(s) > 80 else s) for s in active)
    out.append(
        f"Showing nodes accounting for {fmt(shown)}, {percentage(shown, total).strip()} "
        f"of {fmt(total)} total"
    )
    if total != 0:
        if dropped > 0:
            cut = fmt(abs(int(float(total) * node_fraction)))
            out.append(f"Dropped {dropped} node{'s' if dropped > 1 else ''} (cum <= {cut})")
        if 0 < count < orig:
            out.append(f"Showing top {count} nodes out of {orig}")
    return out


def header_lines(report: TopReport, binary: str | None = None) -> list[str]:
    """The lines `go tool pprof -top` prints above the table (without the column header)."""
    p = report.profile
    si = p.sample_index(report.sample_type) if p is not None else 0
    return _report_labels(p, si, report.total, report.shown, report.format, report.filters,
                          report.dropped_nodes, report.node_fraction, len(report.rows),
                          report.orig_count, binary)


def top_lines(report: TopReport, binary: str | None = None) -> list[str]:
    """The whole text of `go tool pprof -top`, line by line."""
    out = header_lines(report, binary)
    out.append("%10s %5s%% %5s%% %10s %5s%%" % ("flat", "flat", "sum", "cum", "cum"))
    fmt, total = report.format, report.total
    for r in report.rows:
        inl = " " + r.inline if r.inline else ""
        out.append("%10s %s %s %10s %s  %s%s" % (
            fmt(r.flat), percentage(r.flat, total), percentage(r.flat_sum, total),
            fmt(r.cum), percentage(r.cum, total), r.name, inl))
    return out


# ---------------------------------------------------------------------------------------------
# peek


#: (caller, callee, weight, inline) of one peek edge
_PeekEdge = tuple[int, int, int, int]


def _edge_sort(items: list[_PeekEdge], names: list[str]) -> None:
    # edgeList.Less: |weight| desc, then source name, then destination name
    items.sort(key=lambda e: (-abs(e[2]), names[e[0]], names[e[1]]))


def _peek_graph(
    profile: Profile, sample_index: int, regex: str, filters: Filters | None, printed: dict[str, str] | None = None
) -> tuple[list[str], dict[int, int], dict[int, int], list[int], dict[tuple[int, int], list[int]], list[int]]:
    p = profile
    fn = _funcs(p)
    names = [printed.get(x, x) for x in fn.names] if printed else fn.names  # pipeline.Prepared.names
    rx = _compile(regex, "peek")
    if rx is None:
        raise ProfileError("peek needs a regular expression")
    fstacks = _function_stacks(p, sample_index, filters)
    flat, cum = _nodes(fstacks)
    nodes = [n for n in cum if flat.get(n, 0) or cum[n]]
    _sort_nodes(names, nodes, flat, cum, False)
    edges = _edges(fstacks, None)
    matched = [n for n in nodes if rx.search(names[n])]
    return names, flat, cum, nodes, edges, matched


def peek(profile: Profile, sample_index: int, regex: str,
         filters: Filters | None = None, printed: dict[str, str] | None = None) -> list[PeekEntry]:
    """`go tool pprof -peek REGEX`: callers and callees (edge weights) of matching functions
    (``printed``: node names as printed, for a profile from `pipeline.prepare`)."""
    names, flat, cum, _nodes_, edges, matched = _peek_graph(profile, sample_index, regex, filters, printed)
    want = set(matched)
    ins: dict[int, list[_PeekEdge]] = {n: [] for n in matched}
    outs: dict[int, list[_PeekEdge]] = {n: [] for n in matched}
    for (c, par), (w, inl) in edges.items():
        if c in want:
            ins[c].append((par, c, w, inl))
        if par in want:
            outs[par].append((par, c, w, inl))
    result: list[PeekEntry] = []
    for n in matched:
        i, o = ins[n], outs[n]
        _edge_sort(i, names)
        _edge_sort(o, names)
        result.append(PeekEntry(
            name=names[n], flat=flat.get(n, 0), cum=cum[n],
            callers=[(names[s], w) for s, _d, w, _i in i],
            callees=[(names[d], w) for _s, d, w, _i in o],
            inline_callers={names[s] for s, _d, _w, inl in i if inl},
            inline_callees={names[d] for _s, d, _w, inl in o if inl},
        ))
    return result


def peek_lines(profile: Profile, sample_index: int, regex: str, filters: Filters | None = None,
               binary: str | None = None, printed: dict[str, str] | None = None,
               shown: Filters | None = None) -> list[str]:
    """The whole text of `go tool pprof -peek REGEX`, line by line (``shown``: the "Active
    filters" when ``filters`` are applied already, as `pipeline.prepare` does)."""
    p = profile
    _names, flat, cum, nodes, _edges_, matched = _peek_graph(p, sample_index, regex, filters, printed)
    st = p.sample_types[sample_index]
    total = p.total(sample_index)
    out_unit = _output_unit(st.unit, total, [(flat.get(n, 0), cum[n]) for n in nodes])

    def fmt(v: int) -> str:
        return format_value(v, st.unit, out_unit)

    kept = sum(flat.get(n, 0) for n in nodes)
    out = _report_labels(p, sample_index, total, kept, fmt, shown or filters, 0, 0.0, len(nodes),
                         len(nodes), binary)
    sep = "----------------------------------------------------------+-------------"
    out.append(sep)
    out.append("      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ")
    flat_sum = 0
    for e in peek(p, sample_index, regex, filters, printed):
        out.append(sep)
        for name, w in e.callers:
            inl = " (inline)" if name in e.inline_callers else ""
            out.append("%50s %s |   %s%s" % (fmt(w), percentage(w, e.cum), name, inl))
        flat_sum += e.flat
        out.append("%10s %s %s %10s %s                | %s" % (
            fmt(e.flat), percentage(e.flat, total), percentage(flat_sum, total),
            fmt(e.cum), percentage(e.cum, total), e.name))
        for name, w in e.callees:
            inl = " (inline)" if name in e.inline_callees else ""
            out.append("%50s %s |   %s%s" % (fmt(w), percentage(w, e.cum), name, inl))
    if nodes:
        out.append(sep)
    if not matched:
        raise ProfileError(f"no matches found for regexp: {regex}")
    return out


# ---------------------------------------------------------------------------------------------
# flame graph


def path_sums(profile: Profile, sample_index: int, filters: Filters | None = None) -> dict[str, int]:
    """Each distinct root-first path of function ids (a string of code points) with its summed
    value: what the flame graph and the exports are built from."""
    groups: dict[str, int] = {}
    get = groups.get
    untag = _Untag()
    for fs, w in _function_stacks(profile, sample_index, filters):
        k = fs.translate(untag)[::-1]
        groups[k] = get(k, 0) + w
    return groups


def flame(profile: Profile, sample_index: int, filters: Filters | None = None) -> FlameNode:
    """Root-first call tree of function names; a node's value is the sum of stacks through it.

    The distinct root-first paths are sorted once; a node is a range of them sharing a prefix,
    so its children (found by bisection) and values (prefix sums) cost nothing until asked for.
    """
    from m3tui.profiles.pprof import fastflame

    fast = fastflame.flame(profile, sample_index, filters)  # a big profile: numpy; else None
    if fast is not None:
        return fast
    fn = _funcs(profile)
    groups = path_sums(profile, sample_index, filters)
    paths = sorted(k for k, v in groups.items() if v)  # paths that cancel out (diff): no box
    cum = [0]
    acc = 0
    for k in paths:
        acc += groups[k]
        cum.append(acc)
    src = _FlameSource(paths, cum, fn.names)
    return FlameNode("root", acc, _src=(src, 0, 0, len(paths)) if paths else None)


class _FlameSource:
    def __init__(self, paths: list[str], cum: list[int], names: list[str]) -> None:
        self.paths, self.cum, self.names = paths, cum, names

    def expand(self, depth: int, lo: int, hi: int) -> list[FlameNode]:
        paths, cum, names = self.paths, self.cum, self.names
        prefix = paths[lo][:depth]
        j = bisect_right(paths, prefix, lo, hi)  # the paths that end here sort first
        kids: list[FlameNode] = []
        while j < hi:
            c = paths[j][depth]
            k = bisect_left(paths, prefix + chr(ord(c) + 1), j, hi)
            kids.append(FlameNode(names[ord(c) >> 1], cum[k] - cum[j], _src=(self, depth + 1, j, k)))
            j = k
        kids.sort(key=lambda x: (-x.value, x.name))
        return kids


#: a node's children, not yet made: the paths [lo, hi) of its source below `depth`
_FlameRange = tuple[_FlameSource, int, int, int]


class _Untag(dict[int, int]):
    """str.translate table clearing the inline bit of a function character."""

    def __missing__(self, key: int) -> int:
        v = self[key] = key & ~1
        return v


# ---------------------------------------------------------------------------------------------
# source listing


def source_listing(profile: Profile, sample_index: int, regex: str,
                   filters: Filters | None = None) -> list[SourceFile]:
    """Per-line flat/cum of the functions whose name matches regex, as `-list` shows them
    (:mod:`~m3tui.profiles.pprof.listing`); none matching: []."""
    from m3tui.profiles.pprof.listing import listing

    return listing(profile, sample_index, regex, filters, empty_ok=True).files
