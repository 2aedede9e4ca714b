"""Measurement overhead of `m3tui bench`: ns/op through m3tui within 2% of plain `go test`.

A CPU-bound benchmark (tests/data/gobench's BenchmarkSum, copied to a temporary directory) is run
three ways, in interleaved rounds whose order rotates every round, so that all three see the
same background load and the same CPU frequency drift:

* plain: `go test -run '^$' -bench '^BenchmarkSum$' -count C -benchtime T -cpu 1 .`, its
  output parsed with `m3tui.bench.fmt.parse` (the baseline);
* m3tui: `python -m m3tui bench --bench ... --count C --benchtime T --cpu 1 --no-save -q --json`
  (headless: builds the test binary with `go test -c`, runs it, streams the results);
* tui: the real app (`M3tuiApp` with the real `BenchBackend`) under Textual's `run_test` in a
  child Python process: pane 3, the form filled in (benchmem unticked, as for the other two),
  `r`, until the status says "done"; the samples of `pane.results` are printed as JSON.

Per round, each mode's median ns/op; the verdict's figure is the median over rounds of the
per-round ratio mode/plain (the interleaved design's paired estimate: a burst of background load
lands in one round and cancels out, where the pooled median of all samples would carry it).
The pooled ratio and a Mann-Whitney p-value are printed beside it.
Target: m3tui/plain and tui/plain within 2% (0.98x to 1.02x).
Only the ratios mean anything: absolute ns/op on a shared box move by more than 2% between
minutes. Every run gets a fresh temporary M3TUI_HOME.

    python benchmarks/benchoverhead.py [--rounds 8] [--count 5] [--benchtime 200ms] [--json]

Exit status: 0 both ratios within the target, 1 one is not, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from m3tui.bench.fmt import parse
from m3tui.bench.stats import mann_whitney_u

REPO = Path(__file__).resolve().parent.parent
GOBENCH = REPO / "tests" / "data" / "gobench"
BENCH = "^BenchmarkSum$"
TARGET = 0.02  # |ratio - 1| at most this
MODES = ("plain", "m3tui", "tui")
EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2

# The TUI path, run as `python -c TUI_PROGRAM COUNT BENCHTIME` in the package directory.
TUI_PROGRAM = textwrap.dedent(
    """
    import asyncio, json, sys, time
    sys.path.insert(0, sys.argv[3])
    from textual.widgets import Checkbox, Input
    from m3tui.bench.backend import LocalBench
    from m3tui.tui.panes.bench import BenchPane
    from tests.appkit import settle, snapshot_app

    async def main():
        app = snapshot_app(bench=LocalBench())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            pane = app.main_screen.query_one(BenchPane)
            values = {"regex": "^BenchmarkSum$", "cpu": "1", "count": sys.argv[1], "benchtime": sys.argv[2]}
            for name, value in values.items():
                pane.query_one(f"#bench-{name}", Input).value = value
            pane.query_one("#bench-benchmem", Checkbox).value = False
            pane.focus_target().focus()
            await pilot.press("r")
            deadline = time.monotonic() + 300
            while "done" not in pane._status_text:
                if time.monotonic() > deadline or "failed" in pane._status_text:
                    sys.exit("tui: " + pane._status_text)
                await asyncio.sleep(0.05)
            samples = [r.values["ns/op"] for rs in pane.results.values() for r in rs if "ns/op" in r.values]
            print(json.dumps(samples))

    asyncio.run(main())
    """
)


class BenchmarkError(Exception):
    pass


def run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise BenchmarkError(f"{argv[0]} {' '.join(argv[1:3])}… exited {proc.returncode}:\n{tail}")
    return proc.stdout


def measure(mode: str, pkg: Path, args: argparse.Namespace, timeout: float) -> list[float]:
    """One run of `mode`: its ns/op samples (count of them)."""
    with tempfile.TemporaryDirectory(prefix=f"m3tui-overhead-{mode}-") as home:
        env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", M3TUI_HOME=home)
        if mode == "plain":
            out = run(["go", "test", "-run", "^$", "-bench", BENCH, "-count", str(args.count),
                       "-benchtime", args.benchtime, "-cpu", "1", "."], pkg, env, timeout)  # fmt: skip
            samples = [r.values["ns/op"] for r in parse(out).results if "ns/op" in r.values]
        elif mode == "m3tui":
            out = run([sys.executable, "-m", "m3tui", "bench", "--bench", BENCH, "--count", str(args.count),
                       "--benchtime", args.benchtime, "--cpu", "1", "--no-save", "-q", "--json"], pkg, env, timeout)  # fmt: skip
            samples = json.loads(out)["benchmarks"][0]["units"]["ns/op"]["samples"]
        else:
            env = {k: v for k, v in env.items() if not k.startswith("TEXTUAL")}
            out = run([sys.executable, "-c", TUI_PROGRAM, str(args.count), args.benchtime, str(REPO)], pkg, env, timeout)
            samples = json.loads(out.strip().splitlines()[-1])
    if len(samples) != args.count:
        raise BenchmarkError(f"{mode}: expected {args.count} ns/op samples, got {len(samples)}")
    return [float(s) for s in samples]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds (default 8)")
    parser.add_argument("--count", type=int, default=5, help="samples per run, -count (default 5)")
    parser.add_argument("--benchtime", default="200ms", help="per sample, -benchtime (default 200ms)")
    parser.add_argument("--modes", default=",".join(MODES), help="which of plain,m3tui,tui (plain is always run)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run before giving up (default 300)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    modes = ["plain"] + [m for m in MODES[1:] if m in args.modes.split(",")]
    if args.rounds < 1 or args.count < 1:
        parser.error("--rounds and --count must be at least 1")
    if shutil.which("go") is None:
        print("benchoverhead: no go on PATH", file=sys.stderr)
        return EXIT_ERROR

    samples: dict[str, list[float]] = {m: [] for m in modes}
    per_round: list[dict[str, float]] = []
    print(f"BenchmarkSum -cpu 1 -count {args.count} -benchtime {args.benchtime}, {args.rounds} rounds, "
          f"order rotated each round; figures are ns/op medians")  # fmt: skip
    print(f"{'round':>5}  " + "  ".join(f"{m:>9}" for m in modes) + "  " + "  ".join(f"{m + '/plain':>11}" for m in modes[1:]) + "  order")
    with tempfile.TemporaryDirectory(prefix="m3tui-overhead-pkg-") as tmp:
        pkg = Path(tmp) / "gobench"
        shutil.copytree(GOBENCH, pkg)
        start = time.perf_counter()
        try:
            for i in range(args.rounds):
                order = modes[i % len(modes):] + modes[: i % len(modes)]
                if (i // len(modes)) % 2:
                    order.reverse()
                medians = {}
                for mode in order:
                    got = measure(mode, pkg, args, args.timeout)
                    samples[mode] += got
                    medians[mode] = statistics.median(got)
                per_round.append(medians)
                print(f"{i + 1:>5}  " + "  ".join(f"{medians[m]:9.2f}" for m in modes) + "  "
                      + "  ".join(f"{medians[m] / medians['plain']:10.3f}x" for m in modes[1:]) + "  " + ",".join(order), flush=True)  # fmt: skip
        except (BenchmarkError, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError, IndexError) as exc:
            print(f"benchoverhead failed: {exc}", file=sys.stderr)
            return EXIT_ERROR
        elapsed = time.perf_counter() - start

    median = {m: statistics.median(samples[m]) for m in modes}
    print(f"{'all':>5}  " + "  ".join(f"{median[m]:9.2f}" for m in modes) + "  "
          + "  ".join(f"{median[m] / median['plain']:10.3f}x" for m in modes[1:]) + f"  ({elapsed:.0f} s)")  # fmt: skip
    ok = True
    verdicts = {}
    plain_rounds = [r["plain"] for r in per_round]
    noise = max(plain_rounds) / min(plain_rounds) - 1
    print(f"noise floor: plain's per-round medians span {noise:.1%} (min {min(plain_rounds):.2f}, "
          f"max {max(plain_rounds):.2f} ns/op)")  # fmt: skip
    for mode in modes[1:]:
        ratio = median[mode] / median["plain"]
        paired = statistics.median(r[mode] / r["plain"] for r in per_round)
        p = mann_whitney_u(samples["plain"], samples[mode])
        within = abs(paired - 1) <= TARGET
        ok &= within
        verdicts[mode] = {"ratio": round(ratio, 4), "paired_ratio": round(paired, 4), "p": round(p, 4), "ok": within}
        spread = [r[mode] / r["plain"] for r in per_round]
        note = "" if within or p < 0.05 else " (difference not significant at this noise: p >= 0.05, rerun on a quiet box)"
        print(f"{mode}/plain ns/op: {paired:.3f}x (median of the per-round ratios, range {min(spread):.3f}.."
              f"{max(spread):.3f}; pooled medians of {len(samples[mode])} samples each: {ratio:.3f}x, U-test p={p:.2f}) "
              f"target within {TARGET:.0%} (0.98x..1.02x): {'OK' if within else 'MISSED'}{note}")  # fmt: skip
    print("verdict: " + ("PASS" if ok else "FAIL"))
    if args.json:
        print(json.dumps({"count": args.count, "benchtime": args.benchtime, "rounds": args.rounds,
                          "median_ns_op": median, "verdict": verdicts, "per_round": per_round,
                          "samples": samples}, indent=2))  # fmt: skip
    return EXIT_OK if ok else EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
