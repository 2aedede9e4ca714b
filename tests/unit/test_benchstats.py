"""Tests for m3tui.bench.stats against benchstat's own test data.

The oracle folder holds benchstat's inputs and expected outputs (see its
README.md for the arguments). Whole tables are checked in
tests/test_benchcompare.py; here the CSV case and the statistics themselves.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from math import comb

import pytest

from m3tui.bench import stats as bs
from m3tui.bench import units
from m3tui.bench.fmt import parse
from tests.testdata import BENCHSTAT

ORACLE = BENCHSTAT



# ---------------------------------------------------------------------------
# benchstat's CSV output of its own data (the text tables: tests/test_benchcompare.py)


def test_oracle_csv_old_new():
    # csvOldNew.stdout: exact centres (fmt.Sprint), CI, delta, P and geomean.
    rows = {}
    for fn in ("old.txt", "new.txt"):
        for r in parse((ORACLE / fn).read_text()).results:
            u, v = next(iter(r.values.items()))
            name = r.name if r.procs == 1 else f"{r.name}-{r.procs}"
            rows.setdefault(name, {}).setdefault(fn, []).append(v * units.tidy_unit(u)[1])
    got = []
    base = []
    new = []
    for name, d in rows.items():
        so, sn = bs.summarize(d["old.txt"]), bs.summarize(d["new.txt"])
        c = bs.compare(d["old.txt"], d["new.txt"])
        base.append(so.center)
        new.append(sn.center)
        got.append(",".join([name, units.go_value(so.center), bs.format_interval(so, False),
                             units.go_value(sn.center), bs.format_interval(sn, False),
                             bs.format_delta(c), bs.format_p(c, False)]))
    g0, g1 = bs.summarize_column(base), bs.summarize_column(new, base)
    got.append(f"geomean,{units.go_value(g0.geomean)},,{units.go_value(g1.geomean)},,{bs.format_ratio(g1.ratio)},")
    exp = (ORACLE / "csvOldNew.stdout").read_text().splitlines()[5:]
    assert got == exp


# ---------------------------------------------------------------------------
# Individual strings (documented examples)


def test_issue19565_strings():
    a = [115, 114, 115, 115, 115]
    b = [78.8] * 5
    sa, sb = bs.summarize(a), bs.summarize(b)
    assert units.format_center(sa.center, "ns/op", [sa.center, sb.center]) == "115.00n"
    assert units.format_center(sb.center, "ns/op", [sa.center, sb.center]) == "78.80n"
    assert bs.format_interval(sa) == "± ∞"
    assert sa.warning == "need >= 6 samples for confidence interval at level 0.95"
    c = bs.compare(a, b)
    assert bs.format_delta(c) == "-31.48%"
    assert bs.format_p(c) == "(p=0.008 n=5)"
    assert c.significant and c.warning is None


def test_small_sample_warning():
    c = bs.compare([100], [101])
    assert bs.format_delta(c) == "~"
    assert bs.format_p(c) == "(p=1.000 n=1)"
    assert c.warning == "need >= 4 samples to detect a difference at alpha level 0.05"


def test_all_equal():
    c = bs.compare([100] * 6, [100] * 6)
    assert (c.p, c.warning, bs.format_delta(c)) == (1.0, "all samples are equal", "~")
    assert bs.format_p(c) == "(p=1.000 n=6)"


def test_format_center_units():
    assert units.format_center(1234, "ns/op") == "1.234µ"
    assert units.format_center(1024, "B/op") == "1.000Ki"
    assert units.format_center(307.3 * 1.048576, "MB/s") == "307.3Mi"
    assert units.format_center(0, "x") == "0.000"
    assert units.format_center(1000, "B/op") == "1000.0"
    assert units.tidy_unit("MB/s") == ("B/s", 1e6)
    assert units.tidy_unit("ns/op") == ("sec/op", 1e-9)
    assert units.unit_class("text-bytes") == units.BINARY
    assert units.unit_class("ops/B") == units.DECIMAL


def test_format_p_unequal():
    c = bs.compare([1, 2, 3, 4, 5, 6, 7], [10, 11, 12, 13, 14, 15, 16, 17])
    assert bs.format_p(c) == "(p=0.000 n=7+8)"
    assert bs.format_delta(c) == "+237.50%"  # medians 4 -> 13.5


# ---------------------------------------------------------------------------
# Pure statistics


def brute_p(a, b):
    """Two-sided p of the U test by enumerating all rank assignments
    (go-moremath semantics: 2*P(U <= min(U1,U2)), 1 if U1 == U2)."""
    allv = list(a) + list(b)
    n1 = len(a)

    def u_of(xs, ys):
        return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in xs for y in ys)

    u1 = u_of(a, b)
    u2 = len(a) * len(b) - u1
    if u1 == u2:
        return 1.0
    umin = min(u1, u2)
    hit = total = 0
    for idx in itertools.combinations(range(len(allv)), n1):
        s = set(idx)
        xs = [allv[i] for i in idx]
        ys = [allv[i] for i in range(len(allv)) if i not in s]
        total += 1
        if u_of(xs, ys) <= umin:
            hit += 1
    return 2 * hit / total


def test_mann_whitney_exact_known():
    assert bs.mann_whitney_u([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert bs.mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    assert bs.mann_whitney_u([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(2 / 70)
    assert bs.mann_whitney_u([1, 3, 5], [2, 4, 6]) == pytest.approx(brute_p([1, 3, 5], [2, 4, 6]))
    # symmetric U1 == U2 -> 1
    assert bs.mann_whitney_u([1, 4], [2, 3]) == 1.0


@pytest.mark.parametrize("a,b", [
    ([1, 1, 2, 3], [2, 2, 4, 5, 5]),
    ([1, 1, 1, 2], [1, 2, 2, 2, 3]),
    ([5, 5, 6, 7, 7, 8], [7, 8, 8, 9, 9]),
    ([1, 2, 2, 3, 4, 4, 5], [4, 5, 6, 6, 7]),
    ([3, 1, 4, 1, 5], [9, 2, 6, 5, 3, 5]),
])
def test_mann_whitney_ties_exact(a, b):
    assert bs.mann_whitney_u(a, b) == pytest.approx(brute_p(a, b), rel=1e-12)


def test_mann_whitney_no_ties_exact_vs_brute():
    a, b = [1.5, 3.1, 4.2, 8.0, 9.9], [2.2, 5.0, 5.5, 7.7, 10.1, 11.0]
    assert bs.mann_whitney_u(a, b) == pytest.approx(brute_p(a, b), rel=1e-12)


def test_mann_whitney_normal_approx():
    # n > 25 with ties -> normal approximation with tie + continuity correction.
    a = [1] * 13 + [2] * 13
    b = [2] * 13 + [3] * 13
    n1 = n2 = 26
    u1 = 13 * 13 * 0.5  # only the tied 2s contribute to U(a > b)
    t = (13 ** 3 - 13) * 2 + (26 ** 3 - 26)
    N = 52
    sigma = math.sqrt(n1 * n2 * ((N + 1) - t / (N * (N - 1))) / 12)
    z = (u1 - n1 * n2 / 2 + 0.5) / sigma
    cdf = 0.5 * math.erfc(-z / math.sqrt(2))
    assert bs.mann_whitney_u(a, b) == pytest.approx(2 * min(cdf, 1 - cdf), rel=1e-12)


def slow_tie_p(a, b):
    """Independent exact tie distribution: DP over (count, 2*rank sum)."""
    allv = sorted(a + b)
    groups = [len(list(g)) for _, g in itertools.groupby(allv)]
    n1 = len(a)
    r1 = sum(sum(1 for y in allv if y < x) + (allv.count(x) + 1) / 2 for x in a)
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * len(b) - u1
    if u1 == u2:
        return 1.0
    two_u = int(2 * min(u1, u2))
    states = {(0, 0): 1}
    start = 0
    for t in groups:
        nxt = {}
        for (c, tr), w in states.items():
            for r in range(0, min(t, n1 - c) + 1):
                k = (c + r, tr + r * (2 * start + t + 1))
                nxt[k] = nxt.get(k, 0) + w * comb(t, r)
        states, start = nxt, start + t
    hit = sum(w for (c, tr), w in states.items() if c == n1 and tr - n1 * (n1 + 1) <= two_u)
    return 2 * hit / comb(len(allv), n1)


@pytest.mark.parametrize("seed", range(5))
def test_mann_whitney_ties_exact_medium(seed):
    import random
    rng = random.Random(seed)
    a = [rng.randint(0, 12) for _ in range(rng.randint(10, 25))]
    b = [rng.randint(2, 14) for _ in range(rng.randint(10, 25))]
    assert bs.mann_whitney_u(a, b) == pytest.approx(slow_tie_p(a, b), rel=1e-12)


def test_mann_whitney_errors():
    with pytest.raises(bs.SamplesEqualError):
        bs.mann_whitney_u([1, 1], [1, 1])
    with pytest.raises(bs.SampleSizeError):
        bs.mann_whitney_u([], [1])


EXPECTED_CI = {  # n: (lo order, hi order), 1-based
    6: (1, 6), 7: (1, 7), 8: (1, 7), 9: (2, 8), 10: (2, 9), 11: (2, 9), 12: (3, 10),
    13: (3, 11), 14: (3, 11), 15: (4, 12), 16: (4, 12), 17: (5, 13), 18: (5, 14),
    19: (5, 14), 20: (6, 15),
}


@pytest.mark.parametrize("n", range(6, 21))
def test_median_ci_orders(n):
    ci = bs.quantile_ci(n, 0.5, 0.95)
    assert (ci.lo_order, ci.hi_order) == EXPECTED_CI[n]
    cover = Fraction(sum(comb(n, k) for k in range(ci.lo_order, ci.hi_order)), 2 ** n)
    assert cover >= Fraction(95, 100)
    assert float(cover) == pytest.approx(ci.confidence)
    # Shrinking either end drops below 0.95.
    assert Fraction(sum(comb(n, k) for k in range(ci.lo_order + 1, ci.hi_order)), 2 ** n) < Fraction(95, 100)
    assert Fraction(sum(comb(n, k) for k in range(ci.lo_order, ci.hi_order - 1)), 2 ** n) < Fraction(95, 100)


@pytest.mark.parametrize("n", range(1, 6))
def test_median_ci_infinite_below_6(n):
    s = bs.summarize(list(range(1, n + 1)))
    assert math.isinf(s.lo) or math.isinf(s.hi)
    assert bs.format_interval(s) == "± ∞"
    assert s.warning == "need >= 6 samples for confidence interval at level 0.95"


def test_median_ci_large_n_normal_approx():
    s = bs.summarize(list(range(1, 101)))
    assert s.center == 50.5
    ci = bs.quantile_ci(100)
    assert ci.confidence >= 0.95
    assert (ci.lo_order, ci.hi_order) in {(40, 61), (41, 61), (40, 60)}


def test_geomean_and_column():
    assert bs.geomean([1, 100]) == pytest.approx(10)
    assert bs.geomean([0, 1]) is None
    assert bs.geomean([]) is None
    cs = bs.summarize_column([0.0, 0.0], [0.0, 0.0])
    assert cs.geomean is None and cs.ratio == 1.0
    assert cs.warnings == ("summaries must be >0 to compute geomean",)
    cs = bs.summarize_column([100.0, None], [100.0, 10000.0])
    assert "benchmark set differs from baseline; geomeans may not be comparable" in cs.warnings
    assert bs.format_ratio(None) == "?"


def test_exact_assumption():
    s = bs.summarize([100, 101, 101], assume="exact")
    assert s.center == 101 and bs.format_interval(s) == "± 1%"
    assert s.warning == "exact distribution expected, but values range from 100 to 101"
    c = bs.compare([100], [105], assume="exact")
    assert (bs.format_delta(c), bs.format_p(c)) == ("+5.00%", "(n=1)")


def test_holm_bonferroni():
    assert bs.holm_bonferroni([0.01, 0.04, 0.03, 0.005], 0.05) == [True, False, False, True]
    assert bs.holm_bonferroni([], 0.05) == []


def test_go_value():
    assert units.go_value(0.95) == "0.95"
    assert units.go_value(100.0) == "100"
    assert units.go_value(1.7180000000000001e-06) == "1.7180000000000001e-06"
    assert units.go_value(1e21) == "1e+21"
    assert units.go_value(123456789.0) == "1.23456789e+08"
    assert units.go_value(123456.0) == "123456"
    assert units.go_value(0.0001) == "0.0001"
    assert units.go_value(0.00001) == "1e-05"


def test_holm_adjust_matches_r_and_the_step_down_rule():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") == 0.03 0.06 0.06 0.02
    assert [round(p, 10) for p in bs.holm_adjust([0.01, 0.04, 0.03, 0.005])] == [0.03, 0.06, 0.06, 0.02]
    import random

    rnd = random.Random(7)
    for _ in range(200):
        ps = [rnd.random() ** 3 for _ in range(rnd.randint(1, 12))]
        assert [p <= 0.05 for p in bs.holm_adjust(ps)] == bs.holm_bonferroni(ps, 0.05)
    c = bs.compare([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
    adjusted = bs.with_adjusted_p(c, 0.2)
    assert adjusted.p_raw == c.p and not adjusted.significant and bs.format_delta(adjusted) == "~"
