"""A capture has one name wherever it was made and shown: kind, benchmark, -cpu, time."""

from __future__ import annotations

from pathlib import Path

from m3tui.bench.fmt import BenchResult
from m3tui.profiles.capture import KINDS, Capture, CaptureSpec
from m3tui.profiles.naming import KIND_CHOICES, capture_name, profile_file_name


def cap(procs: int, bench: str = "^BenchmarkSum$", results: tuple[str, ...] = ("Sum",), created: str = "2026-12-05T10:41:07+00:00") -> Capture:
    spec = CaptureSpec(Path("/src/shop"), bench, "cpu", procs=procs)
    res = [BenchResult(name, procs, 1000, {"ns/op": 12.0}) for name in results]
    return Capture(Path("/state/profiles/x/cpu.pprof"), Path("/state/profiles/x/pkg.test"), "cpu", spec, res, created, "x")


def test_two_captures_at_gomaxprocs_1_and_2_have_different_names() -> None:
    one, two = capture_name(cap(1)), capture_name(cap(2))
    assert one != two
    assert one.startswith("cpu Sum -cpu 1 ") and two.startswith("cpu Sum -cpu 2 ")
    assert one.endswith(":41:07") and "12-05 " in one  # local time, to the second


def test_the_name_is_the_benchmark_that_ran_not_the_regexp_typed() -> None:
    """The pane's form (`Sum`), the Bench pane's `p` (`^BenchmarkSum$`) and the CLI name it alike."""
    assert capture_name(cap(1, bench="Sum")) == capture_name(cap(1, bench="^BenchmarkSum$"))
    assert capture_name(cap(1, bench="S", results=("Sum", "Sizes/n=1"))).startswith("cpu Sum +1 -cpu 1 ")
    assert capture_name(cap(1, bench="Nope", results=())).startswith("cpu Nope -cpu 1 ")


def test_the_file_name_says_kind_benchmark_and_cpu() -> None:
    spec = CaptureSpec(Path("/src"), "^BenchmarkSizes$", "mem", procs=4)
    assert profile_file_name("mem", ["Sizes/n=1", "Sizes/n=2"], spec) == "mem-Sizes_n=1+1-cpu4.pprof"
    assert profile_file_name("cpu", [], CaptureSpec(Path("/src"), "^Benchmark(A|B)$", "cpu")) == "cpu-Benchmark_A_B-cpu1.pprof"
    assert "/" not in profile_file_name("cpu", ["../../etc"], spec)


def test_an_opened_file_is_named_by_its_file_and_hostile_names_are_escaped() -> None:
    opened = Capture(Path("/tmp/cpu\x1b[2J.pb.gz"), None, "cpu", None, [], "2026-12-05T10:41:07+00:00", "external", external=True)
    assert capture_name(opened) == "cpu\\x1b[2J.pb.gz"
    assert "\x1b" not in capture_name(cap(1, results=("Evil\x1b[2J",)))


def test_the_form_offers_exactly_the_kinds_capture_makes() -> None:
    assert tuple(kind for _label, kind in KIND_CHOICES) == KINDS
