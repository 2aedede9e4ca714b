"""The Profiles pane's filters are Go regexps, and a filter that matches nothing says so in the
status line with pprof's own words ("Focus expression matched no samples")."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.appkit import snapshot_app
from tests.tui.test_profiles_pane import open_profiles, write_profile


async def test_go_patterns_and_pprofs_no_match_warning_in_the_status_line(tmp_path: Path, m3tui_home: Path) -> None:
    path = write_profile(tmp_path)
    app = snapshot_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot, path)

        async def focus(value: str) -> None:
            await pilot.press("slash")
            pane.query_one("#prof-focus", Input).value = value
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()

        await focus(r"\Qjson.Marshal\E\z")  # Go's \Q…\E and \z (Python's re refused both)
        assert pane.report is not None and [r.name for r in pane.report.rows][:1] == ["encoding/json.Marshal"]
        assert "matched no samples" not in pane._status_text

        await focus(r"[[:upper:]]oSuch\pL")
        assert pane.report is not None and pane.report.rows == []
        assert pane._status_text.startswith("Focus expression matched no samples · ")

        await focus("a{1001}")  # refused as Go refuses it: a notification, the old filter stays
        assert pane.filters["focus"] == r"[[:upper:]]oSuch\pL"
