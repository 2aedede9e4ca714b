"""The TUI's start-up runs without the cyclic garbage collector (cli/main.py run_tui pauses it);
the first paint turns it back on, with what the start-up made frozen (never scanned again)."""

from __future__ import annotations

import gc

from m3tui.core.config import load_config
from m3tui.tui.app import M3tuiApp
from tests.appkit import fixed_doctor, fixed_probe
from tests.wait import eventually


async def test_the_first_paint_turns_the_paused_collector_back_on() -> None:
    app = M3tuiApp(config=load_config(), toolchain_probe=fixed_probe, doctor=fixed_doctor)
    frozen = gc.get_freeze_count()
    gc.disable()  # as run_tui does
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await eventually(gc.isenabled)
            await pilot.pause()
            assert gc.get_freeze_count() > frozen  # the start-up's objects are left out of later collections
    finally:
        gc.enable()
        gc.unfreeze()
