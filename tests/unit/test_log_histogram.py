"""The histogram strip's counts: lines per time bucket by level, equal to counts made here from
the generator's own knowledge of each line's time and level (lines without a time included)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter

import pytest

from m3tui.logs.histogram import ERROR, OTHER, WARN, Histogram, nice_width
from m3tui.logs.sources import line_rank
from m3tui.logs.timeparse import line_time

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 11, 58, 7, tzinfo=UTC).timestamp()


def generate(seed: int, n: int) -> tuple[list[bytes], list[tuple[float | None, int]]]:
    """Lines in four forms (slog JSON, slog text, Go log, plain text without a time), each with
    the time and level class it was written with (None: no time in the line)."""
    rnd = random.Random(seed)
    lines: list[bytes] = []
    truth: list[tuple[float | None, int]] = []
    t = T0
    for _ in range(n):
        t += rnd.choice([0.0, 0.4, 3.0, 17.5, 61.0]) * (-1 if rnd.random() < 0.03 else 1)  # a few steps back
        level = rnd.choice(["DEBUG", "INFO", "INFO", "WARN", "ERROR"])
        cls = {"WARN": WARN, "ERROR": ERROR}.get(level, OTHER)
        stamp = dt.datetime.fromtimestamp(t, UTC)
        kind = rnd.random()
        if kind < 0.35:
            line = json.dumps({"time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "level": level, "msg": "m"})
        elif kind < 0.65:
            line = f'time={stamp.isoformat(timespec="microseconds")} level={level} msg="served"'
        elif kind < 0.85:
            line, cls = f"{stamp:%Y/%m/%d %H:%M:%S} worker {rnd.randrange(9)}: plain", OTHER  # Go log: no level
            t = float(int(t))  # whole seconds only: the time the line says
        else:
            line, cls = rnd.choice(["\tat main.f(0x1)", "goroutine 7 [running]:", "continued", ""]), OTHER
            lines.append(line.encode())
            truth.append((None, cls))
            continue
        lines.append(line.encode())
        truth.append((t, cls))
    return lines, truth


def expected(truth: list[tuple[float | None, int]], start: float, width: float, buckets: int) -> Counter[tuple[int, int]]:
    """(bucket, class) -> lines, worked out from the generator's times: an untimed line goes with
    the line before it, a time outside the span to the nearest end."""
    counts: Counter[tuple[int, int]] = Counter()
    bucket = 0
    for t, cls in truth:
        if t is not None:
            bucket = int((t - start) // width)
            bucket = 0 if bucket < 0 else buckets - 1 if bucket >= buckets else bucket
        counts[bucket, cls] += 1
    return counts


@pytest.mark.parametrize("seed,n,columns", [(1, 3000, 60), (2, 500, 7), (3, 20_000, 120)])
def test_the_counts_equal_the_lines_per_bucket(seed: int, n: int, columns: int) -> None:
    lines, truth = generate(seed, n)
    times = [t for t, _ in truth if t is not None]
    hist = Histogram.spanning(times[len(times) // 10], max(times), columns)  # a span that leaves some lines out: clamped
    assert hist.buckets <= columns
    numbered = list(enumerate(lines))
    for k in range(0, n, 777):  # fed in chunks, as the pane's thread does
        hist.add(numbered[k : k + 777], lambda raw: line_time(raw, UTC), line_rank)
    snap = hist.snapshot(done=True)
    want = expected(truth, snap.start, snap.width, len(snap.counts))
    got = Counter({(b, c): v for b, row in enumerate(snap.counts) for c, v in enumerate(row) if v})
    assert got == want
    assert snap.lines == n == sum(got.values())
    assert sum(v for (_, c), v in got.items() if c == ERROR) > 0 and sum(v for (_, c), v in got.items() if c == WARN) > 0
    for b, first in enumerate(snap.first_lines):  # the jump target: the first line counted there
        if first >= 0:
            assert want[b, OTHER] + want[b, WARN] + want[b, ERROR] > 0


def test_untimed_lines_before_the_first_time_count_in_the_first_bucket() -> None:
    hist = Histogram.spanning(100.0, 400.0, 10)
    hist.add(enumerate([b"no time", b"2024-05-01T00:00:00Z x", b"trace"]), lambda raw: 250.0 if raw[:1] == b"2" else None,
             line_rank)  # fmt: skip
    snap = hist.snapshot()
    assert snap.total(0) == 1
    assert snap.total(hist.bucket_of(250.0)) == 2
    assert snap.first_lines[hist.bucket_of(250.0)] == 1


def test_nice_widths_fit_the_span_in_the_columns() -> None:
    assert nice_width(0, 59, 60) == 1
    assert nice_width(0, 600, 60) == 15
    assert nice_width(0, 86400 * 30, 10) == 86400 * 4  # 3 days: 11 buckets (0-3, …, 30-33)
    for lo in (0.0, 17.3, 86399.9):
        for span in (0, 1, 59, 3599, 86399, 10**7):
            for cols in (1, 7, 80):
                assert Histogram.spanning(lo, lo + span, cols).buckets <= cols
