"""`m3tui logs FILE`: the file's tail is on screen from the first frame that shows the file."""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from m3tui.core.config import cache_dir, load_config
from m3tui.logs.sources import FileSource
from m3tui.tui.app import M3tuiApp
from m3tui.tui.backends import Backends
from m3tui.tui.panes import logs as logs_pane
from m3tui.tui.panes.logs import LogsPane
from tests.appkit import FixedLogsBackend, fixed_doctor, fixed_probe
from tests.wait import eventually


async def test_the_tail_opened_at_start_shows_its_last_line_before_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The view scrolls to the tail's end at once (it stayed at the tail's top until the index
    was done: Textual refuses a scroll before the first layout has shown the scrollbar)."""
    monkeypatch.setattr(logs_pane, "INDEX_DELAY", 60.0)  # the tail alone, however loaded the machine
    log = tmp_path / "big.log"
    log.write_text("".join(f"line {i:06d} INFO something happened\n" for i in range(100_000)) + "the very last line\n")
    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=fixed_doctor, open_logs=[log],
                   backends=Backends(logs=FixedLogsBackend()))  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.main_screen.query_one(LogsPane)
        await eventually(lambda: pane.source is not None)
        await pilot.pause()
        assert not pane.source.indexed  # the tail
        text = "\n".join(pane.view.visible_lines())
        assert "the very last line" in text
        assert "line 099999" in text


class CountingLogs(FixedLogsBackend):
    """The real files, counting how each was opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    async def open(self, path: Path, name: str, *, progress: Callable[[float], None] | None = None) -> FileSource:
        self.opened.append(f"open {name}")
        return await super().open(path, name, progress=progress)

    def open_now(self, path: Path, name: str) -> FileSource | None:
        src = super().open_now(path, name)
        self.opened.append(f"open_now {name} -> {'tail' if src else 'None'}")
        return src


async def test_a_plain_file_is_read_before_the_first_paint_and_a_gzip_file_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain file's tail is read while the screen is composed (the first paint shows it: no
    worker, no frame without it); a .gz needs its spool, which never runs on the UI thread."""
    monkeypatch.setattr(logs_pane, "INDEX_DELAY", 60.0)
    plain = tmp_path / "app.log"
    plain.write_text("".join(f"line {i:05d}\n" for i in range(5000)) + "plain last line\n")
    packed = tmp_path / "old.log.gz"
    packed.write_bytes(gzip.compress(b"".join(b"gz line %05d\n" % i for i in range(5000)) + b"gz last line\n"))
    bz = tmp_path / "old.log.bz2"
    bz.write_bytes(bz2.compress(b"bz line\n" * 100))
    spools = set((cache_dir() / "tmp").glob("*")) if (cache_dir() / "tmp").is_dir() else set()
    for log, last in ((plain, "plain last line"), (packed, "gz last line")):
        backend = CountingLogs()
        app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=fixed_doctor, open_logs=[log],
                       backends=Backends(logs=backend))  # fmt: skip
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.main_screen.query_one(LogsPane)
            await eventually(lambda: pane.source is not None)
            await pilot.pause()
            assert last in "\n".join(pane.view.visible_lines())
            if log is plain:
                assert backend.opened == ["open_now app.log -> tail"]
            else:
                assert backend.opened == ["open_now old.log.gz -> None", "open old.log.gz"]  # decompressed: its last line
    assert CountingLogs().open_now(bz, "old.log.bz2") is None  # bzip2 (and zstd, xz) too: by their magic bytes
    left = set((cache_dir() / "tmp").glob("gz-*")) - spools
    assert not left, f"open_now left a spool behind: {left}"
