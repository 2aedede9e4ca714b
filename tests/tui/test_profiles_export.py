"""The Profiles pane's `x`: the view as shown (sample type, filters) written under the state root
as an SVG flame graph, speedscope JSON and collapsed stacks; the status line says where."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from textual.widgets import DataTable

from m3tui.profiles.pprof import export
from m3tui.profiles.pprof.decode import load_file
from m3tui.profiles.pprof.graph import Filters
from tests.appkit import snapshot_app
from tests.tui.test_profiles_pane import open_profiles, write_profile


async def test_x_exports_the_filtered_view_and_says_where(tmp_path: Path, m3tui_home: Path) -> None:
    from m3tui.tui.widgets.help_screen import HelpScreen

    path = write_profile(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)
        await pilot.press("i")  # the other sample type: samples (count)
        await pilot.press("slash", *"json", "enter")  # focus on encoding/json.Marshal
        await app.workers.wait_for_complete()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        exports = m3tui_home / "exports"
        written = sorted(exports.iterdir())
        assert [p.suffix for p in written] == [".folded", ".json", ".svg"]
        assert all(p.name.startswith("cpu.pprof-samples-") for p in written)
        assert pane._status_text.startswith(f"exported to {exports}: ") and written[2].name in pane._status_text
        profile = load_file(path)
        index = profile.sample_index("samples")
        assert written[0].read_text() == export.collapsed(profile, index, Filters(focus="json"))
        assert sum(json.loads(written[1].read_text())["profiles"][0]["weights"]) == 38 + 22 + 12 + 6
        ET.parse(written[2])
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in written)

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {k.keys: k.description for k in app.screen.pane_keys}
        assert "speedscope" in rows.get("x", ""), rows
        await pilot.press("escape")
        await pilot.pause()

        pane.open_path(write_profile(tmp_path, "new.pprof"))
        await app.workers.wait_for_complete()
        pane.query_one("#prof-list", DataTable).move_cursor(row=0)
        await pilot.press("b")  # new.pprof minus cpu.pprof: no flame graph to export, one red line
        await app.workers.wait_for_complete()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "diff cannot be exported" in pane._status_text
        assert len(list(exports.iterdir())) == 3
