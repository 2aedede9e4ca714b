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


SECRET = "s3cret-pane-token"


def _all_text_under(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


@pytest.mark.slow
@pytest.mark.go  # the real Go builds the service
async def test_the_open_bar_fetches_from_a_real_service_behind_auth_with_seconds_and_a_hidden_header(
    tmp_path: Path, m3tui_home: Path
) -> None:
    """`o`, a URL; tab: the seconds; tab: the header (dots on screen), as `profile URL --seconds N
    --header 'Name: value'`; against tests/data/pprofserver built with the real Go, behind auth."""
    from m3tui.profiles.backend import LocalProfiles
    from tests.pprofserver import pprof_server
    from tests.screen import screen_text

    with pprof_server(tmp_path, header=f"Authorization: Bearer {SECRET}") as base:
        app = snapshot_app(profiles=LocalProfiles())
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_profiles(pilot)
            line = pane.query_one("#prof-fetch")

            async def fetched() -> None:
                for _ in range(3):
                    await app.workers.wait_for_complete()
                    await pilot.pause()

            await pilot.press("o", *f"{base}/debug/pprof/heap", "enter")  # no header: the service says 401
            await fetched()
            assert "401" in str(line.render()) and pane.current is None
            assert not pane.query_one("#prof-opener").display

            await pilot.press("o")
            assert app.focused is not None and app.focused.id == "prof-open"
            assert pane.query_one("#prof-open", Input).value == f"{base}/debug/pprof/heap", "kept for a retry"
            await pilot.press("tab")
            assert app.focused is pane.query_one("#prof-open-seconds")
            await pilot.press("tab")
            assert app.focused is pane.query_one("#prof-open-header")
            await pilot.press(*"Authorization Bearer", "enter")  # no colon: said, the value unsaid, nothing sent
            await pilot.pause()
            assert app.focused is pane.query_one("#prof-open-header") and pane.current is None
            notes = [str(n.message) for n in app._notifications]
            assert any(m.startswith("header must be 'Name: value'") for m in notes), notes
            pane.query_one("#prof-open-header", Input).value = ""
            await pilot.press(*f"Authorization: Bearer {SECRET}")
            await pilot.pause()
            assert SECRET not in screen_text(app) and "•" * 10 in screen_text(app), "the header shows as dots"
            await pilot.press("enter")
            await fetched()
            assert pane.current is not None and pane.current.label.startswith(f"heap {base.split('//')[1]} ")
            assert pane.current.profile is not None and "Showing nodes accounting for" in pane._status_text
            assert pane.current.path.is_relative_to(m3tui_home)

            # The CPU profile for the seconds typed (the same host: the header stays).
            await pilot.press("o", *f"{base}/debug/pprof/profile", "tab", "1", "enter")
            await fetched()
            assert pane.current.label.startswith("cpu "), pane.current.label
            meta = (pane.current.path.parent / "fetch.json").read_text()
            assert "/debug/pprof/profile?seconds=1" in meta

            # Another host: the header is cleared, not sent there.
            fetches = len(list((m3tui_home / "fetched").iterdir()))
            await pilot.press("o", *f"http://localhost:{base.rsplit(':', 1)[1]}/debug/pprof/heap", "enter")
            await fetched()
            assert pane.query_one("#prof-open-header", Input).value == "" and pane.query_one("#prof-opener").display
            notes = [str(n.message) for n in app._notifications]
            assert any(m.startswith(f"The header was typed for 127.0.0.1:{base.rsplit(':', 1)[1]}, not localhost:")
                       for m in notes), notes  # fmt: skip
            assert app.focused is pane.query_one("#prof-open-header")
            assert len(list((m3tui_home / "fetched").iterdir())) == fetches
            await pilot.press("escape")
            await pilot.pause()
            assert not pane.query_one("#prof-opener").display and app.focused is pane.focus_target()

    assert SECRET not in _all_text_under(m3tui_home), "the header is never stored (nor logged)"


@pytest.mark.slow
@pytest.mark.go  # the real Go builds the service
async def test_the_open_bar_sends_several_headers_each_checked_none_shown(tmp_path: Path, m3tui_home: Path) -> None:
    """The header field takes several ("A: 1; B: 2"), as the CLI's repeated --header: a service
    that wants two refuses one (401); a bad second one is named by its number, not its value; both
    sent, the profile opens; neither is shown or stored."""
    from m3tui.profiles.backend import LocalProfiles
    from tests.pprofserver import pprof_server
    from tests.screen import screen_text

    with pprof_server(tmp_path, header=["X-Team: perf", f"Authorization: Bearer {SECRET}"]) as base:
        app = snapshot_app(profiles=LocalProfiles())
        async with app.run_test(size=(80, 24)) as pilot:
            pane = await open_profiles(pilot)
            line = pane.query_one("#prof-fetch")
            header = pane.query_one("#prof-open-header", Input)

            async def fetched() -> None:
                for _ in range(3):
                    await app.workers.wait_for_complete()
                    await pilot.pause()

            await pilot.press("o", *f"{base}/debug/pprof/heap", "tab", "tab", *f"Authorization: Bearer {SECRET}", "enter")
            await fetched()
            assert "401" in str(line.render()) and pane.current is None, "one of the two: refused"

            await pilot.press("o", "tab", "tab")
            assert app.focused is header
            header.value = ""
            await pilot.press(*f"X-Team: perf; Authorization Bearer {SECRET}", "enter")  # the second has no colon
            await pilot.pause()
            assert app.focused is header and pane.current is None
            notes = [str(n.message) for n in app._notifications]
            assert any(m.startswith("header 2 of 2 must be 'Name: value'") for m in notes), notes
            assert not any(SECRET in m for m in notes)

            header.value = ""
            await pilot.press(*f"X-Team: perf; Authorization: Bearer {SECRET}")
            await pilot.pause()
            assert SECRET not in screen_text(app) and "perf" not in screen_text(app), "the headers show as dots"
            await pilot.press("enter")
            await fetched()
            assert pane.current is not None and pane.current.label.startswith(f"heap {base.split('//')[1]} ")
            assert pane.current.profile is not None and "Showing nodes accounting for" in pane._status_text
            assert SECRET not in screen_text(app)

    assert SECRET not in _all_text_under(m3tui_home), "the headers are never stored (nor logged)"
