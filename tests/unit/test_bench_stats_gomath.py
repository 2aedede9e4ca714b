"""bench/stats against go-moremath's own arithmetic, where benchstat's numbers depend on it bit for bit.

* the median is ``Sample.Quantile(0.5)`` (R8 interpolation), not (a+b)/2;
* ``QuantileCI`` for 21..30 values weighs its binomial with ``mathx.Choose`` = exp(Lgamma…);
* the exact Mann-Whitney U distribution with ties is ``makeUmemo``'s, float sums and integer
  truncation included: tests/data/moremath-udist-ties.tsv holds 400 tie vectors with the CDF the
  real Go computed from go-moremath's source (its header says how).
"""

from __future__ import annotations

import math

import pytest

from m3tui.bench import stats as bs
from m3tui.bench.goexp import go_choose, u_cdf_ties
from tests.testdata import DATA


@pytest.mark.parametrize("xs,want", [
    ([12.25, 100.0], 56.125),
    ([30.7, 191.8], 111.25000000000001),  # (a+b)/2 = 111.25
    ([45.93, 197.96], 121.945),  # (a+b)/2 = 121.94500000000001
    ([2.27, 8.984, 16.206, 82.0, 103.342, 149.61], 49.102999999999994),
    ([10.952, 32.687, 163.0, 195.0], 97.84349999999999),
    ([1.0, 2.0, 3.0], 2.0), ([5.0], 5.0), ([1.0, 2.0, 3.0, 4.0, 5.0], 3.0),
])  # fmt: skip
def test_median_is_moremaths_r8_quantile(xs: list[float], want: float) -> None:
    assert bs.median(xs) == want
    assert math.isnan(bs.median([]))


def test_quantile_ci_for_24_values_uses_moremaths_choose() -> None:
    """n = 24: with exact binomials the interval grows left first (orders 7..17); Choose via
    exp(Lgamma) makes the right side weigh more, so 8..18 (benchstat: ± 0% on the fuzz case ci24)."""
    ci = bs.quantile_ci(24)
    assert (ci.lo_order, ci.hi_order) == (8, 18)
    assert go_choose(24, 12) == 2704155.999999968 and go_choose(20, 10) == 184756.0


def test_mann_whitney_one_against_two_tied_is_moremaths_p() -> None:
    """[1000] vs [100, 100]: go-moremath's r2High truncates -1/3 to 0, so P(U <= 0) = 2/3 and p = 4/3."""
    assert bs.mann_whitney_u([1000.0], [100.0, 100.0]) == 4 / 3
    c = bs.compare([1000.0], [100.0, 100.0])
    assert (bs.format_delta(c), bs.format_p(c)) == ("~", "(p=1.333 n=1+2)")


def test_u_cdf_with_ties_is_moremaths_bit_for_bit() -> None:
    rows = [line.split("\t") for line in (DATA / "moremath-udist-ties.tsv").read_text().splitlines() if not line.startswith("#")]
    assert len(rows) == 400
    for args, want in rows:
        n1, n2, u, *ties = args.split()
        assert u_cdf_ties(int(n1), int(n2), [int(t) for t in ties], int(2 * float(u))) == float(want), args
