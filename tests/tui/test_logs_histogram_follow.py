"""The histogram strip (H) of a followed file grows with the lines followed in, counting only those."""

from __future__ import annotations

from pathlib import Path

from m3tui.logs.histogram import Histogram
from m3tui.logs.sources import line_rank
from m3tui.logs.timeparse import line_time
from m3tui.tui.widgets.histogram import HistogramStrip
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import indexed, open_logs, watching
from tests.wait import eventually


def lines(first: int, n: int) -> list[str]:
    """One line every 10 s from 12:00:00 UTC + ``first`` steps; every 5th a warning, every 9th an error."""
    out = []
    for i in range(first, first + n):
        level = "ERROR" if i % 9 == 0 else "WARN" if i % 5 == 0 else "INFO"
        s = i * 10
        out.append(f"time=2024-05-01T{12 + s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z level={level} msg=\"step {i}\"")
    return out


async def test_the_strip_of_a_followed_file_counts_the_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines(0, 120)) + "\n")  # 20 minutes
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot, log)
        await indexed(pilot, pane)
        await pilot.press("f")
        await watching(pane)
        await pilot.press("H")
        strip = pane.query_one(HistogramStrip)
        await eventually(lambda: strip.snapshot is not None and strip.snapshot.done, what="the fill")
        assert strip.snapshot.lines == 120
        with log.open("a") as f:  # 20 minutes within the span's last bucket and then two hours past it
            f.write("\n".join(lines(120, 60)) + "\n\tcontinued without a time\n" + "\n".join(lines(900, 30)) + "\n")
        await eventually(lambda: strip.snapshot is not None and strip.snapshot.lines == 211, timeout=20,
                         what="the strip to count the followed lines")  # fmt: skip
        assert pane.histogram.fills == 1  # counted into the strip, not filled again
        snap = strip.snapshot
        everything = log.read_bytes().splitlines()
        fresh = Histogram(snap.start, snap.width, len(snap.counts))
        fresh.add(list(enumerate(everything)), line_time, line_rank)
        assert [list(c) for c in snap.counts] == fresh.counts and snap.lines == len(everything)
        assert snap.start + len(snap.counts) * snap.width > 1714564800 + 9290  # its buckets reach the last line, 14:34:50
        assert len(snap.counts) <= strip.size.width


async def test_the_strip_of_a_followed_merged_timeline_counts_the_new_lines(tmp_path: Path) -> None:
    from m3tui.logs.merge import MergedSource

    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join(lines(0, 60)) + "\n")
    b.write_text("\n".join(lines(60, 60)) + "\n")
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(100, 30)) as pilot:
        pane = await open_logs(pilot)
        pane.open_paths([a, b])
        await eventually(lambda: isinstance(pane.source, MergedSource) and pane.source.indexed, what="the merged files")
        await pilot.pause()
        await pilot.press("f")
        await watching(pane)
        await pilot.press("H")
        strip = pane.query_one(HistogramStrip)
        await eventually(lambda: strip.snapshot is not None and strip.snapshot.done, what="the fill")
        assert strip.snapshot.lines == 120
        with b.open("a") as f:
            f.write("\n".join(lines(120, 40)) + "\n")
        await eventually(lambda: strip.snapshot is not None and strip.snapshot.lines == 160, timeout=20,
                         what="the strip to count the merged new lines")  # fmt: skip
        assert pane.histogram.fills == 1
        snap = strip.snapshot
        fresh = Histogram(snap.start, snap.width, len(snap.counts))
        fresh.add(list(enumerate(a.read_bytes().splitlines() + b.read_bytes().splitlines())), line_time, line_rank)
        assert [list(c) for c in snap.counts] == fresh.counts
