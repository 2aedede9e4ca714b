"""A followed source's histogram grows by its new lines only (Histogram.add_more): the counts equal
those of the whole lines counted afresh over the same buckets, past the span too (buckets added,
neighbours merged when there are too many)."""

from __future__ import annotations

import pytest

from m3tui.logs.histogram import Histogram
from m3tui.logs.sources import line_rank
from m3tui.logs.timeparse import line_time
from tests.unit.test_log_histogram import generate


def _bucket_counts(lines: list[bytes], hist: Histogram) -> list[list[int]]:
    """Counted afresh, in plain Python, over ``hist``'s final buckets (an untimed line: the line before's)."""
    fresh = Histogram(hist.start, hist.width, hist.buckets)
    fresh.add(list(enumerate(lines)), line_time, line_rank)
    return fresh.counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_new_lines_extend_the_buckets_and_counts_stay_exact(seed: int) -> None:
    lines, _ = generate(seed, 3000)
    first, rest = lines[:1000], lines[1000:]
    times = [t for raw in first if (t := line_time(raw)) is not None]
    hist = Histogram.spanning(times[0], times[-1], 40)
    hist.add(list(enumerate(first)), line_time, line_rank)
    width0, buckets0 = hist.width, hist.buckets
    for at in range(1000, 3000, 250):  # as a follower hands them over
        hist.add_more(list(enumerate(lines[at:at + 250], start=at)), line_time, line_rank, most=40)
        assert hist.buckets <= 40
    assert hist.lines == 3000
    assert hist.width > width0 or hist.buckets > buckets0  # the later lines are past the first span
    assert hist.counts == _bucket_counts(lines, hist)
    firsts = [-1] * hist.buckets
    bucket = 0
    for i, raw in enumerate(lines):
        if (t := line_time(raw)) is not None:
            bucket = hist.bucket_of(t)
        if firsts[bucket] < 0:
            firsts[bucket] = i
    assert hist.first_lines == firsts
    assert rest  # (the second part was really there)


def test_a_source_without_timestamps_keeps_its_one_bucket() -> None:
    hist = Histogram.spanning(None, None, 40)
    hist.add([(0, b"no time here")], line_time, line_rank)
    hist.add_more([(1, b'{"time":"2024-05-01T12:00:00Z","level":"ERROR"}'), (2, b"plain")], line_time, line_rank, most=40)
    assert hist.buckets == 1 and hist.counts == [[2, 0, 1]] and hist.lines == 3
