"""Go's ``math.Exp`` bit for bit, for benchstat's geomeans; go-moremath's exact Mann-Whitney U
distributions (small samples), in integers, for :mod:`m3tui.bench.stats`' p-values.

Hand-written because no library reproduces Go's amd64 assembly: ``-format csv`` prints the
geomeans in full, and C's ``exp`` (Python's ``math.exp``) differs from Go's in the last bit now
and then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from math import comb


def _fma(a: float, b: float, c: float) -> float:
    """a*b + c rounded once (as the FMA instructions do)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


_LOG2E = 1.4426950408889634073599246810018920
_LN2U = 0.69314718055966295651160180568695068359375
_LN2L = 0.28235290563031577122588448175013436025525412068e-12
_TAYLOR = (2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3,
           4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0)  # fmt: skip


def go_exp(x: float) -> float:
    """``math.Exp`` as Go computes it on amd64 with FMA (math/exp_amd64.s, the path every x86-64
    CPU since 2013 takes), bit for bit: benchstat's geomeans (printed in full by ``-format csv``)
    come from it, and C's exp differs from it in the last bit now and then."""
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > 7.09782712893384e02:
        return math.inf
    k = round(_LOG2E * x)  # CVTSD2SL: to nearest, ties to even
    kf = float(k)
    r = _fma(-kf, _LN2U, x)
    r = _fma(-kf, _LN2L, r) * 0.0625
    t = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        t = _fma(t, r, c)
    r *= t
    for _ in range(3):
        r *= r + 2.0
    r = _fma(r, r + 2.0, 1.0)
    biased = k + 0x3FF
    if biased >= 0x7FF:
        return math.inf
    if biased > 0:
        return r * math.ldexp(1.0, k)
    if biased < -52:
        return 0.0
    return math.ldexp(r * math.ldexp(1.0, biased - 1), -1022)


def u_counts_no_ties(m: int, n: int) -> list[int]:
    """counts[u] = number of arrangements with U == u (Gaussian binomial)."""
    # Coefficients of prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
    deg = m * n
    poly = [0] * (deg + 1)
    poly[0] = 1
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i))
        k = n + i
        for d in range(deg, k - 1, -1):
            poly[d] -= poly[d - k]
        # divide by (1 - q^i): prefix sums with stride i
        for d in range(i, deg + 1):
            poly[d] += poly[d - i]
    return poly


def u_cdf_ties(n1: int, n2: int, ties: Sequence[int], two_u: int) -> float:
    """P(2U <= two_u) for sample 1 of size n1 with tie vector ``ties``.

    Exact count of rank assignments (same quantity as go-moremath's
    Cheung-Klotz algorithm). polys[c] is a generating polynomial in
    2*(rank sum of sample 1) for c members of sample 1 chosen so far,
    packed into one big integer with ``width`` bits per coefficient and
    truncated above the largest rank sum of interest.
    """
    limit = two_u + n1 * (n1 + 1)  # 2U = 2R1 - n1(n1+1)
    width = (comb(n1 + n2, n1).bit_length() + 8) // 8 * 8
    nslots = limit + 1
    mask = (1 << (nslots * width)) - 1
    polys = [0] * (n1 + 1)
    polys[0] = 1
    start = 0
    seen = 0
    for t in ties:
        two_mid = 2 * start + t + 1
        for c in range(min(seen, n1), -1, -1):
            pc = polys[c]
            if not pc:
                continue
            for r in range(1, min(t, n1 - c) + 1):
                shift = r * two_mid
                if shift > limit:
                    break
                polys[c + r] = (polys[c + r] + comb(t, r) * (pc << (shift * width))) & mask
        seen += t
        start += t
    raw = polys[n1].to_bytes(nslots * width // 8, "little")
    step = width // 8
    total = sum(int.from_bytes(raw[i:i + step], "little") for i in range(0, len(raw), step))
    return total / comb(n1 + n2, n1)
