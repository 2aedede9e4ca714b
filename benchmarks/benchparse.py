"""Benchmark-format parsing speed: result lines per second (target >= 200,000/s).

Generates a realistic run (config header, -cpu sweep, sub-benchmarks, -benchmem units, a
custom metric, noise lines) and times `benchfmt.parse` and the streaming `Parser` on it.
For scale, `wc -l` on the same file is timed in the same run. Each figure is the median of
--repeat runs; the garbage collector stays on (it is part of the real cost), but each timed run
starts from a collected heap, so one run is not charged for scanning the previous run's results.
Exits 1 when either rate is below the target.

``--compare``: `m3tui bench compare old.txt new.txt` (run in this process, output discarded) on
two generated files of --lines/2 result lines each (default 100,000 in all), against parsing the
same two files alone (read and `parse`, as compare reads them): compare time / parse time,
target <= 1.5x (statistics, grouping and layout add at most half again). Exits 1 above it.

    python benchmarks/benchparse.py [--lines 500000] [--repeat 3]
    python benchmarks/benchparse.py --compare [--lines 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from m3tui.bench.fmt import Parser, parse

TARGET = 200_000
COMPARE_TARGET = 1.5


def generate(n: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out = ["goos: darwin", "goarch: arm64", "pkg: example.com/shop/cart", "cpu: Apple M3 Pro"]
    names = [f"Checkout/items={k}" for k in (1, 10, 100)] + ["Encode", "Decode/json", "Hash/sha256"]
    for i in range(n):
        name = names[i % len(names)]
        procs = (1, 2, 4, 5, 8, 11)[i % 6]
        suffix = "" if procs == 1 else f"-{procs}"
        ns = rnd.uniform(100, 100000)
        out.append(f"Benchmark{name}{suffix}  \t{rnd.randint(1000, 10_000_000)}\t{ns:.1f} ns/op\t"
                   f"{rnd.randint(0, 4096)} B/op\t{rnd.randint(0, 40)} allocs/op\t{rnd.uniform(0, 9):.3f} widgets/op")  # fmt: skip
        if i % 1000 == 999:
            out.append("PASS")
    out.append("ok  \texample.com/shop/cart\t12.345s")
    return "\n".join(out) + "\n"


def compare_ratio(lines: int, repeat: int) -> int:
    """`bench compare` on two files of lines/2 results each, against parsing them alone."""
    import contextlib
    import io

    from m3tui.cli.bench_compare import compare
    from m3tui.cli.parser import build_parser

    tmp = Path(tempfile.mkdtemp())
    old, new = tmp / "old.txt", tmp / "new.txt"
    old.write_text(generate(lines // 2, seed=1))
    new.write_text(generate(lines - lines // 2, seed=2))
    args = build_parser().parse_args(["bench", "compare", str(old), str(new)])
    parse_times, compare_times = [], []
    out = ""
    for _ in range(repeat):  # interleaved, so a busy moment falls on both sides
        gc.collect()
        start = time.perf_counter()
        n = sum(len(parse(p.read_bytes().decode("utf-8", errors="replace")).results) for p in (old, new))
        parse_times.append(time.perf_counter() - start)
        assert n == lines
        gc.collect()
        buf = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(buf):
            assert compare(args) == 0
        compare_times.append(time.perf_counter() - start)
        out = buf.getvalue()
    for p in (old, new):
        p.unlink()
    tmp.rmdir()
    assert "geomean" in out and "vs base" in out, out[:500]
    tp, tc = statistics.median(parse_times), statistics.median(compare_times)
    # Each round's ratio (its two timings are seconds apart): a busy machine moves both alike.
    ratio = statistics.median(c / p for p, c in zip(parse_times, compare_times))
    verdict = "OK" if ratio <= COMPARE_TARGET else "MISSED"
    print(f"{lines:,} result lines in two files, median of {repeat} rounds, target <= {COMPARE_TARGET}x")
    print(f"{'parse alone':<34} {tp:8.3f} s")
    print(f"{'bench compare':<34} {tc:8.3f} s  {ratio:5.2f}x parse (median of the rounds' ratios)  {verdict}")
    print(f"{'(fastest of each)':<34} {min(compare_times) / min(parse_times):8.2f}x")
    return 0 if ratio <= COMPARE_TARGET else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=None, help="default 500,000; 100,000 with --compare")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure (median; default 3, 5 with --compare)")
    parser.add_argument("--compare", action="store_true", help="bench compare time / parse time instead (target <= 1.5x)")
    args = parser.parse_args()
    if args.compare:
        return compare_ratio(args.lines or 100_000, args.repeat or 5)
    args.lines = args.lines or 500_000
    args.repeat = args.repeat or 3
    text = generate(args.lines)
    path = Path(tempfile.mkstemp(suffix=".txt")[1])
    path.write_text(text)
    whole, stream, wc = [], [], []
    for _ in range(args.repeat):
        gc.collect()
        start = time.perf_counter()
        result = parse(text)
        whole.append(time.perf_counter() - start)
        assert len(result.results) == args.lines and not result.unparsed
        del result
        gc.collect()
        start = time.perf_counter()
        p = Parser()
        for i in range(0, len(text), 1 << 16):
            p.feed_text(text[i : i + (1 << 16)])
        p.finish()
        stream.append(time.perf_counter() - start)
        assert len(p.results) == args.lines and not p.unparsed
        del p
        start = time.perf_counter()
        subprocess.run(["wc", "-l", str(path)], capture_output=True, check=True)
        wc.append(time.perf_counter() - start)
    path.unlink()
    ok = True
    print(f"{args.lines:,} result lines, median of {args.repeat} runs, "
          f"target >= {TARGET:,} lines/s")
    for name, times in (("parse(text)", whole), ("Parser.feed_text (64 KiB chunks)", stream)):
        rate = args.lines / statistics.median(times)
        verdict = "OK" if rate >= TARGET else "MISSED"
        ok &= rate >= TARGET
        print(f"{name:<34} {rate:>10,.0f} lines/s  {rate / TARGET:5.2f}x target  {verdict}")
    print(f"{'wc -l (for scale)':<34} {args.lines / statistics.median(wc):>10,.0f} lines/s")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
