"""The Versions pane: lists from the services, install progress and errors, use, filter."""

from __future__ import annotations

from textual.widgets import DataTable, Input, ProgressBar, Static

from m3tui.tui.panes.versions import VersionsPane

from tests.appkit import M3_INSTALLS, FixedVersionsBackend, settle, snapshot_app


async def open_versions(pilot) -> VersionsPane:
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.main_screen.query_one(VersionsPane)


async def test_lists_installed_and_stable_releases() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        installed = pane.query_one("#installed", DataTable)
        assert installed.row_count == len(M3_INSTALLS)
        remote = pane.query_one("#remote", DataTable)
        versions = [remote.get_row_at(i)[0] for i in range(remote.row_count)]
        assert "go1.28rc1" not in versions and versions[0] == "go1.27.3"
        assert "go1.25.0" in str(pane.query_one("#project-panel", Static).render())
        assert app.focused is installed


async def test_filter_shows_prereleases_when_asked() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"1.28")
        remote = pane.query_one("#remote", DataTable)
        assert [remote.get_row_at(i)[0] for i in range(remote.row_count)] == ["go1.28rc1"]
        await pilot.press("q")  # typed into the filter, not a quit
        assert app.is_running
        await pilot.press("escape")
        assert remote.row_count == 5


async def test_install_shows_progress_then_refreshes() -> None:
    backend = FixedVersionsBackend(install_outcome="wait")
    app = snapshot_app(versions=backend)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "down", "i")
        await pilot.pause(0.2)
        bar = pane.query_one("#install-progress", ProgressBar)
        assert bar.display and bar.progress == 31_457_280
        assert "download go1.27.2" in str(pane.query_one("#install-status", Static).render())
        assert pane.installing == "go1.27.2"
        backend.release_install.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not bar.display and pane.installing is None
        assert "installed go1.27.2" in str(pane.query_one("#install-status", Static).render())


async def test_install_error_is_one_line_and_nothing_hangs() -> None:
    app = snapshot_app(versions=FixedVersionsBackend(install_outcome="fail"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(pane.query_one("#install-status", Static).render())
        assert status.startswith("install of go1.27.3 failed: checksum mismatch")
        assert pane.installing is None


async def test_use_on_another_managers_version_says_what_it_wants() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_versions(pilot)
        await pilot.press("down", "u")  # go1.24.2 from Homebrew
        await pilot.pause()
        assert any("managed by homebrew" in n.message and "brew" in n.message for n in app._notifications)


async def test_sizes_fill_in_after_the_list_and_prune_says_what_it_freed() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        table = pane.query_one("#installed", DataTable)
        assert table.get_row_at(0)[4] == "263.0 MiB"
        await pilot.press("x")
        await pilot.pause()
        assert any("freed 241.0 MiB" in n.message for n in app._notifications)


async def test_j_and_k_move_in_the_focused_table() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        table = pane.query_one("#installed", DataTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1


async def test_remove_runs_in_a_worker_and_reports_the_space_freed() -> None:
    app = snapshot_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("d")  # go1.27.3 in m3tui's store, the current version: asks first
        await pilot.pause()
        assert any("go1.27.3 is the current version: press d again" in n.message for n in app._notifications)
        assert "removing" not in str(pane.query_one("#install-status", Static).render())
        await pilot.press("d")
        await pilot.pause(0.01)
        assert "removing go1.27.3" in str(pane.query_one("#install-status", Static).render())
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("removed go1.27.3, freed 263.0 MiB" in n.message for n in app._notifications)


class BuggyVersionsBackend(FixedVersionsBackend):
    """A backend whose install has a bug (not an M3tuiError), with a credential in its message."""

    async def install(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("https://u:s3cr3t@mirror/go.tgz")


async def test_a_bug_in_a_pane_is_an_internal_error_line_and_a_crash_log(m3tui_home) -> None:
    app = snapshot_app(versions=BuggyVersionsBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_versions(pilot)
        await pilot.press("tab", "i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running  # the pane said it; the app goes on
        status = str(pane.query_one("#install-status", Static).render())
        assert status.startswith("install of go1.27.3 failed: internal error: KeyError:") and "s3cr3t" not in status
        assert f"details in {m3tui_home / 'crash.log'}" in status
        assert "raise KeyError" in (m3tui_home / "crash.log").read_text()
        assert all("s3cr3t" not in n.message for n in app._notifications)
