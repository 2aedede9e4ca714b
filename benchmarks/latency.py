"""The test suite's former sub-0.2 s wall-clock checks, each against a baseline timed in the same run.

The tests keep what these checks meant functionally (the tail is read without an index, only
a head is decoded, lines arrive in order, checks run concurrently and stream); how fast is
measured here, where a loaded machine makes a slow round, not a failed test.

* tail:   `LineIndex(FILE)` + `tail(50)` on a ~205 MB, 3.8-million-line log (the unit test's
          file), against `tail -n 50 FILE` (coreutils, a whole process). Target: <= 0.2 s.
* cut:    `safe_text()` of 10 MB of "a" with `max_chars=100`, and of 10 MB of random bytes,
          against decoding the head it keeps (`raw[:4 * max_chars].decode(errors="replace")`).
          Target: <= 50 ms each.
* follow: a line appended (open, write, close) to a file that `m3tui.logs.follow.follow()`
          follows (watchfiles, then polling), until `on_lines` has it, against `tail -F FILE`
          until the line is on its stdout. Target: median <= 100 ms.
* doctor: `run_doctor()` with three checks that sleep 0.05, 0.2 and 0.4 s: time to the first
          finding against 0.05 s (target <= 0.2 s: it streams) and the whole run against 0.4 s
          (target <= 0.6 s: the checks run at once).

Each figure alternates with its baseline, --rounds times; medians and the ratio of the
medians are printed. Exit status 0 when every target holds, 1 when one is missed, 2 when a
measurement failed.

    python benchmarks/latency.py [--rounds 7] [--only tail cut follow doctor]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.testdata import write_big_log  # noqa: E402 - the checkout's root is on sys.path only now

CHECKS = ("tail", "cut", "follow", "doctor")
BIG_LINES = 3_800_000


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def report(name: str, ours: list[float], base: list[float], base_name: str, target: float) -> bool:
    m, b = statistics.median(ours), statistics.median(base)
    ok = m <= target
    print(f"{name}: median {m * 1000:.2f} ms (max {max(ours) * 1000:.2f}), {base_name} {b * 1000:.2f} ms: "
          f"{m / b:.2f}x; target <= {target * 1000:.0f} ms {verdict(ok)}")  # fmt: skip
    return ok


def big_log(directory: Path) -> Path:
    return write_big_log(directory / "big.log", BIG_LINES)


def bench_tail(rounds: int, tmp: Path) -> bool:
    from m3tui.logs.index import LineIndex

    path = big_log(tmp)
    with open(path, "rb") as f:  # into the page cache, for both sides
        while f.read(1 << 24):
            pass
    ours, base = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        ix = LineIndex(path)
        tail = ix.tail(50)
        ours.append(time.perf_counter() - start)
        ix.close()
        assert tail[-1][1] == b"the very last line"
        start = time.perf_counter()
        subprocess.run(["tail", "-n", "50", str(path)], capture_output=True, check=True)
        base.append(time.perf_counter() - start)
    path.unlink()
    return report("tail: open + tail(50)", ours, base, "tail -n 50", 0.2)


def bench_cut(rounds: int) -> bool:
    from m3tui.logs.index import safe_text

    ok = True
    huge = b"a" * 10_000_000
    garbage = random.Random(1).randbytes(1_000_000) * 10
    for name, raw, kw, keep in (("cut: 10 MB, max_chars=100", huge, {"max_chars": 100}, 400),
                                ("cut: 10 MB of random bytes", garbage, {}, 4 * 4000)):  # fmt: skip
        ours, base = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            safe_text(raw, **kw)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            raw[:keep].decode("utf-8", errors="replace")
            base.append(time.perf_counter() - start)
        ok &= report(name, ours, base, "decoding the kept head", 0.05)
    return ok


async def _follow_latency(path: Path, rounds: int, use_watchfiles: bool) -> list[float]:
    from m3tui.logs.follow import follow

    arrived: dict[bytes, float] = {}

    def on_lines(lines: list[bytes]) -> None:
        now = time.perf_counter()
        for line in lines:
            arrived.setdefault(line, now)

    stop = asyncio.Event()
    task = asyncio.create_task(follow(path, on_lines, stop=stop, use_watchfiles=use_watchfiles))
    n = 0
    while not arrived:  # until the follower reads the file
        with open(path, "ab") as f:
            f.write(b"ready %d\n" % n)
        n += 1
        await asyncio.sleep(0.05)
    latencies = []
    for i in range(rounds):
        line = b"line %d %d" % (use_watchfiles, i)
        sent = time.perf_counter()
        with open(path, "ab") as f:
            f.write(line + b"\n")
        deadline = sent + 5
        while line not in arrived:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"follow never delivered {line!r}")
            await asyncio.sleep(0.002)
        latencies.append(arrived[line] - sent)
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    return latencies


def _tail_f_latency(path: Path, rounds: int) -> list[float]:
    proc = subprocess.Popen(["tail", "-n", "0", "-F", str(path)], stdout=subprocess.PIPE, bufsize=0)
    try:
        assert proc.stdout is not None
        deadline = time.perf_counter() + 10
        while not select.select([proc.stdout], [], [], 0.05)[0]:  # until tail follows: a line it prints
            if time.perf_counter() > deadline:
                raise RuntimeError("tail -F never printed a line")
            with open(path, "ab") as f:
                f.write(b"ready\n")
        time.sleep(0.2)
        os.read(proc.stdout.fileno(), 1 << 16)  # the ready lines
        latencies = []
        for i in range(rounds):
            line = b"tail %d\n" % i
            sent = time.perf_counter()
            with open(path, "ab") as f:
                f.write(line)
            got = proc.stdout.readline()
            latencies.append(time.perf_counter() - sent)
            if got != line:
                raise RuntimeError(f"tail -F printed {got!r}, not {line!r}")
            time.sleep(0.05)
        return latencies
    finally:
        proc.kill()
        proc.wait()


def bench_follow(rounds: int, tmp: Path) -> bool:
    ok = True
    path = tmp / "follow.log"
    path.write_bytes(b"before\n")
    base = _tail_f_latency(path, rounds * 3)
    for use_watchfiles in (True, False):
        ours = asyncio.run(_follow_latency(path, rounds * 3, use_watchfiles))
        how = "watchfiles" if use_watchfiles else "polling"
        ok &= report(f"follow ({how}): append to on_lines", ours, base, "tail -F", 0.1)
    return ok


async def _doctor_once() -> tuple[float, float]:
    from m3tui.doctor.model import DoctorContext, Finding, Group, Status
    from m3tui.doctor.run import run_doctor

    first: list[float] = []

    def make(name: str, delay: float):
        async def check(ctx: DoctorContext) -> list[Finding]:
            await asyncio.sleep(delay)
            return [Finding(f"go.{name}", Group.GO, Status.OK, name)]

        check.__name__ = f"check_{name}"
        return check

    checks = [(Group.GO, make("slow", 0.4)), (Group.GO, make("fast", 0.05)), (Group.GO, make("mid", 0.2))]
    start = time.perf_counter()
    await run_doctor(DoctorContext(cwd=Path.cwd()), lambda f: first.append(time.perf_counter() - start), checks)
    return first[0], time.perf_counter() - start


def bench_doctor(rounds: int) -> bool:
    firsts, wholes, sleeps = [], [], []
    for _ in range(rounds):
        first, whole = asyncio.run(_doctor_once())
        firsts.append(first)
        wholes.append(whole)
        start = time.perf_counter()
        asyncio.run(asyncio.sleep(0.05))
        sleeps.append(time.perf_counter() - start)
    ok = report("doctor: first finding (checks of 0.05/0.2/0.4 s)", firsts, sleeps, "asyncio.sleep(0.05)", 0.2)
    ok &= report("doctor: whole run", wholes, [0.4], "the slowest check's 0.4 s", 0.6)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", nargs="+", choices=CHECKS, default=list(CHECKS))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="m3tui-bench-latency-"))
    os.environ["M3TUI_HOME"] = str(tmp / "home")
    ok = True
    try:
        if "tail" in args.only:
            ok &= bench_tail(args.rounds, tmp)
        if "cut" in args.only:
            ok &= bench_cut(args.rounds)
        if "follow" in args.only:
            ok &= bench_follow(args.rounds, tmp)
        if "doctor" in args.only:
            ok &= bench_doctor(args.rounds)
    except Exception as exc:  # noqa: BLE001 - a failed measurement is exit 2, not a traceback
        print(f"measurement failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
