"""The rank sums of benchstat's Mann-Whitney U test (:mod:`m3tui.bench.stats`), without a Python
loop per value: U1 and the tie groups of two sorted samples of thousands of values each.

Exact integers throughout, so :mod:`m3tui.bench.stats` gets the very floats go-moremath's walk over
the merged sample gives (tests/unit/test_bench_stats_fast.py checks every path against that walk).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import compress, filterfalse, islice, repeat
from operator import add, eq, lt, ne, sub


def finite_sorted(xs: list[float]) -> tuple[list[float], int]:
    """``xs`` (sorted, as ``sorted`` leaves a list with NaNs in it) without its NaNs, truly sorted,
    and how many NaNs there were."""
    if not math.isnan(sum(xs)) or not any(map(math.isnan, xs)):  # the sum: NaN, or inf - inf
        return xs, 0
    rest = sorted(filterfalse(math.isnan, xs))
    return rest, len(xs) - len(rest)


def two_u_and_ties(f1: list[float], f2: list[float], cat: list[float]) -> tuple[int, int]:
    """For sorted NaN-free samples (``cat`` = f1 + f2): 2 U1 (twice the (x1, x2) pairs with x2 < x1,
    plus those with x2 == x1), and the sum of the tie groups' sizes cubed (the sample size: no ties)."""
    m1, nf = len(f1), len(cat)
    # Few ties (values printed to a few digits): a stable sort, then each run of equal values; many
    # (counts, sizes): the runs of the merged sample. Which: a glance at sample 1's middle (a tie
    # in 32 there), then where values equal the next, up to one in 10 (the same numbers either way).
    glance, eqpos = f1[m1 // 2:m1 // 2 + 500], []
    glance_ties = sum(map(eq, glance, islice(glance, 1, None)))
    sparse = 32 * glance_ties <= len(glance)
    merged: list[float] | None = None
    if not sparse and 64 * (len(glance) - 1 - glance_ties) <= len(glance):  # few distinct values
        merged = sorted(cat)
        found = _few_values(f1, merged)
        if found is not None:
            return found
    if sparse:
        merged = sorted(cat)  # two sorted runs: one merge
        eqpos = list(islice(compress(range(nf - 1), map(eq, merged, islice(merged, 1, None))), nf // 10 + 1))
        sparse = len(eqpos) <= nf // 10
    if sparse:
        order = sorted(range(nf), key=cat.__getitem__)  # sample 1 first among equals
        below = sum(compress(range(nf), map(lt, order, repeat(m1)))) - m1 * (m1 - 1) // 2
        groups: list[list[int]] = []  # [start, end) of each run of equal values
        for i in eqpos:
            if groups and groups[-1][1] == i + 1:
                groups[-1][1] = i + 2
            else:
                groups.append([i, i + 2])
        equal, cubes = 0, nf
        for start, end in groups:
            k1 = sum(map(lt, order[start:end], repeat(m1)))
            equal += k1 * (end - start - k1)
            cubes += (end - start) ** 3 - (end - start)
        return 2 * below + equal, cubes
    # Many: the runs of equal values in the merged sample (each a tie group: its size, and the sum
    # of its first and last rank, 2 x its mid-rank - 1), by value; each value of sample 1 looks up its own.
    if merged is None:
        merged = sorted(cat)
    starts = [0, *compress(range(1, nf), map(ne, merged, islice(merged, 1, None)))]  # nf > 1 here
    ends = [*islice(starts, 1, None), nf]
    cubes = sum(map(pow, map(sub, ends, starts), repeat(3)))
    if not m1:
        return 0, cubes
    two_mid = dict(zip(map(merged.__getitem__, starts), map(add, starts, ends)))  # 2 x mid-rank - 1
    return sum(map(two_mid.__getitem__, f1)) + m1 - m1 * (m1 + 1), cubes


def _few_values(f1: list[float], merged: list[float]) -> tuple[int, int] | None:
    """:func:`two_u_and_ties` by a walk over the tie groups, one bisection each (counts with a few distinct
    values); None once that walk would take longer than :func:`two_u_and_ties`' passes over every value."""
    m1, nf = len(f1), len(merged)
    two_r1 = cubes = i = p1 = 0
    for _ in range(nf // 64 + 1):
        if i >= nf:
            break
        v = merged[i]
        j = bisect_right(merged, v, i)
        a1, p1 = p1, bisect_right(f1, v, p1)
        two_r1 += (p1 - a1) * (i + j)  # each sample-1 value in the group: 2 x its mid-rank - 1
        cubes += (j - i) ** 3
        i = j
    if i < nf:
        return None
    return two_r1 + m1 - m1 * (m1 + 1), cubes
