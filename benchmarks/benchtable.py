"""Bench pane with 10,000 rows: load time, key latency and a repaint tick, against a bare DataTable.

All in one process, headless (Textual's `run_test`, 120x40), the two apps alternating round by round:

* m3tui: `M3tuiApp` (tests/appkit.py's `snapshot_app()`, fixed data), pane 3 (Bench). The rows are
  10,000 distinct `BenchResult`s (`Bench{i}/size={i}`, procs 1, ns/op, B/op, allocs/op), loaded with
  `pane.load_results({"run 1": results}, "x")`, i.e. `LiveTable.add` for each and
  `_fill_live(rebuild=True)`;
* bare: a Textual `App` with one `DataTable` (row cursor, zebra stripes, as the pane's) and the same
  7 columns (str cells for benchmark, P and n; `Text` cells for the three units and the trend),
  filled with `add_row` (the baseline: what the DataTable itself costs).

Figures:

* load: the call that fills the table, and the call plus the first `pilot.pause()` (the frame);
* key latency: with the table focused, each `await pilot.press(key)` + `await pilot.pause()` timed
  in CPU time (`time.process_time`: the work the key costs, the verdict's figure) and wall time
  (which also holds the pilot's own idle polling, ~60 ms a press in sleeps, the same for both apps),
  for `down` and `j` (--presses, 50 each; the bare app binds `j` to cursor down too) and for
  `pagedown`/`pageup`/`ctrl+end`/`ctrl+home` (10 each); median and p95 per key press;
* repaint tick (m3tui only): while the 10,000 rows are shown, 100 rows get one more sample each
  (`pane.live.add("run 1", result)`), then `pane._fill_live()` (what `_repaint()` does every second
  while a run goes on) is timed, also with the frame after it (`pilot.pause()`); --ticks times.

* small (the baseline for "stays responsive"): the same m3tui app with 1,000 rows.

Targets: with 10,000 rows a key press costs at most 1.5x what it costs with 1,000 rows (the table
stays as responsive as a small one), and its median is <= 50 ms CPU (or, for a key where the bare
DataTable itself needs more, <= 1.5x the bare one); a repaint tick with 100 changed rows <= 100 ms.
The bare DataTable's figures show how much of a press is Textual's own table. Load has no target; its ratio is printed for scale. Only the ratios are solid: absolute
times on a shared box move by tens of per cent. M3TUI_HOME and the working directory are temporary.

    python benchmarks/benchtable.py [--rows 10000] [--rounds 2] [--presses 50] [--ticks 5] [--json]

Exit status: 0 every target holds, 1 one is missed, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_HOME = tempfile.mkdtemp(prefix="m3tui-benchtable-")
os.environ["M3TUI_HOME"] = _HOME  # before m3tui is imported: nothing touches the real home
os.chdir(_HOME)
sys.path.insert(0, str(REPO))

from rich.text import Text  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from m3tui.tui.panes.bench import BenchPane  # noqa: E402
from m3tui.bench.fmt import BenchResult  # noqa: E402
from tests.appkit import settle, snapshot_app  # noqa: E402

KEY_MEDIAN_MS = 50.0
KEY_RATIO = 1.5  # 10,000 rows vs 1,000 rows, same app; also vs bare where bare is over KEY_MEDIAN_MS
TICK_MS = 100.0
CHANGED = 100
SMALL_ROWS = 1_000  # enough that 10 page-downs never reach the end (then a press would cost nothing)
SIZE = (120, 40)
KEYS = ("down", "j", "pagedown", "pageup", "ctrl+end", "ctrl+home")
EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2


def make_results(n: int, seed: int = 1) -> list[BenchResult]:
    rnd = random.Random(seed)
    return [
        BenchResult(name=f"Bench{i}/size={i}", procs=1, iters=1000,
                    values={"ns/op": rnd.uniform(100, 1e6), "B/op": float(rnd.randint(0, 4096)),
                            "allocs/op": float(rnd.randint(0, 40))}, config={})  # fmt: skip
        for i in range(n)
    ]


class BareApp(App):
    """The baseline: one DataTable, nothing else."""

    BINDINGS = [Binding("j", "down", "Down")]

    def compose(self) -> ComposeResult:
        yield DataTable(id="bare", cursor_type="row", zebra_stripes=True)

    def action_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()


def bare_rows(results: list[BenchResult]) -> list[list[Any]]:
    return [[r.name, "1", "1", Text(f"{r.values['ns/op']:>8.1f}n "), Text(f"{r.values['B/op']:>8.0f} "),
             Text(f"{r.values['allocs/op']:>8.0f} "), Text("▄", style="cyan")] for r in results]  # fmt: skip


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def press_times(pilot: Any, key: str, times: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each press + pause."""
    wall, cpu = [], []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.process_time()
        await pilot.press(key)
        await pilot.pause()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


async def keys_run(pilot: Any, presses: int) -> dict[str, Any]:
    counts = {"down": presses, "j": presses}
    out: dict[str, Any] = {"wall": {}, "cpu": {}}
    for key in KEYS:
        out["wall"][key], out["cpu"][key] = await press_times(pilot, key, counts.get(key, 10))
    return out


async def measure_bare(results: list[BenchResult], presses: int) -> dict[str, Any]:
    rows = bare_rows(results)
    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        for name in ("benchmark", "P", "n", "sec/op", "B/op", "allocs/op", "trend"):
            table.add_column(name)
        gc.collect()
        start = time.perf_counter()
        for row in rows:
            table.add_row(*row)
        call = time.perf_counter() - start
        await pilot.pause()
        frame = time.perf_counter() - start
        assert table.row_count == len(results)
        table.focus()
        await pilot.pause()
        keys = await keys_run(pilot, presses)
    return {"load_ms": call * 1000, "load_frame_ms": frame * 1000, "keys": keys}


async def measure_m3tui(results: list[BenchResult], presses: int, ticks: int) -> dict[str, Any]:
    app = snapshot_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.main_screen.query_one(BenchPane)
        table = pane.query_one("#bench-live", DataTable)
        gc.collect()
        start = time.perf_counter()
        pane.load_results({"run 1": results}, "x")
        call = time.perf_counter() - start
        await pilot.pause()
        frame = time.perf_counter() - start
        if table.row_count != len(results):
            raise RuntimeError(f"the live table has {table.row_count} rows, not {len(results)}")
        pane.focus_target().focus()
        await pilot.pause()
        keys = await keys_run(pilot, presses)
        rnd = random.Random(2)
        tick, tick_frame = [], []
        for _ in range(ticks):
            for r in rnd.sample(results, CHANGED):
                pane.live.add("run 1", BenchResult(r.name, r.procs, r.iters,
                                                   {u: v * rnd.uniform(0.9, 1.1) for u, v in r.values.items()}, {}))  # fmt: skip
            start = time.perf_counter()
            pane._fill_live()
            tick.append((time.perf_counter() - start) * 1000)
            await pilot.pause()
            tick_frame.append((time.perf_counter() - start) * 1000)
        if table.row_count != len(results):
            raise RuntimeError(f"after the ticks the live table has {table.row_count} rows, not {len(results)}")
    return {"load_ms": call * 1000, "load_frame_ms": frame * 1000, "keys": keys, "tick_ms": tick, "tick_frame_ms": tick_frame}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="result rows (default 10000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each app (default 2)")
    parser.add_argument("--presses", type=int, default=50, help="presses of down and of j per round (default 50)")
    parser.add_argument("--ticks", type=int, default=5, help="repaint ticks of 100 changed rows per round (default 5)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    if min(args.rows, args.rounds, args.presses, args.ticks) < 1 or args.rows < CHANGED:
        parser.error(f"--rounds, --presses and --ticks must be at least 1, --rows at least {CHANGED}")
    results = make_results(args.rows)

    runs: dict[str, list[dict[str, Any]]] = {"m3tui": [], "bare": [], "small": []}
    print(f"{args.rows:,} rows, {SIZE[0]}x{SIZE[1]} headless, {args.rounds} alternating rounds")
    try:
        for i in range(args.rounds):
            order = ("m3tui", "bare", "small") if i % 2 == 0 else ("small", "bare", "m3tui")
            for name in order:
                if name == "m3tui":
                    run = asyncio.run(measure_m3tui(results, args.presses, args.ticks))
                elif name == "small":
                    run = asyncio.run(measure_m3tui(results[:SMALL_ROWS], args.presses, 1))
                else:
                    run = asyncio.run(measure_bare(results, args.presses))
                runs[name].append(run)
                keys = "  ".join(f"{k} {statistics.median(v):.1f}" for k, v in run["keys"]["cpu"].items())
                print(f"round {i + 1} {name:<5} load {run['load_ms']:7.0f} ms (+frame {run['load_frame_ms']:7.0f} ms)"
                      f"  key CPU ms (median): {keys}", flush=True)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - one line, exit 2
        print(f"benchtable failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR

    ok = True
    summary: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds}
    load = {n: statistics.median(r["load_ms"] for r in runs[n]) for n in ("m3tui", "bare")}
    frame = {n: statistics.median(r["load_frame_ms"] for r in runs[n]) for n in ("m3tui", "bare")}
    print(f"load ({args.rows:,} rows): m3tui {load['m3tui']:.0f} ms, bare {load['bare']:.0f} ms, "
          f"ratio {load['m3tui'] / load['bare']:.2f}x; with the first frame {frame['m3tui']:.0f} ms vs "
          f"{frame['bare']:.0f} ms, {frame['m3tui'] / frame['bare']:.2f}x (no target)")  # fmt: skip
    summary["load_ms"], summary["load_frame_ms"] = load, frame
    summary["keys"] = {}
    print(f"{'key':<10} {'m3tui med':>10} {'p95':>8} {'1k rows':>9} {'ratio':>6} {'bare med':>9} {'p95':>7} {'ratio':>6}"
          f"   {'wall: m3tui':>11} {'bare':>6}   (CPU ms per press + pause)")  # fmt: skip
    for key in KEYS:
        fig = {}
        for clock in ("cpu", "wall"):
            m = [t for r in runs["m3tui"] for t in r["keys"][clock][key]]
            b = [t for r in runs["bare"] for t in r["keys"][clock][key]]
            small = [t for r in runs["small"] for t in r["keys"][clock][key]]
            fig[clock] = {"m3tui_median": statistics.median(m), "m3tui_p95": p95(m), "bare_median": statistics.median(b),
                          "bare_p95": p95(b), "ratio": statistics.median(m) / statistics.median(b),
                          "small_median": statistics.median(small),
                          "vs_small": statistics.median(m) / statistics.median(small)}  # fmt: skip
        c, w = fig["cpu"], fig["wall"]
        absolute = c["m3tui_median"] <= KEY_MEDIAN_MS or (c["bare_median"] > KEY_MEDIAN_MS and c["ratio"] <= KEY_RATIO)
        good = absolute and c["vs_small"] <= KEY_RATIO
        ok &= good
        summary["keys"][key] = fig | {"ok": good}
        print(f"{key:<10} {c['m3tui_median']:10.1f} {c['m3tui_p95']:8.1f} {c['small_median']:9.1f} {c['vs_small']:5.2f}x"
              f" {c['bare_median']:9.1f} {c['bare_p95']:7.1f} {c['ratio']:5.2f}x   {w['m3tui_median']:11.1f}"
              f" {w['bare_median']:6.1f}   {'OK' if good else 'MISSED'}")  # fmt: skip
    print(f"key target: 10,000 rows <= {KEY_RATIO:g}x the same app with 1,000 rows, and CPU median <= {KEY_MEDIAN_MS:g} ms"
          f" (or <= {KEY_RATIO:g}x a bare DataTable where that needs more); wall includes the pilot's idle waits")  # fmt: skip
    tick = [t for r in runs["m3tui"] for t in r["tick_ms"]]
    tick_frame = [t for r in runs["m3tui"] for t in r["tick_frame_ms"]]
    tick_ok = statistics.median(tick) <= TICK_MS
    ok &= tick_ok
    summary["tick_ms"] = {"median": statistics.median(tick), "max": max(tick),
                          "with_frame_median": statistics.median(tick_frame), "ok": tick_ok}  # fmt: skip
    print(f"repaint tick ({CHANGED} changed of {args.rows:,} rows, _fill_live): median {statistics.median(tick):.1f} ms, "
          f"max {max(tick):.1f} ms; with the frame {statistics.median(tick_frame):.1f} ms; target <= {TICK_MS:g} ms "
          f"{'OK' if tick_ok else 'MISSED'}")  # fmt: skip
    print("verdict: " + ("PASS" if ok else "FAIL"))
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if ok else EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
