"""The benchmark name as written (benchfmt keeps it: ``BenchmarkA-1`` is not ``BenchmarkA``)."""

from __future__ import annotations

from m3tui.bench.compare import display_name
from m3tui.bench.fmt import BenchResult, format_result, parse


def test_a_written_minus_one_is_kept_apart_from_no_suffix() -> None:
    """benchfmt's Name is the text after "Benchmark", suffix included (benchfmt.Reader.parseBenchmarkLine)."""
    rs = parse("BenchmarkA-1 \t10\t5 ns/op\nBenchmarkA \t10\t6 ns/op\nBenchmarkA-08 \t10\t7 ns/op\n").results
    assert [(r.name, r.procs, r.written) for r in rs] == [("A", 1, "A-1"), ("A", 1, "A"), ("A", 8, "A-08")]
    assert [display_name(r) for r in rs] == ["A-1", "A", "A-08"]
    assert [format_result(r).split("\t")[0] for r in rs] == ["BenchmarkA-1", "BenchmarkA", "BenchmarkA-08"]


def test_the_slow_path_keeps_it_too() -> None:
    """A result whose numbers come on a later line (interleaved output) goes through Parser._build."""
    rs = parse("BenchmarkB/n=1-1 \tsome log\n  10\t5 ns/op\n").results
    assert [(r.name, r.procs, r.written) for r in rs] == [("B/n=1", 1, "B/n=1-1")]


def test_a_result_not_parsed_from_text_is_named_from_name_and_procs() -> None:
    assert display_name(BenchResult("C", 4, 1, {"ns/op": 1.0})) == "C-4"
    assert display_name(BenchResult("C", 1, 1, {"ns/op": 1.0})) == "C"
    assert BenchResult("C", 4, 1, {}) == BenchResult("C", 4, 1, {}, written="C-4")
