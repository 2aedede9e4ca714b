"""The merged timeline of real files written by a Go program (tests/data/logmerge) with the
standard library's log, slog text and slog JSON, a skewed clock and out-of-order bursts.

The expected order is worked out here from the files with datetime (not m3tui's timeparse):
each line's time (the line before's for a trace line), the smallest from it to its file's end,
lines sorted by (that time, file), each file's order kept. The Go program runs in a zone of
+05:30 (TZ=Asia/Kolkata): std.log's times have no zone, so the merge reads them with --tz's zone.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from m3tui.logs.merge import MergedSource
from m3tui.logs.sources import open_file
from tests.appkit import FixedLogsBackend, settle, snapshot_app
from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR
from tests.wait import eventually

pytestmark = pytest.mark.go

SRC = Path(__file__).resolve().parents[1] / "data" / "logmerge"
ZONE = "Asia/Kolkata"
NAMES = ("std.log", "text.log", "json.log")
_ID = re.compile(rb"#(\d+)(?:\.late)?")


@pytest.fixture(scope="module")
def logmerge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert GO_BIN_DIR is not None
    binary = tmp_path_factory.mktemp("logmerge") / "logmerge"
    subprocess.run([str(GO_BIN_DIR / "go"), "build", "-o", str(binary), "."], cwd=SRC, env=go_env(), check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    return binary


def write_logs(binary: Path, folder: Path, *args: str) -> list[Path]:
    subprocess.run([str(binary), "-dir", str(folder), *args], env={**os.environ, "TZ": ZONE}, check=True, timeout=60)
    return [folder / n for n in NAMES]


def line_time(k: int, b: bytes) -> float | None:
    """The time of a line as each logger writes it, read with datetime."""
    text = b.decode()
    if k == 0:
        m = re.match(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}) ", text)
        return dt.datetime.strptime(m[1], "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=ZoneInfo(ZONE)).timestamp() if m else None
    if k == 1:
        return dt.datetime.fromisoformat(text.split()[0].removeprefix("time=")).timestamp()
    stamp = json.loads(text)["time"]
    return dt.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", stamp)).timestamp()


def expected(paths: list[Path]) -> list[tuple[int, bytes]]:
    keyed = []
    for k, p in enumerate(paths):
        lines = p.read_bytes().splitlines()
        rec, last = [], math.inf
        for b in lines:
            t = line_time(k, b)
            last = t if t is not None else last
            rec.append(last)
        run = math.inf
        for i in range(len(lines) - 1, -1, -1):
            run = min(run, rec[i])
            keyed.append((run, k, i, lines[i]))
    return [(k, b) for _, k, _, b in sorted(keyed)]


def rows(m: MergedSource) -> list[tuple[int, bytes]]:
    return [(m.origin(r), m.raw(r)[0]) for r in range(m.count())]


def ids(lines: list[bytes]) -> list[int]:
    return [int(m[1]) for b in lines if (m := _ID.search(b)) and b"late" not in b]


def test_merged_order_of_three_go_loggers(logmerge: Path, tmp_path: Path) -> None:
    paths = write_logs(logmerge, tmp_path, "-n", "90", "-skew", "40ms")
    want = expected(paths)
    assert len(want) > 100
    m = MergedSource([open_file(p, p.name) for p in paths], ZoneInfo(ZONE))
    assert rows(m) == want  # the tails are the whole files here: the timeline at once
    assert m.build() and m.adopt()
    assert rows(m) == want
    order = [b for _, b in want]
    where = {i: n for n, i in enumerate(ids(order))}
    # json.log's clock runs 40 ms ahead: its #2 comes after std's #3 and text's #4, written later
    assert where[2] > where[3] and where[2] > where[4]
    # each file's own order is kept
    for k, p in enumerate(paths):
        assert [b for kk, b in want if kk == k] == p.read_bytes().splitlines()
    # a panic's goroutine trace stays under it
    n = order.index(next(b for b in order if b.endswith(b"panic: worker 15 failed #15")))
    assert order[n + 1 : n + 4] == [b"goroutine 15 [running]:", b"main.work(0xf)", b"\t/src/main.go:15 +0x1d"]
    # read in UTC instead, std.log's local 16:00 would be 5.5 hours late: all its lines last (--tz matters)
    utc = MergedSource([open_file(p, p.name) for p in paths], dt.timezone.utc)
    n_std = len(paths[0].read_bytes().splitlines())
    assert [k for k, _ in rows(utc)][-n_std:] == [0] * n_std


async def test_pane_shows_marks_and_follows_all_files(logmerge: Path, tmp_path: Path) -> None:
    from m3tui.tui.panes.log_view import LogView
    from m3tui.tui.panes.logs import LogsPane

    paths = write_logs(logmerge, tmp_path, "-n", "60", "-skew", "40ms")
    want = expected(paths)
    async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        pane = pilot.app.main_screen.query_one(LogsPane)
        await eventually(lambda: pane.built and pane.query(LogView))
        pane.merging.tz = ZoneInfo(ZONE)
        pane.open_paths(paths)
        await eventually(lambda: pane.source is not None and pane.source.kind == "merged" and pane.source.indexed,
                         what="the merged timeline")  # fmt: skip
        await pilot.pause()
        src = pane.source
        assert isinstance(src, MergedSource) and rows(src) == want
        assert "std.log, text.log, json.log" in pane._status_text
        shown = [line.rstrip() for line in pane.view.visible_lines() if line.strip()]
        for line, (k, raw) in zip(shown, want[-len(shown):], strict=True):  # the timeline's end, each line marked
            assert f" {NAMES[k]} " in line, line  # the file's mark in the gutter
            if m := _ID.search(raw):
                assert m[0].decode() in line, (line, raw)

        await pilot.press("f")
        await eventually(lambda: pane.follow_ready is not None and pane.follow_ready.is_set(), what="every file watched")
        before = src.count()
        write_logs(logmerge, tmp_path, "-n", "30", "-start", "60", "-skew", "0", "-late=false")
        grown = sum(len(p.read_bytes().splitlines()) for p in paths)
        await eventually(lambda: src.count() == grown, what="the appended lines merged")
        await pilot.pause()
        added = [src.raw(r)[0] for r in range(before, src.count())]
        assert ids(added) == list(range(60, 90))  # in time order across the three files (the order written)
        assert pane.view.at_bottom
        assert "#89" in "\n".join(pane.view.visible_lines())
