"""`m3tui bench compare` against the real benchstat on generated inputs and arguments
(tests/data/benchstat-fuzz: projections, orders, filters, CSV), byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.testdata import DATA

FUZZ = DATA / "benchstat-fuzz"
M3TUI = [sys.executable, "-m", "m3tui", "bench", "compare"]

MEDIAN = ("bench/stats.median: benchstat's median is go-moremath's Sample.Quantile(0.5), R8 interpolation "
          "(x[k-1] + frac*(x[k]-x[k-1])), not (a+b)/2: the last bit differs (56.12n, not 56.13n)")  # fmt: skip
#: Differences left, all in bench/stats.py (another piece of issue 13): strict, so each turns into a failure once fixed.
NOT_YET = {
    "s20020": MEDIAN, "s20061": MEDIAN, "s20079": MEDIAN, "s20081": MEDIAN,
    "mwTies": "bench/stats Mann-Whitney U: 1 vs 2 tied values gives p=1.333 in go-moremath (~), 0 here (-90.00%)",
    "ci24": "bench/stats.quantile_ci for 21..30 values: go-moremath's Choose is exp(Lgamma…) there, which moves "
            "the interval's left/right choice (n=24: lo order 8, here 7: ± ?, not ± 0%)",
}  # fmt: skip


def cases() -> list[tuple[str, list[str]]]:
    return [(name, args.split()) for name, args in (line.split("\t") for line in (FUZZ / "cases.tsv").read_text().splitlines())]


@pytest.mark.parametrize("name,args", [pytest.param(n, a, id=n, marks=[pytest.mark.xfail(reason=NOT_YET[n], strict=True)] if n in NOT_YET else [])
                                       for n, a in cases()])  # fmt: skip
def test_generated_case_matches_benchstat(name: str, args: list[str]) -> None:
    done = subprocess.run([*M3TUI, *args], capture_output=True, cwd=FUZZ, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == (FUZZ / f"{name}.stdout").read_text()
    stderr = FUZZ / f"{name}.stderr"
    if stderr.exists():  # CSV warnings, with their cells
        got = [line for line in done.stderr.decode().splitlines() if not line.startswith("m3tui bench compare: ")]
        assert got == stderr.read_text().splitlines()
