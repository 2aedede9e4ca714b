"""Tests for m3tui.bench.fmt: the Go benchmark data format parser."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from m3tui.bench.fmt import BenchResult, Parser, format_result, parse, parse_lines, split_procs

from tests.testdata import BENCHSTAT

ORACLES = BENCHSTAT


# -- basic format ----------------------------------------------------------------------------


def test_config_and_results():
    text = (
        "goos: darwin\n"
        "goarch: arm64\n"
        "pkg: example.com/x\n"
        "cpu: Apple M3 Pro\n"
        "BenchmarkEncode/size=1k-8   \t 1000000\t      1234 ns/op\t  830.1 MB/s\t  64 B/op\t  2 allocs/op\n"
        "BenchmarkDecode \t 500\t 1.5e+03 ns/op\n"
        "PASS\n"
        "ok  \texample.com/x\t1.23s\n"
    )
    res = parse(text)
    assert res.unparsed == []
    assert len(res.results) == 2
    a, b = res.results
    assert a.name == "Encode/size=1k"
    assert a.base_name == "Encode"
    assert a.sub == ("size=1k",)
    assert a.sub_keys() == {"size": "1k"}
    assert a.procs == 8
    assert a.iters == 1000000
    assert a.values == {"ns/op": 1234.0, "MB/s": 830.1, "B/op": 64.0, "allocs/op": 2.0}
    assert list(a.values) == ["ns/op", "MB/s", "B/op", "allocs/op"]
    assert dict(a.config) == {
        "goos": "darwin",
        "goarch": "arm64",
        "pkg": "example.com/x",
        "cpu": "Apple M3 Pro",
    }
    assert a.line == 5
    assert b.name == "Decode" and b.procs == 1 and b.values == {"ns/op": 1500.0}
    assert b.sub == ()
    assert res.other_lines == 2  # PASS, ok


def test_config_applies_to_following_results_only():
    text = (
        "BenchmarkA 1 1 ns/op\n"
        "note: before\n"
        "BenchmarkA 1 2 ns/op\n"
        "note: after\n"
        "pkg: p\n"
        "BenchmarkA 1 3 ns/op\n"
        "note:\n"  # empty value removes the key
        "BenchmarkA 1 4 ns/op\n"
    )
    res = parse(text)
    configs = [dict(r.config) for r in res.results]
    assert configs == [{}, {"note": "before"}, {"note": "after", "pkg": "p"}, {"pkg": "p"}]
    # results under the same config share one mapping
    assert len(res.configs) == 4


def test_config_line_rules():
    text = (
        "Unit text-bytes assume=exact\n"  # uppercase first letter: not config
        "# a comment: not config\n"
        "badKey: x\n"  # uppercase in key
        "bad key: x\n"  # space in key
        "url:http://x\n"  # no space after colon
        "panic: test timed out after 10m0s\n"  # go test chatter, not config
        "fatal error: all goroutines are asleep - deadlock!\n"
        "good-key_1.x: some value with spaces  \n"
        "BenchmarkA 1 1 ns/op\n"
    )
    res = parse(text)
    assert dict(res.results[0].config) == {"good-key_1.x": "some value with spaces"}
    assert res.other_lines == 7
    assert res.unparsed == []


def test_name_rules_and_procs():
    assert split_procs("Foo-8") == ("Foo", 8)
    assert split_procs("Foo") == ("Foo", 1)
    assert split_procs("Foo/a-b") == ("Foo/a-b", 1)
    assert split_procs("Foo/n=10-16") == ("Foo/n=10", 16)
    assert split_procs("Foo#01-4") == ("Foo#01", 4)
    assert split_procs("-4") == ("-4", 1)
    # "Benchmarking" (lowercase after the prefix) is not a benchmark line
    res = parse("Benchmarking is fun 1 2 ns/op\nBenchmark_x 1 2 ns/op\nBenchmark 3 4 ns/op\n")
    assert [r.name for r in res.results] == ["_x", ""]
    assert res.other_lines == 1


def test_custom_units_and_numbers():
    res = parse("BenchmarkX-2 10 3.000 widgets/op 1e-05 s/op NaN foo -2.5 delta 7 B/op\n")
    (r,) = res.results
    assert r.values["widgets/op"] == 3.0
    assert r.values["s/op"] == 1e-05
    assert r.values["foo"] != r.values["foo"]  # NaN
    assert r.values["delta"] == -2.5
    assert r.values["B/op"] == 7


# -- robustness ------------------------------------------------------------------------------


def test_unparsed_lines_are_reported():
    text = (
        "BenchmarkOdd 10 5 ns/op 7\n"
        "BenchmarkNaN 10 fast ns/op\n"
        "BenchmarkNoValues 10\n"
        "BenchmarkGood 10 5 ns/op\n"
        "BenchmarkIters abc 5 ns/op\n"
    )
    res = parse(text)
    assert [r.name for r in res.results] == ["Good"]
    assert [(n, why.split(" ")[0]) for n, _line, why in res.unparsed] == [
        (1, "missing"),
        (2, "value"),
        (3, "no"),
        (5, "iteration"),
    ]
    assert res.unparsed[0][1] == "BenchmarkOdd 10 5 ns/op 7"
    assert "'fast'" in res.unparsed[1][2]


def test_go_test_noise_panics_and_timeouts():
    text = (
        "goos: linux\n"
        "BenchmarkA-4   \t     100\t  10 ns/op\n"
        "--- FAIL: BenchmarkB-4\n"
        "    b_test.go:12: boom\n"
        "BenchmarkC-4   \t--- SKIP: BenchmarkC\n"
        "BenchmarkD-4   \tpanic: something bad [recovered]\n"
        "\tpanic: something bad\n"
        "\n"
        "goroutine 7 [running]:\n"
        "testing.(*B).runN(0xc000)\n"
        "\t/usr/local/go/src/testing/benchmark.go:193 +0x1d\n"
        "exit status 2\n"
        "FAIL\texample.com/a\t0.5s\n"
        "BenchmarkE-4   \t"  # killed by the timeout: numbers never printed
        "\n"
        "panic: test timed out after 1s\n"
        "running tests:\n"
        "\tBenchmarkE (1s)\n"
        "FAIL\n"
        "ok  \texample.com/b\t1.23s\n"
        "PASS\n"
    )
    res = parse(text)
    assert [(r.name, r.procs) for r in res.results] == [("A", 4)]
    assert res.unparsed == []
    assert dict(res.results[0].config) == {"goos": "linux"}
    assert "panic" not in res.results[0].config


def test_split_result_line_with_interleaved_log():
    text = (
        "pkg: p\n"
        "BenchmarkX-8   \t\n"
        "hello from the benchmark\n"
        "2024/01/02 03:04:05 a log line\n"
        "     100\t  123 ns/op\t 8 B/op\n"
        "BenchmarkY-8   \tprinted without newline\n"
        "  12345678\t 4.5 ns/op\n"
        "BenchmarkZ-8   \t\n"
        "123456789\t 6 ns/op\n"
    )
    res = parse(text)
    assert res.unparsed == []
    assert [(r.name, r.procs, r.iters, r.line) for r in res.results] == [
        ("X", 8, 100, 2),
        ("Y", 8, 12345678, 6),
        ("Z", 8, 123456789, 8),
    ]
    assert res.results[0].values == {"ns/op": 123.0, "B/op": 8.0}
    assert dict(res.results[0].config) == {"pkg": "p"}


def test_split_by_real_chatty_benchmark_output():
    # What go test really prints for a benchmark that writes to stdout (see gobench Chatty).
    text = (
        "chatty: starting 1\n"
        "goos: linux\n"
        "pkg: example.com/gobench\n"
        "BenchmarkChatty     \tchatty: starting 100\n"
        "     100\t       285.9 ns/op\t      10 B/op\t       0 allocs/op\n"
        "--- BENCH: BenchmarkChatty\n"
        "    chatty_test.go:10: a b.Log line\n"
        "BenchmarkChatty-2   \tchatty: starting 1\n"
        "chatty: starting 100\n"  # looks like a config line, but is the benchmark's output
        "     100\t       200.3 ns/op\t      10 B/op\t       0 allocs/op\n"
        "PASS\n"
        "ok  \texample.com/gobench\t0.010s\n"
        "goos: darwin\n"  # the next package's config applies again
        "BenchmarkNext-2 1 1 ns/op\n"
    )
    res = parse(text)
    assert res.unparsed == []
    assert [(r.name, r.procs, r.values["ns/op"], r.line) for r in res.results] == [
        ("Chatty", 1, 285.9, 4),
        ("Chatty", 2, 200.3, 8),
        ("Next", 2, 1.0, 14),
    ]
    assert res.results[1].config["goos"] == "linux"
    assert res.results[1].config["chatty"] == "starting 1"  # before the header: config, as in Go
    assert res.results[2].config["goos"] == "darwin"


def test_pending_name_abandoned_at_end_of_run():
    text = "BenchmarkA-2 \tlog\nFAIL\texample.com/a\t1s\ngoos: plan9\nBenchmarkB 1 1 ns/op\n"
    res = parse(text)
    assert [u[0] for u in res.unparsed] == [1]
    assert res.results[0].config["goos"] == "plan9"


def test_numbers_without_a_pending_name_are_ignored():
    res = parse("     100\t  123 ns/op\nBenchmarkA 1 1 ns/op\n     100\t  123 ns/op\n")
    assert len(res.results) == 1
    assert res.other_lines == 2


def test_name_with_log_that_never_completes_is_reported():
    res = parse("BenchmarkX-8   \tsome log\nBenchmarkY 1 1 ns/op\n")
    assert [r.name for r in res.results] == ["Y"]
    assert [u[0] for u in res.unparsed] == [1]


def test_crlf():
    text = "goos: windows\r\nBenchmarkA-2\t10\t5 ns/op\t3 B/op\r\nPASS\r\n"
    res = parse(text)
    (r,) = res.results
    assert r.values == {"ns/op": 5.0, "B/op": 3.0}
    assert r.config["goos"] == "windows"
    assert res.unparsed == []


def _ev(action: str, output: str | None = None, **extra) -> str:
    ev = {"Time": "2026-01-01T00:00:00Z", "Action": action, "Package": "example.com/p", **extra}
    if output is not None:
        ev["Output"] = output
    return json.dumps(ev)


def test_go_test_json_wrapping():
    lines = [
        json.dumps({"ImportPath": "example.com/p", "Action": "build-output", "Output": "# p\n"}),
        json.dumps({"ImportPath": "example.com/p", "Action": "build-fail"}),
        _ev("start"),
        _ev("output", "goos: linux\n"),
        _ev("output", "pkg: example.com/p\n"),
        _ev("run", Test="BenchmarkA"),
        _ev("output", "=== RUN   BenchmarkA\n", Test="BenchmarkA", OutputType="frame"),
        _ev("output", "BenchmarkA\n", Test="BenchmarkA"),
        _ev("output", "BenchmarkA      \t     100\t  10 ns/op\n", Test="BenchmarkA"),
        _ev("output", "BenchmarkA-2    \t"),
        _ev("output", "log in between\n"),
        _ev("output", "     100\t  11 ns/op\n"),
        _ev("output", "BenchmarkB-2    \t"),
        _ev("output", "     100\t  12 ns/op"),
        _ev("output", "\t3 B/op\n"),
        _ev("output", "PASS\n", OutputType="frame"),
        _ev("output", "ok  \texample.com/p\t0.1s\n"),
        _ev("pass", Elapsed=0.1),
    ]
    res = parse_lines(lines)
    assert res.unparsed == []
    got = [(r.name, r.procs, r.values, r.line) for r in res.results]
    assert got == [
        ("A", 1, {"ns/op": 10.0}, 9),
        ("A", 2, {"ns/op": 11.0}, 10),
        ("B", 2, {"ns/op": 12.0, "B/op": 3.0}, 13),
    ]
    assert dict(res.results[0].config) == {"goos": "linux", "pkg": "example.com/p"}
    # CRLF-terminated JSON lines too
    res2 = parse("\r\n".join(lines) + "\r\n")
    assert [(r.name, r.procs, r.values) for r in res2.results] == [g[:3] for g in got]


def test_json_trailing_fragment_flushed_at_finish():
    res = parse_lines([_ev("output", "BenchmarkA 1 2 ns/op")])
    assert [r.name for r in res.results] == ["A"]


def test_non_event_json_is_text():
    res = parse('{"level":"info","msg":"x"}\n{not json\nBenchmarkA 1 2 ns/op\n')
    assert len(res.results) == 1
    assert res.other_lines == 2


def test_incremental_parser_streaming():
    p = Parser()
    assert p.feed("goos: linux\n") == []
    assert p.feed("BenchmarkA-4 \t") == []  # name only: pending
    assert p.feed("log\n") == []
    (r,) = p.feed("  10\t5 ns/op\n")
    assert (r.name, r.procs, r.iters) == ("A", 4, 10)
    (r2,) = p.feed("BenchmarkB 1 1 ns/op")
    assert r2.name == "B"
    # feed_text with arbitrary chunk boundaries
    out = []
    for chunk in ["Bench", "markC-2 10 3", " ns/op\nBenchmarkD 1", " 1 ns/op"]:
        out += p.feed_text(chunk)
    out += p.finish()
    assert [r.name for r in out] == ["C", "D"]
    res = p.result()
    assert [r.name for r in res.results] == ["A", "B", "C", "D"]
    assert res.unparsed == []


# -- round trip ------------------------------------------------------------------------------


def test_format_result_round_trip():
    rs = [
        BenchResult("Encode/size=1k", 8, 1000, {"ns/op": 1234.5, "MB/s": 830.12, "B/op": 64.0}),
        BenchResult("Plain", 1, 3, {"ns/op": 1e-9, "widgets/op": 3.0, "x": 1.5e20}),
        BenchResult("Neg/a-b", 2, 1, {"delta": -0.1}),
    ]
    lines = [format_result(r) for r in rs]
    assert lines[0] == "BenchmarkEncode/size=1k-8\t1000\t1234.5 ns/op\t830.12 MB/s\t64 B/op"
    assert lines[1].startswith("BenchmarkPlain\t3\t")
    back = parse("\n".join(lines)).results
    assert back == rs
    # and a real file survives parse -> format -> parse
    orig = parse((ORACLES / "crc-new.txt").read_text())
    again = parse("\n".join(format_result(r) for r in orig.results))
    assert again.results == orig.results


# -- oracle inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(ORACLES.glob("*.txt")), ids=lambda p: p.name)
def test_oracle_inputs_parse_cleanly(path: Path):
    text = path.read_text()
    res = parse(text)
    assert res.unparsed == []
    grep_count = sum(1 for line in text.splitlines() if line.startswith("Benchmark"))
    assert grep_count > 0
    assert len(res.results) == grep_count
    if path.name.startswith("crc-"):
        assert res.results[0].config["pkg"] == "hash/crc32"
        assert res.results[0].procs == 8
        assert res.results[0].sub_keys() == {"poly": "IEEE", "size": "15", "align": "0"}
    if path.name == "issue19565.txt":
        notes = {r.config.get("note") for r in res.results}
        assert notes == {"before", "after"}


# -- speed -----------------------------------------------------------------------------------


def test_parse_rate():
    rng = random.Random(1)
    lines = ["goos: darwin", "goarch: arm64", "pkg: example.com/x", "cpu: Apple M3 Pro"]
    n = 200_000
    for i in range(n):
        lines.append(
            f"BenchmarkEncode/size={i % 50}-8   \t {rng.randint(1, 10**7):8d}\t"
            f"{rng.random() * 1000:12.2f} ns/op\t{rng.random() * 900:8.2f} MB/s\t"
            f"{i % 1000:8d} B/op\t{i % 7:8d} allocs/op"
        )
    text = "\n".join(lines) + "\n"
    t0 = time.perf_counter()
    res = parse(text)
    dt = time.perf_counter() - t0
    rate = n / dt
    print(f"\nbenchfmt parse rate: {rate:,.0f} result lines/s ({n} lines in {dt:.3f}s)")
    assert len(res.results) == n
    assert res.unparsed == []
    assert rate > 50_000


# -- fast path ≡ slow path -------------------------------------------------------------------

_SHAPES = [
    "BenchmarkA-8 \t 10\t5 ns/op",
    "BenchmarkA/x=1 10 5 ns/op 3 MB/s",
    "BenchmarkB-2 7 1.5 ns/op 64 B/op 2 allocs/op",
    "BenchmarkC 3 1e3 ns/op 0 B/op 0 allocs/op 2.5 widgets/op",
    "BenchmarkD-16 1 1 ns/op 2 B/op 3 allocs/op 4 w/op 5 MB/s",
    "BenchmarkE 2 1 a 2 b 3 a",  # a repeated unit: the last value wins, first position kept
    "BenchmarkF 2 1 a 2 b 3 a 4 b",
    "BenchmarkG 2 nan x -inf y 1_0 z",
]


def _snap(results):
    return [(r.name, r.procs, r.iters, repr(r.values), list(r.values), r.line) for r in results]


@pytest.mark.parametrize("eol", ["", "\n", "\r\n"])
def test_fast_path_matches_slow_path(eol):
    """Complete result lines (fast path) give what the general rules give for the same line.

    A pending name forces every following line through the general rules, so feeding the
    same lines after a bare name must give the same results (one line later each)."""
    fast = parse_lines([s + eol for s in _SHAPES]).results
    slow = parse_lines(["BenchmarkPending"] + [s + eol for s in _SHAPES])
    assert [(n, why) for n, _l, why in slow.unparsed] == []
    assert slow.other_lines == 1  # the abandoned bare name
    assert _snap(fast) == [(*t[:5], t[5] - 1) for t in _snap(slow.results)]
    assert fast[5].values == {"a": 3.0, "b": 2.0} and list(fast[5].values) == ["a", "b"]
    assert fast[0].config is fast[-1].config


def test_non_ascii_digits_in_iteration_count_do_not_crash():
    # "²".isdigit() is true but int() rejects it: reported, not an exception.
    res = parse("BenchmarkA 1\u00b2 5 ns/op\nBenchmarkB 1 5 ns/op\n")
    assert [r.name for r in res.results] == ["B"]
    assert [(n, line) for n, line, _why in res.unparsed] == [(1, "BenchmarkA 1\u00b2 5 ns/op")]
    # Unicode decimal digits are accepted by int(), as before.
    (r,) = parse("BenchmarkA \u0663 5 ns/op\n").results
    assert r.iters == 3


def test_feed_variants_return_what_they_complete():
    text = (
        "goos: linux\nBenchmarkA 1 2 ns/op\nBenchmarkB-4\nlog\n  3 4 ns/op\n"
        "BenchmarkC 5 6 ns/op\n"
    )
    p = Parser()
    got = []
    for i in range(0, len(text), 7):
        got += p.feed_text(text[i : i + 7])
    got += p.finish()
    assert got == p.results == parse(text).results
    assert [(r.name, r.procs, r.line, r.config["goos"]) for r in got] == [
        ("A", 1, 2, "linux"), ("B", 4, 3, "linux"), ("C", 1, 6, "linux")
    ]
    q = Parser()
    assert q.feed_many(iter(text.splitlines())) == 3  # a generator works too
    assert q.results == got


def test_gc_state_is_restored():
    import gc

    assert gc.isenabled()
    parse("BenchmarkA 1 2 ns/op\n")
    Parser().feed_text("BenchmarkA 1 2 ns/op\n")
    assert gc.isenabled()
    gc.disable()
    try:
        parse("BenchmarkA 1 2 ns/op\n")
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()

    def boom():
        yield "BenchmarkA 1 2 ns/op"
        raise RuntimeError("stream broke")

    p = Parser()
    with pytest.raises(RuntimeError):
        p.feed_many(boom())  # a generator: parsed with the collector left alone
    assert gc.isenabled()
    assert len(p.results) == 1 and p._lineno == 1

    class Boom(list):
        def __iter__(self):
            yield "BenchmarkA 1 2 ns/op"
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        Parser().feed_many(Boom())  # a list: parsed with the collector paused
    assert gc.isenabled()
