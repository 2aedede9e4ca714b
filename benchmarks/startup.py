"""Start-up benchmark: m3tui against a bare Textual app, in one run.

What it measures, for `python -m m3tui` (the real TUI) and for benchmarks/bare_app.py
(a Textual App with a Header, one Static and a Footer):

* time to first paint: from just before the process is spawned until the app has
  written its first full frame to the terminal;
* peak memory: the process's maximum resident set size (ru_maxrss).

How: each app runs in a real pseudo-terminal (os.openpty, window size set with
TIOCSWINSZ, TERM=xterm-256color, COLUMNS/LINES/TEXTUAL_* removed from the
environment, a fresh temporary directory as M3TUI_HOME and as working directory).
The master side is read in a select loop; the ANSI escape sequences (CSI, OSC,
DCS, ...) are stripped from everything read so far, and the first paint is the
moment a marker that only the painted frame contains shows up: the Static's text
"bare" for the bare app, the tab label "Environment" for m3tui. The pty is then
drained for a while longer (--settle, 1.5 s), so work done just after the first
paint (m3tui probes `go` in a worker) counts towards the memory figure. Then the
app is asked to quit with its own key ("q" for m3tui, ctrl+q for the bare app),
SIGTERM and SIGKILL follow if it does not, and it is reaped with os.wait4, whose
rusage gives ru_maxrss (KiB on Linux). Linux fills that rusage with the maximum
over the process and the children it reaped (a `go` probe, say), not their sum.

The apps alternate after one discarded warm-up run of each (m3tui first in even
rounds, bare first in odd ones), so that both see the same file cache and the same
background load. The first-paint verdict is the median of the per-round ratios;
memory compares medians.

Why ratios: on shared two-core CI boxes absolute start-up times swing by tens of
per cent from one minute to the next; measuring both apps in the same round and
taking the median of their ratios cancels most of that noise. The targets are
therefore relative to what Textual itself costs: first paint <= 1.15x, peak memory
<= 2x the bare app.

Usage:  python benchmarks/startup.py [--rounds 7] [--size 80x24] [--json]
Exit status: 0 both targets hold, 1 a target is missed, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

PAINT_TARGET = 1.15  # m3tui's first paint may take at most this many times the bare app's
MEMORY_TARGET = 2.0  # and its peak RSS may be at most this many times the bare app's

EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2

# Escape sequences a terminal app writes: OSC (ended by BEL or ST), DCS/SOS/PM/APC
# strings, CSI (cursor moves, SGR colours, private modes), and the short ESC forms.
ANSI_RE = re.compile(
    r"""
      \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC ... BEL | ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?        # DCS, SOS, PM, APC ... ST
    | \x1b\[[0-?]*[\ -/]*[@-~]             # CSI
    | \x1b[\ -/]*[0-~]                     # two-byte and charset escapes
    """,
    re.VERBOSE,
)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_ansi(text: str) -> str:
    """The printable text of terminal output: escape sequences and control bytes removed."""
    return CONTROL_RE.sub("", ANSI_RE.sub("", text))


@dataclass(frozen=True)
class AppSpec:
    name: str
    argv: tuple[str, ...]
    marker: str  # text that only the painted frame contains
    quit_keys: bytes


M3TUI = AppSpec("m3tui", (sys.executable, "-m", "m3tui"), "Environment", b"q")
BARE = AppSpec("bare", (sys.executable, str(BENCH_DIR / "bare_app.py")), "bare", b"\x11")


@dataclass
class Run:
    app: str
    round: int  # 0 is the discarded warm-up
    first_paint_ms: float
    peak_rss_kib: int
    exit_code: int
    stopped_by: str  # "key" when the app quit on its quit key, else the signal that ended it


class BenchmarkError(Exception):
    pass


class PtyOutput:
    """Everything the app has written to its terminal, read from the pty master."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.raw = bytearray()
        self.eof = False

    def drain(self, timeout: float) -> None:
        """Read whatever arrives within `timeout` seconds (returns after the first read)."""
        if self.eof:
            time.sleep(max(timeout, 0.0))
            return
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0.0))
        if not ready:
            return
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every slave fd is closed, the app is gone
            chunk = b""
        if chunk:
            self.raw += chunk
        else:
            self.eof = True

    def drain_for(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self.drain(left)

    def text(self) -> str:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return strip_ansi(decoder.decode(bytes(self.raw)))


def set_window_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def child_env(home: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"COLUMNS", "LINES"} and not key.startswith("TEXTUAL")
    }
    env["TERM"] = "xterm-256color"
    env["M3TUI_HOME"] = home
    return env


def signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_once(
    spec: AppSpec,
    round_no: int,
    *,
    size: tuple[int, int],
    timeout: float,
    settle: float,
    quit_grace: float,
    dump_dir: Path | None = None,
) -> Run:
    """Start `spec` in a fresh pty, time its first paint, let it settle, quit it, reap it."""
    with tempfile.TemporaryDirectory(prefix=f"m3tui-bench-{spec.name}-") as home:
        master, slave = os.openpty()
        set_window_size(slave, *size)
        output = PtyOutput(master)
        try:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    spec.argv,
                    stdin=slave,
                    stdout=slave,
                    stderr=slave,
                    env=child_env(home),
                    cwd=home,
                    start_new_session=True,
                    close_fds=True,
                )
            finally:
                os.close(slave)  # the app holds the only slave fds now: EIO on the master means it is gone
            paint_ms = _wait_for_marker(spec, proc.pid, output, start, timeout)
            output.drain_for(settle)
            exit_code, maxrss, stopped_by = _quit_and_reap(spec, proc.pid, output, quit_grace)
            proc.returncode = exit_code  # reaped by os.wait4: Popen must not wait for it again
        finally:
            os.close(master)
        if dump_dir is not None:
            dump_dir.mkdir(parents=True, exist_ok=True)
            stem = f"{spec.name}-round{round_no}"
            (dump_dir / f"{stem}.raw").write_bytes(bytes(output.raw))
            (dump_dir / f"{stem}.txt").write_text(output.text())
    return Run(spec.name, round_no, paint_ms, maxrss, exit_code, stopped_by)


def _wait_for_marker(spec: AppSpec, pid: int, output: PtyOutput, start: float, timeout: float) -> float:
    deadline = start + timeout
    while True:
        output.drain(min(deadline - time.perf_counter(), 0.5))
        now = time.perf_counter()
        if spec.marker in output.text():
            return (now - start) * 1000.0
        if output.eof or now >= deadline:
            why = "exited" if output.eof else f"ran {timeout:.0f} s"
            signal_group(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            lines = [line.rstrip() for line in output.text().splitlines() if line.strip()]
            tail = "\n".join(lines[-12:]) or "(no output)"
            raise BenchmarkError(
                f"{spec.name} {why} without painting {spec.marker!r}; last output:\n{tail}"
            )


def _quit_and_reap(spec: AppSpec, pid: int, output: PtyOutput, grace: float) -> tuple[int, int, str]:
    """Send the quit key, escalate to SIGTERM then SIGKILL; return (exit code, ru_maxrss KiB, how)."""
    os.write(output.master, spec.quit_keys)
    stopped_by = "key"
    escalations = [(grace, signal.SIGTERM), (grace + 2.0, signal.SIGKILL)]
    begin = time.perf_counter()
    while True:
        output.drain(0.02)  # keep reading so the app never blocks on a full pty buffer
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped == pid:
            signal_group(pid, signal.SIGKILL)  # nothing it started outlives the measurement
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss, stopped_by
        elapsed = time.perf_counter() - begin
        if escalations and elapsed >= escalations[0][0]:
            _, sig = escalations.pop(0)
            stopped_by = sig.name
            signal_group(pid, sig)
        elif not escalations and elapsed >= grace + 10.0:
            raise BenchmarkError(f"{spec.name} (pid {pid}) survived SIGKILL")


# --- reporting ---------------------------------------------------------------------------------

APPS = ("m3tui", "bare")


def mib(kib: float) -> float:
    return kib / 1024.0


def print_row(
    label: str, paint_ms: Mapping[str, float], rss_kib: Mapping[str, float], notes: Sequence[str] = ()
) -> None:
    print(
        f"{label:>6}  {paint_ms['m3tui']:9.0f} ms {paint_ms['bare']:9.0f} ms"
        f"  {mib(rss_kib['m3tui']):8.1f} MiB {mib(rss_kib['bare']):8.1f} MiB"
        + (f"  [{'; '.join(notes)}]" if notes else ""),
        flush=True,
    )


def print_runs(label: str, pair: Sequence[Run]) -> None:
    odd = [r for r in pair if r.exit_code or r.stopped_by != "key"]
    notes = [f"{r.app} exit {r.exit_code}, stopped by {r.stopped_by}" for r in odd]
    print_row(label, {r.app: r.first_paint_ms for r in pair}, {r.app: r.peak_rss_kib for r in pair}, notes)


def verdict(name: str, m3tui: str, bare: str, ratio: float, target: float) -> str:
    ok = "OK" if ratio <= target else "MISSED"
    return f"{name}: m3tui {m3tui}, bare {bare}, ratio {ratio:.2f}x (target <= {target:g}x) {ok}"


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match or min(int(match[1]), int(match[2])) < 10:
        raise argparse.ArgumentTypeError(f"expected COLUMNSxROWS such as 80x24, got {text!r}")
    return int(match[1]), int(match[2])


def compile_m3tui() -> None:
    """Write m3tui's bytecode, as a real install does (Textual's came with its wheel).

    An editable install under PYTHONDONTWRITEBYTECODE=1 (set on these machines) would
    otherwise recompile every m3tui module on every start, a cost no user pays.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("m3tui")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="measured runs of each app (default 15)")
    parser.add_argument("--size", type=parse_size, default=(80, 24), help="pty size COLSxROWS (default 80x24)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a first paint (default 30)")
    parser.add_argument("--settle", type=float, default=1.5, help="seconds to keep running after it (default 1.5)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--dump", type=Path, metavar="DIR", help="write each run's raw and stripped output to DIR")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    def measure(spec: AppSpec, round_no: int) -> Run:
        return run_once(
            spec,
            round_no,
            size=args.size,
            timeout=args.timeout,
            settle=args.settle,
            quit_grace=3.0,
            dump_dir=args.dump,
        )

    compile_m3tui()
    columns, rows = args.size
    print(f"m3tui vs bare Textual app, {columns}x{rows} pty, 1 warm-up + {args.rounds} alternating rounds")
    print(f"{'round':>6}  {'m3tui paint':>12} {'bare paint':>12}  {'m3tui RSS':>12} {'bare RSS':>12}")
    runs: list[Run] = []
    try:
        for round_no in range(args.rounds + 1):
            if round_no % 2:  # who goes first alternates: neither always gets the warmer cache
                bare = measure(BARE, round_no)
                pair = measure(M3TUI, round_no), bare
            else:
                pair = measure(M3TUI, round_no), measure(BARE, round_no)
            print_runs("warmup" if round_no == 0 else str(round_no), pair)
            runs.extend(pair)
    except BenchmarkError as exc:
        print(f"startup benchmark failed: {exc}", file=sys.stderr)
        return EXIT_ERROR

    measured = [r for r in runs if r.round > 0]
    paint = {app: statistics.median(r.first_paint_ms for r in measured if r.app == app) for app in APPS}
    rss = {app: statistics.median(r.peak_rss_kib for r in measured if r.app == app) for app in APPS}
    # The verdict is the median of the per-round ratios: a round's two runs see the same load,
    # so a slow minute on the box moves both and cancels out (the ratio of medians is shown too).
    by_round = {(r.round, r.app): r.first_paint_ms for r in measured}
    per_round = sorted(by_round[(n, "m3tui")] / by_round[(n, "bare")] for n in range(1, args.rounds + 1))
    paint_ratio = statistics.median(per_round)
    rss_ratio = rss["m3tui"] / rss["bare"]
    paint_ok, rss_ok = paint_ratio <= PAINT_TARGET, rss_ratio <= MEMORY_TARGET
    print_row("median", paint, rss)
    q1, q3 = per_round[len(per_round) // 4], per_round[(3 * len(per_round)) // 4]
    print(f"first paint ratio per round: median {paint_ratio:.2f}x, middle half {q1:.2f}x–{q3:.2f}x; "
          f"ratio of the medians {paint['m3tui'] / paint['bare']:.2f}x")  # fmt: skip
    print(verdict("first paint", f"{paint['m3tui']:.0f} ms", f"{paint['bare']:.0f} ms", paint_ratio, PAINT_TARGET))
    print(
        verdict("peak memory", f"{mib(rss['m3tui']):.1f} MiB", f"{mib(rss['bare']):.1f} MiB", rss_ratio, MEMORY_TARGET)
    )

    if args.json:
        result = {
            "size": {"columns": columns, "rows": rows},
            "rounds": args.rounds,
            "python": sys.version.split()[0],
            "median": {
                app: {"first_paint_ms": round(paint[app], 1), "peak_rss_mib": round(mib(rss[app]), 2)} for app in APPS
            },
            "ratio": {"first_paint": round(paint_ratio, 3), "peak_memory": round(rss_ratio, 3)},
            "target": {"first_paint": PAINT_TARGET, "peak_memory": MEMORY_TARGET},
            "ok": {"first_paint": paint_ok, "peak_memory": rss_ok},
            "runs": [asdict(r) | {"first_paint_ms": round(r.first_paint_ms, 1)} for r in runs],  # round 0: warm-up
        }
        print(json.dumps(result, indent=2))
    return EXIT_OK if paint_ok and rss_ok else EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
