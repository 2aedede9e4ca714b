"""Tests for m3tui.services.benchstats against benchstat's own test data.

The oracle folder holds benchstat's inputs and expected outputs (see its
README.md for the arguments). A minimal local parser and text renderer
rebuild every table body row, geomean row and footnote from our
statistics; rows are compared with whitespace collapsed (the table
layout/borders are not benchstat's business here, the numbers are).
"""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction
from math import comb
from pathlib import Path

import pytest

from m3tui.services import benchstats as bs
from .shared import BENCHSTAT_ORACLES

ORACLE = BENCHSTAT_ORACLES



# ---------------------------------------------------------------------------
# Minimal benchmark-format parser and benchstat-like text renderer


def parse_bench(text: str, fname: str):
    """Yield (config dict, name, [(value, unit)]) and collect unit metadata."""
    config: dict[str, str] = {}
    units: dict[str, str] = {}
    results = []
    for line in text.splitlines():
        if line.startswith("Benchmark"):
            f = line.split()
            name = f[0][len("Benchmark"):]
            pairs = [(float(f[i]), f[i + 1]) for i in range(2, len(f) - 1, 2)]
            results.append((dict(config, **{".file": fname}), name, pairs))
        elif line.startswith("Unit "):
            f = line.split()
            for kv in f[2:]:
                k, _, v = kv.partition("=")
                if k == "assume":
                    units[f[1]] = v
        else:
            m = re.match(r"^([a-z][^\s:]*):\s*(.*?)\s*$", line)
            if m:
                if m.group(2):
                    config[m.group(1)] = m.group(2)
                else:
                    config.pop(m.group(1), None)
    return results, units


SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def sup(i: int) -> str:
    return "".join(SUPER[int(d)] for d in str(i))


def render(files: list[str], col: str = ".file", ignore: tuple[str, ...] = ()) -> list[str]:
    """Render benchstat-style text output (whitespace-collapsed, no header rows)."""
    results, units = [], {}
    for fn in files:
        r, u = parse_bench((ORACLE / fn).read_text(), fn)
        results += r
        units.update(u)

    order: dict[str, dict[str, int]] = {}  # field -> value -> observation index
    field_order: list[str] = []

    def observe(fld, val):
        if fld not in order:
            order[fld] = {}
            field_order.append(fld)
        order[fld].setdefault(val, len(order[fld]))

    tables: dict[tuple, dict] = {}
    for cfg, name, pairs in results:
        tcfg = tuple((k, v) for k, v in cfg.items() if k not in ignore and k != col and k != ".file")
        for k, v in tcfg:
            observe(k, v)
        observe(".name", name)
        observe(col, cfg.get(col, ""))
        for value, unit in pairs:
            tunit, factor = bs.tidy_unit(unit)
            observe(".unit", tunit)
            t = tables.setdefault(tcfg + ((".unit", tunit),), {"cells": {}, "assume": units.get(unit, "nothing")})
            t["cells"].setdefault((name, cfg.get(col, "")), []).append(value * factor)

    def key_sort(k):
        d = dict(k)
        return tuple(order[f].get(d.get(f), -1) if f in d else -1
                     for f in field_order if f not in (".name", col))

    out: list[str] = []
    prev: dict[str, str] | None = None
    for i, tkey in enumerate(sorted(tables, key=key_sort)):
        t = tables[tkey]
        d = dict(tkey)
        unit = d[".unit"]
        for f in field_order:
            if f in (".unit", ".name", col) or f not in d:
                continue
            if prev is None or prev.get(f) != d[f]:
                out.append(f"{f}: {d[f]}")
        prev = d
        out.extend(render_table(t["cells"], unit, t["assume"], order[".name"], order[col]))
    return out


def render_table(cells, unit, assume, name_order, col_order) -> list[str]:
    rows = sorted({r for r, _ in cells}, key=name_order.__getitem__)
    cols = sorted({c for _, c in cells}, key=col_order.__getitem__)
    cls = bs.unit_class(unit)
    warnings: list[str] = []

    def warn(*msgs):
        fns = []
        for m in msgs:
            if m is None:
                continue
            if m not in warnings:
                warnings.append(m)
            fns.append(sup(warnings.index(m) + 1))
        return " ".join(fns)

    summaries = {k: bs.summarize(v, 0.95, assume) for k, v in cells.items()}
    lines = []
    for row in rows:
        scaler = bs.common_scale([summaries[(row, c)].center for c in cols if (row, c) in cells], cls)
        toks = [row]
        for exp, c in enumerate(cols):
            if (row, c) not in cells:
                continue
            s = summaries[(row, c)]
            toks += [scaler.format(s.center), bs.format_interval(s), warn(s.warning)]
            if exp > 0 and (row, cols[0]) in cells:
                cmp = bs.compare(cells[(row, cols[0])], cells[(row, c)], 0.05, assume)
                toks += [bs.format_delta(cmp), bs.format_p(cmp), warn(cmp.warning)]
        lines.append(" ".join(x for x in toks if x))
    if len(rows) > 1:
        toks = ["geomean"]
        base = [summaries[(r, cols[0])].center if (r, cols[0]) in cells else None for r in rows]
        for exp, c in enumerate(cols):
            centers = [summaries[(r, c)].center if (r, c) in cells else None for r in rows]
            cs = bs.summarize_column(centers, None if exp == 0 else base)
            if cs.geomean is not None:
                toks.append(bs.common_scale([cs.geomean], cls).format(cs.geomean))
            if exp > 0:
                toks.append(bs.format_ratio(cs.ratio))
            toks.append(warn(*cs.warnings))
        lines.append(" ".join(x for x in toks if x))
    lines += [f"{sup(i + 1)} {m}" for i, m in enumerate(warnings)]
    return lines


def expected(fname: str) -> list[str]:
    out = []
    for line in (ORACLE / fname).read_text().splitlines():
        if not line.strip() or "│" in line:
            continue
        out.append(" ".join(line.split()))
    return out


CASES = {
    "crcOldNew.stdout": (["crc-old.txt", "crc-new.txt"], ".file", ()),
    "crcIgnore.stdout": (["crc-old.txt", "crc-new.txt"], ".file", ("note",)),
    "units.stdout": (["units.txt"], "note", ()),
    "zero.stdout": (["zero.txt"], "note", ()),
    "smallSample.stdout": (["smallSample.txt"], "note", ()),
    "issue19565.stdout": (["issue19565.txt"], "note", ()),
    "issue19634.stdout": (["issue19634.txt"], "note", ()),
}


@pytest.mark.parametrize("oracle", sorted(CASES))
def test_oracle_text_output(oracle):
    files, col, ignore = CASES[oracle]
    got = render(files, col, ignore)
    exp = expected(oracle)
    for g, e in zip(got, exp):
        assert g == e
    assert len(got) == len(exp)


def test_oracle_csv_old_new():
    # csvOldNew.stdout: exact centres (fmt.Sprint), CI, delta, P and geomean.
    rows = {}
    for fn in ("old.txt", "new.txt"):
        res, _ = parse_bench((ORACLE / fn).read_text(), fn)
        for _, name, pairs in res:
            v, u = pairs[0]
            rows.setdefault(name, {}).setdefault(fn, []).append(v * bs.tidy_unit(u)[1])
    got = []
    base = []
    new = []
    for name, d in rows.items():
        so, sn = bs.summarize(d["old.txt"]), bs.summarize(d["new.txt"])
        c = bs.compare(d["old.txt"], d["new.txt"])
        base.append(so.center)
        new.append(sn.center)
        got.append(",".join([name, bs.go_value(so.center), bs.format_interval(so, False),
                             bs.go_value(sn.center), bs.format_interval(sn, False),
                             bs.format_delta(c), bs.format_p(c, False)]))
    g0, g1 = bs.summarize_column(base), bs.summarize_column(new, base)
    got.append(f"geomean,{bs.go_value(g0.geomean)},,{bs.go_value(g1.geomean)},,{bs.format_ratio(g1.ratio)},")
    exp = (ORACLE / "csvOldNew.stdout").read_text().splitlines()[5:]
    assert got == exp


# ---------------------------------------------------------------------------
# Individual strings (documented examples)


def test_issue19565_strings():
    a = [115, 114, 115, 115, 115]
    b = [78.8] * 5
    sa, sb = bs.summarize(a), bs.summarize(b)
    assert bs.format_center(sa.center, "ns/op", [sa.center, sb.center]) == "115.00n"
    assert bs.format_center(sb.center, "ns/op", [sa.center, sb.center]) == "78.80n"
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
    assert bs.format_center(1234, "ns/op") == "1.234µ"
    assert bs.format_center(1024, "B/op") == "1.000Ki"
    assert bs.format_center(307.3 * 1.048576, "MB/s") == "307.3Mi"
    assert bs.format_center(0, "x") == "0.000"
    assert bs.format_center(1000, "B/op") == "1000.0"
    assert bs.tidy_unit("MB/s") == ("B/s", 1e6)
    assert bs.tidy_unit("ns/op") == ("sec/op", 1e-9)
    assert bs.unit_class("text-bytes") == bs.BINARY
    assert bs.unit_class("ops/B") == bs.DECIMAL


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
    assert bs.go_value(0.95) == "0.95"
    assert bs.go_value(100.0) == "100"
    assert bs.go_value(1.7180000000000001e-06) == "1.7180000000000001e-06"
    assert bs.go_value(1e21) == "1e+21"
    assert bs.go_value(123456789.0) == "1.23456789e+08"
    assert bs.go_value(123456.0) == "123456"
    assert bs.go_value(0.0001) == "0.0001"
    assert bs.go_value(0.00001) == "1e-05"
