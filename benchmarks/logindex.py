"""LineIndex: full index build against `wc -l`, index bytes per line, and time to tail.

Generates (once; cached under /tmp/m3tui-bench-logindex/, reused by later runs) a ~740 MB,
10,000,000-line log of realistic mixed lines (slog JSON, slog text, Go `log` lines, go test
output, the odd long stack line), then, alternately for --rounds rounds:

* `wc -l FILE` (the file is in the page cache after the warm-up read);
* a full `LineIndex(FILE).build()` (open + index every byte, pread).

It prints every round, the median ratio build / wc -l (target <= 25x), the index's bytes
per line (its checkpoints plus cached block offsets; target <= 16) and the time to open
the file and read its last 50 lines (`tail(50)`, no index needed).
Exits 1 when a target is missed.

    python benchmarks/logindex.py [--rounds 5] [--lines 10000000] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from m3tui.logs.index import LineIndex  # noqa: E402

RATIO_TARGET = 25.0
BYTES_PER_LINE_TARGET = 16.0


def generate(path: Path, lines: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    comps = ["api", "db-pool", "auth", "cache", "scheduler"]
    msgs = ["request served", "query done", "token refreshed", "cache miss", "job started", "retrying"]
    pool: list[bytes] = []
    for i in range(20_000):  # a pool of distinct lines, repeated in random order
        kind = rnd.random()
        ts = f"2024-05-01T12:{i // 600 % 60:02d}:{i % 60:02d}.{rnd.randrange(10**6):06d}Z"
        if kind < 0.45:
            line = json.dumps({"time": ts, "level": rnd.choice(["INFO", "DEBUG", "WARN", "ERROR"]),
                               "msg": rnd.choice(msgs), "component": rnd.choice(comps),
                               "ms": rnd.randrange(500)}, separators=(",", ":"))  # fmt: skip
        elif kind < 0.75:
            line = f"time={ts} level={rnd.choice(['INFO', 'WARN'])} msg=\"{rnd.choice(msgs)}\" n={rnd.randrange(99)}"
        elif kind < 0.93:
            line = f"2024/05/01 12:00:{i % 60:02d} worker {rnd.randrange(64)}: {rnd.choice(msgs)}"
        elif kind < 0.998:
            line = rnd.choice(["=== RUN   TestCart", "--- PASS: TestCart (0.00s)", "ok  \texample.com/shop\t0.4s", ""])
        else:
            line = "goroutine 1 [running]: " + "main.f(0x1)\t" * rnd.randrange(10, 30)
        pool.append(line.encode() + b"\n")
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as f:
        written = 0
        while written < lines:
            n = min(100_000, lines - written)
            f.write(b"".join(rnd.choices(pool, k=n)))
            written += n
    os.replace(part, path)


def wc_l(path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    out = subprocess.run(["wc", "-l", str(path)], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - t0, int(out.split()[0])


def build(path: Path) -> tuple[float, LineIndex]:
    t0 = time.perf_counter()
    ix = LineIndex(path)
    ix.build()
    return time.perf_counter() - t0, ix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/m3tui-bench-logindex"))
    args = parser.parse_args()

    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"mixed-{args.lines}.log"
    if not path.exists():
        print(f"generating {path} ({args.lines:,} lines) …", flush=True)
        t0 = time.perf_counter()
        generate(path, args.lines)
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    size = path.stat().st_size
    print(f"file: {path} ({size / 1e6:.0f} MB, {args.lines:,} lines)")

    with open(path, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass

    tails = []
    for _ in range(5):
        t0 = time.perf_counter()
        with LineIndex(path) as ix:
            last = ix.tail(50)
        tails.append(time.perf_counter() - t0)
    assert len(last) == 50

    wcs, builds, ratios = [], [], []
    per_line = 0.0
    for r in range(args.rounds):
        w, n = wc_l(path)
        b, ix = build(path)
        assert ix.line_count == n == args.lines, (ix.line_count, n)
        ix.lines(n // 2, n // 2 + 50)  # a screenful in the middle (fills one cached block)
        per_line = ix.index_nbytes / ix.line_count
        ix.close()
        wcs.append(w)
        builds.append(b)
        ratios.append(b / w)
        print(f"round {r + 1}: wc -l {w * 1000:7.1f} ms   build {b * 1000:7.1f} ms   ratio {b / w:5.1f}x")

    ratio = statistics.median(ratios)
    tail_ms = statistics.median(tails) * 1000
    print()
    print(f"wc -l (median)          {statistics.median(wcs) * 1000:8.1f} ms")
    print(f"full build (median)     {statistics.median(builds) * 1000:8.1f} ms")
    print(f"ratio build / wc -l     {ratio:8.1f} x    (target <= {RATIO_TARGET:.0f}x)")
    print(f"index bytes per line    {per_line:8.3f}      (target <= {BYTES_PER_LINE_TARGET:.0f})")
    print(f"open + tail(50)         {tail_ms:8.2f} ms")
    ok = ratio <= RATIO_TARGET and per_line <= BYTES_PER_LINE_TARGET
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
