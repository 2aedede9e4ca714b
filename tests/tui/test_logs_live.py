"""The Logs pane on a live stdin spool (logs/livespool.py): followed without `f`, alone or merged
with a file, and a copy stopped by its budget said in the status line."""

from __future__ import annotations

import os
from pathlib import Path

from m3tui.logs.livespool import LiveSpool
from m3tui.logs.merge import MergedSource
from tests.appkit import FixedLogsBackend, snapshot_app
from tests.tui.test_logs_pane import open_logs, shown_text, watching
from tests.wait import eventually


def live(tmp_path: Path, budget: int | None = None) -> tuple[int, LiveSpool]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    path = tmp_path / "tmp" / "stdin-p1-live.log"  # named as cli/main.py's spool is: shown as "stdin"
    r, w = os.pipe()
    return w, LiveSpool(r, os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), path, budget=budget).start()


async def test_a_live_spool_is_followed_and_its_stop_is_said_in_the_status(tmp_path: Path) -> None:
    w, spool = live(tmp_path, budget=400)
    os.write(w, b"level=INFO msg=first\n")
    try:
        async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 30)) as pilot:
            pane = await open_logs(pilot)
            pane.open_paths([spool.path])
            await eventually(lambda: pane.source is not None and pane.source.name == "stdin", what="the spool shown")
            await eventually(lambda: pane.following, what="followed without f")
            await watching(pane)
            os.write(w, b"level=WARN msg=second-line\n")
            await eventually(lambda: "second-line" in shown_text(pane), timeout=10, what="the piped line")
            os.write(w, b"level=ERROR msg=" + b"x" * 500 + b"\n")  # past the budget
            await eventually(lambda: "stopped" in pane._status_text, timeout=10, what="the stop in the status")
            assert "spool stopped" in pane._status_text or "stdin: stopped spooling after" in pane._status_text
            # (the status reads the spool's error as soon as it is set; the notification comes on the next look)
            await eventually(lambda: any(n.message.startswith("stdin: stopped spooling after ") for n in pilot.app._notifications),
                             timeout=10, what="the whole line notified")
            assert "second-line" in shown_text(pane)  # what came before stays
    finally:
        os.close(w)
        spool.stop()


async def test_a_live_spool_merged_with_a_file_is_followed(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2024-05-01T12:00:00Z level=INFO msg=from-the-file\n")
    w, spool = live(tmp_path)
    try:
        async with snapshot_app(logs=FixedLogsBackend()).run_test(size=(120, 30)) as pilot:
            pane = await open_logs(pilot)
            pane.open_paths([log, spool.path])
            await eventually(lambda: isinstance(pane.source, MergedSource), what="the merged timeline")
            await eventually(lambda: pane.following, what="followed without f")
            await watching(pane)
            os.write(w, b"2024-05-01T12:00:01Z level=INFO msg=from-the-pipe\n")
            await eventually(lambda: "from-the-pipe" in shown_text(pane), timeout=10, what="the piped line merged")
            assert "from-the-file" in shown_text(pane)
    finally:
        os.close(w)
        spool.stop()
