"""The tuner's report when a rate recorded nothing: "no samples" and what to do, never `fidelity 0.000`."""

from __future__ import annotations

from m3tui.profiles.tune import TunePoint, TuneResult, render_tune, tune_json
from m3tui.tui.panes.profile_text import tune_text


def result(points: list[TunePoint], reference_rate: int = 1) -> TuneResult:
    return TuneResult(kind="block", rates=[p.rate for p in points], baseline_ns_op=[100.0, 101.0], points=points,
                      reference_rate=reference_rate, recommendation=None, flags="", noinline_delta=None,
                      bench="^BenchmarkSum$", benchmarks=("Sum",), rounds=3, sample_type="delay")  # fmt: skip


def test_a_rate_without_samples_says_so_and_what_to_do() -> None:
    res = result([TunePoint(1, [102.0], 2.0, 1.0, [("main.wait", 1.0)], recorded=5e6),
                  TunePoint(1000000, [100.0], 0.0, None, [], recorded=0.0)])  # fmt: skip
    lines = render_tune(res)
    row = next(ln for ln in lines if ln.startswith("1000000 "))
    assert "no samples" in row and "0.000" not in row
    hint = " ".join(lines)
    assert "-benchtime" in hint and "-blockprofilerate" in hint, lines
    text = str(tune_text(res))
    assert "0.000" not in text and "0.00" not in text.split("1000000", 1)[1].splitlines()[0], text
    assert tune_json(res)["points"][1]["recorded"] == 0.0


def test_nothing_recorded_at_any_rate_is_one_clear_line() -> None:
    res = result([TunePoint(1, [102.0], 2.0, None, [], recorded=0.0),
                  TunePoint(1000, [100.0], 0.0, None, [], recorded=0.0)])  # fmt: skip
    lines = render_tune(res)
    assert not any("0.000" in ln for ln in lines)
    assert any(ln.startswith("no samples at any rate:") and "-benchtime" in ln for ln in lines), lines


def test_points_made_before_the_count_existed_still_render() -> None:
    res = result([TunePoint(1, [102.0], 2.0, 1.0, [("main.wait", 1.0)])])
    assert "1.000" in next(ln for ln in render_tune(res) if ln.startswith("1 "))
