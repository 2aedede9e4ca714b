"""Benchmark statistics compatible with golang.org/x/perf/cmd/benchstat.

Pure Python (stdlib only). This reproduces the numbers that
benchstat prints (via golang.org/x/perf/benchmath, benchunit and
github.com/aclements/go-moremath/stats) as below; the units and number formatting
are in :mod:`m3tui.bench.units`:

* centre = sample median; interval = distribution-free order-statistic
  confidence interval of the median (binomial, left-biased like
  ``stats.QuantileCI``; normal approximation above 30 samples);
* comparison = two-sided Mann-Whitney U test (exact distribution for
  n <= 50 without ties and n <= 25 with ties, otherwise the normal
  approximation with tie and continuity correction), alpha 0.05;
* geomean row = geometric mean of the centres and of the per-row ratios;
* number formatting = benchunit scaling (SI for most units, IEC binary
  prefixes for byte units) after "tidying" ns -> sec and MB -> B.

Two distributional assumptions are supported: ``"nothing"`` (default,
median + U-test) and ``"exact"`` (benchstat's ``assume=exact`` unit
metadata: mode, no test, warning when values differ).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from itertools import groupby
from math import comb
from typing import Iterable, Sequence

from m3tui.bench.goexp import go_choose, go_exp, u_cdf_ties as _u_cdf_ties, u_counts_no_ties as _u_counts_no_ties
from m3tui.bench.ranks import finite_sorted as _finite_sorted, two_u_and_ties as _pairs
from m3tui.bench.units import go_value

__all__ = [
    "Summary", "Comparison", "ColumnSummary", "SamplesEqualError", "SampleSizeError",
    "quantile_ci", "median", "summarize", "sorted_sample", "summarize_sorted", "pct_interval",
    "mann_whitney_u", "compare", "compare_sorted", "geomean", "summarize_column",
    "holm_bonferroni", "format_interval", "format_delta", "format_p", "format_ratio",
]  # fmt: skip

ASSUME_NOTHING = "nothing"
ASSUME_EXACT = "exact"

# Largest sample sizes for which the exact U distribution is used.
MANN_WHITNEY_EXACT_LIMIT = 50
MANN_WHITNEY_TIES_EXACT_LIMIT = 25

# Threshold above which QuantileCI uses the normal approximation.
QUANTILE_CI_APPROX_THRESHOLD = 30


class SampleSizeError(ValueError):
    """An empty sample: a statistics signal, not a user failure (:func:`compare` makes it a warning)."""

    def __init__(self) -> None:
        super().__init__("sample is too small")


class SamplesEqualError(ValueError):
    """Every value equal, so no U test: a statistics signal (:func:`compare` makes it a warning)."""

    def __init__(self) -> None:
        super().__init__("all samples are equal")


# ---------------------------------------------------------------------------
# Summaries


@dataclass(frozen=True)
class Summary:
    center: float
    lo: float
    hi: float
    n: int
    warning: str | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class QuantileCI:
    n: int
    quantile: float
    confidence: float
    lo_order: int  # 1-based; < 1 means -inf
    hi_order: int  # 1-based; > n means +inf
    ambiguous: bool = False


def _binom_pmf(n: int, p: float, k: int) -> float:
    """go-moremath's ``BinomialDist.PMF``: its ``Choose`` is exp(Lgamma…) above 20 values, which
    decides which side the interval grows on (n = 24: orders 8..17, not 7..16)."""
    if k < 0 or k > n:
        return 0.0
    return go_choose(n, k) * math.pow(p, k) * math.pow(1 - p, n - k)


def _std_normal_inv_cdf(p: float) -> float:
    """Inverse standard normal CDF by bisection on erfc (0 < p < 1)."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erfc(-mid / math.sqrt(2)) / 2 < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return (lo + hi) / 2


@functools.lru_cache(maxsize=1024)
def quantile_ci(n: int, q: float = 0.5, confidence: float = 0.95) -> QuantileCI:
    """Order statistics bounding the confidence interval of quantile q
    in a sample of size n (go-moremath ``stats.QuantileCI``)."""
    if confidence >= 1:
        return QuantileCI(n, q, 1.0, 0, n + 1)
    ambiguous = False
    if n <= QUANTILE_CI_APPROX_THRESHOLD:
        x = int(math.ceil((n + 1) * q) - 1)
        if q == 0:
            x = 0
        accum = _binom_pmf(n, q, x)
        l, r = x, x + 1
        lp, rp = _binom_pmf(n, q, l - 1), _binom_pmf(n, q, r)
        ambiguous = rp == accum
        while accum < confidence and (lp > 0 or rp > 0):
            ambiguous = lp == rp
            if lp >= rp:  # left bias
                accum += lp
                l -= 1
                lp = _binom_pmf(n, q, l - 1)
            else:
                accum += rp
                r += 1
                rp = _binom_pmf(n, q, r)
        conf = accum
    else:
        mu = n * q
        sigma = math.sqrt(n * q * (1 - q))
        alpha = (1 - confidence) / 2
        l1 = mu + sigma * _std_normal_inv_cdf(alpha)
        r1 = 2 * mu - l1
        l = int(math.floor(math.floor(l1 - 0.5) + 0.5)) + 1
        r = int(math.floor(math.ceil(r1 - 0.5) + 0.5)) + 1

        def ncdf(x: float) -> float:
            return math.erfc(-(x - mu) / (sigma * math.sqrt(2))) / 2

        def cdf(lo: int, hi: int) -> float:
            return ncdf(hi - 0.5) - ncdf(lo - 0.5)

        conf = cdf(l, r)
        r_biased = r - 1
        a_biased = cdf(l, r_biased)
        if a_biased >= confidence and a_biased < conf:
            conf, ambiguous = a_biased, True
            r = r_biased
        if l <= 0 and r >= n + 1:
            conf, ambiguous = 1.0, False
    l = max(l, 0)
    r = min(r, n + 1)
    return QuantileCI(n, q, conf, l, r, ambiguous)


def median(sorted_xs: Sequence[float]) -> float:
    """go-moremath's ``Sample.Quantile(0.5)`` (R8: x[k-1] + frac*(x[k]-x[k-1])), not (a+b)/2: the
    last bit differs (12.25 and 100 give 56.125 here, 56.12500000000001 there)."""
    n = len(sorted_xs)
    if n == 0:
        return math.nan
    pos = 1 / 3.0 + 0.5 * (n + 1 / 3.0)
    k = int(pos)
    frac = pos - k
    if k <= 0:
        return sorted_xs[0]
    if k >= n:
        return sorted_xs[-1]
    lo = sorted_xs[k - 1]
    return lo + frac * (sorted_xs[k] - lo)


@functools.lru_cache(maxsize=64)
def _median_samples(confidence: float) -> tuple[str, int]:
    for n in range(2, 51):
        ci = quantile_ci(n, 0.5, confidence)
        if 0 < ci.lo_order and ci.hi_order <= n:
            return ">=", n
    return ">", 50


def summarize(samples: Sequence[float], confidence: float = 0.95,
              assume: str = ASSUME_NOTHING) -> Summary:
    """Centre and confidence interval of a sample, as benchstat computes it."""
    return summarize_sorted(sorted_sample(samples), confidence, assume)


def sorted_sample(samples: Iterable[float]) -> list[float]:
    """A sample as :func:`summarize_sorted` and :func:`compare_sorted` take it: each cell sorted
    once however many times it is summarized and compared (``compare`` and ``summarize`` sort)."""
    return sorted(map(float, samples))


def summarize_sorted(xs: list[float], confidence: float = 0.95,
                     assume: str = ASSUME_NOTHING) -> Summary:
    """:func:`summarize` of a :func:`sorted_sample`."""
    n = len(xs)
    if n == 0:
        raise SampleSizeError()
    if assume == ASSUME_EXACT:
        val, count = xs[0], 1
        mode_val, mode_count = val, count
        for v in xs[1:]:
            if v == val:
                count += 1
                if count > mode_count:
                    mode_val, mode_count = val, count
            else:
                val, count = v, 1
        warning = None
        if mode_count != n:
            warning = (f"exact distribution expected, but values range from "
                       f"{go_value(xs[0])} to {go_value(xs[-1])}")
        return Summary(mode_val, xs[0], xs[-1], n, warning, 1.0)

    ci = quantile_ci(n, 0.5, confidence)
    lo = -math.inf if ci.lo_order < 1 else xs[ci.lo_order - 1]
    hi = math.inf if ci.hi_order - 1 >= n else xs[ci.hi_order - 1]
    warning = None
    if math.isinf(lo) or math.isinf(hi):
        op, need = _median_samples(confidence)
        warning = (f"need {op} {need} samples for confidence interval at "
                   f"level {go_value(confidence)}")
    return Summary(median(xs), lo, hi, n, warning, ci.confidence)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def pct_interval(summary: Summary) -> float | None:
    """Half-width of the interval relative to the centre, in percent.

    Returns ``math.inf`` for an infinite interval and ``None`` when the
    bounds and centre differ in sign (benchstat prints ``?``).
    """
    if math.isinf(summary.lo) or math.isinf(summary.hi):
        return math.inf
    cs = _sign(summary.center)
    if cs != _sign(summary.lo) or cs != _sign(summary.hi):
        return None
    if summary.center == 0:
        return 0.0
    v = max(summary.hi / summary.center - 1, 1 - summary.lo / summary.center)
    return 100 * v


def format_interval(summary: Summary, prefix: bool = True) -> str:
    """``"± 1%"``, ``"± ∞"`` or ``"± ?"`` (without ``"± "`` if prefix=False)."""
    v = pct_interval(summary)
    if v is None:
        s = "?"
    elif math.isinf(v):
        s = "∞"
    else:
        s = f"{v:.0f}%"
    return f"± {s}" if prefix else s


# ---------------------------------------------------------------------------
# Mann-Whitney U test


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (go-moremath semantics).

    Raises SampleSizeError if a sample is empty and SamplesEqualError if
    all values are equal.
    """
    return _mann_whitney_sorted(sorted(map(float, a)), sorted(map(float, b)))


def _mann_whitney_sorted(xs1: list[float], xs2: list[float]) -> float:
    """:func:`mann_whitney_u` of two :func:`sorted_sample`, with no Python loop per value.

    :func:`_pairs` counts U1 and the ties, and R1 = U1 + n1(n1+1)/2: integers, so R1 is the float
    go-moremath's per-group float sum gives (its partial sums are multiples of 1/2 below 2**52
    while N * (N + 1) < 2**53: N < 94 million values)."""
    n1, n2 = len(xs1), len(xs2)
    if n1 == 0 or n2 == 0:
        raise SampleSizeError()
    # A NaN sample (a benchmark can report one) ranks above every number, tied with the other
    # NaNs: NaN == NaN is false, and grouping ties by == would never get past it.
    f1, nan1 = _finite_sorted(xs1)
    f2, nan2 = _finite_sorted(xs2)
    m1, nnan = len(f1), nan1 + nan2
    nf = m1 + len(f2)
    cat = f1 + f2
    two_u1, cubes = _pairs(f1, f2, cat)
    # R1 = U1 + m1(m1+1)/2 over the numbers, U1 = below + half of the equal pairs; NaNs rank last
    two_r1 = two_u1 + m1 * (m1 + 1) + nan1 * (2 * nf + 1 + nnan)
    has_ties = cubes > nf or nnan > 1
    r1 = two_r1 / 2
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    umin = min(u1, u2)

    exact = ((not has_ties and n1 <= MANN_WHITNEY_EXACT_LIMIT and n2 <= MANN_WHITNEY_EXACT_LIMIT)
             or (has_ties and n1 <= MANN_WHITNEY_TIES_EXACT_LIMIT
                 and n2 <= MANN_WHITNEY_TIES_EXACT_LIMIT))
    if exact:
        ties = [len(list(g)) for _, g in groupby(sorted(cat))] + ([nnan] if nnan else [])
        if len(ties) == 1:
            raise SamplesEqualError()
        if u1 == u2:
            return 1.0
        if umin >= n1 * n2:
            return 2.0
        if has_ties:
            return _u_cdf_ties(n1, n2, ties, int(2 * umin)) * 2
        counts = _u_counts_no_ties(n1, n2)
        ui = int(math.floor(umin))
        return sum(counts[: ui + 1]) / comb(n1 + n2, n1) * 2

    cubes += nnan ** 3  # t: the sum of (size**3 - size) over the tie groups
    t = float(cubes - (n1 + n2))
    Nf = float(n1 + n2)
    mu = n1 * n2 / 2
    sigma = math.sqrt(n1 * n2 * ((Nf + 1) - t / (Nf * (Nf - 1))) / 12)
    if sigma == 0:
        raise SamplesEqualError()
    numer = u1 - mu
    numer -= _sign(numer) * 0.5
    z = numer / sigma
    cdf = math.erfc(-z / math.sqrt(2)) / 2
    return 2 * min(cdf, 1 - cdf)


# Minimum possible p-value of the U test with two samples of size n.
def _u_test_min_p(n: int) -> float:
    return 2 / comb(2 * n, n) if n > 0 else 1.0


def _u_test_samples(alpha: float) -> tuple[str, int]:
    for n in range(1, 10):
        if _u_test_min_p(n) <= alpha:
            return ">=", n
    return ">", 10


@dataclass(frozen=True)
class Comparison:
    delta_pct: float | None  # None: old centre is 0 ("?")
    p: float
    n_a: int
    n_b: int
    significant: bool
    warning: str | None = None
    alpha: float = 0.05
    center_a: float = math.nan
    center_b: float = math.nan
    p_raw: float | None = None  # the unadjusted p when ``p`` was Holm-adjusted


def _delta(old: float, new: float) -> float | None:
    if old == new:
        return 0.0
    if old == 0:
        return None
    return (new / old - 1.0) * 100.0


def compare(a: Sequence[float], b: Sequence[float], alpha: float = 0.05,
            assume: str = ASSUME_NOTHING, confidence: float = 0.95) -> Comparison:
    """Compare baseline ``a`` with ``b`` the way benchstat does."""
    return compare_sorted(sorted_sample(a), sorted_sample(b), alpha, assume, confidence)


def compare_sorted(xa: list[float], xb: list[float], alpha: float = 0.05,
                   assume: str = ASSUME_NOTHING, confidence: float = 0.95) -> Comparison:
    """:func:`compare` of two :func:`sorted_sample` (each sorted once for the centre and the test)."""
    ca = summarize_sorted(xa, confidence, assume).center
    cb = summarize_sorted(xb, confidence, assume).center
    na, nb = len(xa), len(xb)
    if assume == ASSUME_EXACT:
        # benchmath's AssumeExact: P=0 and alpha unset (0): always shown.
        return Comparison(_delta(ca, cb), 0.0, na, nb, True, None, 0.0, ca, cb)
    try:
        p = _mann_whitney_sorted(xa, xb)
    except ValueError as e:
        return Comparison(_delta(ca, cb), 1.0, na, nb, False, str(e), alpha, ca, cb)
    warning = None
    if p > alpha:
        op, need = _u_test_samples(alpha)
        if na < need and nb < need:
            warning = (f"need {op} {need} samples to detect a difference at "
                       f"alpha level {go_value(alpha)}")
    return Comparison(_delta(ca, cb), p, na, nb, not p > alpha, warning, alpha, ca, cb)


def format_delta(c: Comparison) -> str:
    """``"+3.61%"``, ``"-0.00%"``, ``"0.00%"``, ``"?"`` or ``"~"``."""
    if c.p > c.alpha:
        return "~"
    if c.delta_pct is None:
        return "?"
    if c.delta_pct == 0.0 and (c.center_a == c.center_b or math.isnan(c.center_a)):
        return "0.00%"
    return f"{c.delta_pct:+.2f}%"


def format_p(c: Comparison, parens: bool = True) -> str:
    """``"(p=0.008 n=5)"``, ``"(p=0.000 n=10+9)"`` or ``"(n=1)"`` (exact)."""
    s = f"p={c.p:.3f} " if c.p != 0 else ""
    s += f"n={c.n_a}" if c.n_a == c.n_b else f"n={c.n_a}+{c.n_b}"
    return f"({s})" if parens else s


# ---------------------------------------------------------------------------
# Geomean


def geomean(values: Iterable[float]) -> float | None:
    """Geometric mean (go-moremath running-mean-of-logs); None if any <= 0."""
    m = 0.0
    n = 0
    for i, x in enumerate(values):
        if not x > 0:
            return None
        m += (math.log(x) - m) / (i + 1)
        n += 1
    if n == 0:
        return None
    return go_exp(m)


@dataclass(frozen=True)
class ColumnSummary:
    geomean: float | None
    ratio: float | None  # geomean of per-row ratios (new/base); None if n/a
    warnings: tuple[str, ...] = field(default_factory=tuple)


def summarize_column(centers: Sequence[float | None],
                     baseline: Sequence[float | None] | None = None) -> ColumnSummary:
    """Geomean row for one column (benchtab ``summarizeCol``).

    ``centers[i]`` is this column's centre in row i (None: no cell);
    ``baseline[i]`` the first column's centre (None: no baseline cell).
    Pass ``baseline=None`` for the baseline column itself.
    """
    warnings: list[str] = []
    summaries: list[float] = []
    ratios: list[float] = []
    bad_ratio = False
    n_base = 0
    is_base = baseline is None
    if baseline is not None:
        n_base = sum(1 for v in baseline if v is not None)
    for i, c in enumerate(centers):
        if c is None:
            continue
        summaries.append(c)
        bv = baseline[i] if baseline is not None else None
        if bv is not None:
            if c == bv:
                ratios.append(1.0)
            elif bv == 0:
                bad_ratio = True
                ratios.append(0.0)
            else:
                ratios.append(c / bv)
    if not is_base and n_base != len(ratios):
        warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
    gm = geomean(summaries)
    if gm is None:
        warnings.append("summaries must be >0 to compute geomean")
    ratio = None
    if not is_base and not bad_ratio:
        ratio = geomean(ratios)
        if ratio is None:
            warnings.append("ratios must be >0 to compute geomean")
    return ColumnSummary(gm, ratio, tuple(warnings))


def format_ratio(ratio: float | None) -> str:
    """Geomean-row delta: ``"+2.47%"`` or ``"?"``."""
    if ratio is None:
        return "?"
    return f"{(ratio - 1) * 100:+.2f}%"


# ---------------------------------------------------------------------------
# Multiple comparisons (optional helper; benchstat does not apply it)


def holm_bonferroni(pvalues: Sequence[float], alpha: float = 0.05) -> list[bool]:
    """Holm-Bonferroni step-down: which hypotheses are rejected."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    rejected = [False] * m
    for rank, i in enumerate(order):
        if pvalues[i] <= alpha / (m - rank):
            rejected[i] = True
        else:
            break
    return rejected


def holm_adjust(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (as R's ``p.adjust(method="holm")``): reject where adjusted <= alpha.

    Equivalent to :func:`holm_bonferroni` at every alpha, but keeps a p-value to print.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def with_adjusted_p(c: Comparison, p: float) -> Comparison:
    """``c`` judged by an adjusted p-value (the raw one kept in ``p_raw``)."""
    from dataclasses import replace

    return replace(c, p=p, p_raw=c.p if c.p_raw is None else c.p_raw, significant=not p > c.alpha)
