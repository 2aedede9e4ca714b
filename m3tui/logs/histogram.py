"""Lines per time bucket, by level: the numbers behind the Logs pane's histogram strip.

Pure computation over lines (bytes), no I/O and no Textual: the pane feeds it from a thread, a
chunk at a time, and draws :meth:`Histogram.snapshot` as it fills (like lnav's histogram view).

Buckets are a "nice" width (1 s, 5 s, 1 min, … 1 day) chosen from the source's first and last
timestamps so that at most ``columns`` buckets span them. A line's time is
:func:`m3tui.logs.timeparse.line_time`; a line without one counts in the bucket of the line
before it (the lines of a stack trace belong to their record), and lines before the first
timed one in the first bucket. A time outside the span (a skewed clock, a file that grew) is
clamped to the first or last bucket: every line is counted exactly once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["ERROR", "LEVELS", "OTHER", "WARN", "Histogram", "HistogramSnapshot", "level_class", "nice_width"]

#: The level classes a bucket counts (indexes into its counts): the strip colours by them.
OTHER, WARN, ERROR = 0, 1, 2
LEVELS = ("other", "warn", "error")

#: Bucket widths, in seconds, the strip chooses from (the smallest that fits the span).
WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def level_class(rank: int) -> int:
    """A level rank (:func:`m3tui.logs.format.level_rank`) as the strip's class."""
    return ERROR if rank >= 40 else WARN if rank >= 30 else OTHER


def nice_width(first: float, last: float, columns: int) -> float:
    """The smallest of WIDTHS (or whole days beyond) whose buckets, aligned on multiples of it,
    cover ``first``..``last`` in at most ``columns``."""
    lo, hi = min(first, last), max(first, last)
    columns = max(1, columns)

    def fits(w: float) -> bool:
        return math.floor(hi / w) - math.floor(lo / w) + 1 <= columns

    for w in WIDTHS:
        if fits(w):
            return float(w)
    days = max(1, math.ceil((hi - lo) / 86400.0 / columns))
    while not fits(86400.0 * days):
        days += 1
    return 86400.0 * days


@dataclass(frozen=True)
class HistogramSnapshot:
    """What the strip draws: a copy, safe to hand from the filling thread to the UI."""

    start: float  # epoch of bucket 0's start
    width: float  # seconds per bucket
    counts: tuple[tuple[int, int, int], ...]  # per bucket: (other, warn, error) lines
    first_lines: tuple[int, ...]  # per bucket: its first line (by number), -1 when empty
    lines: int  # lines counted so far
    done: bool

    def total(self, bucket: int) -> int:
        return sum(self.counts[bucket])


@dataclass
class Histogram:
    """Counts filled a chunk of lines at a time (:meth:`add`), in line order."""

    start: float
    width: float
    buckets: int
    counts: list[list[int]] = field(default_factory=list)
    first_lines: list[int] = field(default_factory=list)
    lines: int = 0
    _bucket: int = 0  # the bucket of the last line counted (for lines without a time)

    def __post_init__(self) -> None:
        self.buckets = max(1, self.buckets)
        self.counts = [[0, 0, 0] for _ in range(self.buckets)]
        self.first_lines = [-1] * self.buckets

    @classmethod
    def spanning(cls, first: float | None, last: float | None, columns: int) -> Histogram:
        """Buckets over ``first``..``last`` (None: no timestamp known; one bucket)."""
        if first is None or last is None:
            return cls(0.0, 1.0, 1)
        lo, hi = min(first, last), max(first, last)
        width = nice_width(lo, hi, columns)
        start = math.floor(lo / width) * width
        return cls(start, width, int((hi - start) // width) + 1)

    def bucket_of(self, t: float) -> int:
        return min(self.buckets - 1, max(0, int((t - self.start) // self.width)))

    def add(self, lines: Iterable[tuple[int, bytes]], time_of: Callable[[bytes], float | None],
            rank_of: Callable[[bytes], int]) -> None:  # fmt: skip
        """Count ``(number, raw)`` lines, in order: each in its time's bucket, or the last line's."""
        counts, firsts = self.counts, self.first_lines
        bucket = self._bucket
        n = 0
        for number, raw in lines:
            t = time_of(raw)
            if t is not None:
                bucket = self.bucket_of(t)
            counts[bucket][level_class(rank_of(raw))] += 1
            if firsts[bucket] < 0:
                firsts[bucket] = number
            n += 1
        self._bucket = bucket
        self.lines += n

    def add_more(self, lines: list[tuple[int, bytes]], time_of: Callable[[bytes], float | None],
                 rank_of: Callable[[bytes], int], most: int) -> None:  # fmt: skip
        """A followed source's new lines: buckets added up to their latest time (past ``most``
        buckets, the width doubled by merging neighbours: counts stay exact), then counted."""
        timed = not (self.buckets == 1 and self.start == 0.0 and self.width == 1.0)  # "no timestamps": one bucket
        latest = max((t for _, raw in lines if (t := time_of(raw)) is not None), default=None) if timed else None
        if latest is not None and latest >= self.start + self.buckets * self.width:
            more = int((latest - self.start) // self.width) + 1 - self.buckets
            self.counts.extend([0, 0, 0] for _ in range(more))
            self.first_lines.extend([-1] * more)
            self.buckets += more
            while self.buckets > max(1, most):
                self._coarsen()
        self.add(lines, time_of, rank_of)

    def _coarsen(self) -> None:
        """Each pair of neighbouring buckets made one, twice as wide (the start stays)."""
        if self.buckets % 2:
            self.counts.append([0, 0, 0])
            self.first_lines.append(-1)
        pairs = range(0, len(self.counts), 2)
        self.counts = [[a + b for a, b in zip(self.counts[i], self.counts[i + 1], strict=True)] for i in pairs]
        self.first_lines = [min((f for f in self.first_lines[i:i + 2] if f >= 0), default=-1) for i in pairs]
        self.buckets = len(self.counts)
        self.width *= 2
        self._bucket //= 2

    def snapshot(self, done: bool = False) -> HistogramSnapshot:
        return HistogramSnapshot(self.start, self.width, tuple((a, b, c) for a, b, c in self.counts),
                                 tuple(self.first_lines), self.lines, done)  # fmt: skip
