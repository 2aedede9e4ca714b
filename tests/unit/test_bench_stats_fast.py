"""stats' fast Mann-Whitney U and shared sorting against the straightforward implementation.

`_mann_whitney_sorted` counts ranks and ties without a Python loop per value, and `compare` sorts
each sample once for both the centre and the test. The reference below is the plain algorithm
(go-moremath's: one sort of tagged values, a walk over the tie groups summing mid-ranks as
floats), kept here so that a speed-up can never silently change a p-value: every result must
be the same float, bit for bit, on seeded random samples with many ties, NaNs, infinities and
signed zeros, on both sides of the exact/normal-approximation limits.
"""

from __future__ import annotations

import math
import random
from math import comb

import pytest

from m3tui.bench import stats as bs
from m3tui.bench.units import go_value


def _rank_key(v: float) -> tuple[bool, float]:
    return (True, 0.0) if math.isnan(v) else (False, v)


def ref_mann_whitney_u(a: list[float], b: list[float]) -> float:
    x1, x2 = [_rank_key(float(v)) for v in a], [_rank_key(float(v)) for v in b]
    n1, n2 = len(x1), len(x2)
    if n1 == 0 or n2 == 0:
        raise bs.SampleSizeError()
    merged = sorted([(v, 1) for v in x1] + [(v, 2) for v in x2], key=lambda t: t[0])
    r1, ties, has_ties, i, N = 0.0, [], False, 0, len(merged)
    while i < N:
        rank1, nx1, v1 = i + 1, 0, merged[i][0]
        while i < N and merged[i][0] == v1:
            nx1 += merged[i][1] == 1
            i += 1
        if nx1:
            r1 += (i + rank1) / 2 * nx1
        ties.append(i - rank1 + 1)
        has_ties = has_ties or i > rank1
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    umin = min(u1, u2)
    limit = bs.MANN_WHITNEY_TIES_EXACT_LIMIT if has_ties else bs.MANN_WHITNEY_EXACT_LIMIT
    if n1 <= limit and n2 <= limit:
        if len(ties) == 1:
            raise bs.SamplesEqualError()
        if u1 == u2:
            return 1.0
        if umin >= n1 * n2:
            return 2.0
        if has_ties:
            return bs._u_cdf_ties(n1, n2, ties, int(2 * umin)) * 2
        return sum(bs._u_counts_no_ties(n1, n2)[: int(math.floor(umin)) + 1]) / comb(n1 + n2, n1) * 2
    t = float(sum(tt * tt * tt - tt for tt in ties))
    Nf = float(n1 + n2)
    sigma = math.sqrt(n1 * n2 * ((Nf + 1) - t / (Nf * (Nf - 1))) / 12)
    if sigma == 0:
        raise bs.SamplesEqualError()
    numer = u1 - n1 * n2 / 2
    numer -= ((numer > 0) - (numer < 0)) * 0.5
    cdf = math.erfc(-(numer / sigma) / math.sqrt(2)) / 2
    return 2 * min(cdf, 1 - cdf)


def ref_compare(a: list[float], b: list[float], alpha: float, assume: str, confidence: float) -> bs.Comparison:
    ca = bs.summarize_sorted(sorted(float(v) for v in a), confidence, assume).center
    cb = bs.summarize_sorted(sorted(float(v) for v in b), confidence, assume).center
    if assume == bs.ASSUME_EXACT:
        return bs.Comparison(bs._delta(ca, cb), 0.0, len(a), len(b), True, None, 0.0, ca, cb)
    try:
        p = ref_mann_whitney_u(a, b)
    except ValueError as e:
        return bs.Comparison(bs._delta(ca, cb), 1.0, len(a), len(b), False, str(e), alpha, ca, cb)
    warning = None
    if p > alpha:
        op, need = bs._u_test_samples(alpha)
        if len(a) < need and len(b) < need:
            warning = f"need {op} {need} samples to detect a difference at alpha level {go_value(alpha)}"
    return bs.Comparison(bs._delta(ca, cb), p, len(a), len(b), not p > alpha, warning, alpha, ca, cb)


def outcome(f, *args):
    """A result or the error, comparable bit for bit (repr of a float is exact; NaN != NaN)."""
    try:
        return "ok", repr(f(*args))
    except ValueError as e:
        return type(e).__name__, str(e)


SIZES = [1, 2, 3, 5, 9, 24, 25, 26, 49, 50, 51, 120, 700]


def sample(rng: random.Random, n: int, distinct: int, odd: float) -> list[float]:
    """n values drawn from `distinct` levels (few levels: many ties), a share `odd` of them NaN,
    ±inf or a signed zero; ints now and then (benchstat's inputs are floats, callers' may not be)."""
    out: list[float] = []
    for _ in range(n):
        r = rng.random()
        if r < odd:
            out.append(rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0]))
        elif r < 0.2:
            out.append(rng.randrange(distinct))
        else:
            out.append(rng.randrange(distinct) * 0.25 + rng.choice([0.0, 0.0, 0.1]))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_fast_u_test_matches_the_reference_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        n1, n2 = rng.choice(SIZES), rng.choice(SIZES)
        distinct = rng.choice([1, 2, 3, 8, 40, 10**6])
        odd = rng.choice([0.0, 0.0, 0.03, 0.3])
        a, b = sample(rng, n1, distinct, odd), sample(rng, n2, distinct, odd)
        assert outcome(bs.mann_whitney_u, a, b) == outcome(ref_mann_whitney_u, a, b), (a, b)
        alpha, confidence = rng.choice([0.05, 0.01, 0.5]), rng.choice([0.95, 0.9, 0.99])
        assume = rng.choice([bs.ASSUME_NOTHING, bs.ASSUME_NOTHING, bs.ASSUME_EXACT])
        want = outcome(ref_compare, a, b, alpha, assume, confidence)
        assert outcome(bs.compare, a, b, alpha, assume, confidence) == want, (a, b)
        xa, xb = bs.sorted_sample(a), bs.sorted_sample(b)
        assert outcome(bs.compare_sorted, xa, xb, alpha, assume, confidence) == want
        assert outcome(bs.summarize_sorted, xa, confidence, assume) == outcome(bs.summarize, a, confidence, assume)


def test_every_way_of_counting_the_pairs_below() -> None:
    # the pair count takes a stable sort and the runs of equal values (few ties), the merged
    # sample's runs (many), or a walk over them (few distinct values): the same U either way
    rng = random.Random(7)
    few = [round(rng.uniform(0, 3000), 1) for _ in range(900)]  # ~1.5% ties, in and across samples
    runs = [7.25] * 3 + [1500.05] * 2 + [2999.95] * 4  # runs of 2 to 7 equal values with the other side's
    cases = [
        ([rng.random() for _ in range(300)], [rng.random() for _ in range(280)]),  # sort, no tie
        (few[:450] + runs, few[450:] + runs[2:7]),  # sort, runs of equal values
        (few[:450] * 2, few[450:]),  # sample 1 all in pairs: its glance says "many"
        ([0.0] * 200 + few[:400], few[400:]),  # the glance says few, the full count says many
        (few[:300] + [1500.05] * 40, few[300:] + [1500.05] * 30),  # a big run in the middle
        ([rng.randrange(5) for _ in range(300)], [rng.random() for _ in range(300)]),  # bisect sample 1
        ([rng.random() for _ in range(300)], [rng.randrange(5) for _ in range(300)]),  # bisect sample 2
        ([rng.randrange(20) for _ in range(300)], [rng.randrange(20) + 0.5 for _ in range(300)]),  # no common value
        ([rng.randrange(6) for _ in range(900)], [rng.randrange(7) - 0.5 for _ in range(800)]),  # few values: a walk
        ([rng.random() for _ in range(300)] + [0.5] * 1500, few[:500]),  # the glance says few values, the walk gives up
        ([math.nan] * 40 + [1.0] * 40, [1.0] * 30 + [math.nan] * 50),  # NaNs tie with each other, last
        ([math.inf, -math.inf] * 20, [math.inf, 0.0, -0.0] * 20),  # inf - inf is NaN in the sum: no NaN
    ]
    for a, b in cases:
        assert outcome(bs.mann_whitney_u, a, b) == outcome(ref_mann_whitney_u, a, b)
        assert outcome(bs.mann_whitney_u, b, a) == outcome(ref_mann_whitney_u, b, a)


def test_large_samples_like_a_long_run() -> None:
    # thousands of values per cell (benchmarks/benchparse.py's 100k lines): values printed to 0.1
    # (a few ties) and small counts (allocs/op: a few dozen levels, every value tied)
    rng = random.Random(11)
    for gen in (lambda: round(rng.uniform(100, 100000), 1), lambda: float(rng.randint(0, 40))):
        a = [gen() for _ in range(3000)]
        b = [gen() * 1.01 for _ in range(2900)]
        assert outcome(bs.compare, a, b, 0.05, bs.ASSUME_NOTHING, 0.95) == outcome(
            ref_compare, a, b, 0.05, bs.ASSUME_NOTHING, 0.95)
