"""`m3tui logs A B C` (three ~700 MB files merged by time) against `m3tui logs A`: time to the last screen.

Issue 17's laziness target: opening three 700 MB files shows the last screen of the merged
timeline without reading the files whole, in <= 2x the time to show the tail of the largest
file alone. Both are measured the way benchmarks/logtail.py measures the single file, in a real
terminal (a tmux server of our own, `capture-pane` every --poll seconds), in the same run, their
order alternating every round after one discarded warm-up of each:

* **single**: `python -m m3tui logs LARGEST` (text.log, the largest of the three) until its last
  line (its own `n=N`) is on the screen;
* **merged**: `python -m m3tui logs std.log text.log json.log --tz UTC` until the timeline's last
  line (json.log's, the latest time, a unique marker) is on the screen.

The files (cached in --cache, made once): std.log as Go's `log` writes (LstdFlags|Lmicroseconds,
no zone), text.log as slog's TextHandler, json.log as slog's JSONHandler, one line every 3 ms
each, interleaved (file k 1 ms after file k-1). Also printed: the same two
in-process (open the files and merge their tails, no terminal), to show what the merge itself
costs.

    python benchmarks/logmerge.py [--rounds 5] [--size 120x40] [--mb 700]

Exit status: 0 the target holds, 1 it is missed, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from logtail import BenchmarkError, Tmux, base_env, compile_m3tui, parse_size  # noqa: E402

TARGET = 2.0  # merged last screen <= this many times the largest file's tail alone
SINGLE_MARKER = "m3tui-bench-logmerge: std.log's last line"
MERGED_MARKER = "m3tui-bench-logmerge: the timeline's last line"
NAMES = ("std.log", "text.log", "json.log")
EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2
T0 = dt.datetime(2026, 3, 1, 0, 0, 0, tzinfo=dt.timezone.utc)


def _line(k: int, j: int, stamp: dt.datetime) -> str:
    if k == 0:
        return f"{stamp:%Y/%m/%d %H:%M:%S.%f} worker {j % 64} done: request {j} served in {j % 997} µs\n"
    iso = f"{stamp:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
    if k == 1:
        return f'time={iso} level=INFO msg="request served" n={j} path=/api/v1/items/{j % 5000} ms={j % 500}\n'
    return f'{{"time":"{iso}","level":"WARN","msg":"cache miss","n":{j},"key":"item-{j % 5000}"}}\n'


def generate(folder: Path, mb: int) -> tuple[list[Path], int]:
    """The three files, made once (std.log ~mb MB, the others larger: longer lines), and the
    number of lines before each one's last."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{mb}-{n}" for n in NAMES]
    per_line = len(_line(0, 123456, T0))
    lines = mb * 1_000_000 // per_line
    if all(p.exists() for p in paths):
        return paths, lines
    print(f"generating three files of ~{mb} MB ({lines:,} lines each) in {folder} …", flush=True)
    t = time.perf_counter()
    for k, p in enumerate(paths):
        part = p.with_name(p.name + ".part")
        with open(part, "w") as f:
            step = 100_000
            for start in range(0, lines, step):
                f.write("".join(_line(k, j, T0 + dt.timedelta(milliseconds=3 * j + k)) for j in range(start, min(lines, start + step))))
            last = T0 + dt.timedelta(milliseconds=3 * lines + k)
            if k == 0:
                f.write(f"{last:%Y/%m/%d %H:%M:%S.%f} {SINGLE_MARKER}\n")
            elif k == 2:
                iso = f"{last:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z"
                f.write(f'{{"time":"{iso}","level":"INFO","msg":"{MERGED_MARKER}"}}\n')
            else:
                f.write(_line(k, lines, last))
        os.replace(part, p)
    print(f"  done in {time.perf_counter() - t:.0f} s", flush=True)
    return paths, lines


def in_process(paths: list[Path], largest: Path, rounds: int) -> tuple[float, float]:
    """Median ms to open the largest file's tail, and to open the three and merge their tails (no terminal)."""
    from m3tui.logs.merge import MergedSource
    from m3tui.logs.sources import open_file

    single, merged = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        s = open_file(largest, largest.name)
        single.append(time.perf_counter() - t)
        s.index.close()
        t = time.perf_counter()
        parts = [open_file(p, p.name) for p in paths]
        m = MergedSource(parts, dt.timezone.utc)
        assert MERGED_MARKER.encode() in m.raw(m.count() - 1)[0]
        merged.append(time.perf_counter() - t)
        for p in parts:
            p.index.close()
    return statistics.median(single) * 1000, statistics.median(merged) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--size", type=parse_size, default=(120, 40), help="tmux window COLSxROWS (default 120x40)")
    parser.add_argument("--mb", type=int, default=700, help="size of each file in MB (default 700)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/m3tui-bench-logmerge"), help="where the files are kept")
    parser.add_argument("--poll", type=float, default=0.01, help="seconds between captures (default 0.01)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for one screen (default 90)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if shutil.which("tmux") is None:
        print("logmerge benchmark failed: tmux is not installed", file=sys.stderr)
        return EXIT_ERROR

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="m3tui-bench-logmerge-"))
    try:
        return run(args, tmp)
    except BenchmarkError as exc:
        print(f"logmerge benchmark failed: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        Tmux.kill_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    paths, lines = generate(args.cache, args.mb)
    largest = max(paths, key=lambda p: p.stat().st_size)
    last_of_largest = SINGLE_MARKER if largest == paths[0] else f"n={lines}"  # text.log's last line, logfmt or JSON
    compile_m3tui()
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in paths)
    print(f"files: {sizes} (single: {largest.name}); tmux {args.size[0]}x{args.size[1]}, poll {args.poll * 1000:.0f} ms")
    env = base_env()
    term = {"TERM": "screen-256color", "COLORTERM": "", "PATH": env.get("PATH", "")}
    m3tui_cmd = [sys.executable, "-m", "m3tui", "logs"]
    counter = iter(range(1_000_000))

    def one(kind: str) -> float:
        n = next(counter)
        home, cwd = tmp / f"home-{n}", tmp / f"cwd-{n}"
        home.mkdir()
        cwd.mkdir()
        tmux = Tmux(args.size, env)
        try:
            run_env = term | {"M3TUI_HOME": str(home)}
            if kind == "single":
                t0 = tmux.start("run", [*m3tui_cmd, str(largest)], run_env, str(cwd))
                return tmux.wait("run", lambda s: last_of_largest in s, t0, args.timeout, args.poll, f"{largest.name}'s last line") * 1000
            t0 = tmux.start("run", [*m3tui_cmd, *map(str, paths), "--tz", "UTC"], run_env, str(cwd))
            return tmux.wait("run", lambda s: MERGED_MARKER in s, t0, args.timeout, args.poll, "the timeline's last line") * 1000
        finally:
            tmux.kill()
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(cwd, ignore_errors=True)

    kinds = ["single", "merged"]
    got: dict[str, list[float]] = {k: [] for k in kinds}
    print(f"\n{'round':>6}  {'single':>9} {'merged':>9} {'ratio':>6}")
    for r in range(args.rounds + 1):
        order = kinds if r % 2 == 0 else kinds[::-1]
        times = {k: one(k) for k in order}
        if r:
            for k in kinds:
                got[k].append(times[k])
        print(f"{'warmup' if r == 0 else r:>6}  {times['single']:6.0f} ms {times['merged']:6.0f} ms {times['merged'] / times['single']:6.2f}",
              flush=True)  # fmt: skip
    ratio = statistics.median(m / s for m, s in zip(got["merged"], got["single"], strict=True))
    print(f"{'median':>6}  {statistics.median(got['single']):6.0f} ms {statistics.median(got['merged']):6.0f} ms {ratio:6.2f}")
    single_ms, merged_ms = in_process(paths, largest, max(3, args.rounds))
    print(f"in-process (no terminal): {largest.name}'s tail {single_ms:.1f} ms, three tails merged {merged_ms:.1f} ms "
          f"({merged_ms / single_ms:.2f}x)")  # fmt: skip
    ok = ratio <= TARGET
    print(f"\nmerged last screen / largest file's tail: {ratio:.2f}x (target <= {TARGET}x) {'ok' if ok else 'MISSED'}")
    return EXIT_OK if ok else EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
