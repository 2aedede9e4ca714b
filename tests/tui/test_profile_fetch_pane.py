"""The Profiles pane's `o` with a URL: fetched through the backend (the fixed one: a 30 s CPU
profile that runs until stopped, or a profile file handed back), a progress line, esc cancels."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from m3tui.profiles.fetch import FetchedProfile
from tests.appkit import FixedProfilesBackend, m3_cpu_profile_bytes, snapshot_app
from tests.tui.test_profiles_pane import open_profiles


@pytest.mark.slow
async def test_a_url_is_fetched_with_progress_esc_cancels_then_it_opens(tmp_path: Path) -> None:
    backend = FixedProfilesBackend()
    app = snapshot_app(profiles=backend)
    url = "http://127.0.0.1:6060/debug/pprof/profile"
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_profiles(pilot)
        await pilot.press("o")
        assert isinstance(app.focused, Input) and app.focused.id == "prof-open"
        await pilot.press(*url, *" --seconds 20", "enter")  # the pane's --seconds, as the CLI's
        line = pane.query_one("#prof-fetch")
        for _ in range(40):  # the progress line counts the seconds
            await pilot.pause(0.05)
            if "/20 s" in str(line.render()):
                break
        assert line.display and f"fetching {url}?seconds=20" in str(line.render())
        assert "/20 s · esc cancels" in str(line.render())
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "stopped" in str(line.render()) and not line.running
        assert pane.current is None  # nothing opened

        path = tmp_path / "cpu.pprof"
        path.write_bytes(m3_cpu_profile_bytes())
        backend.fetch_result = FetchedProfile(path, url, "cpu", "2026-12-05T10:41:07+00:00", "x", path.stat().st_size)
        await pilot.press("o", *url, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.current is not None and pane.current.path == path
        assert pane.current.label.startswith("cpu 127.0.0.1:6060 ")
        assert pane.current.profile is not None and not line.display
        assert "Showing nodes accounting for" in pane._status_text
