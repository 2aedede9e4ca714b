"""Go's ``math.Exp`` bit for bit, for benchstat's geomeans.

Hand-written because no library reproduces Go's amd64 assembly: ``-format csv`` prints the
geomeans in full, and C's ``exp`` (Python's ``math.exp``) differs from Go's in the last bit now
and then.
"""

from __future__ import annotations

import math
from fractions import Fraction


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
