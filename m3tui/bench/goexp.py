"""Go's ``math.Exp`` bit for bit, for benchstat's geomeans; go-moremath's exact Mann-Whitney U
distributions (small samples), in integers, for :mod:`m3tui.bench.stats`' p-values.

Hand-written because no library reproduces Go's amd64 assembly: ``-format csv`` prints the
geomeans in full, and C's ``exp`` (Python's ``math.exp``) differs from Go's in the last bit now
and then.
"""

from __future__ import annotations

import functools
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


def u_cdf_ties(n1: int, n2: int, t: Sequence[int], two_u: int) -> float:
    """P(2U <= two_u) for sample 1 of size n1 with tie vector ``t``: go-moremath's ``UDist.CDF``
    with ties (Cheung-Klotz, ``makeUmemo``), followed step for step: its float sums, its
    ``Choose`` (exp of Lgammas above 20) and its integer division truncated toward zero (for
    1 vs 2 tied values this gives P = 2/3 where the true one is 0: benchstat prints p=1.333)."""
    if two_u < 0:
        return 0.0
    if two_u >= 2 * n1 * n2:
        return 1.0
    K = len(t)
    if K < 2:
        raise ValueError("K < 2")
    a = [0] * (K + 1)
    a[1] = t[0]
    for k in range(2, K + 1):
        a[k] = a[k - 1] + t[k - 2] + t[k - 1]
    # twoUmin/twoUmax(n, t[:k], a) for every k and n, once
    umin: list[list[int]] = [[0] * (n1 + 1) for _ in range(K + 1)]
    umax: list[list[int]] = [[0] * (n1 + 1) for _ in range(K + 1)]
    for k in range(1, K + 1):
        for n in range(n1 + 1):
            lo, left = -n * n, n
            for j in range(1, k + 1):
                r = min(left, t[j - 1])
                lo += r * a[j]
                left -= r
            hi, left = -n * n, n
            for j in range(k, 0, -1):
                r = min(left, t[j - 1])
                hi += r * a[j]
                left -= r
            umin[k][n], umax[k][n] = lo, hi
    memo: list[dict[tuple[int, int], float]] = [{} for _ in range(K + 1)]
    memo[K] = {(n1, two_u): 0.0}
    tsum = sum(t)
    for k in range(K - 1, 1, -1):
        tsum -= t[k]
        cur = memo[k]
        mins, maxs = umin[k], umax[k]
        for kn1, ktwo in memo[k + 1]:
            for rk in range(max(0, kn1 - tsum), min(kn1, t[k]) + 1):
                two_k = ktwo - rk * (a[k + 1] - 2 * kn1 + rk)
                n1_k = kn1 - rk
                if mins[n1_k] <= two_k <= maxs[n1_k]:
                    cur[(n1_k, two_k)] = 0.0
    n_2 = t[0] + t[1]
    for key in memo[2]:
        kn1, ktwo = key
        num = ktwo - kn1 * (t[0] - kn1)
        r2_high = abs(num) // n_2 * (1 if num >= 0 else -1)  # Go's / truncates toward zero
        acc = 0.0
        for r2 in range(max(0, kn1 - t[0]), r2_high + 1):
            acc += go_choose(t[0], kn1 - r2) * go_choose(t[1], r2)
        memo[2][key] = acc
    tsum = t[0]
    for k in range(3, K + 1):
        tsum += t[k - 2]
        prev, maxs = memo[k - 1], umax[k - 1]
        for key in memo[k]:
            kn1, ktwo = key
            acc = 0.0
            for rk in range(max(0, kn1 - tsum), min(kn1, t[k - 1]) + 1):
                two_prev = ktwo - rk * (a[k] - 2 * kn1 + rk)
                n1_prev = kn1 - rk
                x = prev.get((n1_prev, two_prev))
                if x is None:
                    x = go_choose(tsum, n1_prev) if maxs[n1_prev] < two_prev else 0.0
                acc += x * go_choose(t[k - 1], rk)
            memo[k][key] = acc
    return memo[K][(n1, two_u)] / go_choose(n1 + n2, n1)

#: Go's ``math.Lgamma(float64(x))`` for x = 1..101, as the real Go prints them (strconv 'g' -1; checked by
#: tests/integration/test_go_lgamma.py): go-moremath's Choose is exp(Lgamma…) above 20, and Go's
#: Lgamma (over its amd64-assembly Log) differs from C's lgamma in the last bit for most of them.
_GO_LGAMMA = (
    0, 0, 0.6931471805599453, 1.791759469228055,
    3.1780538303479458, 4.787491742782046, 6.579251212010101, 8.525161361065413,
    10.60460290274525, 12.80182748008147, 15.104412573075518, 17.502307845873887,
    19.98721449566189, 22.552163853123428, 25.19122118273868, 27.89927138384089,
    30.671860106080675, 33.50507345013689, 36.39544520803305, 39.339884187199495,
    42.335616460753485, 45.380138898476915, 48.47118135183523, 51.60667556776438,
    54.78472939811231, 58.003605222980525, 61.261701761002, 64.55753862700632,
    67.88974313718154, 71.25703896716801, 74.65823634883017, 78.0922235533153,
    81.55795945611503, 85.05446701758153, 88.58082754219767, 92.1361756036871,
    95.7196945421432, 99.33061245478743, 102.9681986145138, 106.63176026064346,
    110.3206397147574, 114.0342117814617, 117.77188139974507, 121.53308151543862,
    125.31727114935688, 129.12393363912722, 132.9525750356163, 136.80272263732635,
    140.67392364823425, 144.56574394634487, 148.47776695177302, 152.40959258449737,
    156.3608363030788, 160.3311282166309, 164.3201122631952, 168.32744544842768,
    172.35279713916282, 176.39584840699732, 180.45629141754378, 184.53382886144945,
    188.6281734236716, 192.73904728784493, 196.86618167289, 201.0093163992815,
    205.16819948264117, 209.34258675253682, 213.53224149456327, 217.73693411395425,
    221.95644181913033, 226.19054832372763, 230.43904356577696, 234.70172344281826,
    238.97838956183432, 243.26884900298268, 247.57291409618685, 251.8904022097232,
    256.22113555000954, 260.5649409718632, 264.9216497985528, 269.29109765101975,
    273.67312428569375, 278.0675734403662, 282.47429268763045, 286.893133295427,
    291.3239500942703, 295.7666013507606, 300.22094864701415, 304.6868567656687,
    309.1641935801469, 313.65282994987905, 318.1526396202093, 322.6634991267262,
    327.18528770377526, 331.7178871969285, 336.26118197919845, 340.815058870799,
    345.37940706226686, 349.95411804077025, 354.5390855194408, 359.13420536957545,
    363.7393755555635,
)  # fmt: skip
GO_LGAMMA_MAX = len(_GO_LGAMMA)


def go_lgamma_int(x: int) -> float:
    """Go's ``math.Lgamma(float64(x))`` for an integer 1 <= x <= 101, bit for bit (beyond: C's lgamma,
    which may differ in the last bit; benchstat never asks for more than 51)."""
    if 1 <= x <= GO_LGAMMA_MAX:
        return _GO_LGAMMA[x - 1]
    return math.lgamma(x)


@functools.lru_cache(maxsize=4096)
def go_choose(n: int, k: int) -> float:
    """go-moremath's ``mathx.Choose``: exact up to n = 20, then ``math.Exp`` of the Lgammas' difference."""
    if k == 0 or k == n:
        return 1.0
    if k < 0 or n < k:
        return 0.0
    if n <= 20:
        return float(comb(n, k))
    return go_exp(go_lgamma_int(n + 1) - go_lgamma_int(k + 1) - go_lgamma_int(n - k + 1))
