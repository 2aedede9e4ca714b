"""`m3tui logs FILE`: the file's tail is on screen from the first frame that shows the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from m3tui.core.config import load_config
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
